r"""ReduceLROnPlateau's rule, written once: a recursion over the metric sequence that records
every step's state. ``lr_curve("ReduceLROnPlateau", ...)`` reads the LRs off it;
:func:`lrcourse.plateau_events` puts each step into words.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

__all__ = ["PlateauState", "plateau_rule"]


class PlateauState(NamedTuple):
    """What the call ``scheduler.step(metric)`` number ``epoch`` did.

    ``bar``: the value the metric had to beat (from the best before the call); ``improved``;
    ``counted``: the bad-epoch counter after this epoch was counted, ``in_cooldown``: whether
    a cooldown step was used up (the counter then reset); ``best``, ``bad``, ``cooldown``:
    the state after the call; ``lr``: the LR in effect while the metric was measured,
    ``target``: the LR a cut would give, ``new_lr``: the LR after the call. ``action``:
    ``"better"``, ``"worse"``, ``"cooldown"`` (a bad epoch not counted), ``"cut"``,
    ``"skipped"`` (the counter passed patience but the change would be ``<= eps``).
    """

    epoch: int
    metric: float
    bar: float
    improved: bool
    counted: int
    in_cooldown: bool
    best: float
    bad: int
    cooldown: int
    lr: float
    target: float
    new_lr: float
    action: str


def plateau_rule(
    metrics: np.ndarray,
    base: float,
    *,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> Iterator[PlateauState]:
    r"""Torch's ``ReduceLROnPlateau`` step by step (arguments already validated).

    At each call ``step(a)`` (``min`` mode; ``max`` mirrors it): *better* if
    :math:`a < \text{best}(1 - \text{threshold})` (``rel``) or
    :math:`a < \text{best} - \text{threshold}` (``abs``); then ``best = a``, ``bad = 0``, else
    ``bad += 1``. A cooldown step resets ``bad``. If ``bad > patience`` the LR becomes
    :math:`\max(\eta\,\text{factor}, \text{min\_lr})` when that changes it by more than
    ``eps``; ``bad = 0`` and the cooldown restarts. The same arithmetic as torch's
    ``_is_better``, so ties and rounding agree exactly; a NaN metric is never better.
    """
    if threshold_mode == "rel":
        scale = 1.0 - threshold if mode == "min" else threshold + 1.0

        def bar_of(b: float) -> float:
            return b * scale
    else:
        shift = -threshold if mode == "min" else threshold

        def bar_of(b: float) -> float:
            return b + shift

    best = math.inf if mode == "min" else -math.inf
    # torch compares its integer counters with any number: bad > patience is bad > floor(patience)
    # and a cooldown c counted down while > 0 lasts ceil(c) steps (so the counters stay integers)
    patience, cooldown = math.floor(patience), math.ceil(cooldown)
    lr, bad, cool = base, 0, 0
    for epoch, value in enumerate(np.asarray(metrics, dtype=np.float64).tolist()):
        a = float(value)
        bar = bar_of(best)
        better = a < bar if mode == "min" else a > bar
        if better:
            best, bad = a, 0
        else:
            bad += 1
        counted = bad
        in_cooldown = cool > 0
        if in_cooldown:
            cool, bad = cool - 1, 0
        new_lr, target = lr, max(lr * factor, min_lr)
        if bad > patience:
            action = "cut" if lr - target > eps else "skipped"
            if action == "cut":
                new_lr = target
            cool, bad = cooldown, 0
        else:
            action = "better" if better else ("cooldown" if in_cooldown else "worse")
        yield PlateauState(
            epoch, a, bar, better, counted, in_cooldown, best, bad, cool, lr, target, new_lr, action
        )  # a tuple: cheap enough for lr_curve's long runs
        lr = new_lr
