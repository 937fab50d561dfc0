r"""Resuming a run: what must be saved so that a stopped run continues as if never stopped.

Chapter 12's tool. A checkpoint is three state dicts, the model's, the optimizer's
(momentum buffers or Adam's moments, the current LR of each group) and the scheduler's
(its step counter and whatever else it keeps: ReduceLROnPlateau's best value and bad-epoch
count, SequentialLR's children). :func:`resume_run` trains the same seeded model twice:

* straight: ``steps`` optimizer steps;
* resumed: ``split`` steps, ``torch.save`` of the state dicts that ``save`` names to an
  in-memory buffer, every object thrown away, a FRESH model, optimizer and scheduler built
  exactly as the first time, ``load_state_dict`` of what was saved, then the remaining
  ``steps - split`` steps.

Everything else is a pure function of the step, so that only the checkpoint can make the two
runs differ: batch ``t`` is the ``t mod b``-th slice of a permutation seeded by
``(seed, t div b)`` (:func:`batch_indices`, ``b`` batches per epoch), and ReduceLROnPlateau
is stepped on each step's batch loss. With ``save="all"`` the two LR traces and the final
parameters are bit-identical; with ``save="model"`` the fresh scheduler starts its schedule
again from step 0 at step ``split`` (:func:`lrcourse.diagnose` calls it
``restarted_schedule``); with ``save="model+optimizer"`` the loaded optimizer carries the LR
of step ``split`` but the fresh scheduler's clock starts at 0, so the schedule's later steps
come at the wrong time. What the tests measure, with the scheduler built before the
checkpoint is loaded (as a training script does):

=====================  ==================================================================
schedule               ``save="model+optimizer"``: from step ``split + 1`` on
=====================  ==================================================================
OneCycleLR, LambdaLR   the schedule from its step 1 again (a closed form of the counter)
StepLR                 the loaded LR, decayed every ``step_size`` steps counted from
                       ``split``: the decays come late (on time, and the run identical,
                       only when ``split`` is a multiple of ``step_size``)
SequentialLR           its LinearLR warmup (then cosine) multiplies the loaded LR, near its
                       peak already: the LR overshoots the base LR
ReduceLROnPlateau      the loaded LR, but best value and patience counted afresh: the next
                       cut comes no earlier than in the straight run (later, or the same
                       when the lost state happens not to matter: it depends on the seed)
=====================  ==================================================================
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from .data import SplitData, load_digits_data
from .models import mlp
from .schedules import schedule_spec
from .training import scheduler_from_spec, torch_threads
from .validation import as_choice, as_int, as_real

__all__ = ["OPTIMIZERS", "SAVES", "ResumeRun", "batch_indices", "resume_run"]

#: What :func:`resume_run` can save: every state dict, or the model's (and the optimizer's).
SAVES = ("all", "model", "model+optimizer")
#: The optimizers :func:`resume_run` trains with: SGD with momentum 0.9, or Adam.
OPTIMIZERS = ("sgd", "adam")


def batch_indices(step: int, n: int, batch_size: int, seed: int = 0) -> np.ndarray:
    r"""The rows of the training set that optimizer step ``step`` trains on.

    With :math:`b = \lfloor n / \mathrm{batch\_size} \rfloor` batches per epoch (the last,
    partial batch dropped), step :math:`t` takes the :math:`(t \bmod b)`-th slice of the
    permutation of :math:`0..n-1` drawn from ``numpy.random.default_rng([seed, t // b])``.
    A pure function of the step: a resumed run needs no sampler state to continue the data
    order exactly.

    >>> batch_indices(0, 10, 4, seed=0).tolist() == batch_indices(0, 10, 4, seed=0).tolist()
    True
    >>> sorted(np.concatenate([batch_indices(t, 8, 4) for t in (2, 3)]).tolist())
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    n = as_int("n", n, low=1)
    batch_size = as_int("batch_size", batch_size, low=1, high=n)
    step, seed = as_int("step", step, low=0), as_int("seed", seed, low=0)
    per_epoch = n // batch_size
    epoch, k = divmod(step, per_epoch)
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return order[k * batch_size : (k + 1) * batch_size]


@dataclass(repr=False)
class ResumeRun:
    """What :func:`resume_run` measured.

    ``straight_lrs`` / ``resumed_lrs``: the LR of each optimizer step (read before
    ``optimizer.step()``); ``straight_losses`` / ``resumed_losses``: each step's batch loss
    (ReduceLROnPlateau's metric); ``straight_params`` / ``resumed_params``: the final
    parameters as one flat float32 vector. ``identical``: LR traces and final parameters
    bit-identical; ``first_difference``: the first step whose LR differs (None if none).
    """

    schedule: tuple[str, dict[str, Any]]
    save: str
    steps: int
    split: int
    optimizer: str
    lr: float
    straight_lrs: np.ndarray
    resumed_lrs: np.ndarray
    straight_losses: np.ndarray
    resumed_losses: np.ndarray
    straight_params: np.ndarray
    resumed_params: np.ndarray

    @property
    def lrs_identical(self) -> bool:
        """The two LR traces are equal bit for bit."""
        return bool(np.array_equal(self.straight_lrs, self.resumed_lrs))

    @property
    def params_identical(self) -> bool:
        """The two final parameter vectors are equal bit for bit."""
        return bool(np.array_equal(self.straight_params, self.resumed_params))

    @property
    def identical(self) -> bool:
        """LR traces and final parameters bit-identical: the resume was invisible."""
        return self.lrs_identical and self.params_identical

    @property
    def first_difference(self) -> int | None:
        """The first step whose LR differs between the two runs (None: the traces agree)."""
        bad = np.flatnonzero(self.straight_lrs != self.resumed_lrs)
        return int(bad[0]) if bad.size else None

    @property
    def param_difference(self) -> float:
        """The largest absolute difference between the two final parameter vectors."""
        return float(np.max(np.abs(self.straight_params - self.resumed_params)))

    def __repr__(self) -> str:
        name = self.schedule[0]
        opt = "SGD with momentum" if self.optimizer == "sgd" else "Adam"
        head = (
            f"{name} ({opt}): {self.steps} steps straight vs {self.split} + save "
            f"{self.save!r} + load + {self.steps - self.split}"
        )
        if self.identical:
            return f"{head}: LR trace and parameters bit-identical"
        d = self.first_difference
        if d is None:
            lr_part = "LR traces identical"
        else:
            lr_part = (
                f"LR traces differ from step {d} (straight {self.straight_lrs[d]:.4g}, "
                f"resumed {self.resumed_lrs[d]:.4g})"
            )
        return f"{head}: {lr_part}; parameters differ by up to {self.param_difference:.3g}"


class _Run:
    """One model, optimizer and scheduler, built the same way every time."""

    def __init__(
        self,
        schedule: tuple[str, dict[str, Any]],
        optimizer: str,
        lr: float,
        hidden: int,
        seed: int,
    ) -> None:
        self.model: nn.Module = mlp(64, hidden, 10, seed=seed)
        params = self.model.parameters()
        self.opt: Optimizer = (
            torch.optim.SGD(params, lr=lr, momentum=0.9)
            if optimizer == "sgd"
            else torch.optim.Adam(params, lr=lr)
        )
        # a (name, kwargs) pair: never None
        self.sched = cast(LRScheduler, scheduler_from_spec(schedule, self.opt))
        self.plateau = isinstance(self.sched, ReduceLROnPlateau)

    def train(
        self, data: SplitData, steps: range, batch_size: int, seed: int, lrs: list, losses: list
    ) -> None:
        X, y, n = data.X_train, data.y_train, len(data.X_train)
        self.model.train()
        for t in steps:
            idx = torch.from_numpy(batch_indices(t, n, batch_size, seed))
            lrs.append(float(self.opt.param_groups[0]["lr"]))
            self.opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(self.model(X[idx]), y[idx])
            loss.backward()
            self.opt.step()
            value = float(loss.detach())
            losses.append(value)
            if self.plateau:
                self.sched.step(value)  # the metric: this step's batch loss
            else:
                self.sched.step()

    def params(self) -> np.ndarray:
        vec = nn.utils.parameters_to_vector(self.model.parameters())
        return vec.detach().cpu().numpy().copy()


def resume_run(
    schedule: tuple[str, Mapping[str, Any]],
    *,
    steps: int = 1000,
    split: int = 600,
    save: str = "all",
    seed: int = 0,
    optimizer: str = "sgd",
    lr: float = 0.1,
    batch_size: int = 64,
    hidden: int = 32,
) -> ResumeRun:
    r"""Train ``steps`` steps straight, and ``split`` + save + load + the rest; compare.

    ``schedule``: a ``(name, kwargs)`` pair, built by :func:`lrcourse.scheduler_from_spec`
    (torch's schedulers and lrcourse's own, validated as :func:`lrcourse.lr_curve`); it is
    stepped after every optimizer step, ReduceLROnPlateau on that step's batch loss. The
    model is ``lc.mlp(64, hidden, 10, seed=seed)`` on the digits
    (:func:`lrcourse.load_digits_data`), trained with ``optimizer`` (``"sgd"``: SGD with
    momentum 0.9, ``"adam"``) at base LR ``lr``, batches from :func:`batch_indices`.

    The resumed run stops after ``split`` steps and ``torch.save``\ s to a ``BytesIO``
    the state dicts ``save`` names (``"all"``: model, optimizer and scheduler;
    ``"model"``; ``"model+optimizer"``). It then builds a fresh model, optimizer and
    scheduler as at the start (the scheduler on the fresh optimizer, as a training script
    does before it loads a checkpoint), reads the buffer back with ``torch.load`` (its
    default ``weights_only=True``), calls ``load_state_dict`` on each saved object and trains
    steps ``split .. steps - 1``.

    >>> r = resume_run(("StepLR", {"step_size": 5, "gamma": 0.5}), steps=12, split=7)
    >>> r.identical
    True
    >>> resume_run(("StepLR", {"step_size": 5, "gamma": 0.5}), steps=12, split=7,
    ...            save="model").first_difference
    7
    """
    spec = schedule_spec(schedule, "schedule")
    steps = as_int("steps", steps, low=2)
    split = as_int("split", split, low=1, high=steps - 1)
    save = as_choice("save", save, SAVES)
    seed = as_int("seed", seed, low=0)
    optimizer = as_choice("optimizer", optimizer, OPTIMIZERS)
    lr = as_real("lr", lr, low=0.0, low_open=True)
    hidden = as_int("hidden", hidden, low=1)
    data = load_digits_data(seed=0)
    batch_size = as_int("batch_size", batch_size, low=1, high=len(data.X_train))

    def build() -> _Run:
        return _Run(spec, optimizer, lr, hidden, seed)

    # a tiny model: one thread is faster than two, and two kernels running side by side
    # (the book build) would oversubscribe the cores, slowing every small op many times over
    with torch_threads(1):
        straight_lrs: list[float] = []
        straight_losses: list[float] = []
        straight = build()
        straight.train(data, range(steps), batch_size, seed, straight_lrs, straight_losses)

        lrs: list[float] = []
        losses: list[float] = []
        first = build()
        first.train(data, range(split), batch_size, seed, lrs, losses)
        state = {"model": first.model.state_dict()}
        if save != "model":
            state["optimizer"] = first.opt.state_dict()
        if save == "all":
            state["scheduler"] = first.sched.state_dict()
        buffer = io.BytesIO()
        torch.save(state, buffer)
        del first, state

        buffer.seek(0)
        loaded = torch.load(buffer, weights_only=True)
        second = build()
        second.model.load_state_dict(loaded["model"])
        if "optimizer" in loaded:
            second.opt.load_state_dict(loaded["optimizer"])
        if "scheduler" in loaded:
            second.sched.load_state_dict(loaded["scheduler"])
        second.train(data, range(split, steps), batch_size, seed, lrs, losses)

    return ResumeRun(
        schedule=spec,
        save=save,
        steps=steps,
        split=split,
        optimizer=optimizer,
        lr=lr,
        straight_lrs=np.asarray(straight_lrs),
        resumed_lrs=np.asarray(lrs),
        straight_losses=np.asarray(straight_losses),
        resumed_losses=np.asarray(losses),
        straight_params=straight.params(),
        resumed_params=second.params(),
    )
