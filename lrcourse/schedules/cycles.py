r"""The cyclic rules, each written once: SGDR's cycle boundaries, OneCycleLR's phases,
CyclicLR's triangle wave. The closed forms and the chapter modules (restarts, cyclic) call
these; nothing else recomputes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..validation import as_callable, fail

__all__ = [
    "OneCyclePhases",
    "call_per_step",
    "cycle_start",
    "cyclic_position",
    "cyclic_scale",
    "one_cycle_phases",
    "one_cycle_values",
    "restart_phase",
    "restart_starts",
    "warn_momentum",
]


def call_per_step(fn: Callable[[int], float], k: np.ndarray, name: str) -> np.ndarray:
    """``fn`` at each step, called with a Python int as torch does (vectorised when it can be)."""
    as_callable(name, fn, "a callable of the step")
    if getattr(fn, "vectorized", False):
        return np.asarray(fn(k), dtype=np.float64)
    try:
        return np.fromiter((float(fn(int(i))) for i in k), dtype=np.float64, count=len(k))
    except (TypeError, ValueError) as err:
        raise fail(name, "a callable returning a number for every step", got=str(err)) from err


# ----------------------------------------------------------------------------- SGDR


def cycle_start(n: int, T_0: int, T_mult: int) -> int:
    r"""The step where cycle ``n`` starts (the ``n``-th restart):
    :math:`s_n = \sum_{i<n} T_0 T_{mult}^i`, in exact integer arithmetic."""
    if T_mult == 1:
        return n * T_0
    return T_0 * (T_mult**n - 1) // (T_mult - 1)


def restart_starts(T_0: int, T_mult: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    r"""The first step of every cycle that starts at or before ``last`` and the cycles' lengths
    :math:`T_i = T_0 T_{mult}^i`."""
    if T_mult == 1:
        starts = np.arange(0, max(last, 0) + 1, T_0, dtype=np.int64)
        return starts, np.full(len(starts), T_0, dtype=np.int64)
    starts, lengths = [0], [T_0]
    while starts[-1] + lengths[-1] <= last:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * T_mult)
    return np.asarray(starts, dtype=np.int64), np.asarray(lengths, dtype=np.int64)


def restart_phase(
    k: np.ndarray, T_0: int, T_mult: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At each step: the cycle index ``i``, the position in it ``T_cur`` and its length ``T_i``."""
    k = np.asarray(k, dtype=np.int64)
    if T_mult == 1:
        return k // T_0, k % T_0, np.full_like(k, T_0)
    starts, lengths = restart_starts(T_0, T_mult, int(k.max(initial=0)))
    cycle = np.searchsorted(starts, k, side="right") - 1
    return cycle, k - starts[cycle], lengths[cycle]


# ----------------------------------------------------------------------------- OneCycleLR


@dataclass(frozen=True)
class OneCyclePhases:
    """OneCycleLR's phases as torch builds them: each ends at ``ends[i]`` (a float step) and
    moves the LR ``lrs[i][0] -> lrs[i][1]`` and the momentum ``momenta[i][0] -> [1]``."""

    names: tuple[str, ...]
    ends: tuple[float, ...]
    lrs: tuple[tuple[float, float], ...]
    momenta: tuple[tuple[float, float], ...]
    total_steps: int
    anneal: str

    @property
    def overlap(self) -> bool:
        """Some phase ends before it starts (torch runs it anyway)."""
        return any(end < start for start, end in zip(self.starts, self.ends, strict=True))

    @property
    def starts(self) -> tuple[float, ...]:
        """Where each phase starts: 0, then the previous phase's end."""
        return (0.0, *self.ends[:-1])


def one_cycle_phases(
    max_lr: float,
    total: int,
    pct: float,
    div: float,
    final_div: float,
    three_phase: bool,
    momenta: tuple[float, float] = (0.85, 0.95),
    anneal: str = "cos",
) -> OneCyclePhases:
    r"""The phases of ``OneCycleLR`` (arguments already validated).

    Start :math:`\eta_0 = \eta_{max}/d`, end :math:`\eta_0/f`. Two phases: warm up to
    :math:`\eta_{max}` by step ``pct T - 1``, anneal to the end by ``T - 1``; three phases:
    back down to :math:`\eta_0` by ``2 pct T - 2``, then annihilate. Momentum moves against
    the LR (``base, max = momenta``).
    """
    m_lo, m_hi = momenta
    initial = max_lr / div
    floor = initial / final_div
    if three_phase:
        names = ("warmup", "return", "annihilation")
        ends = (float(pct * total) - 1, float(2 * pct * total) - 2, float(total - 1))
        lrs = ((initial, max_lr), (max_lr, initial), (initial, floor))
        moms = ((m_hi, m_lo), (m_lo, m_hi), (m_hi, m_hi))
    else:
        names = ("warmup", "anneal")
        ends = (float(pct * total) - 1, float(total - 1))
        lrs = ((initial, max_lr), (max_lr, floor))
        moms = ((m_hi, m_lo), (m_lo, m_hi))
    phases = OneCyclePhases(names, ends, lrs, moms, total, anneal)
    starts = phases.starts
    if ends[0] == 0.0 or ends[-1] == starts[-1]:
        raise fail(
            "pct_start",
            "such that every phase OneCycleLR reaches has at least one step "
            "(torch divides by zero otherwise)",
            got=f"{pct} with total_steps={total}",
        )
    return phases


def one_cycle_values(
    k: np.ndarray,
    ends: tuple[float, ...],
    pairs: tuple[tuple[float, float], ...],
    anneal: str,
) -> np.ndarray:
    r"""Torch's OneCycleLR rule at the steps ``k``: the first phase with ``k <= end`` (else the
    last) anneals :math:`e + (b - e)\tfrac12(1 + \cos\pi p)` (``"cos"``) or
    :math:`b + (e - b)p` (``"linear"``), ``p`` the fraction of the phase done."""
    k = np.asarray(k, dtype=np.float64)
    ends_arr = np.asarray(ends, dtype=np.float64)
    hit = k[:, None] <= ends_arr[None, :]
    phase = np.where(hit.any(axis=1), hit.argmax(axis=1), len(ends) - 1)
    start = np.concatenate(([0.0], ends_arr[:-1]))[phase]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (k - start) / (ends_arr[phase] - start)
    begin = np.asarray([p[0] for p in pairs])[phase]
    end = np.asarray([p[1] for p in pairs])[phase]
    if anneal == "cos":
        return end + (begin - end) / 2.0 * (np.cos(np.pi * pct) + 1)
    return (end - begin) * pct + begin


def warn_momentum(name: str, base_momentum: float, max_momentum: float) -> None:
    """Torch accepts any momentum bounds; outside [0, 1] it trains with them: warn."""
    import warnings

    for param, value in (("base_momentum", base_momentum), ("max_momentum", max_momentum)):
        if not 0.0 <= value <= 1.0:
            warnings.warn(
                f"{name}: {param}={value} is outside [0, 1]; torch writes it into the "
                "optimizer as given (and so does momentum_curve)",
                UserWarning,
                stacklevel=4,
            )


# ----------------------------------------------------------------------------- CyclicLR


def cyclic_position(
    k: np.ndarray, step_size_up: float, step_size_down: float
) -> tuple[np.ndarray, np.ndarray]:
    """CyclicLR's cycle number (from 1) and position in [0, 1] of the triangle at each step."""
    total = step_size_up + step_size_down
    ratio = step_size_up / total
    cycle = np.floor(1 + k / total)
    x = 1.0 + k / total - cycle
    rising = x <= ratio
    position = np.where(rising, x / ratio, (x - 1) / (ratio - 1 if ratio < 1 else 1.0))
    return cycle, position


def cyclic_scale(
    k: np.ndarray,
    cycle: np.ndarray,
    mode: str,
    gamma: float,
    scale_fn: Callable[[float], float] | None,
    scale_mode: str,
) -> np.ndarray:
    r"""The amplitude scale: 1 (triangular), :math:`2^{1-c}` (triangular2), :math:`\gamma^k`
    (exp_range), or ``scale_fn`` of the cycle or of the step."""
    if scale_fn is None:
        if mode == "triangular":
            return np.ones(len(k))
        if mode == "triangular2":
            return 1 / (2.0 ** (cycle - 1))
        return gamma ** k.astype(np.float64)
    arg = cycle.astype(np.int64) if scale_mode == "cycle" else k
    return call_per_step(scale_fn, arg, "scale_fn")
