r"""One-cycle and cyclic schedules: OneCycleLR's phases, the momentum they overwrite, and
small measurements for chapter 7.

``OneCycleLR(max_lr, total_steps, pct_start, div_factor, final_div_factor, three_phase)``
starts at :math:`\eta_0 = \eta_{max}/d` (``d = div_factor``), rises to :math:`\eta_{max}`,
and ends at :math:`\eta_{min} = \eta_0 / f` (``f = final_div_factor``), that is
:math:`\eta_{max}/(d f)`, *not* :math:`\eta_{max}/f`. Torch ends the first phase at step
``pct_start * total_steps - 1`` (a float); within a phase the LR follows

.. math::  \eta = e + (b - e)\,\tfrac12\,(1 + \cos \pi p) \quad\text{(cos)}, \qquad
           \eta = b + (e - b)\,p \quad\text{(linear)},

with ``b``/``e`` the phase's start and end values and ``p`` the fraction of the phase done.
The momentum (SGD's ``momentum``, Adam's beta1) runs the opposite way, between
``max_momentum`` and ``base_momentum``.

* :func:`one_cycle_phases`: the phase boundaries and the LR and momentum at each, as torch
  computes them (:class:`OneCyclePlan` prints as a table).
* :func:`momentum_of`, :func:`trace_schedule`: what a real optimizer's LR and momentum are
  after each ``scheduler.step()`` (works for SGD and for Adam's ``betas``).
* :func:`cycle_peaks`: the local maxima of a cyclic curve (to tell ``triangular2`` from
  ``exp_range``).
* :func:`epochs_to_reach`: the first epoch at which a run's metric reaches a target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .schedules import SCHEDULES, check_schedule
from .schedules.torch_schedulers import one_cycle_plan
from .validation import as_array, as_int, as_real, fail

__all__ = [
    "OneCyclePhase",
    "OneCyclePlan",
    "ScheduleTrace",
    "cycle_peaks",
    "epochs_to_reach",
    "momentum_of",
    "one_cycle_phases",
    "trace_schedule",
]


# ----------------------------------------------------------------------------- OneCycleLR


@dataclass(frozen=True)
class OneCyclePhase:
    """One phase of OneCycleLR: from ``start_step`` to ``end_step`` (floats, as torch keeps
    them) the LR goes ``start_lr -> end_lr`` and the momentum ``start_momentum ->
    end_momentum``."""

    name: str
    start_step: float
    end_step: float
    start_lr: float
    end_lr: float
    start_momentum: float
    end_momentum: float


@dataclass(frozen=True)
class OneCyclePlan:
    r"""OneCycleLR's phases for one setting (see :func:`one_cycle_phases`).

    ``initial_lr`` :math:`= \eta_{max}/d` is the LR at step 0, ``min_lr``
    :math:`= \eta_{max}/(d f)` the LR at step ``total_steps - 1``, the last step a loop of
    ``total_steps`` batches uses.
    """

    phases: tuple[OneCyclePhase, ...]
    total_steps: int
    max_lr: float
    initial_lr: float
    min_lr: float

    def __str__(self) -> str:
        head = f"{'phase':13s} {'steps':>17s} {'LR':>25s} {'momentum':>15s}"
        lines = [head]
        for p in self.phases:
            steps = f"{p.start_step:g} -> {p.end_step:g}"
            lrs = f"{p.start_lr:.4g} -> {p.end_lr:.4g}"
            moms = f"{p.start_momentum:.3g} -> {p.end_momentum:.3g}"
            lines.append(f"{p.name:13s} {steps:>17s} {lrs:>25s} {moms:>15s}")
        lines.append(
            f"total_steps={self.total_steps}: start max_lr/div_factor = {self.initial_lr:.4g}, "
            f"end start/final_div_factor = {self.min_lr:.4g}"
        )
        return "\n".join(lines)

    __repr__ = __str__


def one_cycle_phases(
    max_lr: float,
    total_steps: int | None = None,
    *,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
) -> OneCyclePlan:
    r"""The phases of ``torch.optim.lr_scheduler.OneCycleLR`` with these arguments.

    Start :math:`\eta_0 = \eta_{max}/d`, end :math:`\eta_{min} = \eta_0/f`. Two phases
    (torch's default): warm up :math:`\eta_0 \to \eta_{max}` over steps
    ``0 -> pct_start*T - 1``, then anneal :math:`\eta_{max} \to \eta_{min}` until ``T - 1``
    (``T = total_steps``, or ``epochs * steps_per_epoch``). ``three_phase=True`` (Smith's
    version): warm up as before, come back down to :math:`\eta_0` by ``2*pct_start*T - 2``,
    then annihilate to :math:`\eta_{min}` by ``T - 1``. Momentum: ``max -> base`` while the
    LR rises, ``base -> max`` while it falls back, constant ``max`` in the annihilation.

    Example::

        >>> plan = one_cycle_phases(0.1, 100)
        >>> plan.initial_lr, plan.min_lr, [p.end_step for p in plan.phases]
        (0.004, 4e-07, [29.0, 99.0])
    """
    given = {
        "max_lr": max_lr,
        "total_steps": total_steps,
        "epochs": epochs,
        "steps_per_epoch": steps_per_epoch,
        "pct_start": pct_start,
        "div_factor": div_factor,
        "final_div_factor": final_div_factor,
        "three_phase": three_phase,
        "base_momentum": base_momentum,
        "max_momentum": max_momentum,
    }
    kw = SCHEDULES["OneCycleLR"].signature_defaults() | check_schedule("OneCycleLR", given)
    core = one_cycle_plan(kw)
    phases = tuple(
        OneCyclePhase(name, start, end, *lrs, *moms)
        for name, start, end, lrs, moms in zip(
            core.names, core.starts, core.ends, core.lrs, core.momenta, strict=True
        )
    )
    initial, floor = core.lrs[0][0], core.lrs[-1][1]
    return OneCyclePlan(phases, core.total_steps, kw["max_lr"], initial, floor)


# ----------------------------------------------------------------------------- momentum traces


def momentum_of(optimizer: torch.optim.Optimizer, group: int = 0) -> float:
    """The momentum of ``optimizer.param_groups[group]``: SGD's (or RMSprop's) ``momentum``,
    or Adam's ``betas[0]`` (beta1), the value OneCycleLR and CyclicLR overwrite.

    Example::

        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> momentum_of(torch.optim.Adam(p, betas=(0.8, 0.99)))
        0.8
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise fail("optimizer", "a torch optimizer", got=type(optimizer).__name__)
    groups = optimizer.param_groups
    group = as_int("group", group, low=0)
    if group >= len(groups):
        raise fail("group", f"< {len(groups)} (the number of param groups)", group)
    g = groups[group]
    if "betas" in g:
        return float(g["betas"][0])
    if "momentum" in g:
        return float(g["momentum"])
    raise fail("optimizer", "an optimizer with momentum or betas", got=type(optimizer).__name__)


@dataclass(frozen=True)
class ScheduleTrace:
    """``lrs[k]`` and ``momenta[k]``: group 0's LR and momentum (beta1 for Adam) after ``k``
    calls to ``scheduler.step()``."""

    lrs: np.ndarray
    momenta: np.ndarray


def trace_schedule(optimizer: torch.optim.Optimizer, scheduler: Any, steps: int) -> ScheduleTrace:
    """Step ``optimizer`` and ``scheduler`` ``steps - 1`` times (no gradients, so no weight
    moves) and record the LR and the momentum they leave in ``param_groups[0]`` each time.

    Element ``k`` is what the ``k``-th optimizer step of a training loop would use, the same
    convention as :func:`lrcourse.lr_curve` and :func:`lrcourse.momentum_curve`. The
    scheduler is consumed: build a fresh one for training. Errors torch raises (OneCycleLR's
    ``Tried to step ... times``) propagate.

    Example::

        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> opt = torch.optim.SGD(p, lr=0.1, momentum=0.9)
        >>> sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
        >>> float(trace_schedule(opt, sched, 3).momenta[0])  # not the 0.9 given to SGD
        0.95
    """
    steps = as_int("steps", steps, low=1)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise fail("optimizer", "a torch optimizer", got=type(optimizer).__name__)
    if getattr(scheduler, "optimizer", None) is not optimizer:
        raise fail("scheduler", "a scheduler built on this optimizer", got=type(scheduler).__name__)
    lrs, momenta = np.empty(steps), np.empty(steps)
    for k in range(steps):
        if k:
            optimizer.step()  # no .grad anywhere: nothing moves, but the step is counted
            scheduler.step()
        lrs[k] = optimizer.param_groups[0]["lr"]
        momenta[k] = momentum_of(optimizer)
    return ScheduleTrace(lrs, momenta)


# ----------------------------------------------------------------------------- measurements


def cycle_peaks(curve: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interior local maxima of a curve: ``(steps, values)``.

    A peak is a point above its left neighbour and not below its right one, followed by a
    fall (so a flat top counts once, at its first step). The ends never count. For
    CyclicLR the ratios of successive ``values - curve.min()`` tell the modes apart:
    1 (triangular), exactly 1/2 (triangular2), ``gamma ** cycle_length`` (exp_range).

    Example::

        >>> cycle_peaks([0, 1, 2, 1, 0, 1, 0])
        (array([2, 5]), array([2., 1.]))
    """
    c = as_array("curve", curve, nonempty=False)
    steps = []
    i, n = 1, len(c)
    while i < n - 1:
        if c[i] > c[i - 1] and c[i] >= c[i + 1]:
            j = i
            while j < n - 1 and c[j + 1] == c[i]:
                j += 1
            if j < n - 1:  # it falls after the top: a peak, not a rise that runs off the end
                steps.append(i)
            i = j + 1
        else:
            i += 1
    idx = np.asarray(steps, dtype=np.int64)
    return idx, c[idx]


def epochs_to_reach(history: Any, target: float, key: str = "train_loss") -> int | None:
    """The first epoch (counting from 1) whose ``history.<key>`` is ``<= target``; ``None``
    if the run never gets there.

    For an accuracy, pass ``-accuracy`` values or use a loss: the rule is "at or below".

    Example::

        >>> from types import SimpleNamespace
        >>> epochs_to_reach(SimpleNamespace(train_loss=[0.9, 0.5, 0.2]), 0.5)
        2
    """
    target = as_real("target", target)
    if not isinstance(key, str):
        raise fail("key", "the name of a history record", key)
    values = history.get(key) if isinstance(history, dict) else getattr(history, key, None)
    if values is None:
        raise fail("key", "a record of history", key)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise fail(f"history.{key}", "1-D", got=f"shape {values.shape}")
    hit = np.flatnonzero(values <= target)
    return int(hit[0]) + 1 if hit.size else None
