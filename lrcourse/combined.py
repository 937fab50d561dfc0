r"""Combined schedules: the naive product of factors, and warmup-stable-decay branches.

* :func:`naive_product`: what ``ChainedScheduler`` would give *if* chaining multiplied each
  scheduler's own factor, :math:`\eta_k = \eta_0 \prod_i \eta^{(i)}_k / \eta_0`. Torch's chain
  composes the schedulers' *recursive* updates instead; the two agree for the purely
  multiplicative schedulers and part ways for a cosine past ``T_max`` (or with ``eta_min > 0``).
* :func:`branch_cooldowns`: one warmup + constant ("stable") run on the teacher-student
  stream, checkpointed (weights and optimizer state) at several points, each checkpoint
  cooled down to its own budget: the warmup-stable-decay (WSD) way of getting a finished
  model at several training lengths for little more than the price of the longest one.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch

from .data import TeacherStudentStream
from .schedules import COMBINABLE, lr_curve, warmup_stable_decay
from .training import OnlineHistory, torch_threads

__all__ = ["CooldownBranches", "branch_cooldowns", "naive_product"]


def _positive_real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


def naive_product(
    schedulers: Sequence[tuple[str, dict[str, Any]]], steps: int, *, lr: float = 0.1
) -> np.ndarray:
    r"""The product of the schedulers' own factors: :math:`\eta_0 \prod_i \eta^{(i)}_k/\eta_0`.

    Each ``(name, kwargs)`` pair is a scheduler of :data:`lrcourse.COMBINABLE`; its curve
    :math:`\eta^{(i)}_k` is ``lr_curve(name, steps, lr=lr, **kwargs)``. This is the "factors
    multiply" picture of ``ChainedScheduler``; compare it with
    ``lr_curve("ChainedScheduler", steps, lr=lr, schedulers=schedulers)``, which is what torch
    does.

    >>> naive_product([("ConstantLR", {"factor": 0.5, "total_iters": 2}),
    ...                ("ExponentialLR", {"gamma": 0.5})], 4, lr=1.0)
    array([0.5  , 0.25 , 0.25 , 0.125])
    """
    base = _positive_real("lr", lr)
    if isinstance(schedulers, str | bytes) or not isinstance(schedulers, Sequence):
        raise ValueError("schedulers must be a list of (name, kwargs) pairs")
    if not schedulers:
        raise ValueError("schedulers must hold at least one (name, kwargs) pair")
    out = np.full(_steps("steps", steps), base)
    for item in schedulers:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[1], dict)):
            raise ValueError(f"schedulers must be (name, kwargs) pairs, got {item!r}")
        name, kwargs = item
        if name not in COMBINABLE:
            raise ValueError(f"schedulers: {name!r} is not one of {list(COMBINABLE)}")
        out *= lr_curve(name, len(out), lr=base, **kwargs) / base
    return out


def _steps(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


@dataclass
class CooldownBranches:
    """What :func:`branch_cooldowns` computed.

    ``runs[B]`` is the whole trajectory of the model finished at budget ``B`` (the stable
    prefix it shares, then its own cooldown), an :class:`~lrcourse.OnlineHistory` like
    :func:`~lrcourse.run_online` returns; ``stable`` is the shared warmup + constant run up to
    the last branch point; ``branch_points[B] = B - decay_steps[B]``. ``steps_computed`` counts
    the SGD steps actually taken (stable run plus every cooldown), ``steps_separate`` what
    training each budget from scratch would take.
    """

    runs: dict[int, OnlineHistory]
    stable: OnlineHistory
    branch_points: dict[int, int]
    decay_steps: dict[int, int]
    steps_computed: int
    steps_separate: int

    @property
    def budgets(self) -> list[int]:
        """The budgets, shortest first."""
        return sorted(self.runs)

    def final_excess(self) -> dict[int, float]:
        """Final excess loss (population loss minus the optimum) of each budget's model."""
        return {b: h.final_loss - h.optimal_loss for b, h in sorted(self.runs.items())}

    def __repr__(self) -> str:
        return (
            f"CooldownBranches(budgets={self.budgets}, branch_points="
            f"{[self.branch_points[b] for b in self.budgets]}, steps_computed="
            f"{self.steps_computed}, steps_separate={self.steps_separate})"
        )


def _sgd_steps(
    task: TeacherStudentStream,
    batches: Any,
    w: torch.Tensor,
    opt: torch.optim.Optimizer,
    lrs: np.ndarray,
) -> tuple[np.ndarray, torch.Tensor]:
    """``len(lrs)`` SGD steps on the stream, exactly as :func:`lrcourse.run_online` takes them."""
    batch_loss = np.empty(len(lrs))
    weights = torch.empty(len(lrs), task.dim)
    for t, value in enumerate(lrs):
        opt.param_groups[0]["lr"] = value
        x, y = next(batches)
        opt.zero_grad(set_to_none=True)
        loss = ((x @ w - y) ** 2).mean()
        batch_loss[t] = loss.item()
        loss.backward()
        opt.step()
        weights[t] = w.detach()
    return batch_loss, weights


def _history(
    task: TeacherStudentStream, lrs: np.ndarray, batch_loss: np.ndarray, weights: torch.Tensor
) -> OnlineHistory:
    pop = ((weights.double() - task.teacher) ** 2).sum(1).numpy() + task.optimal_loss
    bad = ~np.isfinite(pop)
    diverged_at = int(np.argmax(bad)) - 1 if bad.any() else None
    return OnlineHistory(
        lrs=lrs,
        batch_loss=batch_loss,
        loss=pop,
        optimal_loss=task.optimal_loss,
        diverged=diverged_at is not None,
        diverged_at=diverged_at,
    )


def branch_cooldowns(
    task: TeacherStudentStream,
    lr: float,
    budgets: Sequence[int],
    *,
    warmup_steps: int = 0,
    decay_fraction: float = 0.2,
    cooldown: str = "1-sqrt",
    momentum: float = 0.0,
    cpu_threads: int | None = 1,
) -> CooldownBranches:
    r"""Train once at a constant LR and branch a WSD cooldown off it for every budget.

    For each budget :math:`B` the cooldown lasts :math:`d_B = \mathrm{round}(f B)` steps
    (``f = decay_fraction``) and starts from the stable run's checkpoint after
    :math:`s_B = B - d_B` steps. Budget :math:`B`'s model follows the schedule
    ``lr * warmup_stable_decay(warmup_steps, B, d_B, cooldown=cooldown)``, the stable prefix
    being shared. SGD (with ``momentum``) on the mean-squared error, a linear student from
    ``w = 0``, the stream's batches in order: each ``runs[B]`` is bit-identical to
    ``run_online(task, runs[B].lrs, momentum=momentum)``, at a cost of
    :math:`\max_B s_B + \sum_B d_B` steps instead of :math:`\sum_B B`.

    Example::

        >>> task = teacher_student_stream(dim=20, batch_size=20, noise=1.0, seed=0)
        >>> br = branch_cooldowns(task, 0.05, [250, 500, 1000], warmup_steps=50)
        >>> br.branch_points, br.steps_computed, br.steps_separate
        ({250: 200, 500: 400, 1000: 800}, 1150, 1750)
    """
    if not isinstance(task, TeacherStudentStream):
        raise ValueError(f"task must be a TeacherStudentStream, got {type(task).__name__}")
    base = _positive_real("lr", lr)
    if isinstance(budgets, str | bytes) or not isinstance(budgets, Sequence) or not budgets:
        raise ValueError(f"budgets must be a non-empty list of step counts, got {budgets!r}")
    budget_list = sorted({_steps("budgets", b) for b in budgets})
    if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, Integral):
        raise ValueError(f"warmup_steps must be an integer >= 0, got {warmup_steps!r}")
    if warmup_steps < 0:
        raise ValueError(f"warmup_steps must be an integer >= 0, got {warmup_steps!r}")
    if isinstance(decay_fraction, bool) or not isinstance(decay_fraction, Real):
        raise ValueError(f"decay_fraction must be a number in (0, 1), got {decay_fraction!r}")
    if not 0 < decay_fraction < 1:
        raise ValueError(f"decay_fraction must be in (0, 1), got {decay_fraction!r}")
    if cooldown not in ("linear", "1-sqrt"):
        raise ValueError(f"cooldown must be 'linear' or '1-sqrt', got {cooldown!r}")
    if isinstance(momentum, bool) or not isinstance(momentum, Real) or not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")

    decay = {b: max(1, round(decay_fraction * b)) for b in budget_list}
    starts = {b: b - decay[b] for b in budget_list}
    for b in budget_list:
        if starts[b] < warmup_steps:
            raise ValueError(
                f"budgets: {b} leaves its cooldown ({decay[b]} steps) no room after "
                f"warmup_steps={warmup_steps}; use budgets >= warmup_steps / (1 - decay_fraction)"
            )
    schedules = {
        b: base * warmup_stable_decay(warmup_steps, b, decay[b], cooldown=cooldown)(np.arange(b))
        for b in budget_list
    }
    longest = max(starts.values())
    stable_lrs = schedules[budget_list[-1]][:longest]  # warmup + constant: shared by all
    for b in budget_list:
        schedules[b][: starts[b]] = stable_lrs[: starts[b]]

    with torch_threads(cpu_threads):
        w = torch.zeros(task.dim, requires_grad=True)
        opt = torch.optim.SGD([w], lr=base, momentum=momentum)
        w0 = w.detach().clone()
        checkpoints: dict[int, tuple[torch.Tensor, dict[str, Any]]] = {}
        batches = task.batches()
        losses, weights = [], []
        done = 0
        for s in sorted(set(starts.values())):
            bl, ws = _sgd_steps(task, batches, w, opt, stable_lrs[done:s])
            losses.append(bl)
            weights.append(ws)
            done = s
            checkpoints[s] = (w.detach().clone(), copy.deepcopy(opt.state_dict()))
        stable_loss = np.concatenate([np.empty(0), *losses])
        stable_weights = torch.cat([w0[None], *weights])

        runs = {}
        for b in budget_list:
            s = starts[b]
            saved_w, saved_opt = checkpoints[s]
            wb = saved_w.clone().requires_grad_(True)  # resume: weights ...
            ob = torch.optim.SGD([wb], lr=base, momentum=momentum)
            ob.load_state_dict(copy.deepcopy(saved_opt))  # ... and optimizer state
            stream = task.batches()
            for _ in range(s):  # the data loader resumes where the checkpoint left it
                next(stream)
            bl, ws = _sgd_steps(task, stream, wb, ob, schedules[b][s:])
            runs[b] = _history(
                task,
                schedules[b],
                np.concatenate([stable_loss[:s], bl]),
                torch.cat([stable_weights[: s + 1], ws]),
            )
    stable = _history(task, stable_lrs.copy(), stable_loss, stable_weights)
    return CooldownBranches(
        runs=runs,
        stable=stable,
        branch_points=starts,
        decay_steps=decay,
        steps_computed=longest + sum(decay.values()),
        steps_separate=sum(budget_list),
    )
