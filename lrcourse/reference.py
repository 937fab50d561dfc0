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

from .schedules import MODERN, _bind, _check_name, _metrics_array, _resolve_steps

__all__ = ["make_optimizer", "make_scheduler", "momentum_curve_torch", "torch_lr_curve"]


def make_optimizer(lr: float = 0.1) -> torch.optim.SGD:
    """The optimizer every curve is defined on: ``SGD([one parameter], lr, momentum=0.9)``."""
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


def make_scheduler(
    name: str, optimizer: torch.optim.Optimizer, **kwargs: Any
) -> lr_scheduler.LRScheduler:
    """Construct the torch scheduler ``name`` on ``optimizer``.

    lrcourse's own schedules become ``LambdaLR(optimizer, factor)``; SequentialLR and
    ChainedScheduler take ``schedulers=[(name, kwargs), ...]``, built in that order.

    >>> opt = make_optimizer(0.1)
    >>> type(make_scheduler("inverse_sqrt", opt, warmup_steps=10)).__name__
    'LambdaLR'
    """
    _check_name(name)
    if name in MODERN:
        return lr_scheduler.LambdaLR(optimizer, MODERN[name](**kwargs))
    if name in ("SequentialLR", "ChainedScheduler"):
        kwargs = dict(kwargs)
        subs = [make_scheduler(n, optimizer, **kw) for n, kw in kwargs.pop("schedulers")]
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
    _check_name(name)
    _bind(name, kwargs)
    n = _resolve_steps(name, steps, metrics, kwargs)
    values = _metrics_array(metrics, n) if name == "ReduceLROnPlateau" else None
    optimizer = make_optimizer(lr)
    scheduler = make_scheduler(name, optimizer, **kwargs)
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

    >>> torch_lr_curve("StepLR", 4, lr=1.0, step_size=2, gamma=0.5)
    array([1. , 1. , 0.5, 0.5])
    """
    return _trace(name, steps, lr, metrics, kwargs, "lr")


def momentum_curve_torch(
    name: str, steps: int | None = None, *, lr: float = 0.1, **kwargs: Any
) -> np.ndarray:
    """The momentum torch's OneCycleLR or CyclicLR writes into SGD at each step."""
    if name not in ("OneCycleLR", "CyclicLR"):
        raise ValueError(f"name must be 'OneCycleLR' or 'CyclicLR', got {name!r}")
    return _trace(name, steps, lr, None, kwargs, "momentum")
