"""Chapter 3 (step, multi-step, exponential and friends): checkers for the exercises."""

from __future__ import annotations

import math
from typing import Any

from ..validation import as_int
from ._common import (
    close,
    first_mismatch,
    misreading,
    number,
    number_list,
    positive,
    report,
    unit,
    wrong_number,
)

__all__ = ["check_exponential_gamma", "check_multiplicative_lr", "check_multistep_milestones"]


def check_exponential_gamma(gamma: float, factor: float = 1e-3, steps: int = 100) -> bool:
    r"""Exercise: the ``ExponentialLR`` gamma that lowers the LR by ``factor`` in ``steps`` calls
    to ``scheduler.step()``. Expected: ``gamma = factor ** (1 / steps)``, since
    :math:`\eta_k = \eta_0 \gamma^k`.

    Passes when ``gamma ** steps`` is within 2% of ``factor`` (a gamma rounded to 5 digits
    does).

    Example::

        >>> check_exponential_gamma(1e-3 ** (1 / 100))
        Correct! ...
        True
    """
    factor, steps = unit("factor", factor), as_int("steps", steps, low=2)
    g = number("gamma", gamma)
    right = factor ** (1.0 / steps)
    if 0 < g < 1 and abs(steps * math.log(g) - math.log(factor)) < 0.02:
        return report(
            True,
            f"gamma = factor**(1/steps) = {right:.6g}: after {steps} steps the LR is "
            f"gamma**{steps} = {g**steps:.4g} times the start. Its half-life is "
            f"ln 2 / ln(1/gamma) = {math.log(2) / -math.log(right):.1f} steps.",
        )
    if g <= 0:
        return report(False, "gamma must be positive: it multiplies the LR at every step.")
    if g >= 1:
        grows = "keeps the LR constant" if g == 1 else "makes the LR grow at every step"
        return report(
            False,
            f"gamma = {g:g} {grows}; a decay needs 0 < gamma < 1. Hint: eta_k = eta_0 * gamma**k.",
        )
    known = [
        (
            factor ** (1.0 / (steps - 1)),
            f"off by one: that gamma reaches {factor:g} after {steps - 1} steps. Element k of "
            f"the curve is the LR after k calls to step(), so the LR after {steps} calls is "
            f"eta_0 * gamma**{steps}.",
        ),
        (
            factor,
            f"gamma is the factor applied at *every* step, not the total: with gamma = {factor:g} "
            f"the LR is {factor:g} times the start after one step and {factor**2:.0e} after two.",
        ),
        (
            1.0 - (1.0 - factor) / steps,
            f"subtracting the same fraction of the start each step is a *linear* decay. "
            f"ExponentialLR multiplies: your gamma leaves the LR at {g**steps:.3g} times the "
            f"start after {steps} steps, not {factor:g}.",
        ),
        (
            1.0 - factor / steps,
            f"that shaves only {factor / steps:g} off per step, so after {steps} steps the LR "
            f"is still {g**steps:.3g} times the start. Solve gamma**{steps} = {factor:g}.",
        ),
        (
            math.exp(math.log(factor) / steps**2),
            "one power too many: gamma**steps = factor gives gamma = factor**(1/steps).",
        ),
    ]
    if hint := misreading(g, known, 1e-4):
        return report(False, hint)
    side = "too slowly" if g**steps > factor else "too fast"
    return report(
        False,
        f"with gamma = {g:g} the LR falls {side}: after {steps} steps it is {g**steps:.3g} "
        f"times the start, not {factor:g}. Hint: solve gamma**{steps} = {factor:g} for gamma.",
    )


# ----------------------------------------------------------------------------- MultiStepLR

_LOG_LR = 0.1
_LOG_STEPS = 120
_LOG_MILESTONES = (30, 60, 60, 90)
_LOG_GAMMA = 0.1


def check_multistep_milestones(milestones: Any, gamma: float) -> bool:
    r"""Exercise: the ``MultiStepLR(milestones, gamma)`` (base LR 0.1) that reproduces the logged
    curve over 120 steps: 0.1 for steps 0-29, 0.01 for 30-59, 0.0001 for 60-89, 0.00001 from 90.

    :math:`\eta_k = \eta_0\,\gamma^{\#\{m \in M : m \le k\}}`, a repeated milestone
    counting once per repeat. Any answer whose curve matches passes (order does not matter).

    Example::

        >>> check_multistep_milestones([30, 60, 60, 90], 0.1)
        Correct! ...
        True
    """
    from ..schedules import lr_curve

    values = number_list(
        "milestones", sorted(milestones) if isinstance(milestones, set | frozenset) else milestones
    ).tolist()
    g = number("gamma", gamma)
    target = lr_curve(
        "MultiStepLR", _LOG_STEPS, lr=_LOG_LR, milestones=list(_LOG_MILESTONES), gamma=_LOG_GAMMA
    )
    if not values:
        return report(False, "no milestones: the LR would never change. List the drop steps.")
    if not 0 < g < 1:
        return report(False, f"gamma = {g:g}: a drop needs 0 < gamma < 1 (it multiplies the LR).")
    fractional = [m for m in values if m != int(m)]
    if fractional:
        return report(
            False,
            f"milestone {fractional[0]:g} is not a whole step. torch compares milestones with the "
            "integer step count, so it would silently never fire. Use integers.",
        )
    if any(m < 0 for m in values):
        return report(False, "milestones count scheduler.step() calls: they cannot be negative.")
    ints = sorted(int(m) for m in values)
    mine = lr_curve("MultiStepLR", _LOG_STEPS, lr=_LOG_LR, milestones=ints, gamma=g)
    k = first_mismatch(mine, target, rtol=1e-9, atol=0.0)
    if k is None:
        shuffled = isinstance(milestones, list | tuple) and values != sorted(values)
        note = " (listed out of order, which torch accepts)" if shuffled else ""
        return report(
            True,
            f"MultiStepLR(milestones={ints}, gamma={g:g}) matches the log{note}. The 100x drop "
            "at step 60 needs gamma twice there: torch counts a repeated milestone once per "
            "repeat.",
        )
    if g == _LOG_GAMMA and ints == sorted(set(_LOG_MILESTONES)):
        return report(
            False,
            "the drops are in the right places, but the one at step 60 is 100x (0.01 -> 0.0001), "
            "and gamma is 0.1. Hint: a milestone that appears twice applies gamma twice.",
        )
    if ints == sorted(m - 1 for m in _LOG_MILESTONES) or ints == sorted(
        m + 1 for m in _LOG_MILESTONES
    ):
        return report(
            False,
            "off by one: milestone m takes effect at step m, i.e. after m calls to "
            "scheduler.step(). Use the first step at which the new LR appears in the log.",
        )
    return report(
        False,
        f"the curves first differ at step {k}: yours gives {mine[k]:.3g}, the log says "
        f"{target[k]:.3g}. Hint: plot lc.lr_curve('MultiStepLR', 120, lr=0.1, milestones=..., "
        "gamma=...) next to the log.",
    )


# ----------------------------------------------------------------------------- MultiplicativeLR


def check_multiplicative_lr(
    answer: float, lr: float = 0.1, factor: float = 0.95, k: int = 10
) -> bool:
    r"""Exercise: the LR after ``k`` calls to ``step()`` of
    ``MultiplicativeLR(optimizer, lr_lambda=lambda s: factor ** s)`` at base LR ``lr``.

    MultiplicativeLR multiplies the *current* LR by ``lr_lambda(s)`` at call ``s = 1, 2, ...``,
    so :math:`\eta_k = \eta_0 \prod_{s=1}^{k} f(s) = \eta_0\, \text{factor}^{k(k+1)/2}`.

    Example::

        >>> check_multiplicative_lr(0.1 * 0.95 ** 55)
        Correct! ...
        True
    """
    lr, factor, k = positive("lr", lr), unit("factor", factor), as_int("k", k, low=2)
    a = number("answer", answer)
    n = k * (k + 1) // 2
    right = lr * factor**n
    if close(a, right, 1e-3):
        return report(
            True,
            f"{lr:g} * {factor:g}**(1+2+...+{k}) = {lr:g} * {factor:g}**{n} = {right:.4g}. "
            "lr_lambda returns the factor for *this* step, and the factors compound.",
        )
    if a <= 0:
        return report(False, "a product of positive factors times a positive LR is positive.")
    known = [
        (
            lr * factor**k,
            f"{lr:g} * {factor:g}**{k} is what LambdaLR (or ExponentialLR(gamma={factor:g})) "
            "would give. MultiplicativeLR multiplies the current LR by lr_lambda(s) at every "
            "step s, so here the exponents add up: 1 + 2 + ... + k.",
        ),
        (
            lr * factor ** (k * (k - 1) // 2),
            "close: the first step calls lr_lambda(1), not lr_lambda(0) (the constructor "
            "does not multiply). Sum the exponents from 1 to k.",
        ),
        (
            lr * factor ** (k * (k + 1)),
            "the exponent is 1 + 2 + ... + k = k(k+1)/2: you dropped the /2.",
        ),
        (
            lr * factor ** (k * k),
            "the exponents are 1, 2, ..., k: they sum to k(k+1)/2, not k^2.",
        ),
        (
            factor**n,
            f"that is the factor; the LR is the base LR {lr:g} times it.",
        ),
    ]
    return wrong_number(
        a,
        right,
        known,
        1e-3,
        f"write out the first three steps: the LR after step 1 is {lr:g} * f(1), after step 2 "
        f"{lr:g} * f(1) * f(2), ... Then check with "
        f"lc.lr_curve('MultiplicativeLR', {k + 1}, lr={lr:g}, lr_lambda=...).",
    )
