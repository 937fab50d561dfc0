"""The ground truth: learning-rate curves obtained by stepping the real torch schedulers.

:func:`torch_lr_curve` has :func:`lrcourse.lr_curve`'s signature; the tests hold the closed
forms equal to it. It is slow (one Python call per step): use it to check, not to plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.optim import lr_scheduler

from .schedules import SCHEDULES, check_schedule
from .schedules.api import _metrics_array, _prepare
from .validation import as_choice

__all__ = ["make_optimizer", "make_scheduler", "momentum_curve_torch", "torch_lr_curve"]


def make_optimizer(lr: float = 0.1) -> torch.optim.SGD:
    """The optimizer every curve is defined on: ``SGD([one parameter], lr, momentum=0.9)``."""
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


def make_scheduler(
    name: str, optimizer: torch.optim.Optimizer, **kwargs: Any
) -> lr_scheduler.LRScheduler:
    """Construct the torch scheduler ``name`` on ``optimizer``, its kwargs checked first.

    The same check as :func:`lrcourse.lr_curve` (:func:`lrcourse.schedules.check_schedule`):
    a bad spec is refused with the same message before torch sees it.

    lrcourse's own schedules become ``LambdaLR(optimizer, factor)``; SequentialLR and
    ChainedScheduler take ``schedulers=[(name, kwargs), ...]`` (pairs as tuples or lists),
    built in that order.

    >>> opt = make_optimizer(0.1)
    >>> type(make_scheduler("inverse_sqrt", opt, warmup_steps=10)).__name__
    'LambdaLR'
    """
    return _build(name, optimizer, check_schedule(name, kwargs))


def _build(
    name: str, optimizer: torch.optim.Optimizer, kwargs: dict[str, Any]
) -> lr_scheduler.LRScheduler:
    """The scheduler for validated ``kwargs`` (sub-schedulers' kwargs validated too)."""
    info = SCHEDULES[name]
    if not info.is_torch:
        return lr_scheduler.LambdaLR(optimizer, info.factory(**kwargs))
    if info.needs_schedulers:
        kwargs = dict(kwargs)
        subs = [_build(n, optimizer, kw) for n, kw in kwargs.pop("schedulers")]
        if name == "ChainedScheduler":
            return lr_scheduler.ChainedScheduler(subs, **kwargs)
        return lr_scheduler.SequentialLR(optimizer, subs, **kwargs)
    return getattr(lr_scheduler, name)(optimizer, **kwargs)


def _trace(
    name: str,
    steps: int | None,
    lr: float,
    metrics: Sequence[float] | None,
    kwargs: dict[str, Any],
    read: str,
) -> np.ndarray:
    info, n, base, given, _ = _prepare(name, steps, lr, metrics, kwargs, values=False)
    values = _metrics_array(metrics, n) if info.needs_metrics else None
    optimizer = make_optimizer(base)
    scheduler = _build(name, optimizer, given)
    out = np.empty(n)
    for k in range(n):
        out[k] = optimizer.param_groups[0][read]
        if k == n - 1:
            break
        optimizer.step()  # no gradients: a no-op that keeps torch's call-order check quiet
        if values is not None:
            scheduler.step(values[k])
        else:
            scheduler.step()
    return out


def torch_lr_curve(
    name: str,
    steps: int | None = None,
    *,
    lr: float = 0.1,
    metrics: Sequence[float] | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """:func:`lrcourse.lr_curve`, computed by stepping the torch scheduler ``steps - 1`` times.

    The ground truth: names and keywords are checked as everywhere, but the values go to
    torch as given, so what torch itself does with them (accept, ignore, crash) shows.

    >>> torch_lr_curve("StepLR", 4, lr=1.0, step_size=2, gamma=0.5)
    array([1. , 1. , 0.5, 0.5])
    """
    return _trace(name, steps, lr, metrics, kwargs, "lr")


def momentum_curve_torch(
    name: str, steps: int | None = None, *, lr: float = 0.1, **kwargs: Any
) -> np.ndarray:
    """The momentum torch's OneCycleLR or CyclicLR writes into SGD at each step."""
    as_choice("name", name, ("OneCycleLR", "CyclicLR"))
    return _trace(name, steps, lr, None, kwargs, "momentum")
