r"""SequentialLR and ChainedScheduler in closed form.

torch composes its schedulers' *recursive* updates on the optimizer's current LR. Each update
is an affine map :math:`\eta \mapsto a\eta + b` (each definition's ``update_map``); a prefix
composition of the maps (a vectorised scan, :math:`\log_2` steps numpy passes) reproduces
torch exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import ScheduleInfo
from .torch_schedulers import Map, absolute, scale

__all__ = ["chained_scheduler", "compose", "sequential_lr"]

Sub = tuple[ScheduleInfo, dict[str, Any]]


def compose(a: np.ndarray, b: np.ndarray, x0: float) -> np.ndarray:
    """``x_k = a_k x_{k-1} + b_k`` from ``x_{-1} = x0``, by a log-depth prefix scan."""
    a, b = a.astype(np.float64).copy(), b.astype(np.float64).copy()
    shift = 1
    while shift < len(a):
        b[shift:] = a[shift:] * b[:-shift] + b[shift:]
        a[shift:] = a[shift:] * a[:-shift]
        shift *= 2
    return a * x0 + b


def _initial(info: ScheduleInfo, base: float, kw: dict[str, Any]) -> Map:
    """What constructing the scheduler does to the optimizer's current LR."""
    if info.initial_map is None:
        return scale(np.ones(1))
    return info.initial_map(base, kw)


def _restart(info: ScheduleInfo, base: float, kw: dict[str, Any]) -> Map:
    """What SequentialLR does at a milestone: ``scheduler._update_lr(0)``."""
    if info.restart_map is not None:
        return info.restart_map(base, kw)
    return absolute(info.closed_form(np.zeros(1, dtype=np.int64), base, **kw))


def sequential_lr(k: np.ndarray, base: float, subs: list[Sub], milestones: list[int]) -> np.ndarray:
    """SequentialLR: scheduler ``i`` runs from ``milestones[i-1]``, restarted at its epoch 0."""
    which = np.searchsorted(np.asarray(milestones, dtype=np.int64), k, side="right")
    first = int(which[0]) if len(k) else 0
    a, b = np.empty(len(k)), np.empty(len(k))
    for i, (info, kw) in enumerate(subs):
        sel = np.nonzero(which[1:] == i)[0] + 1  # steps k >= 1 in this scheduler's segment
        if not len(sel):
            continue
        start = milestones[i - 1] if i > 0 else 0
        local = k[sel] - start
        a[sel], b[sel] = info.update_map(np.maximum(local, 1).astype(np.int64), base, kw)
        at_start = sel[local == 0]
        if len(at_start):
            a[at_start], b[at_start] = _restart(info, base, kw)
    if len(k):
        a[:1], b[:1] = _initial(*subs[first][:1], base, subs[first][1])
    return compose(a, b, base)


def chained_scheduler(k: np.ndarray, base: float, subs: list[Sub]) -> np.ndarray:
    """ChainedScheduler: every scheduler's update, in order, on the same LR at every step."""
    a, b = np.ones(len(k)), np.zeros(len(k))
    steps = k[1:].astype(np.int64)
    for info, kw in subs:
        a0, b0 = _initial(info, base, kw)
        ai, bi = info.update_map(steps, base, kw)
        ai, bi = np.concatenate((a0, ai)), np.concatenate((b0, bi))
        a, b = ai * a, ai * b + bi  # this scheduler's update after the earlier ones
    return compose(a[: len(k)], b[: len(k)], base)
