"""Chapter 1 (why schedule): checkers for the exercises."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..validation import as_int, as_real, fail
from ._common import close, misreading, number, number_list, positive, report, wrong_number

__all__ = ["check_decay_schedule", "check_noise_floor", "check_stability_limit"]


def check_stability_limit(answer: float, mu: float = 2.0, L: float = 50.0) -> bool:
    """Exercise: the largest constant LR for which gradient descent converges on the bowl
    ``f = (mu * x**2 + L * y**2) / 2``. Expected: ``2 / L``.

    Example::

        >>> check_stability_limit(2 / 50)
        Correct! ...
        True
    """
    L = positive("L", L)
    mu = positive("mu", mu)
    if mu > L:
        raise fail("mu", f"the shallow curvature, <= L={L:g}", mu)
    a = number("answer", answer)
    right = 2.0 / L
    if close(a, right, 1e-3):
        return report(
            True,
            f"2/L = {right:g}. Each step multiplies the steep coordinate by (1 - lr*L); "
            f"at lr = 2/L that factor reaches -1, and beyond it the zig-zag grows.",
        )
    if a <= 0:
        return report(False, "a learning rate must be positive (lr <= 0 goes nowhere or uphill).")
    known = {
        2.0 / mu: "That is 2/mu, the limit of the shallow direction alone. The steep "
        "direction (curvature L) becomes unstable much earlier: which factor "
        "|1 - lr*lambda| reaches 1 first?",
        1.0 / L: "That is 1/L: the LR that solves the steep direction in one step "
        "(1 - lr*L = 0). Above it the steep coordinate flips sign each step but still "
        "shrinks, as long as |1 - lr*L| < 1.",
        2.0 / (L + mu): "That is 2/(L+mu), the best constant LR (fastest worst-case "
        "contraction), not the largest stable one.",
        1.0 / mu: "That is 1/mu, the one-step LR for the shallow direction; the steep "
        "direction already diverges there.",
        L / 2.0: "That is L/2: the fraction is upside down.",
        2.0 / math.sqrt(L): "That is 2/sqrt(L): no square root is needed; one GD step scales "
        "the error by (1 - lr*lambda).",
    }
    if hint := misreading(a, known.items(), 1e-3):
        return report(False, hint)
    side = "too large: that LR diverges" if a > right else "stable, but not the largest"
    return report(
        False,
        f"{a:g} is {side}. Hint: write one step per direction as "
        "theta <- (1 - lr*lambda) * theta and ask when |1 - lr*lambda| < 1 for both curvatures.",
    )


def check_noise_floor(
    answer: float,
    lr: float = 0.02,
    dim: int = 40,
    batch_size: int = 10,
    noise: float = 0.5,
) -> bool:
    """Exercise: predict the excess loss at which constant-LR SGD settles on
    ``teacher_student_stream(dim, batch_size, noise)``.

    Expected (first order in the LR): ``lr * noise**2 * dim / batch_size``; anything within
    -20% / +30% of it passes (a measured plateau includes the higher-order terms).

    Example::

        >>> check_noise_floor(0.02 * 0.5**2 * 40 / 10)
        Correct! ...
        True
    """
    lr, noise = positive("lr", lr), positive("noise", noise)
    dim, batch_size = as_int("dim", dim, low=1), as_int("batch_size", batch_size, low=1)
    a = number("answer", answer)
    right = lr * noise**2 * dim / batch_size
    if 0.8 * right <= a <= 1.3 * right:
        return report(
            True,
            f"the floor is about lr * noise^2 * dim / batch_size = {right:.4g} "
            f"(you said {a:.4g}): proportional to the LR, so halving the LR halves it.",
        )
    if a <= 0:
        return report(False, "the excess loss of a noisy SGD iterate is positive, not <= 0.")
    optimal = noise**2
    known = [
        (
            optimal + right,
            "That is the total loss; the question asks for the excess above "
            f"the optimum noise^2 = {optimal:g}.",
        ),
        (
            optimal,
            "That is the optimal loss noise^2 itself, the floor of a perfect model. "
            "How far above it does constant-LR SGD sit?",
        ),
        (
            lr * noise * dim / batch_size,
            "Close: the label noise enters squared (its variance noise^2), not as noise.",
        ),
        (
            lr * noise**2,
            "Missing a factor: each of the dim coordinates jitters, and a batch "
            "of batch_size examples averages the noise down: multiply by dim / batch_size.",
        ),
        (
            lr * noise**2 * batch_size / dim,
            "dim and batch_size are swapped: more coordinates "
            "mean more jitter, bigger batches mean less.",
        ),
        (
            math.sqrt(lr) * noise**2 * dim / batch_size,
            "The floor is linear in the LR, not in "
            "its square root (the *distance* to the optimum scales like sqrt(lr)).",
        ),
        (
            lr**2 * noise**2 * dim / batch_size,
            "The noise each step adds scales like lr^2, "
            "but the pull back to the optimum scales like lr: their balance is linear in lr.",
        ),
    ]
    return wrong_number(
        a,
        right,
        known,
        0.05,
        "measure it: run lc.run_online at this LR for long enough to plateau and average "
        "history.excess over the last quarter (history.tail_loss() - history.optimal_loss); "
        "then find the formula that matches.",
    )


def check_decay_schedule(
    lrs: Any, peak: float = 0.05, steps: int = 1000, seed: int = 0, factor: float = 3.0
) -> bool:
    """Exercise: a hand-made schedule of ``steps`` LRs that starts at ``peak``, never exceeds
    it, and ends with an excess loss at least ``factor`` times lower than the constant
    ``peak`` run on ``teacher_student_stream(dim=20, batch_size=20, noise=1.0, seed=seed)``.

    The checker runs both (a fraction of a second) and reports the measured losses.

    Example::

        >>> check_decay_schedule(np.linspace(0.05, 0.0, 1000))
        Correct! ...
        True
    """
    from ..data import teacher_student_stream
    from ..online import run_online

    arr = number_list("lrs", lrs)
    peak, steps = positive("peak", peak), as_int("steps", steps, low=1)
    seed, factor = as_int("seed", seed, low=0), as_real("factor", factor, low=1.0)

    if arr.size != steps:
        return report(
            False,
            f"the schedule needs one LR per step: {steps} values, you gave {arr.size}. "
            f"Hint: build it over np.arange({steps}).",
        )
    if np.any(arr < 0):
        return report(False, f"LRs must be >= 0; step {int(np.argmax(arr < 0))} is negative.")
    if not math.isclose(arr[0], peak, rel_tol=1e-6):
        return report(
            False,
            f"start at the peak: lrs[0] should be {peak:g}, not {arr[0]:g}. Starting lower "
            "trades the fast start for nothing; the point is to start high and decay.",
        )
    if arr.max() > peak * (1 + 1e-9):
        k = int(np.argmax(arr))
        return report(False, f"lrs[{k}] = {arr[k]:g} exceeds the peak {peak:g}.")
    if arr[-1] > peak / 5:
        return report(
            False,
            f"the LR ends at {arr[-1]:g}, still {arr[-1] / peak:.0%} of the peak. The noise "
            "floor is proportional to the LR, so the LR must end low for the loss to end low.",
        )
    task = teacher_student_stream(dim=20, batch_size=20, noise=1.0, seed=seed)
    mine = run_online(task, arr)
    const = run_online(task, np.full(steps, peak))
    if mine.diverged:
        return report(False, f"your schedule diverged at step {mine.diverged_at}.")
    excess, floor = mine.final_loss - task.optimal_loss, const.tail_loss(0.5) - task.optimal_loss
    summary = f"final excess loss {excess:.4g} vs the constant {peak:g}'s floor {floor:.4g}"
    if excess * factor <= floor:
        return report(True, f"{summary} ({floor / excess:.1f}x lower).")
    late = int(np.argmax(arr <= peak / 5))
    return report(
        False,
        f"{summary}: need {factor:g}x lower. Your LR first drops below peak/5 at step {late}; "
        "after a drop the loss needs a few multiples of 1/(4*lr) steps to settle at the new "
        "floor. Hint: decay earlier or more smoothly.",
    )
