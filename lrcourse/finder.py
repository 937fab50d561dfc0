"""The LR range test (Smith 2017; fastai's ``lr_find``): sweep the LR up, watch the loss.

Train for ``num_iter`` mini-batches while the LR grows from ``start_lr`` to ``end_lr``
(geometrically or linearly), record the loss, smooth it, stop once it has clearly diverged,
and put the model and the optimizer back exactly as they were. The loss-vs-LR curve shows the
band of LRs that learn; :meth:`RangeTest.suggest` turns it into one number by one of several
rules, each with its caveats.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from torch.optim import Optimizer
from tqdm.auto import tqdm

from .training import (
    SupervisedData,
    _auto_device,
    _progress_enabled,
    rng_devices,
    torch_threads,
)

__all__ = ["RangeTest", "lr_range_test", "sweep_lrs", "SUGGESTION_RULES"]

Rule = Literal["steepest", "min_div_10", "valley"]
SUGGESTION_RULES: dict[str, str] = {
    "steepest": "where the smoothed loss falls fastest per unit of log LR; sensitive to noise "
    "and to where the curve is cut",
    "min_div_10": "a tenth of the LR at the smoothed loss's minimum (fastai's old default); "
    "conservative, since the minimum sits close to divergence",
    "valley": "about half way along the longest decreasing subsequence of the smoothed loss "
    "(fastai's current default; the points need not be adjacent); robust to a noisy start",
}


def sweep_lrs(
    start_lr: float, end_lr: float, num_iter: int, mode: Literal["exp", "linear"] = "exp"
) -> np.ndarray:
    r"""The LRs of a range test: ``num_iter`` values from ``start_lr`` to ``end_lr`` inclusive.

    ``exp``: :math:`\eta_i = \eta_0 (\eta_{end}/\eta_0)^{i/(n-1)}`; ``linear``: equal steps.

    >>> sweep_lrs(1e-3, 1e-1, 3)
    array([0.001, 0.01 , 0.1  ])
    """
    for name, value in (("start_lr", start_lr), ("end_lr", end_lr)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    if not end_lr > start_lr:
        raise ValueError(f"end_lr ({end_lr}) must be > start_lr ({start_lr})")
    if isinstance(num_iter, bool) or not isinstance(num_iter, int) or num_iter < 2:
        raise ValueError(f"num_iter must be an int >= 2, got {num_iter!r}")
    if mode == "exp":
        return start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / (num_iter - 1))
    if mode == "linear":
        return np.linspace(start_lr, end_lr, num_iter)
    raise ValueError(f"mode must be 'exp' or 'linear', got {mode!r}")


def _longest_descent(values: np.ndarray) -> tuple[int, int]:
    """Start and end of the longest decreasing subsequence (fastai's ``valley`` search)."""
    n = len(values)
    length = np.ones(n, dtype=int)
    start, end = 0, 0
    for i in range(1, n):
        for j in range(i):
            if values[i] < values[j] and length[i] < length[j] + 1:
                length[i] = length[j] + 1
        if length[end] < length[i]:
            end, start = i, i - length[i]
    return max(start, 0), end


@dataclass
class RangeTest:
    """The record of one LR range test.

    ``lrs[i]`` is the LR batch ``i`` was trained with, ``losses[i]`` that batch's loss measured
    before the update (so it reflects the LRs up to ``lrs[i-1]``, as in fastai),
    ``smoothed[i]`` the bias-corrected exponential moving average
    :math:`a_i = \\beta a_{i-1} + (1-\\beta) \\ell_i`, :math:`s_i = a_i / (1 - \\beta^{i+1})`.
    ``stopped_early`` says the test stopped because ``smoothed`` exceeded
    ``diverge_factor`` times its minimum (or a loss was not finite).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_early: bool
    planned_iter: int
    settings: dict[str, Any] = field(default_factory=dict)

    def suggest(self, rule: Rule = "valley", *, skip_start: int = 0) -> float:
        """One LR from the curve by ``rule`` (see :data:`SUGGESTION_RULES`).

        ``skip_start`` ignores the first points (the smoothing's warm-up). The last point
        (the one that triggered the stop) is never a candidate.

        >>> import numpy as np
        >>> lrs = np.geomspace(1e-4, 1, 9)
        >>> losses = np.array([2.3, 2.3, 2.2, 1.9, 1.2, 0.8, 0.9, 3.0, 9.0])
        >>> t = RangeTest(lrs, losses, losses, True, 9)
        >>> float(t.suggest("min_div_10"))
        0.001
        """
        if rule not in SUGGESTION_RULES:
            raise ValueError(f"rule must be one of {list(SUGGESTION_RULES)}, got {rule!r}")
        if isinstance(skip_start, bool) or not isinstance(skip_start, int) or skip_start < 0:
            raise ValueError(f"skip_start must be an int >= 0, got {skip_start!r}")
        end = len(self.lrs) - 1 if self.stopped_early else len(self.lrs)
        lrs, loss = self.lrs[skip_start:end], self.smoothed[skip_start:end]
        if len(lrs) < 3:
            raise ValueError(
                f"the test has {len(lrs)} usable points after skip_start={skip_start}: "
                "need at least 3 (run more iterations or skip fewer)"
            )
        if rule == "min_div_10":
            return float(lrs[int(np.argmin(loss))] / 10)
        if rule == "steepest":
            slope = np.gradient(loss, np.log(lrs))
            return float(lrs[int(np.argmin(slope))])
        start, stop = _longest_descent(loss)
        third = (stop - start) / 3
        return float(lrs[start + int(third) + int(third / 2)])

    def suggestions(self, skip_start: int = 0) -> dict[str, float]:
        """Every rule's suggestion."""
        return {rule: self.suggest(rule, skip_start=skip_start) for rule in SUGGESTION_RULES}

    def plot(self, ax=None, *, rule: Rule | None = "valley", raw: bool = True, skip_start: int = 0):
        """Loss against LR (log axis), smoothed and raw, with a rule's suggestion marked."""
        from .plotting import plot_lr_vs_loss

        suggested = self.suggest(rule, skip_start=skip_start) if rule is not None else None
        ax = plot_lr_vs_loss(
            self.lrs, self.smoothed, ax=ax, suggested_lr=suggested, label="smoothed loss"
        )
        if raw:
            ax.plot(self.lrs, self.losses, alpha=0.3, lw=1, label="batch loss")
            ax.legend()
        return ax

    def __repr__(self) -> str:
        status = "stopped early (diverged)" if self.stopped_early else "ran to end_lr"
        return (
            f"RangeTest({len(self.lrs)}/{self.planned_iter} iterations, LR {self.lrs[0]:.2g} to "
            f"{self.lrs[-1]:.2g}, {status}, min smoothed loss {np.min(self.smoothed):.4g})"
        )


def _batches(n: int, batch_size: int, seed: int) -> Iterable[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    while True:
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n - batch_size + 1, batch_size):
            yield perm[i : i + batch_size]


def lr_range_test(
    model: nn.Module,
    data: SupervisedData,
    optimizer: Optimizer | Callable[[Iterable[nn.Parameter]], Optimizer],
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
    mode: Literal["exp", "linear"] = "exp",
    beta: float = 0.98,
    diverge_factor: float = 4.0,
    batch_size: int = 32,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    cpu_threads: int | None = 1,
    progress: bool | None = None,
) -> RangeTest:
    """Run an LR range test on ``model`` and restore the model and optimizer afterwards.

    Batch ``i`` trains with LR ``sweep_lrs(start_lr, end_lr, num_iter, mode)[i]`` (set on every
    param group). The loss is smoothed with ``beta`` (0 = no smoothing); the test stops when
    the smoothed loss exceeds ``diverge_factor`` times its minimum, or a loss is not finite.
    Afterwards every parameter, buffer and optimizer state is bit-identical to before, and the
    optimizer's LRs are its own again. ``optimizer`` is an optimizer on the model or a factory
    ``params -> Optimizer``.

    Example::

        >>> data = lc.load_digits_data()
        >>> test = lr_range_test(lc.mlp(64, 64, 10), data,
        ...                      lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))
        >>> test.suggest("valley")  # doctest: +SKIP
    """
    lrs = sweep_lrs(start_lr, end_lr, num_iter, mode)
    if isinstance(beta, bool) or not isinstance(beta, int | float) or not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    if (
        isinstance(diverge_factor, bool)
        or not isinstance(diverge_factor, int | float)
        or not diverge_factor > 1
    ):
        raise ValueError(f"diverge_factor must be a number > 1, got {diverge_factor!r}")
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    n = len(data.X_train)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be an int in [1, {n}], got {batch_size!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if isinstance(optimizer, Optimizer):
        opt = optimizer
    elif callable(optimizer):
        opt = optimizer(model.parameters())
    else:
        raise ValueError(f"optimizer must be an Optimizer or a factory, got {optimizer!r}")

    dev = torch.device(device) if device is not None else _auto_device()
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    saved_device = next(model.parameters()).device
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    saved_training = model.training
    model.to(dev)
    X, y = data.X_train.to(dev), data.y_train.to(dev)

    losses, smoothed = [], []
    avg, best, stopped = 0.0, math.inf, False
    threads = cpu_threads if dev.type == "cpu" else None
    batches = _batches(n, batch_size, seed)
    try:
        with torch_threads(threads), torch.random.fork_rng(devices=rng_devices(dev)):
            torch.manual_seed(seed)
            model.train()
            bar = tqdm(lrs, disable=not _progress_enabled(progress), leave=False, desc="LR test")
            for i, lr in enumerate(bar):
                for group in opt.param_groups:
                    group["lr"] = float(lr)
                idx = next(batches)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(X[idx]), y[idx])
                value = float(loss.item())
                losses.append(value)
                if not math.isfinite(value):
                    smoothed.append(math.inf)
                    stopped = True
                    break
                loss.backward()
                opt.step()
                avg = beta * avg + (1 - beta) * value
                s = avg / (1 - beta ** (i + 1))
                smoothed.append(s)
                best = min(best, s)
                if s > diverge_factor * best:
                    stopped = True
                    break
            bar.close()
    finally:
        model.load_state_dict(saved_model)
        opt.load_state_dict(saved_opt)
        model.to(saved_device)
        model.train(saved_training)
    k = len(losses)
    return RangeTest(
        lrs=lrs[:k],
        losses=np.asarray(losses),
        smoothed=np.asarray(smoothed),
        stopped_early=stopped,
        planned_iter=num_iter,
        settings={
            "start_lr": start_lr,
            "end_lr": end_lr,
            "mode": mode,
            "beta": beta,
            "diverge_factor": diverge_factor,
            "batch_size": batch_size,
            "seed": seed,
        },
    )
