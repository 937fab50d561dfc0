"""Chapter 5 (reduce on plateau): checkers for the exercises."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..schedules import lr_curve
from ..validation import as_int, as_real, check_keywords, fail
from ._common import close, misreading, number, number_list, positive, report, unit

__all__ = ["check_cut_epochs", "check_eps_floor", "check_lr_after_cuts", "check_quiet_settings"]

# Exercise plateau-ex1: thirteen validation losses, one call step(metrics[k]) after each epoch.
EX1_METRICS = (1.00, 0.80, 0.795, 0.794, 0.793, 0.85, 0.80, 0.80, 0.80, 0.70, 0.70, 0.694, 0.71)


def _epochs(name: str, value: Any) -> list[int]:
    """A learner's list of epoch indices: whole numbers >= 0 (floats like 4.0 accepted)."""
    arr = number_list(name, value)
    if np.any(arr != np.round(arr)) or np.any(arr < 0):
        raise fail(name, "a list of epoch indices (whole numbers >= 0)", arr.tolist())
    return [int(v) for v in arr]


def _rule_cuts(
    metrics: Sequence[float],
    *,
    patience: int,
    threshold: float,
    threshold_mode: str,
    cooldown: int,
    mode: str,
    off_by_one: bool = False,
    reset_best: bool = False,
    vs_previous: bool = False,
) -> list[int]:
    """The counting rule with one misconception switched on (cuts assumed always possible)."""
    sign = 1.0 if mode == "min" else -1.0
    best = prev = math.inf
    bad = cool = 0
    cuts = []
    for k, raw in enumerate(metrics):
        a = sign * float(raw)  # work in "min" orientation
        ref = prev if vs_previous else best
        if threshold_mode == "rel":
            better = a < ref * (1 - sign * threshold) if math.isfinite(ref) else True
        else:
            better = a < ref - threshold
        if better:
            best, bad = a, 0
        else:
            bad += 1
        prev = a
        if cool > 0:
            cool, bad = cool - 1, 0
        if (bad >= patience and bad > 0) if off_by_one else bad > patience:
            cuts.append(k)
            cool, bad = cooldown, 0
            if reset_best:
                best = math.inf
    return cuts


def check_cut_epochs(
    answer: Sequence[int],
    metrics: Sequence[float] = EX1_METRICS,
    *,
    patience: int = 2,
    threshold: float = 0.01,
    threshold_mode: str = "rel",
    cooldown: int = 1,
    factor: float = 0.5,
    mode: str = "min",
) -> bool:
    """Exercise: the epochs ``k`` (0-based) whose call ``scheduler.step(metrics[k])`` cuts the
    LR of ``ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode,
    cooldown)`` (from ``lr=0.1``). The checker replays torch's rule with
    :func:`lrcourse.plateau_events` and recognises the usual misreadings.

    Example::

        >>> check_cut_epochs([4, 8, 12])
        Correct! ...
        True
    """
    from ..plateau import plateau_events

    got = _epochs("answer", answer)
    settings = {
        "patience": patience,
        "threshold": threshold,
        "threshold_mode": threshold_mode,
        "cooldown": cooldown,
        "mode": mode,
    }
    trace = plateau_events(metrics, lr=0.1, factor=factor, **settings)  # ValueError on nonsense
    right = trace.cuts
    if got == right:
        return report(
            True,
            f"cuts after epochs {right}: each needs patience + 1 = {patience + 1} bad epochs "
            f"in a row, counted from the last new best, with {cooldown} epoch(s) after a cut "
            "not counted.",
        )
    if got == [k + 1 for k in right]:
        return report(
            False,
            "Each of your epochs is one too late. Count from 0 (the call step(metrics[k]) "
            "happens at epoch k), and give the epoch whose metric *triggered* the cut, not the "
            "first epoch that trains with the new LR.",
        )
    if any(k >= len(trace) for k in got):
        return report(
            False,
            f"There are only {len(trace)} epochs (k = 0 .. {len(trace) - 1}); "
            "index them from 0, like metrics[k].",
        )
    hints = [
        (
            {"off_by_one": True},
            f"You cut after {patience} bad epochs. torch cuts when the counter is *greater* "
            f"than patience: after {patience + 1} bad epochs in a row.",
        ),
        (
            {"threshold": 0.0},
            f"You counted every small improvement. With threshold={threshold:g} "
            f"({threshold_mode}), a value must beat best x (1 - {threshold:g}) to count: "
            "0.795 after a best of 0.80 is a bad epoch.",
        ),
        (
            {"cooldown": 0},
            f"You ignored the cooldown. For {cooldown} epoch(s) after a cut, bad epochs are "
            "not counted (the counter stays at 0).",
        ),
        (
            {"reset_best": True},
            "You reset the best after a cut. A cut resets the counter, not the best: later "
            "epochs are still compared with the best value seen so far.",
        ),
        (
            {"vs_previous": True},
            "You compared each epoch with the previous one. The rule compares with the best "
            "value so far (the best, not the last).",
        ),
    ]
    matched = [
        text for variant, text in hints if _rule_cuts(metrics, **{**settings, **variant}) == got
    ]
    if matched:
        return report(False, " Or: ".join(matched))
    agree = 0
    while agree < min(len(got), len(right)) and got[agree] == right[agree]:
        agree += 1
    since = f"after epoch {right[agree - 1]}" if agree else "from the start"
    return report(
        False,
        f"You have {len(got)} cut(s), the rule makes {len(right)}; your list goes wrong "
        f"{since}. Hint: keep three numbers as you go: the best so far, the bar "
        "best x (1 - threshold), and the bad-epoch counter; then check with "
        "lc.plateau_events(metrics, ...).table().",
    )


def check_quiet_settings(
    settings: Mapping[str, Any],
    *,
    seeds: Sequence[int] = range(50),
    steps: int = 80,
    onset: int = 40,
    noise: float = 0.02,
    max_delay: float = 8.0,
) -> bool:
    """Exercise: ReduceLROnPlateau settings that never cut before the plateau's onset on any
    of the ``noisy_plateau_metric(steps, onset=onset, noise=noise, seed=s)`` curves, and cut
    within ``max_delay`` epochs of the onset on average (and on every curve).

    Example::

        >>> check_quiet_settings({"patience": 4})
        Correct! ...
        True
    """
    from ..plateau import PLATEAU_DEFAULTS, detection_tradeoff

    if not isinstance(settings, Mapping):
        raise fail("settings", "a dict of ReduceLROnPlateau arguments", got=type(settings).__name__)
    check_keywords("ReduceLROnPlateau", settings, list(PLATEAU_DEFAULTS))
    max_delay = positive("max_delay", max_delay)
    table = detection_tradeoff(
        {"yours": dict(settings)}, seeds=seeds, steps=steps, onset=onset, noise=noise
    )
    row = table["yours"]
    n = table.seeds
    delay = f"{row.mean_delay:.1f} epochs" if math.isfinite(row.mean_delay) else "none"
    false = round(row.false_rate * n)
    missed = round(row.missed_rate * (n - false)) if n > false else 0
    summary = (
        f"False cuts on {false} of the {n} curves, mean delay {delay}, "
        f"no cut after the onset on {missed}"
    )
    if row.false_rate > 0:
        return report(
            False,
            f"{summary}. Noise alone triggered a cut while the metric was still improving: "
            "raise patience, or lower the threshold (a large threshold makes slow, real "
            "progress look like a plateau).",
        )
    if row.missed_rate > 0:
        return report(
            False,
            f"{summary}: some curves never cut after the onset. Is patience too long, or do "
            "min_lr / eps block the cut?",
        )
    if not row.mean_delay <= max_delay:
        return report(
            False,
            f"{summary}: too slow (need <= {max_delay:g}). Lower patience as far as it stays "
            "quiet, then raise the threshold a little: on the plateau, noise keeps setting tiny "
            "new records that reset the counter, and a threshold ignores them.",
        )
    return report(True, f"{summary}.")


def check_lr_after_cuts(
    answer: float,
    *,
    lr: float = 0.05,
    factor: float = 0.5,
    cuts: int = 6,
    min_lr: float = 1e-3,
) -> bool:
    """Exercise: the LR after the plateau rule has fired ``cuts`` times, starting from ``lr``,
    with ``factor`` and ``min_lr`` (``eps`` at its default 1e-8).
    Expected: :math:`\\max(\\text{lr}\\cdot\\text{factor}^{n}, \\text{min\\_lr})`.

    Example::

        >>> check_lr_after_cuts(1e-3)
        Correct! ...
        True
    """
    lr, factor = positive("lr", lr), unit("factor", factor)
    min_lr, cuts = as_real("min_lr", min_lr, low=0.0), as_int("cuts", cuts, low=0)
    a = number("answer", answer)
    # the core rule on a metric that never improves after epoch 0: one cut per later epoch
    flat = np.ones(cuts + 2)
    curve = lr_curve(
        "ReduceLROnPlateau", lr=lr, metrics=flat, factor=factor, patience=0, min_lr=min_lr
    )
    right = float(curve[-1])
    if close(a, right, 1e-6):
        return report(
            True,
            f"{right:.4g}: each cut multiplies by {factor:g} until lr x factor would go below "
            f"min_lr={min_lr:g}; from there the LR is clipped at min_lr and stays.",
        )
    free = lr * factor**cuts
    known = [
        (
            free,
            f"That is lr x factor^{cuts} without the floor: min_lr={min_lr:g} clips every cut "
            "below it.",
        ),
        (
            lr * factor ** (cuts - 1),
            "One cut short: count the cuts, each multiplies by the factor once.",
        ),
        (
            lr * factor ** (cuts + 1),
            "One cut too many (and check the floor).",
        ),
        (
            lr - cuts * factor * lr,
            "The factor multiplies, it is not subtracted.",
        ),
    ]
    if hint := misreading(a, [(v, h) for v, h in known if v > 0], 1e-6):
        return report(False, hint)
    if a < min_lr:
        return report(False, f"{a:g} is below min_lr={min_lr:g}; the LR never goes under it.")
    return report(
        False,
        f"{a:g} is not it. Hint: write the LR after 1, 2, ... cuts as max(lr x factor^n, "
        "min_lr), or run lc.plateau_events on a metric that never improves.",
    )


def check_eps_floor(
    answer: float,
    *,
    lr: float = 1e-3,
    factor: float = 0.5,
    eps: float = 1e-8,
) -> bool:
    """Exercise: with ``min_lr=0``, the lowest LR ReduceLROnPlateau ever reaches from ``lr``:
    a cut from ``eta`` is skipped once ``eta - eta * factor <= eps``, i.e. the LR stops at the
    first ``lr * factor**n <= eps / (1 - factor)``.

    Example::

        >>> check_eps_floor(1e-3 * 0.5**16)
        Correct! ...
        True
    """
    lr, factor = positive("lr", lr), unit("factor", factor)
    eps = as_real("eps", eps, low=0.0, low_open=True)  # with eps = 0 the LR never stops falling
    a = number("answer", answer)
    stop = lr
    n = 0
    while stop - stop * factor > eps:
        stop *= factor
        n += 1
    if close(a, stop, 1e-3):
        return report(
            True,
            f"{stop:.4g}, reached after {n} cuts: the next cut would change the LR by "
            f"{stop * (1 - factor):.3g} <= eps={eps:g}, so torch skips it, and every one after.",
        )
    known = [
        (eps, "The LR does not stop *at* eps: a cut is skipped when the *change* is <= eps."),
        (
            eps / (1 - factor),
            "That is the bar eps / (1 - factor): the LR stops at the first value of "
            "lr x factor^n at or below it, not at the bar itself.",
        ),
        (stop * factor, "One cut too many: that cut would change the LR by no more than eps."),
        (stop / factor, "One cut short: from there the change is still larger than eps."),
    ]
    if hint := misreading(a, known, 1e-3):
        return report(False, hint)
    if a == 0:
        return report(
            False, "min_lr=0 is not reached: eps stops the cuts first (the change gets too small)."
        )
    return report(
        False,
        f"{a:g} is not it. Hint: a cut from eta changes the LR by eta x (1 - factor); list "
        "lr x factor^n and find the first whose cut would change it by <= eps.",
    )
