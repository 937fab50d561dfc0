"""Chapter 9 (the LR range test): checkers for the exercises."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..rangetest import (
    LAG_LIMIT,
    SUGGESTION_RULES,
    Band,
    smoothing_lag,
    sweep_lrs,
    synthetic_range_test,
)
from ..validation import as_array, as_choice, as_int, as_real, fail
from ._common import close, report, wrong_number

__all__ = [
    "check_range_test_settings",
    "check_rule_suggestion",
    "check_smoothing_lag",
    "check_sweep_lrs",
]


def _sweep_args(start_lr: Any, end_lr: Any, num_iter: Any) -> tuple[float, float, int]:
    """The sweep's arguments as numbers (the checker's first :func:`sweep_lrs` or
    :func:`smoothing_lag` call then refuses a sweep that is not ``0 < start < end``, ``n >= 2``)."""
    return as_real("start_lr", start_lr), as_real("end_lr", end_lr), as_int("num_iter", num_iter)


def check_sweep_lrs(
    lrs: Any, start_lr: float = 1e-7, end_lr: float = 10.0, num_iter: int = 100
) -> bool:
    r"""Exercise: the LRs of an exponential range-test sweep, computed with NumPy.

    Expected: :math:`\eta_i = \eta_0 (\eta_{end}/\eta_0)^{i/(n-1)}`, ``i = 0..n-1`` (the first
    is ``start_lr``, the last ``end_lr``), as ``lc.sweep_lrs(start_lr, end_lr, num_iter)``.

    Example::

        >>> check_sweep_lrs(np.geomspace(1e-7, 10, 100))
        Correct! ...
        True
    """
    start, end, n = _sweep_args(start_lr, end_lr, num_iter)
    right = sweep_lrs(start, end, n)
    linear = sweep_lrs(start, end, n, "linear")
    arr = as_array("lrs", lrs, nonempty=False)
    i = np.arange(n)
    per_decade = (n - 1) / math.log10(end / start)
    if arr.size != n:
        return report(
            False,
            f"a sweep of num_iter={n} iterations has {n} LRs, one per mini-batch; you gave "
            f"{arr.size}. Hint: i = np.arange({n}).",
        )
    if np.allclose(arr, right, rtol=1e-6, atol=0):
        return report(
            True,
            f"{n} LRs from {start:g} to {end:g}, each {(end / start) ** (1 / (n - 1)):.4g} "
            f"times the previous: {per_decade:.3g} iterations per decade, the same number "
            "for every decade.",
        )
    if np.allclose(arr, linear, rtol=1e-6):
        below = int(np.sum(linear < end / 10))
        return report(
            False,
            f"that is a linear sweep: equal steps of {(end - start) / (n - 1):.3g}, so only "
            f"{below} of the {n} LRs lie below end_lr/10. The range test spaces LRs "
            "geometrically: a constant ratio between neighbours.",
        )
    if np.allclose(arr, right[::-1], rtol=1e-6):
        return report(False, "the sweep runs upwards, from start_lr to end_lr: yours is reversed.")
    if np.allclose(arr, start * (end / start) ** (i / n), rtol=1e-6):
        return report(
            False,
            f"off by one: with exponent i/{n} the last LR is {arr[-1]:.4g}, not end_lr "
            f"{end:g}. Divide by num_iter - 1 so that i = num_iter - 1 gives exactly end_lr.",
        )
    if not np.all(np.diff(arr) > 0):
        return report(False, "the LRs must increase at every iteration.")
    if not (math.isclose(arr[0], start, rel_tol=1e-6) and math.isclose(arr[-1], end, rel_tol=1e-6)):
        return report(
            False,
            f"the sweep must start at {start:g} and end at {end:g}; yours runs from "
            f"{arr[0]:.4g} to {arr[-1]:.4g}.",
        )
    ratios = arr[1:] / arr[:-1]
    return report(
        False,
        f"the endpoints are right but the spacing is not geometric (the ratio between "
        f"neighbours ranges from {ratios.min():.4g} to {ratios.max():.4g}). Hint: "
        "start_lr * (end_lr / start_lr) ** (i / (num_iter - 1)).",
    )


def check_rule_suggestion(answer: float, rule: str = "min_div_10", seed: int = 0) -> bool:
    """Exercise: read a suggestion off ``lc.synthetic_range_test(seed)`` by hand.

    ``rule="min_div_10"``: a tenth of the LR at the minimum of ``t.smoothed``; ``"steepest"``:
    the LR where ``t.smoothed`` falls fastest per unit of log LR. As in ``t.suggest(rule)``,
    the last point of a test that stopped early (the one that triggered the stop) is not a
    candidate. For ``steepest``, ``np.gradient`` (as ``suggest``) and forward differences
    (as fastai) both pass.

    Example::

        >>> t = lc.synthetic_range_test(seed=0)
        >>> check_rule_suggestion(t.suggest("min_div_10"), "min_div_10", seed=0)
        Correct! ...
        True
    """
    rule = as_choice("rule", rule, ("min_div_10", "steepest"))
    seed = as_int("seed", seed, low=0)
    a = as_real("answer", answer)
    t = synthetic_range_test(seed)
    end = len(t.lrs) - 1 if t.stopped_early else len(t.lrs)
    lrs, smooth = t.lrs[:end], t.smoothed[:end]
    right = t.suggest(rule)
    if a <= 0:
        return report(False, "a suggested LR is positive; did you return a loss or a log?")
    if rule == "min_div_10":
        accepted = {right}
    else:
        forward = np.diff(smooth) / np.diff(np.log(lrs))
        accepted = {right, float(lrs[int(np.argmin(forward))])}
    if any(close(a, v, 1e-6) for v in accepted):
        where = "minimum" if rule == "min_div_10" else "steepest descent"
        return report(
            True,
            f"{right:.4g}: the smoothed curve's {where}, read without the stopping point.",
        )
    hints: list[tuple[float, str]] = []
    if rule == "min_div_10":
        i_min = int(np.argmin(smooth))
        hints += [
            (float(lrs[i_min]), "that is the LR at the minimum itself: the rule takes a tenth."),
            (float(lrs[i_min]) * 10, "multiply by a tenth, not by ten."),
            (
                float(t.lrs[int(np.argmin(t.losses[:end]))]) / 10,
                "that is read off the raw batch losses (t.losses); the rules use t.smoothed.",
            ),
            (float(i_min), "that is the index of the minimum; look up its LR in t.lrs."),
            (float(i_min) / 10, "that is the index of the minimum over ten; use t.lrs[index]."),
        ]
    else:
        grad = np.gradient(smooth, np.log(lrs))
        hints += [
            (
                float(lrs[int(np.argmax(grad))]),
                "that is the steepest *rise*: take the minimum of the slope (the most negative).",
            ),
            (
                float(lrs[int(np.argmin(np.gradient(t.losses[:end], np.log(lrs))))]),
                "that is read off the raw batch losses (t.losses); the rules use t.smoothed.",
            ),
            (
                float(lrs[int(np.argmin(smooth))]),
                "that is the LR at the minimum of the curve, "
                "where the slope is zero, not where it is most negative.",
            ),
        ]
    if t.stopped_early:
        full = t.smoothed
        if rule == "min_div_10":
            cand = float(t.lrs[int(np.argmin(full))]) / 10
        else:
            finite = np.where(np.isfinite(full), full, np.nanmax(full[np.isfinite(full)]))
            cand = float(t.lrs[int(np.argmin(np.gradient(finite, np.log(t.lrs))))])
        hints.append(
            (
                cand,
                "leave out the last point: the test stopped there because it "
                "diverged, so it is not a candidate.",
            )
        )
    for value, text in hints:
        if close(a, value, 1e-6) and not any(close(value, v, 1e-9) for v in accepted):
            return report(False, text)
    side = "high" if a > right else "low"
    return report(
        False,
        f"{a:.4g} is too {side}. Hint: work on t.lrs[:-1] and t.smoothed[:-1] (the test "
        "stopped early), "
        + (
            "find np.argmin of the smoothed loss and divide that LR by 10."
            if rule == "min_div_10"
            else "take np.gradient(loss, np.log(lrs)) and its argmin."
        ),
    )


def check_smoothing_lag(
    lag_far: float,
    lag_end: float,
    beta: float = 0.98,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
) -> bool:
    r"""Exercise: the smoothing lag far from the start against the lag a short sweep reaches.

    Expected, in decades of LR (``D = log10(end_lr / start_lr) / (num_iter - 1)`` per
    iteration): ``lag_far``, the far-from-start value
    :math:`\frac{\beta}{1-\beta} D` (``lc.smoothing_lag(beta, start_lr, end_lr, num_iter)``;
    the window rule of thumb :math:`D/(1-\beta)` passes too), and ``lag_end``, the lag at the
    last iteration :math:`i = n - 1`: the mean of :math:`k` under the normalised weights
    :math:`\beta^k`, :math:`k = 0..i`, times ``D`` (``lc.smoothing_lag(..., at=num_iter - 1)``).

    Example::

        >>> check_smoothing_lag(0.98 / 0.02 * 8 / 99, lc.smoothing_lag(0.98, 1e-7, 10, 100, at=99))
        Correct! ...
        True
    """
    start, end, n = _sweep_args(start_lr, end_lr, num_iter)
    beta = as_real("beta", beta, low=0.0, high=1.0, low_open=True, high_open=True)
    far = as_real("lag_far", lag_far)
    at_end = as_real("lag_end", lag_end)
    right_far = smoothing_lag(beta, start, end, n)
    right_end = smoothing_lag(beta, start, end, n, at=n - 1)
    decades = math.log10(end / start)
    per_iter = decades / (n - 1)
    window = per_iter / (1 - beta)
    if not (close(far, right_far, 0.03) or close(far, window, 0.03)):
        if close(far, right_end, 0.03) and not close(right_end, right_far, 0.03):
            return report(
                False,
                "lag_far is the lag at the end of this sweep: lag_far asks for the formula's "
                "value, beta/(1-beta) iterations, which the average reaches only far from the "
                "start.",
            )
        known = [
            (
                beta / (1 - beta),
                "lag_far is the lag in iterations; convert it to decades of LR "
                f"(each iteration moves log10(end/start)/(n-1) = {per_iter:.3g} decades).",
            ),
            (
                right_far * math.log(10),
                "lag_far is in natural-log units; a decade is a factor 10: use log10.",
            ),
            (per_iter, "lag_far is how far one iteration moves; multiply by the average's lag."),
            (10**right_far, "lag_far is a factor of LR, not a number of decades: take its log10."),
            (decades, "lag_far is the width of the whole sweep in decades, not the smoothing lag."),
            (
                (1 - beta) * per_iter,
                "lag_far is upside down: the lag grows as beta approaches 1, like beta/(1-beta).",
            ),
        ]
        return wrong_number(
            far,
            right_far,
            known,
            0.03,
            "far from the start an exponential moving average with factor beta looks back "
            "beta/(1-beta) iterations on average; how many decades is that in this sweep?",
        )
    k = np.arange(n)
    weights = beta**k
    unnormalised = float(np.sum(k * (1 - beta) * weights)) * per_iter  # no bias correction
    iterations_end = right_end / per_iter
    if close(at_end, right_end, 0.02):
        return report(
            True,
            f"far from the start the average lags beta/(1-beta) = {beta / (1 - beta):.3g} "
            f"iterations, {right_far:.3g} decades; but it gets there only after several times "
            f"1/(1-beta) = {1 / (1 - beta):.3g} iterations, and this sweep ends after {n}: at "
            f"its last point the bias-corrected average still spreads its weight back to the "
            f"first loss, a mean lag of {iterations_end:.3g} iterations, {right_end:.3g} "
            f"decades ({right_end / right_far:.0%} of the formula). Still a factor of about "
            f"{10**right_end:.3g} in LR.",
        )
    if close(at_end, right_far, 0.03) or close(at_end, window, 0.03):
        return report(
            False,
            f"lag_end is the far-from-start value again. This sweep ends after {n} "
            f"iterations, when the average has seen only {n} losses: weight the loss k "
            f"iterations back by beta**k for k = 0..{n - 1} only, normalise (the bias "
            "correction does that), and take the mean of k.",
        )
    known = [
        (
            iterations_end,
            "lag_end is the lag in iterations; convert it to decades of LR "
            f"(each iteration moves {per_iter:.3g} decades).",
        ),
        (
            right_end * math.log(10),
            "lag_end is in natural-log units; a decade is a factor 10: use log10.",
        ),
        (
            unnormalised,
            "lag_end leaves out the bias correction: the weights (1-beta)*beta**k for k = "
            f"0..{n - 1} sum to {1 - beta**n:.3g}, not 1; divide by their sum.",
        ),
        (10**right_end, "lag_end is a factor of LR, not a number of decades: take its log10."),
    ]
    return wrong_number(
        at_end,
        right_end,
        known,
        0.02,
        f"the smoothed value at the last iteration weights the loss k iterations back by "
        f"beta**k, k = 0..{n - 1}; its mean k, normalised by the sum of the weights, is the lag "
        "in iterations.",
    )


def _band(band: Any) -> tuple[float, float]:
    """A band of LRs as ``(lo, hi)``: a :class:`~lrcourse.rangetest.Band` (from
    ``lc.good_band``) or a pair of numbers with ``0 < lo < hi``."""
    if isinstance(band, Band):
        return band.lo, band.hi
    pair = as_array("band", band) if not isinstance(band, str) else None
    if pair is None or pair.shape != (2,) or not 0 < pair[0] < pair[1]:
        raise fail(
            "band",
            "a Band (from lc.good_band) or a pair (lo, hi) of learning rates with 0 < lo < hi",
            band,
        )
    return float(pair[0]), float(pair[1])


def check_range_test_settings(
    num_iter: int,
    beta: float,
    band: Any,
    start_lr: float = 1e-5,
    end_lr: float = 10.0,
    rule: str = "min_div_10",
) -> bool:
    """Exercise: range-test settings that work on the chapter's digits task.

    The checker runs ``lc.lr_range_test`` (SGD, momentum 0.9, batch 32,
    ``lc.mlp(64, 64, 10, seed=0)``, ``seed=0``) with your settings and asks three things:
    the test stopped at divergence (it saw the loss rise), its smoothed curve lags by at most
    ``LAG_LIMIT`` (half a decade) at the end (``lc.smoothing_lag(..., at=num_iter - 1)``, the
    limit above which ``lr_range_test`` warns; the checker gives its own feedback instead),
    and the ``rule``'s suggestion lies in ``band``: the band of good constant LRs the
    chapter measured (the ``Band`` from ``lc.good_band``, or ``(lo, hi)``). ``num_iter`` is
    capped at 1000 (a test longer than the training it is meant to tune defeats its purpose).

    Example::

        >>> check_range_test_settings(num_iter=200, beta=0.9, band=(0.02, 0.2))
        Correct! (the test ran 172 of 200 iterations ...
        True
    """
    import warnings

    import torch

    from ..data import load_digits_data
    from ..models import mlp
    from ..rangetest import SmoothingLagWarning, lr_range_test

    start, end, n = _sweep_args(start_lr, end_lr, num_iter)
    sweep_lrs(start, end, n)  # a bad sweep is refused before any feedback
    beta = as_real("beta", beta, low=0.0, high=1.0, high_open=True)
    lo, hi = _band(band)
    rule = as_choice("rule", rule, list(SUGGESTION_RULES))
    if n > 1000:
        return report(
            False,
            f"num_iter={n} is {n / 42:.0f} epochs of digits, longer than the 5-epoch "
            "trainings the test is meant to tune: keep it at most 1000 (200 is plenty).",
        )
    if n < 10:
        return report(False, f"num_iter={n} gives too few points to read a curve from.")
    lag = smoothing_lag(beta, start, end, n, at=n - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmoothingLagWarning)  # the feedback below says it
        test = lr_range_test(
            mlp(64, 64, 10, seed=0),
            load_digits_data(seed=0),
            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
            start_lr=start,
            end_lr=end,
            num_iter=n,
            beta=beta,
            seed=0,
            progress=False,
        )
    facts = f"(the test ran {len(test.lrs)} of {n} iterations up to LR {test.lrs[-1]:.3g}"
    if not test.stopped_early:
        return report(
            False,
            f"the test ended without stopping {facts}): the smoothed curve never rose to "
            "4x its minimum, so you cannot tell where divergence starts. Smooth less "
            "(smaller beta), or sweep further or longer.",
        )
    if lag > LAG_LIMIT:
        return report(
            False,
            f"the smoothed curve lags {lag:.2g} decades at the end {facts}), more than "
            f"{LAG_LIMIT:g}: features of the raw loss show up that far to the right. Lower "
            "beta or raise num_iter.",
        )
    try:
        lr = test.suggest(rule)
    except ValueError as err:
        return report(False, f"no suggestion: {err}")
    if lo <= lr <= hi:
        return report(
            True,
            f"{facts}, lag {lag:.2g} decades): {rule} suggests {lr:.3g}, inside the band "
            f"{lo:.3g} to {hi:.3g} of the real sweep.",
        )
    side = "below" if lr < lo else "above"
    return report(
        False,
        f"{facts}, lag {lag:.2g} decades): {rule} suggests {lr:.3g}, {side} the band "
        f"{lo:.3g} to {hi:.3g}. A longer test trains more before reaching each LR and "
        "suggests lower values; a shorter one suggests higher values.",
    )
