"""The one streaming SGD loop: a linear student on the teacher-student stream.

* :func:`sgd_stream`: SGD steps on the stream at given LRs (or under a torch scheduler), the
  loop :func:`run_online` and :func:`lrcourse.branch_cooldowns` both take;
* :func:`online_history`: the exact population loss of every iterate, an
  :class:`OnlineHistory`;
* :func:`run_online`: one run from a schedule (an array, a number or a scheduler factory).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from .data import TeacherStudentStream
from .training import scheduler_from_spec, torch_threads
from .validation import as_array, as_int, as_real, fail

__all__ = ["OnlineHistory", "online_history", "run_online", "sgd_stream"]


@dataclass
class OnlineHistory:
    """What :func:`run_online` recorded.

    ``lrs[t]``: the LR of step ``t``; ``batch_loss[t]``: the mini-batch loss at step ``t``;
    ``loss[t]``: the exact population loss of the student *before* step ``t``
    (``loss[-1]`` is after the last step, so ``len(loss) == len(lrs) + 1``).
    """

    lrs: np.ndarray
    batch_loss: np.ndarray
    loss: np.ndarray
    optimal_loss: float
    diverged: bool = False
    diverged_at: int | None = None

    @property
    def final_loss(self) -> float:
        """Population loss after the last step (``inf`` if the run diverged)."""
        return math.inf if self.diverged else float(self.loss[-1])

    @property
    def excess(self) -> np.ndarray:
        """``loss - optimal_loss``: how far above the best possible loss the student is."""
        return self.loss - self.optimal_loss

    def tail_loss(self, fraction: float = 0.25) -> float:
        """Mean population loss over the last ``fraction`` of steps (a constant-LR plateau)."""
        fraction = as_real("fraction", fraction, low=0, high=1, low_open=True)
        if self.diverged:
            return math.inf
        k = max(1, round(fraction * (len(self.loss) - 1)))
        return float(self.loss[-k:].mean())

    def __repr__(self) -> str:
        status = f"diverged at step {self.diverged_at}" if self.diverged else "ok"
        return (
            f"OnlineHistory(steps={len(self.lrs)}, {status}, final_loss={self.final_loss:.4g}, "
            f"optimal_loss={self.optimal_loss:.4g})"
        )


def sgd_stream(
    task: TeacherStudentStream,
    batches: Iterator[tuple[torch.Tensor, torch.Tensor]],
    w: torch.Tensor,
    opt: Optimizer,
    lrs: np.ndarray | None = None,
    *,
    scheduler: LRScheduler | None = None,
    steps: int | None = None,
) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    r"""SGD steps on the stream: :math:`w_{t+1} = w_t - \eta_t \nabla \frac{1}{B}\|Xw_t - y\|^2`.

    Step ``t`` takes the next batch of ``batches`` and uses ``lrs[t]`` (set on ``opt``), or,
    with ``scheduler``, the scheduler's LR (stepped after every optimizer step) for ``steps``
    steps. Stops at the first non-finite batch loss. Returns the LRs used, the batch losses
    and the weights after each step (one row fewer than the others if the run diverged:
    the weights of the diverging step are not kept).
    """
    n = len(lrs) if lrs is not None else as_int("steps", steps, low=1)
    used, batch_loss = np.empty(n), np.empty(n)
    weights = torch.empty(n, task.dim)
    for t in range(n):
        if lrs is not None:
            opt.param_groups[0]["lr"] = lrs[t]
            used[t] = lrs[t]
        else:
            used[t] = scheduler.get_last_lr()[0]
        x, y = next(batches)
        opt.zero_grad(set_to_none=True)
        loss = ((x @ w - y) ** 2).mean()
        batch_loss[t] = loss.item()
        if not math.isfinite(batch_loss[t]):
            return used[: t + 1], batch_loss[: t + 1], weights[:t]
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        weights[t] = w.detach()
    return used, batch_loss, weights


def online_history(
    task: TeacherStudentStream,
    lrs: np.ndarray,
    batch_loss: np.ndarray,
    weights: torch.Tensor,
    steps: int | None = None,
) -> OnlineHistory:
    r"""The record of a run: population loss :math:`L(w) = \|w - w^*\|^2 + L^*` per iterate.

    ``weights`` holds the start and every iterate (``len(lrs) + 1`` rows, one row fewer when
    the last step's batch loss was not finite). A run cut short by divergence is padded with
    NaN LRs and losses to ``steps``; ``diverged_at`` is the first step whose batch loss (or
    whose population loss) is not finite.
    """
    steps = len(lrs) if steps is None else steps
    diverged_at = None
    if len(weights) <= len(lrs):  # the step that diverged is the last one taken
        diverged_at = len(lrs) - 1
    pop = ((weights.double() - task.teacher) ** 2).sum(1).numpy() + task.optimal_loss
    bad = ~np.isfinite(pop)
    if diverged_at is None and bad.any():
        diverged_at = int(np.argmax(bad)) - 1
    out_lrs, out_batch = np.full(steps, np.nan), np.full(steps, np.nan)
    out_batch[: len(batch_loss)] = batch_loss
    kept = len(lrs) if diverged_at is None or len(weights) > len(lrs) else diverged_at
    out_lrs[:kept] = lrs[:kept]
    return OnlineHistory(
        lrs=out_lrs,
        batch_loss=out_batch,
        loss=pop,
        optimal_loss=task.optimal_loss,
        diverged=diverged_at is not None,
        diverged_at=diverged_at,
    )


def run_online(
    task: TeacherStudentStream,
    schedule: Sequence[float] | np.ndarray | float | Callable[[Optimizer], LRScheduler],
    *,
    steps: int | None = None,
    lr: float | None = None,
    momentum: float = 0.0,
    cpu_threads: int | None = 1,
) -> OnlineHistory:
    """SGD on the teacher-student stream, one fresh batch per step, LR set by ``schedule``.

    The student is a linear map ``x . w`` started at ``w = 0``, trained on the mean-squared
    error with ``torch.optim.SGD``: ``w_{t+1} = w_t - eta_t * grad`` (:func:`sgd_stream`).
    ``schedule`` is

    * an array of LRs (``steps = len(schedule)``), e.g. from ``lc.lr_curve(...)``: step ``t``
      uses ``schedule[t]``;
    * a number: a constant LR for ``steps`` steps;
    * a factory ``optimizer -> torch scheduler`` (then give ``steps`` and the base ``lr``);
      the scheduler is stepped after every optimizer step.

    Same task, same batches: runs under different schedules see identical data. Runs on
    the CPU with ``cpu_threads`` threads (``None``: torch's setting).

    Example::

        >>> task = teacher_student_stream(dim=20, batch_size=8, noise=1.0, seed=0)
        >>> h = run_online(task, lc.lr_curve("CosineAnnealingLR", 500, lr=0.05, T_max=500))
        >>> h.final_loss < run_online(task, 0.05, steps=500).final_loss
        True
    """
    if not isinstance(task, TeacherStudentStream):
        raise fail("task", "a TeacherStudentStream", got=type(task).__name__)
    momentum = as_real("momentum", momentum, low=0, high=1, high_open=True)
    factory, lrs = None, None
    if callable(schedule):
        factory = schedule
        steps = as_int("steps", steps, low=1)
        base_lr = as_real("lr", lr, low=0, low_open=True)
    elif isinstance(schedule, np.ndarray | list | tuple | torch.Tensor):
        lrs = as_array("schedule", schedule, low=0.0)
        if steps is not None and as_int("steps", steps, low=1) != lrs.size:
            raise fail("steps", f"the schedule's length {lrs.size} (or None)", steps)
        steps, base_lr = lrs.size, float(lrs[0])
    else:
        value = as_real("schedule", schedule, low=0)
        steps = as_int("steps", steps, low=1)
        lrs, base_lr = np.full(steps, value), value

    w = torch.zeros(task.dim, requires_grad=True)
    opt = torch.optim.SGD([w], lr=base_lr, momentum=momentum)
    sched = scheduler_from_spec(factory, opt) if factory is not None else None
    with torch_threads(cpu_threads):
        used, batch_loss, weights = sgd_stream(
            task, task.batches(), w, opt, lrs, scheduler=sched, steps=steps
        )
    start = torch.zeros(1, task.dim)
    return online_history(task, used, batch_loss, torch.cat([start, weights]), steps)
