"""Chapter 4 (cosine annealing and warm restarts): checkers for the exercises."""

from __future__ import annotations

import math

from ..validation import as_bool, as_int, as_real
from ._common import close, misreading, number, positive, report, whole

__all__ = ["check_lr_at_step", "check_restart_plan", "check_restart_position"]


def check_restart_position(answer: float, n: int = 3, T_0: int = 10, T_mult: int = 2) -> bool:
    r"""Exercise: the step at which the ``n``-th restart of ``CosineAnnealingWarmRestarts(T_0,
    T_mult)`` falls, i.e. the ``k`` with ``lr_curve(...)[k]`` back at the peak for the ``n``-th
    time. Expected: :math:`T_0 (T_{mult}^n - 1)/(T_{mult} - 1)` (``n * T_0`` for ``T_mult=1``).

    Example::

        >>> check_restart_position(70)
        Correct! ...
        True
    """
    from ..restarts import restart_step

    n, T_0 = as_int("n", n, low=1), as_int("T_0", T_0, low=1)
    T_mult = as_int("T_mult", T_mult, low=1)
    a = number("answer", answer)
    right = restart_step(n, T_0, T_mult)
    lengths = ", ".join(str(T_0 * T_mult**i) for i in range(n))
    if a == right:
        return report(
            True,
            f"the first {n} cycles last {lengths} steps, so restart {n} comes after "
            f"{right} = T_0 (T_mult^{n} - 1)/(T_mult - 1) steps.",
        )
    k = whole(a)
    if k is None or k < 0:
        return report(False, f"a restart happens at a whole, non-negative step, not {a:g}.")
    hints: dict[int, list[str]] = {}

    def hint(value: int, text: str) -> None:
        if value != right:
            hints.setdefault(value, []).append(text)

    hint(
        right - 1,
        f"step {right - 1} is the last step of cycle {n - 1}, the bottom of the "
        "cosine; the LR jumps back up one step later (off by one).",
    )
    hint(right + 1, f"one step too late: after {right} steps the new cycle has already begun.")
    if n > 1:
        hint(restart_step(n - 1, T_0, T_mult), f"that is restart {n - 1}; count one more cycle.")
    hint(
        restart_step(n + 1, T_0, T_mult),
        f"that is restart {n + 1}: restart 1 comes after the first cycle, not at step 0.",
    )
    hint(
        T_0 * T_mult**n,
        f"T_0 * T_mult^{n} = {T_0 * T_mult**n} is the *length* of cycle {n}, "
        "not where it starts: add up the lengths of the cycles before it.",
    )
    hint(
        T_0 * T_mult ** (n - 1),
        f"{T_0 * T_mult ** (n - 1)} is the length of cycle {n - 1}, the one that ends at this "
        "restart; the restart comes after all the cycles before it, added up.",
    )
    hint(
        n * T_0,
        f"n * T_0 = {n * T_0} would be right for T_mult = 1; here each cycle is "
        f"T_mult = {T_mult} times longer than the one before.",
    )
    if k in hints:
        return report(False, " Also: ".join(hints[k]))
    side = "late" if k > right else "early"
    return report(
        False,
        f"{k} is too {side}. Hint: the cycles last {T_0}, {T_0 * T_mult}, "
        f"{T_0 * T_mult**2}, ... steps; restart n comes after the first n of them. Check with "
        f"lc.restart_steps({T_0}, {T_mult}, 1000).",
    )


def check_restart_plan(
    T_0: float, T_mult: float, total: int = 150, cycles: int = 4, growing: bool = True
) -> bool:
    """Exercise: choose ``T_0`` and ``T_mult`` for ``CosineAnnealingWarmRestarts`` so that a run
    of ``total`` epochs is exactly ``cycles`` complete cycles (the run ends at the bottom of the
    last one), with cycles that grow (``T_mult >= 2``) when ``growing``.

    Example::

        >>> check_restart_plan(10, 2)   # 10 + 20 + 40 + 80 = 150
        Correct! ...
        True
    """
    from ..restarts import cycle_ends, cycle_position

    total, cycles = as_int("total", total, low=1), as_int("cycles", cycles, low=1)
    growing = as_bool("growing", growing)
    t0, tm = number("T_0", T_0), number("T_mult", T_mult)
    if not (t0.is_integer() and tm.is_integer()):
        return report(
            False,
            f"torch wants integers: CosineAnnealingWarmRestarts raises ValueError for "
            f"T_0={t0:g}, T_mult={tm:g}. Cycle lengths are whole numbers of epochs.",
        )
    t0_i, tm_i = int(t0), int(tm)
    if t0_i < 1 or tm_i < 1:
        return report(False, "torch needs T_0 >= 1 and T_mult >= 1 (else ValueError).")
    if growing and tm_i < 2:
        return report(False, "the cycles should grow, so T_mult must be at least 2.")
    ends = cycle_ends(t0_i, tm_i, total).tolist()
    if total not in ends:
        i, t_cur, t_i = cycle_position(total, t0_i, tm_i)
        frac = (1 + math.cos(math.pi * t_cur / t_i)) / 2
        return report(
            False,
            f"cycles end at {ends or 'none'} (within {total}); the run stops {t_cur} epochs into "
            f"a {t_i}-epoch cycle, with the LR still at {frac:.0%} of the peak. Hint: "
            f"T_0 * (1 + T_mult + ... + T_mult^{cycles - 1}) must equal {total}.",
        )
    if len(ends) != cycles:
        return report(
            False,
            f"the run ends at a cycle end, but after {len(ends)} cycles (ending at {ends}), "
            f"not {cycles}.",
        )
    lengths = [t0_i * tm_i**i for i in range(cycles)]
    return report(
        True,
        f"cycles of {lengths} epochs end at {ends}: the run finishes at the bottom of the "
        f"last cycle, where its snapshot is best.",
    )


def check_lr_at_step(
    answer: float,
    k: int = 50,
    lr: float = 0.1,
    T_0: int = 10,
    T_mult: int = 2,
    eta_min: float = 0.001,
) -> bool:
    r"""Exercise: the LR after ``k`` calls to ``scheduler.step()`` of
    ``CosineAnnealingWarmRestarts(SGD(lr=lr), T_0, T_mult, eta_min)``.

    Expected: :math:`\eta_{min} + \tfrac12(\eta_0 - \eta_{min})(1 + \cos(\pi T_{cur}/T_i))`
    with ``(i, T_cur, T_i) = lc.cycle_position(k, T_0, T_mult)``; within 0.1%.

    Example::

        >>> check_lr_at_step(0.0505)
        Correct! ...
        True
    """
    from ..restarts import cycle_position

    k, T_0 = as_int("k", k, low=0), as_int("T_0", T_0, low=1)
    T_mult = as_int("T_mult", T_mult, low=1)
    lr, eta_min = positive("lr", lr), as_real("eta_min", eta_min, low=0.0)
    a = number("answer", answer)

    def at(t_cur: float, t_i: float, low: float = eta_min) -> float:
        return low + (lr - low) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

    i, t_cur, t_i = cycle_position(k, T_0, T_mult)
    right = at(t_cur, t_i)
    where = f"step {k} is {t_cur} steps into cycle {i} (length {t_i})"
    if close(a, right, 1e-3):
        return report(True, f"{where}: eta = {right:.6g}.")
    known = [
        (
            at(t_cur, t_i, 0.0),
            f"{where}, right; but the cosine runs from lr down to eta_min = "
            f"{eta_min:g}, not to 0: eta_min + (lr - eta_min) * (1 + cos) / 2.",
        ),
        (
            at(k, T_0),
            "that is a cosine with T_max = T_0 that never restarts (CosineAnnealingLR "
            "continued past T_max). Warm restarts reset T_cur to 0 at each cycle end.",
        ),
        (
            at(k % T_0, T_0),
            "that ignores T_mult: with T_mult = 1 every cycle would last T_0. "
            "Find the cycle step k falls in with lc.cycle_position.",
        ),
        (at(t_cur, T_0), f"{where}; divide T_cur by that cycle's length T_i, not by T_0."),
        (
            at(t_i - t_cur, t_i),
            "cos(pi * T_cur / T_i) starts at +1 (the peak) at a restart; "
            "the cosine looks reversed.",
        ),
    ]
    for j, label in ((k - 1, "k - 1"), (k + 1, "k + 1")):
        if j >= 0:
            jj = cycle_position(j, T_0, T_mult)
            known.append(
                (
                    at(jj[1], jj[2]),
                    f"that is the LR at step {label}: off by one. "
                    "Element k is the LR after k calls to scheduler.step().",
                )
            )
    if hint := misreading(a, known, 1e-3, right):
        return report(False, hint)
    return report(
        False,
        f"{a:.6g} is not it. Hint: find the cycle and the position in it, (i, T_cur, T_i), with "
        f"lc.cycle_position({k}, {T_0}, {T_mult}), then eta_min + (lr - eta_min) * "
        "(1 + cos(pi * T_cur / T_i)) / 2. Check against lc.lr_curve.",
    )
