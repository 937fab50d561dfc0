"""Chapter 8 (custom and combined schedules): checkers for the exercises."""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.optim import lr_scheduler

from ..validation import as_callable, as_int, as_real
from ._common import (
    close,
    evaluate,
    first_mismatch,
    number,
    positive,
    report,
    wrong_number,
)

__all__ = ["check_chained_lr", "check_slanted_triangular", "check_warmup_cosine"]


# ----------------------------------------------------------------------------- exercise 1


def _warmup_cosine_curve(
    steps: int, lr: float, start_factor: float, total_iters: int, milestone: int, t_max: int
) -> np.ndarray:
    from ..schedules import lr_curve

    return lr_curve(
        "SequentialLR",
        steps,
        lr=lr,
        schedulers=[
            ("LinearLR", {"start_factor": start_factor, "total_iters": total_iters}),
            ("CosineAnnealingLR", {"T_max": t_max}),
        ],
        milestones=[milestone],
    )


def check_warmup_cosine(
    build: Callable[[torch.optim.Optimizer], Any],
    *,
    warmup: int = 20,
    total: int = 300,
    start_factor: float = 0.01,
    lr: float = 0.1,
) -> bool:
    """Exercise: ``build(optimizer)`` returns a scheduler whose LR starts at
    ``start_factor * lr``, rises linearly to ``lr`` at step ``warmup`` and follows a cosine
    down to exactly 0 at step ``total`` (``total`` calls to ``scheduler.step()``).

    The checker builds the scheduler on ``SGD(lr=lr)``, steps it ``total`` times and compares
    the ``total + 1`` LRs with ``SequentialLR([LinearLR(start_factor, total_iters=warmup),
    CosineAnnealingLR(T_max=total - warmup)], milestones=[warmup])``. Any scheduler giving that
    curve passes.

    Example::

        >>> check_warmup_cosine(lambda opt: lr_scheduler.SequentialLR(opt, [
        ...     lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=20),
        ...     lr_scheduler.CosineAnnealingLR(opt, T_max=280)], milestones=[20]))
        Correct! ...
        True
    """
    as_callable("build", build, "a function optimizer -> scheduler")
    total = as_int("total", total, low=2)
    warmup = as_int("warmup", warmup, low=1, high=total - 1)
    start_factor = as_real("start_factor", start_factor, low=0.0, high=1.0, low_open=True)
    lr = positive("lr", lr)

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    try:
        scheduler = build(optimizer)
    except Exception as err:  # a wrong answer, not nonsense input: report it
        return report(False, f"build(optimizer) raised {type(err).__name__}: {err}")
    if isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
        return report(
            False,
            "ReduceLROnPlateau reacts to a metric; this schedule is fixed in advance. "
            "Use LinearLR and CosineAnnealingLR inside a SequentialLR.",
        )
    if not isinstance(scheduler, lr_scheduler.LRScheduler):
        return report(
            False,
            f"build must return the scheduler (a torch.optim.lr_scheduler object), "
            f"got {type(scheduler).__name__}. Did you forget `return`?",
        )
    got = [optimizer.param_groups[0]["lr"]]
    try:
        with warnings.catch_warnings():  # e.g. a scheduler on another optimizer: judged below
            warnings.simplefilter("ignore")
            for _ in range(total):
                optimizer.step()
                scheduler.step()
                got.append(optimizer.param_groups[0]["lr"])
    except Exception as err:
        return report(False, f"stepping your scheduler raised {type(err).__name__}: {err}")
    got_arr = np.asarray(got, dtype=np.float64)
    want = _warmup_cosine_curve(total + 1, lr, start_factor, warmup, warmup, total - warmup)
    first = first_mismatch(got_arr, want)
    if first is None:
        return report(
            True,
            f"LR {got_arr[0]:.4g} at step 0, {got_arr[warmup]:.4g} at step {warmup} (the "
            f"milestone step already belongs to the cosine, at its epoch 0), 0 at step {total}: "
            f"the cosine runs T_max = total - warmup = {total - warmup} steps.",
        )
    if np.allclose(got_arr, lr):
        return report(
            False,
            "the LR never changed. Build the schedulers on the optimizer passed to build "
            "(not on a new one), and return the SequentialLR.",
        )
    mistakes = [
        (
            (warmup, warmup, total),
            f"the cosine's T_max is {total}, so it reaches 0 only at step {total + warmup}: "
            f"your LR at step {total} is {got_arr[-1]:.3g}, not 0. After the milestone the "
            f"cosine counts its own steps from 0: T_max = total - warmup.",
        ),
        (
            (warmup, warmup, total - warmup - 1),
            "the cosine reaches 0 one step early (T_max is one short) and then starts to "
            "climb back: T_max = total - warmup.",
        ),
        (
            (warmup, warmup, total - warmup + 1),
            "the cosine is one step too long (T_max one too many): T_max = total - warmup.",
        ),
    ]
    for shift in (-1, 1, -warmup // 2, warmup):
        iters = warmup + shift
        if iters >= 1 and iters != warmup:
            kind = "jumps up" if iters > warmup else "sits flat at the peak"
            mistakes.append(
                (
                    (iters, warmup, total - warmup),
                    f"LinearLR's total_iters is {iters} but the milestone is {warmup}: the LR "
                    f"{kind} at the switch. The warmup must end exactly at the milestone: "
                    f"total_iters = milestone = {warmup}.",
                )
            )
        if 1 <= iters < total and iters != warmup:
            mistakes.append(
                (
                    (warmup, iters, total - iters),
                    f"the milestone is {iters}, not {warmup}: the switch to the cosine must "
                    "happen where the warmup ends (milestones=[total_iters]).",
                )
            )
    for (iters, milestone, t_max), hint in mistakes:
        if 1 <= t_max and 1 <= milestone < total + 1:
            cand = _warmup_cosine_curve(total + 1, lr, start_factor, iters, milestone, t_max)
            if first_mismatch(got_arr, cand) is None:
                return report(False, hint)
    if not math.isclose(got_arr[0], start_factor * lr, rel_tol=1e-6):
        return report(
            False,
            f"step 0 should use start_factor * lr = {start_factor * lr:.4g}, yours uses "
            f"{got_arr[0]:.4g}. LinearLR's start_factor is a fraction of the base LR.",
        )
    where = "warmup" if first < warmup else "cosine"
    return report(
        False,
        f"the curves first differ at step {first} (in the {where}): expected "
        f"{want[first]:.4g}, got {got_arr[first]:.4g}. Plot both with "
        "lc.plot_curves({...}) to see where.",
    )


# ----------------------------------------------------------------------------- exercise 2


def slanted_triangular_factor(
    total: int = 1000, cut_frac: float = 0.1, ratio: float = 32.0
) -> np.ndarray:
    r"""ULMFiT's slanted triangular LR as a factor of the peak, at ``t = 0 .. total``.

    .. math:: c = \lfloor T\,\text{cut\_frac} \rfloor,\quad
              p = \begin{cases} t/c & t < c \\ 1 - \frac{t - c}{c\,(1/\text{cut\_frac} - 1)}
              & t \ge c \end{cases},\quad f = \frac{1 + p\,(\text{ratio} - 1)}{\text{ratio}}
    """
    cut = math.floor(total * cut_frac)
    t = np.arange(total + 1, dtype=np.float64)
    p = np.where(t < cut, t / cut, 1 - (t - cut) / (cut * (1 / cut_frac - 1)))
    return (1 + p * (ratio - 1)) / ratio


def check_slanted_triangular(
    lr_lambda: Callable[[int], float],
    *,
    total: int = 1000,
    cut_frac: float = 0.1,
    ratio: float = 32.0,
    lr: float = 0.01,
) -> bool:
    """Exercise: an ``lr_lambda`` for ``LambdaLR`` giving ULMFiT's slanted triangular LR
    (Howard and Ruder 2018) with peak ``lr``: ``lr_lambda(t)`` is the *factor*
    ``(1 + p (ratio - 1)) / ratio`` for ``t = 0 .. total`` (see
    ``slanted_triangular_factor``).

    Example::

        >>> check_slanted_triangular(lambda t: (1 + (t / 100 if t < 100 else
        ...     1 - (t - 100) / 900) * 31) / 32)
        Correct! ...
        True
    """
    as_callable("lr_lambda", lr_lambda, "a callable of the step")
    total = as_int("total", total, low=2)
    cut_frac = as_real("cut_frac", cut_frac, low=1.0 / total, high=1.0, high_open=True)
    ratio, lr = as_real("ratio", ratio, low=1.0), positive("lr", lr)
    want = slanted_triangular_factor(total, cut_frac, ratio)
    cut = math.floor(total * cut_frac)
    got = evaluate(lr_lambda, total + 1, "lr_lambda")
    if isinstance(got, str):
        return report(False, got + ".")
    if first_mismatch(got, want) is None:
        note = ""
        if isinstance(lr_lambda, types.FunctionType | types.LambdaType):
            note = (
                " Note: a plain function is not saved by LambdaLR.state_dict(); a callable "
                "object (a class with __call__) would be."
            )
        return report(
            True,
            f"factor {got[0]:.4g} at t=0, 1 at t={cut}, back to {got[-1]:.4g} at t={total}; "
            f"LambdaLR multiplies it by the base LR {lr:g}.{note}",
        )
    known = [
        (
            lr * want,
            f"you return the LR, not the factor: LambdaLR multiplies by the base LR {lr:g} "
            f"again, so the peak would be {lr:g}^2 = {lr * lr:.3g}. Return the factor.",
        ),
        (
            want * ratio,
            "missing the final division by ratio: the factor must peak at 1, not at ratio.",
        ),
        (
            np.concatenate((want[1:], [np.nan])),
            "your curve runs one step ahead: t counts scheduler.step() calls from 0.",
        ),
        (
            np.concatenate(([np.nan], want[:-1])),
            "your curve runs one step behind: t counts scheduler.step() calls from 0.",
        ),
    ]
    for candidate, hint in known:
        ok = np.isfinite(candidate)
        if np.allclose(got[ok], candidate[ok], rtol=1e-6, atol=1e-12):
            return report(False, hint)
    peak = int(np.argmax(got))
    if peak != cut:
        return report(
            False,
            f"the peak should be at t = floor(total * cut_frac) = {cut}, yours is at t={peak}.",
        )
    first = first_mismatch(got, want)
    return report(
        False,
        f"lr_lambda({first}) = {got[first]:.5g}, expected {want[first]:.5g}. Hint: p rises "
        f"t/cut to 1 at t=cut, then falls linearly back to 0 at t={total}.",
    )


# ----------------------------------------------------------------------------- exercise 3


def check_chained_lr(
    answer: float, *, step: int = 15, T_max: int = 10, gamma: float = 0.9, lr: float = 1.0
) -> bool:
    """Exercise: the LR of ``ChainedScheduler([CosineAnnealingLR(T_max), ExponentialLR(gamma)])``
    on ``SGD(lr=lr)`` after ``step`` calls to ``step()``, found by stepping torch.

    Past ``T_max`` (and up to ``3 T_max``) torch gives
    ``lr * (1 + cos(pi * step / T_max)) / 2 * gamma ** (step - T_max)``, not the product of the
    two schedulers' own curves.

    Example::

        >>> check_chained_lr(0.5 * 0.9**5)
        Correct! ...
        True
    """
    a = number("answer", answer)
    step, T_max = as_int("step", step, low=0), as_int("T_max", T_max, low=1)
    gamma = as_real("gamma", gamma, low=0.0, high=1.0, low_open=True)
    lr = positive("lr", lr)
    from ..reference import torch_lr_curve

    subs = [("CosineAnnealingLR", {"T_max": T_max}), ("ExponentialLR", {"gamma": gamma})]
    right = float(torch_lr_curve("ChainedScheduler", step + 1, lr=lr, schedulers=subs)[step])
    cosine = lr * (1 + math.cos(math.pi * step / T_max)) / 2
    product = cosine * gamma**step
    if close(a, right, 1e-3) or abs(a - right) < 1e-9 * lr:
        why = (
            "the cosine touched 0 at T_max, erasing the exponential's factor so far; "
            f"since then the factors multiply again: cosine x gamma^{step - T_max}."
            if step > T_max
            else "before T_max the cosine's update is a pure ratio, so the factors multiply."
        )
        return report(True, f"the LR is {right:.5g}: {why}")
    known = [
        (
            product,
            f"that is the naive product cosine x gamma^{step} = {product:.4g}. It holds only "
            "up to T_max: at T_max the chained LR is exactly 0, and 0 keeps no memory of "
            "the factors before it.",
        ),
        (
            cosine,
            "that is the cosine alone. ExponentialLR still multiplies the LR by gamma at "
            "every step after T_max.",
        ),
        (lr * gamma**step, "that is the exponential alone; the cosine factor is missing."),
        (
            cosine * gamma ** (step - T_max - 1),
            "one factor of gamma short: ExponentialLR also acts on the step right after T_max.",
        ),
        (
            lr * gamma ** (step - T_max),
            "the exponential part is right; multiply by the cosine's own value at this step.",
        ),
    ]
    return wrong_number(
        a,
        right,
        known,
        1e-3,
        f"follow the LR step by step through T_max = {T_max}; "
        "what is it at step T_max, and what does torch's cosine do on the next step?",
        skip_right=True,
    )
