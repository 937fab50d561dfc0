"""Chapter 7 (one-cycle and cyclic schedules): checkers for the exercises."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..schedules.cycles import one_cycle_values
from ..validation import as_choice, fail
from ._common import close, number, report, wrong_number

__all__ = [
    "check_cyclic_modes",
    "check_one_cycle_factors",
    "check_one_cycle_lr",
    "cyclic_mystery_curves",
]

_MODES = ("triangular", "triangular2", "exp_range")


def check_one_cycle_lr(
    answer: float,
    step: int = 6,
    max_lr: float = 0.3,
    total_steps: int = 100,
    pct_start: float = 0.25,
    div_factor: float = 10.0,
    final_div_factor: float = 1e4,
    anneal_strategy: str = "cos",
) -> bool:
    r"""Exercise: the LR the optimizer uses at step ``step`` (after ``step`` calls to
    ``scheduler.step()``) of a two-phase ``OneCycleLR`` with these arguments.

    Expected: ``lc.lr_curve("OneCycleLR", step + 1, max_lr=..., ...)[step]``: the warmup runs
    from :math:`\eta_{max}/d` at step 0 to :math:`\eta_{max}` at step ``pct_start*T - 1``,
    along half a cosine (or a line); within 0.1%.

    Example::

        >>> check_one_cycle_lr(0.03 + 0.27 * (1 - math.cos(math.pi * 6 / 24)) / 2)
        Correct! ...
        True
    """
    from ..schedules import lr_curve

    s, total = number("step", step), number("total_steps", total_steps)
    if not s.is_integer() or s < 0:
        raise fail("step", "a whole number >= 0", step)
    if not total.is_integer() or total < 1:
        raise fail("total_steps", "a whole number >= 1", total_steps)
    s, total = int(s), int(total)
    if s > total:
        raise fail("step", f"<= total_steps ({total}): torch cannot step further", s)
    if anneal_strategy not in ("cos", "linear"):
        raise fail("anneal_strategy", "one of ['cos', 'linear']", anneal_strategy)
    kw = dict(
        max_lr=number("max_lr", max_lr),
        total_steps=total,
        pct_start=number("pct_start", pct_start),
        div_factor=number("div_factor", div_factor),
        final_div_factor=number("final_div_factor", final_div_factor),
        anneal_strategy=anneal_strategy,
    )
    right = float(lr_curve("OneCycleLR", s + 1, **kw)[s])  # validates kw like torch
    a = number("answer", answer)
    peak, div, fdiv = kw["max_lr"], kw["div_factor"], kw["final_div_factor"]
    initial = peak / div
    end1 = kw["pct_start"] * total - 1
    if close(a, right, 1e-3):
        if s <= end1:
            where = (
                f"the warmup, from max_lr/div_factor = {initial:g} at step 0 to max_lr = "
                f"{peak:g} at step pct_start*total_steps - 1 = {end1:g}"
            )
        else:
            where = (
                f"the anneal, from max_lr = {peak:g} at step {end1:g} to "
                f"max_lr/(div_factor*final_div_factor) = {initial / fdiv:.3g} at step {total - 1}"
            )
        return report(True, f"{right:.6g}: step {s} is in {where}.")
    if a <= 0:
        return report(False, "OneCycleLR's LR is positive at every step.")
    other = "linear" if anneal_strategy == "cos" else "cos"

    def variant(ends=None, lrs=None, strategy=anneal_strategy, at=s):
        ends = ends or (end1, float(total - 1))
        lrs = lrs or ((initial, peak), (peak, initial / fdiv))
        return float(one_cycle_values(np.array([at]), ends, lrs, strategy)[0])

    known = [
        (
            variant(ends=(end1 + 1, float(total - 1))),
            f"off by one at the turn: torch's warmup ends at step pct_start*total_steps - 1 = "
            f"{end1:g}, not {end1 + 1:g} (step 0 is the first of the pct_start*total_steps "
            "warmup steps).",
        ),
        (
            variant(strategy=other),
            f"that is the {other} interpolation; this scheduler uses anneal_strategy="
            f"'{anneal_strategy}'"
            + (
                ": half a cosine, eta = end + (begin - end)(1 + cos(pi p))/2."
                if anneal_strategy == "cos"
                else ": a straight line from the phase's start to its end."
            ),
        ),
        (
            variant(lrs=((0.0, peak), (peak, initial / fdiv))),
            f"the warmup does not start at 0 but at max_lr/div_factor = {initial:g}.",
        ),
        (
            variant(lrs=((initial, peak), (peak, peak / fdiv))),
            "the end of the run is max_lr/(div_factor*final_div_factor): final_div_factor "
            "divides the *initial* LR, not max_lr.",
        ),
        (
            variant(at=s + 1) if s < total else math.nan,
            f"that is the LR at step {s + 1}: after k calls to scheduler.step() the optimizer "
            "holds element k, and step 0 is the LR set at construction.",
        ),
        (
            variant(at=s - 1) if s > 0 else math.nan,
            f"that is the LR at step {s - 1}: step 0 is the LR right after construction, "
            "before any scheduler.step().",
        ),
        (peak, "that is max_lr itself, reached only at the end of the warmup."),
        (initial, "that is the starting LR max_lr/div_factor, the value at step 0 only."),
    ]
    return wrong_number(
        a,
        right,
        [(value, hint) for value, hint in known if math.isfinite(value)],
        1e-3,
        f"find the phase step {s} is in (the turn is at pct_start*total_steps - 1), its start "
        "and end LR, and the fraction p of the phase done; then check with "
        "lc.lr_curve('OneCycleLR', ...).",
        fmt=".6g",
    )


def check_one_cycle_factors(
    div_factor: float,
    final_div_factor: float,
    max_lr: float = 0.2,
    start_lr: float = 0.004,
    final_lr: float = 4e-6,
) -> bool:
    r"""Exercise: the ``div_factor`` and ``final_div_factor`` that make ``OneCycleLR(max_lr)``
    start at ``start_lr`` and end at ``final_lr``.

    Expected: ``div_factor = max_lr / start_lr`` and ``final_div_factor = start_lr /
    final_lr`` (the end is :math:`\eta_{max}/(d f)`, not :math:`\eta_{max}/f`).

    Example::

        >>> check_one_cycle_factors(50, 1000)
        Correct! ...
        True
    """
    peak, start, final = (
        number("max_lr", max_lr),
        number("start_lr", start_lr),
        number("final_lr", final_lr),
    )
    if not 0 < final < start < peak:
        raise fail(
            "final_lr",
            f"in (0, start_lr) with start_lr < max_lr (got start_lr={start:g}, max_lr={peak:g})",
            final,
        )
    d = number("div_factor", div_factor)
    f = number("final_div_factor", final_div_factor)
    right_d, right_f = peak / start, start / final
    ok_d, ok_f = close(d, right_d, 1e-6), close(f, right_f, 1e-6)
    if ok_d and ok_f:
        return report(
            True,
            f"div_factor = {peak:g}/{start:g} = {right_d:g}, final_div_factor = {start:g}/"
            f"{final:g} = {right_f:g}: the run ends at max_lr/(div_factor*final_div_factor) "
            f"= {peak / (d * f):g}.",
        )
    if d <= 0 or f <= 0:
        return report(False, "both factors divide an LR, so they must be > 0.")
    hints = []
    if not ok_d:
        if close(d, 1 / right_d, 1e-6):
            hints.append("div_factor is upside down: the start is max_lr / div_factor.")
        else:
            hints.append(
                f"with div_factor={d:g} the run starts at {peak / d:g}, not {start:g} "
                "(start = max_lr / div_factor)."
            )
    if not ok_f:
        if close(f, peak / final, 1e-6):
            hints.append(
                f"final_div_factor={f:g} is max_lr/final_lr, but torch divides the *initial* "
                f"LR by it: the end would be {peak / (right_d * f):.3g}, {right_d:g} times too low."
            )
        elif close(f, 1 / right_f, 1e-6):
            hints.append("final_div_factor is upside down: the end is initial_lr / it.")
        else:
            hints.append(
                f"final_div_factor={f:g} takes the start {start:g} down to {start / f:.3g}, "
                f"not {final:g} (end = initial LR / final_div_factor)."
            )
    return report(False, " ".join(hints))


# Exercise cycle-ex3: four CyclicLR curves with hidden settings (mode, base_lr, max_lr, steps).
_MYSTERY: dict[str, dict[str, Any]] = {
    "A": dict(base_lr=0.002, max_lr=0.05, step_size_up=20, mode="exp_range", gamma=0.9865),
    "B": dict(base_lr=0.001, max_lr=0.08, step_size_up=15, step_size_down=25, mode="triangular2"),
    "C": dict(base_lr=0.005, max_lr=0.05, step_size_up=10, step_size_down=30, mode="triangular"),
    "D": dict(base_lr=0.01, max_lr=0.06, step_size_up=30, mode="exp_range", gamma=0.995),
}
_MYSTERY_STEPS = 160


def cyclic_mystery_curves() -> dict[str, np.ndarray]:
    """The four ``CyclicLR`` curves of exercise cycle-ex3 (160 steps each): which ``mode``
    made each one? Check with :func:`check_cyclic_modes`.

    Example::

        >>> sorted(cyclic_mystery_curves())
        ['A', 'B', 'C', 'D']
    """
    from ..schedules import lr_curve

    return {k: lr_curve("CyclicLR", _MYSTERY_STEPS, **kw) for k, kw in _MYSTERY.items()}


def check_cyclic_modes(answer: Mapping[str, str]) -> bool:
    """Exercise: name the ``mode`` (triangular, triangular2 or exp_range) of each curve of
    :func:`cyclic_mystery_curves`, as a dict ``{"A": mode, "B": ..., "C": ..., "D": ...}``.

    Example::

        >>> check_cyclic_modes({"A": "exp_range", "B": "triangular2",
        ...                     "C": "triangular", "D": "exp_range"})
        Correct! ...
        True
    """
    if not isinstance(answer, Mapping):
        raise fail("answer", "a dict label -> mode", got=type(answer).__name__)
    if set(answer) != set(_MYSTERY):
        raise fail(
            "answer", f"a dict with exactly the keys {sorted(_MYSTERY)}", got=f"{list(answer)}"
        )
    for label, mode in answer.items():
        if not isinstance(mode, str):
            raise fail(f"answer[{label!r}]", "a mode name", got=type(mode).__name__)
        as_choice(f"answer[{label!r}]", mode, _MODES)
    wrong = {k: v for k, v in answer.items() if v != _MYSTERY[k]["mode"]}
    if not wrong:
        return report(
            True,
            "A and D shrink a little at every step (exp_range: peak ratios gamma**cycle, "
            "0.58 and 0.74 per cycle), B halves exactly once per cycle (triangular2), and C "
            "repeats the same lopsided triangle (triangular with step_size_down != up).",
        )
    hints = []
    for label in sorted(wrong):
        truth, said = _MYSTERY[label]["mode"], wrong[label]
        if truth == "exp_range" and said == "triangular2":
            hints.append(
                f"{label}: its peaks do shrink, but by how much? Measure (peak - base) of two "
                "successive cycles (lc.cycle_peaks): triangular2 gives exactly 0.5."
            )
        elif truth == "triangular2" and said == "exp_range":
            hints.append(
                f"{label}: compare successive (peak - base) heights: a ratio of exactly 0.5 "
                "with straight flanks is triangular2; exp_range also bends within a cycle."
            )
        elif truth == "triangular":
            hints.append(
                f"{label}: its peaks do not shrink at all; a rise and fall of different "
                "lengths is still triangular (step_size_down differs from step_size_up)."
            )
        else:
            hints.append(f"{label}: its peaks shrink from cycle to cycle, so not {said}.")
    return report(False, f"{4 - len(wrong)} of 4 right. " + " ".join(hints))
