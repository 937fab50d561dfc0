"""Learning-rate curves in closed form: pure numpy functions of the step.

One function, :func:`lr_curve`, gives the learning rate that a torch optimizer holds after
``k`` calls to ``scheduler.step()``, for every scheduler class of ``torch.optim.lr_scheduler``
and for the factor schedules torch lacks (warmup + cosine, inverse square root,
warmup-stable-decay, ...). :mod:`lrcourse.reference` computes the same curves by stepping
torch, and the tests hold the two equal.

Contract: element ``k`` of ``lr_curve(name, steps, lr=lr, **kwargs)`` is
``optimizer.param_groups[0]["lr"]`` after ``k`` calls to ``scheduler.step()`` on
``torch.optim.SGD(params, lr=lr, momentum=0.9)`` (element 0: right after construction).

Each schedule is defined once (:data:`SCHEDULES`, a :class:`~lrcourse.registry.ScheduleInfo`
per name) and the package splits by concern:

* :mod:`~lrcourse.schedules.factors`: factor schedules, pieces joined by one combinator;
* :mod:`~lrcourse.schedules.torch_schedulers`: torch's schedulers, closed forms and updates;
* :mod:`~lrcourse.schedules.cycles`: SGDR boundaries, OneCycleLR phases, CyclicLR's wave;
* :mod:`~lrcourse.schedules.plateau`: ReduceLROnPlateau's rule, step by step;
* :mod:`~lrcourse.schedules.compose`: SequentialLR and ChainedScheduler as affine maps;
* :mod:`~lrcourse.schedules.units`: what each argument counts, the same schedule per batch;
* :mod:`~lrcourse.schedules.api`: the registry, :func:`check_schedule`, :func:`lr_curve`.
"""

from .api import (
    COMBINABLE,
    MODERN,
    SCHEDULES,
    TORCH_SCHEDULERS,
    check_schedule,
    lr_curve,
    momentum_curve,
    schedule_names,
    schedule_spec,
)
from .factors import (
    Factor,
    cosine_with_warmup,
    inverse_sqrt,
    join,
    linear_warmup,
    linear_with_warmup,
    transformers_constant_with_warmup,
    transformers_cosine_warmup_with_min_lr,
    transformers_cosine_with_hard_restarts,
    transformers_cosine_with_warmup,
    transformers_inverse_sqrt,
    transformers_linear_with_warmup,
    transformers_polynomial_decay_with_warmup,
    transformers_warmup_stable_decay,
    untuned_linear_warmup,
    warmup_stable_decay,
)
from .units import NOT_CONVERTIBLE, per_batch, stepping_table

__all__ = [
    "NOT_CONVERTIBLE",
    "per_batch",
    "stepping_table",
    "COMBINABLE",
    "MODERN",
    "SCHEDULES",
    "TORCH_SCHEDULERS",
    "Factor",
    "check_schedule",
    "cosine_with_warmup",
    "inverse_sqrt",
    "join",
    "linear_warmup",
    "linear_with_warmup",
    "lr_curve",
    "momentum_curve",
    "schedule_names",
    "schedule_spec",
    "transformers_constant_with_warmup",
    "transformers_cosine_warmup_with_min_lr",
    "transformers_cosine_with_hard_restarts",
    "transformers_cosine_with_warmup",
    "transformers_inverse_sqrt",
    "transformers_linear_with_warmup",
    "transformers_polynomial_decay_with_warmup",
    "transformers_warmup_stable_decay",
    "untuned_linear_warmup",
    "warmup_stable_decay",
]
