"""lrcourse: the helper package behind the learning-rate schedules course.

Everything a lesson calls lives here, is tested, and is exported at the top level::

    import lrcourse as lc
    lc.lr_curve("CosineAnnealingLR", 100, lr=0.1, T_max=100)
"""

# --- schedules (closed forms, registry, modern factor functions) ---
from .registry import Param, ScheduleInfo
from .schedules import (
    COMBINABLE,
    MODERN,
    SCHEDULES,
    TORCH_SCHEDULERS,
    Factor,
    constant_with_warmup,
    cosine_with_warmup,
    inverse_sqrt,
    linear_with_warmup,
    lr_curve,
    momentum_curve,
    schedule_names,
    warmup_stable_decay,
)

# --- reference (stepping the real torch schedulers) ---
from .reference import make_optimizer, make_scheduler, momentum_curve_torch, torch_lr_curve

# --- plotting and widgets ---

# --- data, models, training ---

# --- exercises ---

__version__ = "0.1.0"
