"""Chapter 6 (warmup): checkers for the exercises."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..validation import as_callable, as_int, as_real
from ._common import close, evaluate, number, positive, report

__all__ = ["check_goyal_warmup", "check_rectifier_half", "check_warmup_lambda"]


def check_goyal_warmup(
    lr: float,
    start_factor: float,
    total_iters: int,
    *,
    base_lr: float = 0.1,
    k: int = 8,
    warmup_epochs: int = 5,
    steps_per_epoch: int = 100,
) -> bool:
    """Exercise: Goyal et al.'s gradual warmup with ``torch.optim.lr_scheduler.LinearLR``.

    The batch is ``k`` times the reference batch, so the target LR is ``k * base_lr``; the
    warmup starts at ``base_lr`` and reaches the target after ``warmup_epochs`` epochs, with
    the scheduler stepped per batch. Expected: the optimizer's ``lr = k * base_lr``,
    ``start_factor = 1 / k``, ``total_iters = warmup_epochs * steps_per_epoch``.

    Example::

        >>> check_goyal_warmup(0.8, 1 / 8, 500)
        Correct! ...
        True
    """
    base_lr, k = positive("base_lr", base_lr), as_int("k", k, low=2)
    warmup_epochs = as_int("warmup_epochs", warmup_epochs, low=1)
    steps_per_epoch = as_int("steps_per_epoch", steps_per_epoch, low=1)
    a_lr, a_start = number("lr", lr), number("start_factor", start_factor)
    a_iters = number("total_iters", total_iters)
    target, iters = k * base_lr, warmup_epochs * steps_per_epoch

    if a_start <= 0 or a_start > 1:
        return report(
            False,
            f"start_factor={a_start:g}: LinearLR needs 0 < start_factor <= 1 (torch raises "
            "ValueError otherwise). Goyal et al. do not start from 0 anyway: they start at the "
            "small-batch LR base_lr.",
        )
    if a_lr <= 0:
        return report(False, "the optimizer's lr must be positive.")
    if close(a_lr, base_lr, 1e-6):
        return report(
            False,
            f"lr={a_lr:g} is the small-batch LR. LinearLR ramps *up to* the optimizer's lr, so "
            f"the optimizer must hold the target k * base_lr = {target:g} (the linear scaling "
            "rule), and start_factor brings the first steps down to base_lr.",
        )
    if not close(a_lr, target, 1e-6):
        return report(
            False,
            f"lr={a_lr:g}: with a batch {k} times larger the linear scaling rule multiplies "
            f"the LR by {k}: the optimizer's lr is the value reached after warmup.",
        )
    start_lr = a_lr * a_start
    if not close(start_lr, base_lr, 1e-6):
        hint = (
            " That starts near 0, the tutorial version; Goyal et al. start at base_lr."
            if start_lr < base_lr / 2
            else ""
        )
        return report(
            False,
            f"the first step would use lr * start_factor = {start_lr:g}, not base_lr = "
            f"{base_lr:g}.{hint} Which start_factor makes {a_lr:g} * start_factor = {base_lr:g}?",
        )
    if a_iters == warmup_epochs:
        return report(
            False,
            f"total_iters={a_iters:g} counts epochs, but the scheduler is stepped after every "
            f"batch: the ramp would be over after {warmup_epochs} batches. Count steps: "
            "epochs * steps_per_epoch.",
        )
    if a_iters != round(a_iters) or a_iters < 1:
        return report(False, "total_iters must be a whole number of scheduler steps >= 1.")
    if abs(a_iters - iters) == 1:
        return report(
            True,
            f"lr={a_lr:g}, start_factor={a_start:g}, total_iters={a_iters:g}: one step off "
            f"{iters}, which no run will notice (LinearLR reaches the target at step "
            "total_iters).",
        )
    if a_iters != iters:
        return report(
            False,
            f"total_iters={a_iters:g}: the warmup should last {warmup_epochs} epochs of "
            f"{steps_per_epoch} steps = {iters} scheduler steps.",
        )
    return report(
        True,
        f"the optimizer holds k * base_lr = {target:g}; LinearLR starts it at "
        f"{target:g} * {a_start:.4g} = {base_lr:g} and reaches {target:g} after {iters} steps "
        f"({warmup_epochs} epochs), as in Goyal et al.'s gradual warmup.",
    )


def check_warmup_lambda(fn: Any, warmup_steps: int = 100, total_steps: int = 1000) -> bool:
    """Exercise: an ``lr_lambda`` for ``LambdaLR``: linear warmup over ``warmup_steps`` steps,
    then linear decay to 0 at ``total_steps`` (transformers' linear schedule), but whose first
    step does not use LR 0.

    Checked over steps ``0 .. total_steps - 1``: ``f(0)`` positive and at most ``2 / w``;
    linear and increasing up to 1 (reached by step ``w``), never above 1; then linear,
    decreasing, with ``f(total_steps - 1)`` small but positive.

    Example::

        >>> w, T = 100, 1000
        >>> check_warmup_lambda(lambda t: (t + 1) / w if t < w else (T - t) / (T - w))
        Correct! ...
        True
    """
    w = as_int("warmup_steps", warmup_steps, low=2)
    T = as_int("total_steps", total_steps, low=w + 2)
    as_callable("fn", fn, "a function step -> factor")
    f = evaluate(fn, T, "fn")
    if isinstance(f, str):
        return report(False, f + ".")
    if f[0] == 0:
        return report(
            False,
            "f(0) = 0: the first update uses LR 0 and changes nothing (the sources' t / w, "
            "and transformers' schedule). Shift the ramp by one step: (t + 1) / w.",
        )
    if f[0] < 0:
        return report(False, f"f(0) = {f[0]:g} is negative: the first step would go uphill.")
    if f[0] > 2.0 / w:
        return report(
            False,
            f"f(0) = {f[0]:g}: a warmup over {w} steps starts near 1/{w} = {1 / w:g}, not at "
            f"{f[0]:g}.",
        )
    if f.max() > 1 + 1e-9:
        k = int(np.argmax(f))
        return report(False, f"f({k}) = {f[k]:g} exceeds 1: the LR would overshoot the peak.")
    reached = np.flatnonzero(f >= 1 - 1e-9)
    if reached.size == 0 or reached[0] > w:
        where = "never" if reached.size == 0 else f"only at step {reached[0]}"
        return report(
            False,
            f"the factor reaches 1 {where}; the warmup should be over by step {w}. Check the "
            f"divisor of the ramp.",
        )
    peak = reached[0]
    ramp, decay = f[: peak + 1], f[max(peak, w) :]
    if np.any(np.diff(ramp) < -1e-12) or np.abs(np.diff(ramp, 2)).max(initial=0) > 1e-6:
        return report(False, f"the warmup (steps 0..{peak}) should be a straight, rising line.")
    if np.any(np.diff(decay) > 1e-12):
        return report(False, f"after step {w} the factor should only decrease.")
    if np.abs(np.diff(decay, 2)).max(initial=0) > 1e-6:
        return report(
            False,
            "the decay is not linear (a cosine or exponential is fine in practice, but this "
            "exercise asks for transformers' linear decay).",
        )
    if f[-1] <= 0:
        k = int(np.argmax(f <= 0))
        return report(
            False,
            f"the factor hits 0 at step {k}, before the run ends: the last steps are wasted. "
            f"It should reach 0 at step {T}, one step after the last one.",
        )
    if f[-1] > 2.0 / (T - w):
        return report(
            False,
            f"the last step still uses {f[-1]:.3g} of the peak: the decay should end at 0 at "
            f"step {T}, i.e. at about 1/{T - w} on step {T - 1}.",
        )
    return report(
        True,
        f"f(0) = {f[0]:g} > 0, peak 1 at step {peak}, linear decay to {f[-1]:.3g} on the last "
        "step: no update is wasted.",
    )


def check_rectifier_half(answer: float, beta2: float = 0.999, level: float = 0.5) -> bool:
    """Exercise: the first update ``t`` (counting from 1) at which RAdam's rectifier
    ``r_t`` reaches ``level``, for this ``beta2``. Expected: the smallest ``t`` with
    ``r_t >= level`` (see ``lc.radam_rectifier``).

    Example::

        >>> check_rectifier_half(556)
        Correct! ...
        True
    """
    from ..warmup import radam_rectifier

    beta2 = as_real("beta2", beta2, low=0.5, high=0.99999, low_open=True)
    level = as_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    a = number("answer", answer)
    horizon = int(40 / (1 - beta2)) + 10
    r = np.nan_to_num(radam_rectifier(np.arange(1, horizon + 1), beta2), nan=0.0)
    right = int(np.argmax(r >= level)) + 1
    untuned = level * 2 / (1 - beta2)
    if a == right:
        return report(
            True,
            f"r_{right} = {r[right - 1]:.4f} >= {level:g} > r_{right - 1} = {r[right - 2]:.4f}. "
            f"A linear warmup over 2/(1-beta2) = {2 / (1 - beta2):g} steps reaches {level:g} "
            f"only at step {untuned:g}: the rectifier rises faster early and slower late.",
        )
    if abs(a - right) == 1:
        return report(
            False,
            f"one step off: r_{int(a)} = {r[int(a) - 1]:.4f}. Count updates from t = 1, and "
            f"take the first t with r_t >= {level:g}.",
        )
    if close(a, untuned, 0.01):
        return report(
            False,
            f"{a:g} is where Ma & Yarats' linear warmup over 2/(1-beta2) steps reaches "
            f"{level:g}; the question asks about RAdam's r_t. Compute it from rho_t.",
        )
    if a < 1:
        return report(False, "updates are counted from t = 1.")
    side = "late" if a > right else "early"
    return report(
        False,
        f"t = {a:g} is too {side}. Hint: rho_inf = 2/(1-beta2) - 1, rho_t = rho_inf - "
        "2 t beta2^t / (1 - beta2^t), then r_t from the chapter's formula; evaluate it for "
        "t = 1, 2, ... with numpy and find the first t where it reaches the level.",
    )
