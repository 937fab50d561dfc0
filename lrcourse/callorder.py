"""Where ``scheduler.step()`` goes in the training loop, and what each misplacement does.

Chapter 2's tools. The loop's order and frequency are switches, so a mistake can be *run*
and its LR trace compared with the intended one:

* :func:`run_loop`: :func:`lrcourse.fit`, the course's one training loop, whose call order
  (``"optimizer_first"`` / ``"scheduler_first"``), stepping frequency (``"epoch"`` /
  ``"batch"``) and scheduler steps taken before training (``prestep``: a plotting cell that
  stepped the same scheduler) are options; ``run_loop`` also records every warning torch
  raised, instead of showing it. The mistakes perturb the loop every chapter trains with.
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
from .training import STEP_PER, History, Order, StepPer, fit
from .validation import as_array, as_choice, as_int, as_real, fail

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


# --------------------------------------------------------------------------- the loop


@dataclass(repr=False)
class LoopHistory(History):
    """What :func:`run_loop` recorded: a :class:`lrcourse.History` plus the run's warnings.

    ``warnings`` holds every warning raised during the run as ``"Category: message"``.
    """

    warnings: list[str] = field(default_factory=list)


def run_loop(
    model: nn.Module,
    data: Any,
    *,
    optimizer: Optimizer | Callable[[Iterable[nn.Parameter]], Optimizer],
    scheduler: Any = None,
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
    """:func:`lrcourse.fit` with the scheduler's place in the loop as a switch, warnings kept.

    The same loop as ``fit`` (same batches, same numbers), which takes ``order`` (where
    ``scheduler.step()`` goes: ``"optimizer_first"``, the correct loop, or
    ``"scheduler_first"``, the mistake torch warns about), ``step_per`` and ``prestep`` (bare
    ``scheduler.step()`` calls before training, as a plotting cell that reused the scheduler
    makes). Here every warning raised during the run is recorded in ``history.warnings``
    instead of shown. Errors torch raises (e.g. OneCycleLR's ``ValueError: Tried to step ...
    times``) propagate.

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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = fit(
            model,
            data,
            optimizer=optimizer,
            scheduler=scheduler,
            epochs=epochs,
            batch_size=batch_size,
            order=order,
            step_per=step_per,
            prestep=prestep,
            metrics=metrics,
            seed=seed,
            loss_fn=loss_fn,
            device=device,
            cpu_threads=cpu_threads,
            progress=False,
        )
    kept = [f"{w.category.__name__}: {w.message}" for w in caught]
    return LoopHistory(**vars(hist), warnings=kept)


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
    epochs = as_int("epochs", epochs, low=1)
    steps_per_epoch = as_int("steps_per_epoch", steps_per_epoch, low=1)
    kwargs = dict(kwargs or {})
    if name == "ReduceLROnPlateau" and metrics is None:
        raise fail("metrics", "given for ReduceLROnPlateau (one per scheduler.step())", None)
    lr = as_real("lr", lr, low=0, low_open=True)
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
    epochs = as_int("epochs", epochs, low=1)
    steps_per_epoch = as_int("steps_per_epoch", steps_per_epoch, low=1)
    offset = as_int("offset", offset, low=0)
    step_per = as_choice("step_per", step_per, STEP_PER)
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
    steps = as_int("steps", steps, low=1)
    opt = make_optimizer(lr)
    sched = make_scheduler(name, opt, **kwargs)
    if isinstance(sched, ReduceLROnPlateau) or type(sched).get_lr is LRScheduler.get_lr:
        raise fail("name", "a scheduler with its own get_lr()", name)
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
        raise fail(
            "traces", "a non-empty mapping label -> LRTrace or array", got=type(traces).__name__
        )
    x = as_choice("x", x, ("step", "epoch"))
    if steps_per_epoch is not None:
        steps_per_epoch = as_int("steps_per_epoch", steps_per_epoch, low=1)
    if ax is not None and not isinstance(ax, Axes):
        raise fail("ax", "a matplotlib Axes or None", got=type(ax).__name__)
    styles = ("-", "--", ":", "-.")
    with house_style():
        if ax is None:
            _fig, ax = plt.subplots(layout="constrained")
        for i, (label, trace) in enumerate(traces.items()):
            spe = steps_per_epoch
            if isinstance(trace, LRTrace):
                values, spe = trace.lrs, trace.steps_per_epoch
            else:
                values = as_array(f"traces[{label!r}]", trace)
            t = np.arange(values.size + 1, dtype=np.float64)
            if x == "epoch":
                if spe is None:
                    raise fail(
                        "steps_per_epoch", f"given for the array {label!r} with x='epoch'", None
                    )
                t = t / spe
            held = np.append(values, values[-1])  # the last LR is held to the end of its step
            ax.step(t, held, where="post", label=label, linestyle=styles[i % len(styles)])
        style_axes(ax, xlabel=x, ylabel="learning rate", title=title, log=log)
    return ax
