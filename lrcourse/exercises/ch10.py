"""Chapter 10 (weight decay and the learning rate): checkers for the exercises."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from torch import nn

from ..decay import cumulative_shrink, decay_half_life, split_decay
from ..schedules import lr_curve
from ..validation import as_int, as_real, fail
from ._common import close, positive, report, unit, wrong_number

__all__ = ["check_cosine_shrink", "check_half_life", "check_matched_decay", "check_no_decay"]


def _decay(name: str, value: Any) -> float:
    return as_real(name, value, low=0.0, low_open=True)


def check_half_life(answer: float, *, lr: float = 0.05, weight_decay: float = 1e-3) -> bool:
    r"""Exercise: the number of plain-SGD steps at a constant ``lr`` after which weight decay
    alone has halved a weight that gets no gradient: :math:`\ln 2 / -\ln(1 - \eta\lambda)`
    (:func:`lrcourse.decay_half_life`); :math:`\ln 2 / (\eta\lambda)` is accepted.

    Example::

        >>> check_half_life(13863)
        Correct! ...
        True
    """
    got = positive("answer", answer)
    lr = positive("lr", lr)
    wd = _decay("weight_decay", weight_decay)
    right = decay_half_life(lr, wd)  # refuses lr * wd >= 1
    rate = lr * wd
    if close(got, right, 0.005):
        return report(
            True,
            f"{right:,.0f} steps: each step keeps 1 - lr*wd = {1 - rate:g} of the weight, and "
            f"ln 2 / (lr*wd) = {math.log(2) / rate:,.0f} is the same to within "
            f"{abs(math.log(2) / rate / right - 1):.1e}.",
        )
    known = [
        (
            1 / rate,
            "1 / (lr*wd) is the time constant: after it the weight is at 1/e = 0.37 "
            "of its start, not at half. Halving takes ln 2 = 0.69 of it.",
        ),
        (
            0.5 / rate,
            "The shrink is not linear (losing lr*wd of the *start* each step): each "
            "step keeps a fraction 1 - lr*wd of what is left, so the weight decays "
            "exponentially. Solve (1 - lr*wd)^t = 1/2.",
        ),
        (math.log(2) / wd, "You left out the LR: the step shrinks by lr*wd, not by wd."),
        (math.log(2) / lr, "You left out the weight decay: the step shrinks by lr*wd."),
        (
            math.log(2) * 0.1 / rate,
            "That is the half-life with momentum 0.9 (about ten times "
            "faster); this question is about plain SGD.",
        ),
    ]
    return wrong_number(
        got, right, known, 0.01, "solve (1 - lr*wd)^t = 1/2 for t, or call lc.decay_half_life."
    )


def check_cosine_shrink(
    answer: float, *, steps: int = 1000, lr: float = 0.1, weight_decay: float = 5e-3
) -> bool:
    r"""Exercise: the factor :math:`\prod_t (1 - \eta_t\lambda)` that weight decay alone leaves
    of a weight after ``steps`` steps of ``CosineAnnealingLR(T_max=steps)`` from ``lr``
    (plain SGD or AdamW; :func:`lrcourse.cumulative_shrink`).

    Example::

        >>> check_cosine_shrink(0.7788)
        Correct! ...
        True
    """
    got = unit("answer", answer)
    steps = as_int("steps", steps, low=1)
    lr = positive("lr", lr)
    wd = _decay("weight_decay", weight_decay)
    lrs = lr_curve("CosineAnnealingLR", steps, lr=lr, T_max=steps)
    right = float(cumulative_shrink(lrs, wd)[-1])
    if close(got, right, 1e-3):
        constant = (1 - lr * wd) ** steps
        return report(
            True,
            f"{right:.4f} of the weight is left (a constant LR would leave {constant:.4f}): "
            "the cosine's average LR is half its peak, so it delivers about half the "
            f"decay, exp(-lr*wd*steps/2) = {math.exp(-lr * wd * steps / 2):.4f}.",
        )
    known = [
        (
            (1 - lr * wd) ** steps,
            "That is a constant LR. Under the cosine the LR, and with it "
            "the decay per step lr_t*wd, falls to 0: on average it is half the peak.",
        ),
        (
            1 - lr * wd * steps / 2,
            "The factors multiply: the shrink is exponential, not a sum subtracted from 1.",
        ),
        (
            1 - lr * wd * steps,
            "The factors multiply, and the LR is not constant: compute "
            "prod(1 - lr_t*wd) over the cosine's LRs.",
        ),
        (
            float(cumulative_shrink(lrs[: steps // 2], wd)[-1]),
            "That is only the first half of the run.",
        ),
    ]
    return wrong_number(
        got,
        right,
        known,
        2e-3,
        "lc.cumulative_shrink(lc.lr_curve('CosineAnnealingLR', steps, lr=lr, T_max=steps), "
        "wd)[-1].",
    )


def _matched(steps: int, lr: float, wd: float) -> float:
    """The wd a cosine from ``lr`` needs to leave the factor a constant ``lr`` with ``wd``
    leaves after ``steps`` steps (bisection on :func:`cumulative_shrink`)."""
    target = math.log1p(-lr * wd) * steps
    lrs = lr_curve("CosineAnnealingLR", steps, lr=lr, T_max=steps)
    lo, hi = wd, min(4 * wd, 0.999 / lr)
    for _ in range(100):
        mid = (lo + hi) / 2
        if math.log(cumulative_shrink(lrs, mid)[-1]) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def check_matched_decay(
    answer: float, *, steps: int = 1000, lr: float = 0.1, weight_decay: float = 5e-4
) -> bool:
    r"""Exercise: a run used a constant ``lr`` with ``weight_decay`` for ``steps`` steps; it
    is switched to ``CosineAnnealingLR(T_max=steps)`` from the same ``lr``. Which weight decay
    makes decay alone leave the same factor at the end as before? (About twice the old one.)

    Example::

        >>> check_matched_decay(1e-3)
        Correct! ...
        True
    """
    got = _decay("answer", answer)
    steps = as_int("steps", steps, low=1)
    lr = positive("lr", lr)
    wd = _decay("weight_decay", weight_decay)
    if lr * wd * 2 >= 1:
        raise fail("weight_decay", f"< 1 / (2 lr) = {1 / (2 * lr):g}", wd)
    right = _matched(steps, lr, wd)
    if close(got, right, 0.01):
        return report(
            True,
            f"weight_decay = {right:.4g}, {right / wd:.3f} times the old {wd:g}: the cosine "
            "spends half the LR budget, so keeping weight_decay constant would have halved "
            "the decay.",
        )
    known = [
        (
            wd,
            "Keeping weight_decay constant is the point of the question: the decay per step "
            "is lr_t*wd, and the cosine's lr_t averages half the peak, so the run would get about "
            "half the decay.",
        ),
        (
            wd / 2,
            "The wrong way round: less LR needs *more* weight decay for the same product lr_t*wd.",
        ),
    ]
    return wrong_number(
        got,
        right,
        known,
        0.02,
        "the total decay is about wd * sum(lr_t); the cosine's sum is half the constant's.",
        fmt=".3g",
    )


_NAME_RULE = "'bias' in name or 'norm' in name"


def check_no_decay(answer: Iterable[str], model: nn.Module | None = None) -> bool:
    """Exercise: the names of the parameters of ``model`` (default:
    ``lc.norm_mlp("batch")``) that should get no weight decay: every parameter of a
    normalisation layer and every bias, whatever they are called (:func:`lrcourse.split_decay`).

    Example::

        >>> check_no_decay(["bn1.weight", "bn1.bias", "fc2.bias"])
        Correct! ...
        True
    """
    if model is None:
        from ..weightdecay import norm_mlp

        model = norm_mlp("batch")
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        raise fail("answer", "a list (or set) of parameter names", answer)
    got = list(answer)
    if not all(isinstance(n, str) for n in got):
        raise fail("answer", "a list of parameter names (str)", got)
    split = split_decay(model)  # refuses a model that is not a Module
    names = [n for n, _ in model.named_parameters()]
    right = set(split.no_decay)
    chosen = set(got)
    if chosen == right:
        return report(
            True,
            f"{sorted(right)}: "
            + "; ".join(f"{n} is {why}" for n, why in sorted(split.no_decay.items())),
        )
    unknown = sorted(chosen - set(names))
    if unknown:
        return report(
            False,
            f"The model has no parameter {unknown[0]!r}. Its names are {names} "
            "(model.named_parameters()).",
        )
    by_name = {n for n in names if "bias" in n or "norm" in n}
    if chosen == by_name:
        missed = sorted(right - chosen)
        return report(
            False,
            f"That is the name rule ({_NAME_RULE}): it misses {missed}, parameters of a "
            f"{type(dict(model.named_modules())[missed[0].rsplit('.', 1)[0]]).__name__}. "
            "Decide by what a parameter is (its module, or ndim <= 1), not by its name.",
        )
    extra = sorted(chosen - right)
    if extra:
        return report(
            False,
            f"{extra[0]} is a weight matrix ({split.decay}): that is what weight decay is for.",
        )
    missing = sorted(right - chosen)
    return report(
        False,
        f"You left out {missing}. Hint: every parameter of a normalisation layer and every "
        "parameter with at most one dimension; check with lc.split_decay(model).",
    )
