"""Where ``scheduler.step()`` goes in the training loop, and what each misplacement does.

Chapter 2's tools. The loop's order and frequency are switches, so a mistake can be *run*
and its LR trace compared with the intended one:

* :func:`run_loop`: a training loop like :func:`lrcourse.fit` whose call order
  (``"optimizer_first"`` / ``"scheduler_first"``), stepping frequency (``"epoch"`` /
  ``"batch"``) and number of scheduler steps taken before training (``prestep``: a plotting
  cell that stepped the same scheduler) can be chosen. It records the LR each
  ``optimizer.step()`` actually used and every warning torch raised.
* :func:`record_lrs`: the same loop on a tiny model, for the LR trace alone.
* :func:`intended_lrs`: the trace the schedule was meant to give, from
  :func:`lrcourse.lr_curve`, optionally entered ``offset`` scheduler steps late.
* :func:`get_lr_vs_last`: ``get_last_lr()`` against ``get_lr()`` and the next LR.
* :func:`plot_traces`: LR traces (intended and recorded) on one axis, by step or by epoch.

The law the tests hold: with ``p = prestep + (order == "scheduler_first")``,
``record_lrs(..., order=order, prestep=prestep)`` equals
``intended_lrs(..., offset=p)``: every mistake of order is a shift of the schedule.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from .plotting import house_style, style_axes
from .reference import make_optimizer, make_scheduler
from .schedules import lr_curve
from .training import History, _evaluate, check_model_and_data, torch_threads
from .training import device as default_device

__all__ = [
    "GetLrComparison",
    "LRTrace",
    "LoopHistory",
    "get_lr_vs_last",
    "intended_lrs",
    "plot_traces",
    "record_lrs",
    "run_loop",
]

Order = Literal["optimizer_first", "scheduler_first"]
StepPer = Literal["epoch", "batch"]
_ORDERS = ("optimizer_first", "scheduler_first")
_STEP_PER = ("epoch", "batch")


# --------------------------------------------------------------------------- validation


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _metrics(metrics: Any) -> np.ndarray | None:
    if metrics is None:
        return None
    try:
        values = np.asarray(metrics, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"metrics must be a 1-D sequence of numbers: {err}") from err
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise ValueError("metrics must be a 1-D sequence of finite numbers")
    return values


# --------------------------------------------------------------------------- the loop


@dataclass(repr=False)
class LoopHistory(History):
    """What :func:`run_loop` recorded: a :class:`lrcourse.History` plus two fields.

    ``lrs[t]`` is the LR that optimizer step ``t`` used (read by a step pre-hook, so it is
    the value the update multiplied). ``warnings`` holds every warning raised during the run
    as ``"Category: message"``; ``scheduler_calls`` counts the ``scheduler.step()`` calls
    (the ``prestep`` ones included).
    """

    warnings: list[str] = field(default_factory=list)
    scheduler_calls: int = 0


class _Stepper:
    """Calls ``scheduler.step()``, feeding a ReduceLROnPlateau its metric."""

    def __init__(self, sched: LRScheduler | None, metrics: np.ndarray | None) -> None:
        self.sched = sched
        self.metrics = metrics
        self.calls = 0
        self.plateau = isinstance(sched, ReduceLROnPlateau)

    def __call__(self, observed: float | None = None) -> None:
        if self.sched is None:
            return
        if self.plateau:
            if self.metrics is not None:
                if self.calls >= len(self.metrics):
                    raise ValueError(
                        f"metrics has {len(self.metrics)} values, but the loop makes more "
                        "scheduler.step() calls than that"
                    )
                value = float(self.metrics[self.calls])
            elif observed is None:
                raise ValueError(
                    "a ReduceLROnPlateau stepped before anything is measured (prestep or "
                    "order='scheduler_first') needs metrics= (one value per scheduler.step())"
                )
            else:
                value = observed
            self.sched.step(value)
        else:
            self.sched.step()
        self.calls += 1


def _resolve(model: nn.Module, optimizer: Any, scheduler: Any) -> tuple[Optimizer, Any]:
    if isinstance(optimizer, Optimizer):
        opt = optimizer
    elif callable(optimizer):
        opt = optimizer(model.parameters())
        if not isinstance(opt, Optimizer):
            raise ValueError("optimizer factory must return a torch.optim.Optimizer")
    else:
        raise ValueError(f"optimizer must be an Optimizer or a factory, got {optimizer!r}")
    if scheduler is None or isinstance(scheduler, LRScheduler):
        sched = scheduler
    elif callable(scheduler):
        sched = scheduler(opt)
        if not isinstance(sched, LRScheduler):
            raise ValueError("scheduler factory must return a torch.optim.lr_scheduler object")
    else:
        raise ValueError(f"scheduler must be a scheduler, a factory or None, got {scheduler!r}")
    if sched is not None and sched.optimizer is not opt:
        raise ValueError("scheduler was built on a different optimizer than the one trained")
    return opt, sched


def run_loop(
    model: nn.Module,
    data: Any,
    *,
    optimizer: Optimizer | Callable[[Iterable[nn.Parameter]], Optimizer],
    scheduler: LRScheduler | Callable[[Optimizer], LRScheduler] | None = None,
    epochs: int,
    batch_size: int,
    order: Order = "optimizer_first",
    step_per: StepPer = "epoch",
    prestep: int = 0,
    metrics: Sequence[float] | None = None,
    seed: int = 0,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    device: torch.device | str | None = None,
    cpu_threads: int | None = 1,
) -> LoopHistory:
    """Train like :func:`lrcourse.fit`, with the scheduler's place in the loop as a switch.

    Each batch: ``zero_grad -> loss -> backward -> optimizer.step()``. Where
    ``scheduler.step()`` goes:

    * ``order="optimizer_first"``: after each ``optimizer.step()`` (``step_per="batch"``) or
      after each epoch, once it is evaluated (``step_per="epoch"``): the correct loop;
    * ``order="scheduler_first"``: before each ``optimizer.step()`` (``"batch"``) or at the
      start of each epoch (``"epoch"``): the mistake torch warns about.

    ``prestep`` bare ``scheduler.step()`` calls are made before training (what a plotting
    cell that reuses the scheduler does). A ReduceLROnPlateau gets ``metrics[k]`` at its
    ``k``-th call if ``metrics`` is given, else the validation loss (per epoch) or the batch
    loss (per batch). Warnings raised during the run are recorded in ``history.warnings``
    instead of shown. ``device`` defaults to :func:`lrcourse.device`. With the defaults the
    run is identical to ``lrcourse.fit`` with the same arguments (same batches, same
    numbers). Errors torch raises (e.g. OneCycleLR's ``ValueError: Tried to step ... times``)
    propagate.

    If ``p = prestep + (order == "scheduler_first")``, step ``t`` of epoch ``e`` uses
    :math:`\\eta_{e+p}` (per epoch) or :math:`\\eta_{t+p}` (per batch), where
    :math:`\\eta_k` is the LR after ``k`` scheduler steps.

    Example::

        >>> d = load_digits_data(seed=0)
        >>> h = run_loop(mlp(64, 32, 10), d,
        ...              optimizer=lambda p: torch.optim.SGD(p, lr=0.1),
        ...              scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 1, 0.5),
        ...              epochs=2, batch_size=512, order="scheduler_first")
        >>> h.lrs, h.warnings[0][:43]
        ([0.05, 0.05, 0.05, 0.025, 0.025, 0.025], 'UserWarning: Detected call of `lr_scheduler')
    """
    epochs = _int("epochs", epochs, 1)
    batch_size = _int("batch_size", batch_size, 1)
    prestep = _int("prestep", prestep, 0)
    seed = _int("seed", seed, 0)
    order = _choice("order", order, _ORDERS)
    step_per = _choice("step_per", step_per, _STEP_PER)
    values = _metrics(metrics)
    has_val = check_model_and_data(model, data)
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()

    dev = torch.device(device) if device is not None else default_device()
    model.to(dev)
    opt, sched = _resolve(model, optimizer, scheduler)
    step = _Stepper(sched, values)
    X, y = data.X_train.to(dev), data.y_train.to(dev)
    if has_val:
        Xv, yv = data.X_val.to(dev), data.y_val.to(dev)
    fork: list[int] = []
    if dev.type == "cuda":
        fork = [dev.index if dev.index is not None else torch.cuda.current_device()]
    n = len(X)
    spe = math.ceil(n / batch_size)
    hist = LoopHistory(steps_per_epoch=spe)
    gen = torch.Generator().manual_seed(seed)
    handle = opt.register_step_pre_hook(
        lambda o, _args, _kwargs: hist.lrs.append(float(o.param_groups[0]["lr"]))
    )
    early = order == "scheduler_first"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(prestep):
                step()
            threads = cpu_threads if dev.type == "cpu" else None
            with torch_threads(threads), torch.random.fork_rng(devices=fork):
                torch.manual_seed(seed)
                for _epoch in range(epochs):
                    if early and step_per == "epoch":
                        step()
                    model.train()
                    perm = torch.randperm(n, generator=gen).to(dev)
                    for i in range(spe):
                        idx = perm[i * batch_size : (i + 1) * batch_size]
                        if early and step_per == "batch":
                            step()
                        opt.zero_grad(set_to_none=True)
                        loss = loss_fn(model(X[idx]), y[idx])
                        value = loss.item()
                        hist.step_loss.append(value)
                        if not math.isfinite(value):
                            hist.diverged, hist.diverged_at = True, len(hist.step_loss) - 1
                            break
                        loss.backward()
                        opt.step()
                        if not early and step_per == "batch":
                            step(value)
                    if hist.diverged:
                        break
                    tl, ta = _evaluate(model, X, y, loss_fn)
                    if not math.isfinite(tl):
                        hist.diverged, hist.diverged_at = True, len(hist.step_loss) - 1
                        break
                    vl, va = _evaluate(model, Xv, yv, loss_fn) if has_val else (math.nan, math.nan)
                    for key, v in zip(
                        ("train_loss", "train_acc", "val_loss", "val_acc"),
                        (tl, ta, vl, va),
                        strict=True,
                    ):
                        getattr(hist, key).append(v)
                    if not early and step_per == "epoch":
                        step(vl if has_val else tl)
    finally:
        handle.remove()
    hist.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    hist.scheduler_calls = step.calls
    return hist


# --------------------------------------------------------------------------- LR traces


@dataclass
class LRTrace:
    """The LRs a loop actually used: ``lrs[t]`` for optimizer step ``t``.

    ``warnings``: what torch warned during the run (``"Category: message"``);
    ``scheduler_calls``: how many times ``scheduler.step()`` was called.
    """

    lrs: np.ndarray
    steps_per_epoch: int
    warnings: list[str] = field(default_factory=list)
    scheduler_calls: int = 0

    @property
    def per_epoch(self) -> np.ndarray:
        """The LR of the first step of each epoch."""
        return self.lrs[:: self.steps_per_epoch].copy()

    def __repr__(self) -> str:
        head = np.array2string(self.lrs[:6], precision=4, separator=", ")
        return (
            f"LRTrace({self.lrs.size} steps, {self.steps_per_epoch} per epoch, lrs={head}..., "
            f"{self.scheduler_calls} scheduler calls, {len(self.warnings)} warnings)"
        )


def record_lrs(
    name: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    epochs: int,
    steps_per_epoch: int,
    lr: float = 0.1,
    order: Order = "optimizer_first",
    step_per: StepPer = "epoch",
    prestep: int = 0,
    metrics: Sequence[float] | None = None,
) -> LRTrace:
    """Run a tiny real torch loop with scheduler ``name(**kwargs)`` and record its LRs.

    The model is a seeded ``Linear(3, 2)`` trained by ``SGD(lr=lr, momentum=0.9)`` on
    ``steps_per_epoch`` batches of 2 random examples per epoch, through :func:`run_loop` with
    ``order``, ``step_per`` and ``prestep``. ``metrics`` feeds a ReduceLROnPlateau (one value
    per ``scheduler.step()``; required for it). Returns the LR each of the
    ``epochs * steps_per_epoch`` optimizer steps used, plus the warnings torch raised.

    Prediction (the tests hold it): ``record_lrs(...).lrs == intended_lrs(..., offset=p)``
    with ``p = prestep + (order == "scheduler_first")``.

    Example::

        >>> record_lrs("StepLR", {"step_size": 2, "gamma": 0.5}, epochs=4, steps_per_epoch=1,
        ...            lr=1.0, order="scheduler_first").lrs
        array([1.  , 0.5 , 0.5 , 0.25])
    """
    epochs = _int("epochs", epochs, 1)
    steps_per_epoch = _int("steps_per_epoch", steps_per_epoch, 1)
    kwargs = dict(kwargs or {})
    if name == "ReduceLROnPlateau" and metrics is None:
        raise ValueError("metrics must be given for ReduceLROnPlateau (one per scheduler.step())")
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not (0 < lr < math.inf):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    gen = torch.Generator().manual_seed(0)
    n = 2 * steps_per_epoch
    data = _Tiny(torch.randn(n, 3, generator=gen), torch.randint(0, 2, (n,), generator=gen))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    sched = make_scheduler(name, opt, **kwargs)
    hist = run_loop(
        model,
        data,
        optimizer=opt,
        scheduler=sched,
        epochs=epochs,
        batch_size=2,
        order=order,
        step_per=step_per,
        prestep=prestep,
        metrics=metrics,
        device="cpu",
    )
    return LRTrace(
        lrs=np.asarray(hist.lrs, dtype=np.float64),
        steps_per_epoch=steps_per_epoch,
        warnings=hist.warnings,
        scheduler_calls=hist.scheduler_calls,
    )


@dataclass(frozen=True)
class _Tiny:
    X_train: torch.Tensor
    y_train: torch.Tensor


def intended_lrs(
    name: str,
    kwargs: Mapping[str, Any] | None = None,
    *,
    epochs: int,
    steps_per_epoch: int,
    lr: float = 0.1,
    step_per: StepPer = "epoch",
    offset: int = 0,
    metrics: Sequence[float] | None = None,
) -> np.ndarray:
    """The LR of each of the ``epochs * steps_per_epoch`` optimizer steps, from the formula.

    With :math:`\\eta_k` = ``lr_curve(name, ..., lr=lr, **kwargs)[k]`` (the LR after ``k``
    scheduler steps), step ``t`` uses :math:`\\eta_{\\lfloor t / S \\rfloor + o}` per epoch
    and :math:`\\eta_{t + o}` per batch, where :math:`S` is ``steps_per_epoch`` and
    :math:`o` is ``offset``: the number of scheduler steps taken too early (0 for a correct
    loop). Raises what :func:`lrcourse.lr_curve` raises, e.g. a ValueError for OneCycleLR
    past ``total_steps``.

    Example::

        >>> intended_lrs("StepLR", {"step_size": 2, "gamma": 0.5}, epochs=4,
        ...              steps_per_epoch=1, lr=1.0, offset=1)
        array([1.  , 0.5 , 0.5 , 0.25])
    """
    epochs = _int("epochs", epochs, 1)
    steps_per_epoch = _int("steps_per_epoch", steps_per_epoch, 1)
    offset = _int("offset", offset, 0)
    step_per = _choice("step_per", step_per, _STEP_PER)
    calls = epochs if step_per == "epoch" else epochs * steps_per_epoch
    curve = lr_curve(name, calls + offset, lr=lr, metrics=metrics, **dict(kwargs or {}))[offset:]
    return np.repeat(curve, steps_per_epoch) if step_per == "epoch" else curve


# --------------------------------------------------------------------------- get_lr


@dataclass
class GetLrComparison:
    """Per step ``k`` (after ``k`` scheduler steps): ``last`` = ``get_last_lr()[0]``, the LR
    in effect; ``get_lr`` = what ``get_lr()[0]`` returns when called outside ``step()``;
    ``next`` = the LR after one more step. ``warning``: torch's warning text."""

    name: str
    last: np.ndarray
    get_lr: np.ndarray
    next: np.ndarray
    warning: str

    def __repr__(self) -> str:
        lines = [f"{self.name}: {'k':>3s} {'get_last_lr':>12s} {'get_lr':>12s} {'next':>12s}"]
        pad = " " * (len(self.name) + 2)
        for k, row in enumerate(zip(self.last, self.get_lr, self.next, strict=True)):
            lines.append(pad + f"{k:3d} " + " ".join(f"{v:12.6g}" for v in row))
        return "\n".join(lines)


def get_lr_vs_last(name: str, steps: int, *, lr: float = 0.1, **kwargs: Any) -> GetLrComparison:
    """Call ``get_lr()`` outside ``step()`` at each of ``steps`` steps and compare.

    ``get_lr()`` is the *update rule* ``step()`` applies right after incrementing its
    counter. Chainable schedulers (StepLR, ExponentialLR, CosineAnnealingLR, ...) compute
    the new LR from the current one, so called from outside it applies the update once more
    at the wrong count: neither the current LR nor, in general, the next. Closed-form ones
    (LambdaLR, OneCycleLR, CyclicLR, ...) return the current LR. Both warn in torch 2.13.

    Example::

        >>> c = get_lr_vs_last("ExponentialLR", 3, lr=1.0, gamma=0.5)
        >>> c.last, c.get_lr
        (array([1.  , 0.5 , 0.25]), array([0.5  , 0.25 , 0.125]))
    """
    steps = _int("steps", steps, 1)
    opt = make_optimizer(lr)
    sched = make_scheduler(name, opt, **kwargs)
    if isinstance(sched, ReduceLROnPlateau) or type(sched).get_lr is LRScheduler.get_lr:
        raise ValueError(f"name must be a scheduler with its own get_lr(), not {name!r}")
    last, got, nxt = np.empty(steps), np.empty(steps), np.empty(steps)
    text = ""
    for k in range(steps):
        last[k] = float(sched.get_last_lr()[0])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got[k] = float(sched.get_lr()[0])
        if caught and not text:
            text = f"{caught[0].category.__name__}: {caught[0].message}"
        opt.step()  # no gradients: a no-op that keeps the call-order check quiet
        sched.step()
        nxt[k] = float(sched.get_last_lr()[0])
    return GetLrComparison(name=name, last=last, get_lr=got, next=nxt, warning=text)


# --------------------------------------------------------------------------- plotting


def plot_traces(
    traces: Mapping[str, LRTrace | np.ndarray | Sequence[float]],
    *,
    x: Literal["step", "epoch"] = "step",
    steps_per_epoch: int | None = None,
    ax: Axes | None = None,
    log: bool = False,
    title: str | None = None,
) -> Axes:
    """Draw LR traces (one LR per optimizer step) against the step or the epoch.

    ``traces`` maps a label to an :class:`LRTrace` or an array. With ``x="epoch"``, step
    ``t`` is drawn at ``t / S``: ``S`` is the trace's own ``steps_per_epoch`` for an
    :class:`LRTrace`, ``steps_per_epoch`` for an array. Lines are drawn as steps (the LR is
    held until the next optimizer step), and line styles alternate (solid, dashed, dotted,
    dash-dot) so that traces lying on top of each other stay visible.

    Example::

        lc.plot_traces({"intended": intended, "recorded": trace}, x="epoch",
                       steps_per_epoch=43)
    """
    import matplotlib.pyplot as plt

    if not isinstance(traces, Mapping) or not traces:
        raise ValueError("traces must be a non-empty mapping label -> LRTrace or array")
    x = _choice("x", x, ("step", "epoch"))
    if steps_per_epoch is not None:
        steps_per_epoch = _int("steps_per_epoch", steps_per_epoch, 1)
    if ax is not None and not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    styles = ("-", "--", ":", "-.")
    with house_style():
        if ax is None:
            _fig, ax = plt.subplots(layout="constrained")
        for i, (label, trace) in enumerate(traces.items()):
            spe = steps_per_epoch
            if isinstance(trace, LRTrace):
                values, spe = trace.lrs, trace.steps_per_epoch
            else:
                values = np.asarray(trace, dtype=np.float64)
            if values.ndim != 1 or values.size == 0:
                raise ValueError(f"trace {label!r} must be a non-empty 1-D array of LRs")
            t = np.arange(values.size + 1, dtype=np.float64)
            if x == "epoch":
                if spe is None:
                    raise ValueError(f"x='epoch' needs steps_per_epoch for the array {label!r}")
                t = t / spe
            held = np.append(values, values[-1])  # the last LR is held to the end of its step
            ax.step(t, held, where="post", label=label, linestyle=styles[i % len(styles)])
        style_axes(ax, xlabel=x, ylabel="learning rate", title=title, log=log)
    return ax
