r"""Chapter 12, schedules in practice: gradient accumulation and mixed precision.

Two loops a user writes around the schedule, each run for real on the digits
(:func:`lrcourse.load_digits_data`, the model ``lc.mlp(64, hidden, 10)``), and the schedule
doctor's verdict (:func:`lrcourse.diagnose`) on the LRs the optimizer steps used.

* :func:`accumulation_run`: ``accum`` micro-batches per optimizer step. The schedule is
  meant per optimizer step, horizon :math:`N` = ``steps``. Two mistakes: the horizon counted
  in micro-batches (:math:`N \cdot a`), and the scheduler stepped per micro-batch.
* :func:`amp_run`: ``torch.amp.autocast`` in float16 with a ``torch.amp.GradScaler``. The
  scaler skips ``optimizer.step()`` when the scaled gradients overflow (and halves its
  scale); a loop that steps the scheduler anyway runs the schedule ahead of the optimizer,
  and torch warns when the very first step was skipped. The fix: step the scheduler only when
  the scale did not drop (``scaler.get_scale()`` before and after ``scaler.update()``).

Micro-batch :math:`j` (counted over the run) is :func:`lrcourse.resume.batch_indices`
``(j, n, batch_size, seed)``: the same data order whatever the accumulation.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.optim.lr_scheduler import LRScheduler

from .data import load_digits_data
from .doctor import _HORIZON_KEY, Diagnosis, diagnose
from .models import mlp
from .resume import batch_indices
from .schedules import schedule_spec
from .training import scheduler_from_spec, torch_threads
from .validation import as_bool, as_choice, as_int, as_real, fail

__all__ = ["UNITS", "AccumulationRun", "AmpRun", "accumulation_run", "amp_run", "horizon_key"]

#: The two counts of a loop with gradient accumulation: what a horizon is counted in, and
#: when ``scheduler.step()`` is called.
UNITS = ("optimizer_step", "micro_batch")
_PLURAL = {"optimizer_step": "optimizer steps", "micro_batch": "micro-batches"}
_SINGULAR = {"optimizer_step": "optimizer step", "micro_batch": "micro-batch"}


def horizon_key(name: str) -> str:
    """The keyword that sets schedule ``name``'s horizon, as the doctor searches it.

    >>> horizon_key("OneCycleLR"), horizon_key("CosineAnnealingLR")
    ('total_steps', 'T_max')
    """
    return _HORIZON_KEY[as_choice("schedule", name, sorted(_HORIZON_KEY))]


def _spec(schedule: Any) -> tuple[str, dict[str, Any]]:
    name, kwargs = schedule_spec(schedule, "schedule")
    key = horizon_key(name)
    if key in kwargs or (name == "OneCycleLR" and {"epochs", "steps_per_epoch"} & set(kwargs)):
        raise fail("schedule", f"kwargs without {key}: the run sets the horizon", schedule)
    return name, kwargs


def _caught(log: list[warnings.WarningMessage]) -> list[str]:
    """Each distinct warning text, in the order first seen."""
    return list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in log))


def _setup(hidden: int, lr: float, seed: int, name: str, kwargs: dict[str, Any], horizon: int):
    model: nn.Module = mlp(64, hidden, 10, seed=seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    spec = (name, {**kwargs, horizon_key(name): horizon})
    sched = cast(LRScheduler, scheduler_from_spec(spec, opt))  # a (name, kwargs) pair
    return model, opt, sched, spec


def _params(model: nn.Module) -> torch.Tensor:
    return nn.utils.parameters_to_vector(model.parameters()).detach().clone()


# ----------------------------------------------------------------------------- accumulation


@dataclass(repr=False)
class AccumulationRun:
    """What :func:`accumulation_run` measured.

    ``lrs``: the LR each ``optimizer.step()`` used (read just before it), one per optimizer
    step; ``micro_lrs``: the LR in the optimizer at each micro-batch's forward pass;
    ``losses``: each optimizer step's loss (mean of its micro-batch losses). ``built``: the
    schedule as built, with the horizon the loop gave it; ``intended``: the same schedule
    with horizon ``steps`` (optimizer steps: right). ``scheduler_calls``: how many
    ``scheduler.step()`` calls ran. ``warnings``: the distinct warnings caught
    (``"Category: text"``). ``error``: torch's error text when a call raised (OneCycleLR
    stepped past ``total_steps``) and the run stopped there, else None (``lrs`` then holds
    the steps before it). ``diagnosis``: ``lc.diagnose(lrs, intended)`` (None if no
    optimizer step ran).
    """

    accum: int
    steps: int
    horizon_unit: str
    step_unit: str
    built: tuple[str, dict[str, Any]]
    intended: tuple[str, dict[str, Any]]
    lrs: np.ndarray
    micro_lrs: np.ndarray
    losses: np.ndarray
    scheduler_calls: int
    warnings: list[str]
    error: str | None
    diagnosis: Diagnosis | None

    def __repr__(self) -> str:
        name, kw = self.built
        key = horizon_key(name)
        head = (
            f"{name} with {key}={kw[key]} (counted in {_PLURAL[self.horizon_unit]}), stepped "
            f"per {_SINGULAR[self.step_unit]}, accum={self.accum}: {len(self.lrs)} of "
            f"{self.steps} optimizer steps, {self.scheduler_calls} scheduler calls"
        )
        if self.error:
            head += f"; stopped: {self.error}"
        return f"{head}\ndoctor: {self.diagnosis}"


def accumulation_run(
    schedule: tuple[str, Mapping[str, Any]] = ("OneCycleLR", {"max_lr": 0.1}),
    *,
    accum: int = 4,
    steps: int = 40,
    horizon_unit: str = "optimizer_step",
    step_unit: str = "optimizer_step",
    lr: float = 0.1,
    batch_size: int = 16,
    hidden: int = 32,
    seed: int = 0,
) -> AccumulationRun:
    r"""Train ``steps`` optimizer steps of ``accum`` micro-batches each; diagnose the LRs used.

    The loop (plain SGD at base LR ``lr``)::

        for k in range(steps):                      # optimizer steps
            for i in range(accum):                  # micro-batches
                (loss(batch) / accum).backward()
                if i == accum - 1:
                    optimizer.step(); optimizer.zero_grad()
                    scheduler.step()                # step_unit="optimizer_step": right
                scheduler.step()                    # step_unit="micro_batch": the mistake

    ``schedule``: ``(name, kwargs)`` for a schedule with a horizon (OneCycleLR,
    CosineAnnealingLR, PolynomialLR, ...), kwargs without it: the run sets it to ``steps``
    (``horizon_unit="optimizer_step"``: right) or ``steps * accum``
    (``"micro_batch"``: the mistake). With :math:`g_H(j)` the LR after :math:`j` calls on
    horizon :math:`H`, optimizer step :math:`k` uses :math:`g_H(k)` when stepped per
    optimizer step and :math:`g_H(k a + a - 1)` when stepped per micro-batch
    (:math:`a` = ``accum``). The doctor compares ``lrs`` with :math:`g_N(k)`,
    :math:`N` = ``steps``.

    >>> accumulation_run(steps=8, accum=2).diagnosis.ok
    True
    >>> accumulation_run(steps=8, accum=2, horizon_unit="micro_batch").diagnosis.codes
    ['horizon_too_long']
    """
    name, kwargs = _spec(schedule)
    accum = as_int("accum", accum, low=1)
    steps = as_int("steps", steps, low=2)
    horizon_unit = as_choice("horizon_unit", horizon_unit, UNITS)
    step_unit = as_choice("step_unit", step_unit, UNITS)
    lr = as_real("lr", lr, low=0.0, low_open=True)
    hidden, seed = as_int("hidden", hidden, low=1), as_int("seed", seed, low=0)
    data = load_digits_data(seed=0)
    X, y, n = data.X_train, data.y_train, len(data.X_train)
    batch_size = as_int("batch_size", batch_size, low=1, high=n)
    horizon = steps * accum if horizon_unit == "micro_batch" else steps
    model, opt, sched, built = _setup(hidden, lr, seed, name, kwargs, horizon)
    intended = (name, {**kwargs, horizon_key(name): steps, "lr": lr})

    lrs: list[float] = []
    micro_lrs: list[float] = []
    losses: list[float] = []
    calls, error = 0, None
    with warnings.catch_warnings(record=True) as log, torch_threads(1):
        warnings.simplefilter("always")
        torch.manual_seed(seed)
        try:
            for k in range(steps):
                total = 0.0
                for i in range(accum):
                    idx = torch.from_numpy(batch_indices(k * accum + i, n, batch_size, seed))
                    micro_lrs.append(float(opt.param_groups[0]["lr"]))
                    loss = F.cross_entropy(model(X[idx]), y[idx])
                    (loss / accum).backward()
                    total += float(loss.detach())
                    if i == accum - 1:
                        lrs.append(float(opt.param_groups[0]["lr"]))
                        losses.append(total / accum)
                        opt.step()
                        opt.zero_grad(set_to_none=True)
                        if step_unit == "optimizer_step":
                            sched.step()
                            calls += 1
                    if step_unit == "micro_batch":
                        sched.step()
                        calls += 1
        except ValueError as err:  # OneCycleLR: "Tried to step ... times"
            error = str(err)
    return AccumulationRun(
        accum=accum,
        steps=steps,
        horizon_unit=horizon_unit,
        step_unit=step_unit,
        built=built,
        intended=intended,
        lrs=np.asarray(lrs),
        micro_lrs=np.asarray(micro_lrs),
        losses=np.asarray(losses),
        scheduler_calls=calls,
        warnings=_caught(log),
        error=error,
        diagnosis=diagnose(lrs, intended) if lrs else None,
    )


# ----------------------------------------------------------------------------- mixed precision


@dataclass(repr=False)
class AmpRun:
    """What :func:`amp_run` measured.

    Per iteration (``steps`` of them, one batch each): ``lrs``, the LR in the optimizer when
    ``scaler.step(optimizer)`` ran; ``scales``, ``scaler.get_scale()`` before it;
    ``updated``, whether the parameters changed (False: GradScaler skipped
    ``optimizer.step()``); ``ahead``, how many calls the schedule is ahead of the optimizer
    (``scheduler.step()`` calls minus updates, before the iteration: the number of earlier
    skipped steps without the fix, 0 with it); ``losses``, the batch loss.

    ``skipped``: the indices of the skipped iterations; ``n_skipped``: how many.
    ``updated_lrs``: ``lrs[updated]``, the LRs the updates actually used.
    ``scheduler_calls``: how many ``scheduler.step()`` calls ran. ``warnings``: the distinct
    warnings caught (``"Category: text"``). ``intended``: the schedule with horizon
    ``steps``. ``diagnosis``: ``lc.diagnose(updated_lrs, intended)`` (None when every step
    was skipped).
    """

    fix: bool
    init_scale: float
    steps: int
    intended: tuple[str, dict[str, Any]]
    lrs: np.ndarray
    scales: np.ndarray
    updated: np.ndarray
    ahead: np.ndarray
    losses: np.ndarray
    scheduler_calls: int
    warnings: list[str]
    diagnosis: Diagnosis | None

    @property
    def skipped(self) -> np.ndarray:
        """Indices of the iterations whose ``optimizer.step()`` GradScaler skipped."""
        return np.flatnonzero(~self.updated)

    @property
    def n_skipped(self) -> int:
        """How many optimizer steps GradScaler skipped."""
        return int(np.sum(~self.updated))

    @property
    def updated_lrs(self) -> np.ndarray:
        """The LR of each iteration that did update the parameters."""
        return self.lrs[self.updated]

    def __repr__(self) -> str:
        loop = "scheduler stepped only after an update" if self.fix else "scheduler always"
        return (
            f"GradScaler(init_scale={_power_of_two(self.init_scale)}), {loop}: {self.n_skipped} of "
            f"{self.steps} optimizer steps skipped {self.skipped.tolist()}, "
            f"{self.scheduler_calls} scheduler calls, {len(self.warnings)} warning(s)\n"
            f"doctor on the updates' LRs: {self.diagnosis}"
        )


def _power_of_two(x: float) -> str:
    """``2**e`` when ``x`` is a power of two, else ``x`` as ``:g`` writes it."""
    mantissa, exponent = np.frexp(x)
    return f"2**{int(exponent) - 1}" if mantissa == 0.5 else f"{x:g}"


def amp_run(
    schedule: tuple[str, Mapping[str, Any]] = ("OneCycleLR", {"max_lr": 0.1}),
    *,
    steps: int = 40,
    init_scale: float = 2.0**24,
    fix: bool = False,
    lr: float = 0.1,
    batch_size: int = 32,
    hidden: int = 32,
    seed: int = 0,
) -> AmpRun:
    r"""Mixed-precision training on the CPU with a GradScaler; which steps did the LR reach?

    Each iteration::

        with torch.amp.autocast("cpu", dtype=torch.float16):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward()
        before = scaler.get_scale()
        scaler.step(optimizer)      # skipped when the scaled gradients hold inf / NaN
        scaler.update()             # ... and then the scale is halved
        if not fix or scaler.get_scale() >= before:
            scheduler.step()
        optimizer.zero_grad()

    ``torch.amp.GradScaler("cpu", init_scale=init_scale)``: the gradients are scaled by
    :math:`s` (``init_scale``, halved after every overflow); float16 holds up to 65504, so a
    large :math:`s` overflows until it has been halved enough. ``schedule``: ``(name,
    kwargs)`` with a horizon, kwargs without it: the run sets it to ``steps``. Without the
    fix the schedule keeps stepping through the skipped iterations, so the updates use
    :math:`g(k)` only for the iterations :math:`k` that were not skipped (``ahead``: the
    schedule runs one call ahead of the optimizer per skipped step, and torch warns
    "Detected call of ``lr_scheduler.step()`` before ``optimizer.step()``" when the very
    first step was skipped: it checks the first call only); with the fix the :math:`u`-th
    update uses :math:`g(u)`, and the run ends ``n_skipped`` calls short of the horizon.

    >>> r = amp_run(steps=12, init_scale=2.0**24)
    >>> r.n_skipped > 0, any("before `optimizer.step()`" in w for w in r.warnings)
    (True, True)
    >>> fixed = amp_run(steps=12, init_scale=2.0**24, fix=True)
    >>> used = lr_curve("OneCycleLR", 12 - fixed.n_skipped, **fixed.intended[1])
    >>> int(fixed.ahead.max()), bool(np.array_equal(fixed.updated_lrs, used))
    (0, True)
    """
    name, kwargs = _spec(schedule)
    steps = as_int("steps", steps, low=2)
    init_scale = as_real("init_scale", init_scale, low=0.0, low_open=True)
    fix = as_bool("fix", fix)
    lr = as_real("lr", lr, low=0.0, low_open=True)
    hidden, seed = as_int("hidden", hidden, low=1), as_int("seed", seed, low=0)
    data = load_digits_data(seed=0)
    X, y, n = data.X_train, data.y_train, len(data.X_train)
    batch_size = as_int("batch_size", batch_size, low=1, high=n)
    model, opt, sched, _ = _setup(hidden, lr, seed, name, kwargs, steps)
    intended = (name, {**kwargs, horizon_key(name): steps, "lr": lr})
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale)

    lrs: list[float] = []
    scales: list[float] = []
    updated: list[bool] = []
    ahead: list[int] = []
    losses: list[float] = []
    calls = 0
    with warnings.catch_warnings(record=True) as log, torch_threads(1):
        warnings.simplefilter("always")
        torch.manual_seed(seed)
        for k in range(steps):
            idx = torch.from_numpy(batch_indices(k, n, batch_size, seed))
            with torch.amp.autocast("cpu", dtype=torch.float16):
                loss = F.cross_entropy(model(X[idx]), y[idx])
            scaler.scale(loss).backward()
            before, old = scaler.get_scale(), _params(model)
            lrs.append(float(opt.param_groups[0]["lr"]))
            scales.append(before)
            ahead.append(calls - sum(updated))
            scaler.step(opt)
            scaler.update()
            updated.append(not torch.equal(old, _params(model)))
            losses.append(float(loss.detach()))
            if not fix or scaler.get_scale() >= before:
                sched.step()
                calls += 1
            opt.zero_grad(set_to_none=True)
    mask = np.asarray(updated, dtype=bool)
    return AmpRun(
        fix=fix,
        init_scale=init_scale,
        steps=steps,
        intended=intended,
        lrs=np.asarray(lrs),
        scales=np.asarray(scales),
        updated=mask,
        ahead=np.asarray(ahead),
        losses=np.asarray(losses),
        scheduler_calls=calls,
        warnings=_caught(log),
        diagnosis=diagnose(np.asarray(lrs)[mask], intended) if mask.any() else None,
    )
