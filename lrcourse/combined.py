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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .data import TeacherStudentStream
from .online import OnlineHistory, online_history, sgd_stream
from .schedules import COMBINABLE, lr_curve, warmup_stable_decay
from .training import torch_threads
from .validation import as_choice, as_int, as_int_list, as_real, fail

__all__ = ["CooldownBranches", "branch_cooldowns", "naive_product"]


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
    base = as_real("lr", lr, low=0, low_open=True)
    pairs = "a non-empty list of (name, kwargs) pairs"
    if (
        isinstance(schedulers, str | bytes)
        or not isinstance(schedulers, Sequence)
        or not schedulers
    ):
        raise fail("schedulers", pairs, schedulers)
    out = np.full(as_int("steps", steps, low=1), base)
    for item in schedulers:
        if not (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[1], dict)):
            raise fail("schedulers", pairs, item)
        name, kwargs = item
        as_choice("schedulers", name, list(COMBINABLE))
        out *= lr_curve(name, len(out), lr=base, **kwargs) / base
    return out


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
        raise fail("task", "a TeacherStudentStream", got=type(task).__name__)
    base = as_real("lr", lr, low=0, low_open=True)
    if isinstance(budgets, str | bytes) or not isinstance(budgets, Sequence) or not budgets:
        raise fail("budgets", "a non-empty list of step counts", budgets)
    budget_list = sorted(set(as_int_list("budgets", budgets, low=1)))
    warmup_steps = as_int("warmup_steps", warmup_steps, low=0)
    decay_fraction = as_real(
        "decay_fraction", decay_fraction, low=0, high=1, low_open=True, high_open=True
    )
    as_choice("cooldown", cooldown, ("linear", "1-sqrt"))
    momentum = as_real("momentum", momentum, low=0, high=1, high_open=True)

    decay = {b: max(1, round(decay_fraction * b)) for b in budget_list}
    starts = {b: b - decay[b] for b in budget_list}
    for b in budget_list:
        if starts[b] < warmup_steps:
            raise fail(
                "budgets",
                "step counts >= warmup_steps / (1 - decay_fraction)",
                b,
                hint=f"its cooldown ({decay[b]} steps) has no room after "
                f"warmup_steps={warmup_steps}",
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
            _, bl, ws = sgd_stream(task, batches, w, opt, stable_lrs[done:s])
            if len(ws) < len(bl):
                raise fail(
                    "lr",
                    "an LR the stable phase trains with",
                    base,
                    hint=f"the loss became non-finite at step {done + len(ws)}",
                )
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
            _, bl, ws = sgd_stream(task, stream, wb, ob, schedules[b][s:])
            runs[b] = online_history(
                task,
                schedules[b][: s + len(bl)],
                np.concatenate([stable_loss[:s], bl]),
                torch.cat([stable_weights[: s + 1], ws]),
                steps=b,
            )
    stable = online_history(task, stable_lrs.copy(), stable_loss, stable_weights)
    return CooldownBranches(
        runs=runs,
        stable=stable,
        branch_points=starts,
        decay_steps=decay,
        steps_computed=longest + sum(decay.values()),
        steps_separate=sum(budget_list),
    )
