r"""The doctor's casebook (chapter 12): every pitfall of the book that leaves a mark on the LR
trace, reproduced in a real torch loop and named by :func:`lrcourse.diagnose`; every chapter's
correct loop, which must get a clean bill; and the pitfalls the doctor cannot see, with why.

A case is one mistake as a chapter shows it: the chapter, the pitfall's title as the chapter
words it, a link to the lesson's section, the schedule that was meant (the spec the doctor
compares with), a function that reproduces the mistake with a real optimizer and a real torch
scheduler (recording ``optimizer.param_groups[0]["lr"]`` before each ``optimizer.step()``,
or :func:`lrcourse.fit` / :func:`lrcourse.run_loop` with their placements where chapter 2
used them) and the finding codes expected. The doctor reads only the LR trace, so the models
are tiny (``nn.Linear(4, 1)`` on a fixed set of batches) and the whole casebook runs in
seconds: :func:`run_casebook`, whose table has one row per case (chapter, case, expected
codes, codes found, the step of the first finding, the doctor's sentence). The pitfalls that
leave no mark the doctor can read (momentum, weight decay, range-test readings, errors raised
before any step) are listed in :data:`UNSEEN_PITFALLS` with the reason.

>>> book = run_casebook(chapters=[2])
>>> book.ok, book.rows[0].found
(True, ('stepped_before_optimizer',))
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.optim import lr_scheduler as S

from .data import make_classification_data
from .doctor import Diagnosis, diagnose
from .models import mlp
from .schedules import cosine_with_warmup, linear_warmup
from .training import History, fit
from .validation import as_choice, as_int, fail

__all__ = [
    "CASEBOOK",
    "UNSEEN_PITFALLS",
    "Case",
    "Casebook",
    "CasebookRow",
    "Run",
    "Unseen",
    "real_loop",
    "run_casebook",
]

LESSONS = {
    1: "01_why_schedule",
    2: "02_training_loop",
    3: "03_step_multistep_exponential",
    4: "04_cosine_and_restarts",
    5: "05_reduce_on_plateau",
    6: "06_warmup",
    7: "07_one_cycle_and_cyclic",
    8: "08_custom_and_combined",
    9: "09_lr_range_test",
    10: "10_weight_decay",
    11: "11_adamw",
    12: "12_practice",
}


def _link(chapter: int, section: str = "pitfalls") -> str:
    return f"lessons/{LESSONS[chapter]}.ipynb#{section}"


MEASURED = "measured-what-the-mistakes-cost-on-digits"  # chapter 2's section


# ----------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class Run:
    """What a reproduced loop hands the doctor: ``lrs`` (a list, or a
    :class:`lrcourse.training.History`) and, for ``ReduceLROnPlateau``, the ``metrics`` its
    intended schedule is fed (one per ``step(metric)`` call of a correct loop)."""

    lrs: Any
    metrics: Sequence[float] | None = None


@dataclass(frozen=True)
class Case:
    """One loop of the book. ``expected``: the finding codes the doctor must give (empty: a
    correct run, a clean bill). ``intended``, ``lr``, ``step_per``, ``steps_per_epoch``: what
    :func:`lrcourse.diagnose` is told was meant. ``reproduce()``: the run, a :class:`Run`."""

    chapter: int
    title: str
    label: str
    link: str
    intended: Any
    reproduce: Callable[[], Run]
    expected: tuple[str, ...] = ()
    lr: float | None = None
    step_per: str = "batch"
    steps_per_epoch: int | None = None

    @property
    def correct(self) -> bool:
        """A correct run of the book (expected: a clean bill)."""
        return not self.expected

    def diagnose(self, run: Run | None = None) -> Diagnosis:
        """Run the doctor on the trace of ``run`` (default: reproduce the loop now)."""
        run = self.reproduce() if run is None else run
        return diagnose(
            run.lrs,
            self.intended,
            lr=self.lr,
            step_per=self.step_per,
            steps_per_epoch=self.steps_per_epoch,
            metrics=run.metrics,
        )


@dataclass(frozen=True)
class Unseen:
    """A pitfall of the book the doctor cannot name from the LR trace, and ``why``."""

    chapter: int
    title: str
    link: str
    why: str


# ----------------------------------------------------------------------------- the loop

SPE, EPOCHS, LR = 4, 10, 0.1  # the hand loops' defaults: 40 optimizer steps


def _batches(n: int, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, 4, generator=gen)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]]) + 0.1 * torch.randn(n, 8, 1, generator=gen)
    return list(zip(x, y, strict=True))


def real_loop(
    make: Callable[[torch.optim.Optimizer], Any],
    *,
    epochs: int = EPOCHS,
    steps_per_epoch: int = SPE,
    lr: float = LR,
    momentum: float = 0.0,
    step_per: str = "batch",
    order: str = "optimizer_first",
    prestep: int = 0,
    step_if: Callable[[int, int], bool] | None = None,
    metric: Callable[[int, float], float] | None = None,
    until_error: bool = False,
    seed: int = 0,
) -> list[float]:
    r"""Train ``nn.Linear(4, 1)`` with SGD and the real scheduler(s) ``make(optimizer)``;
    return the LR read before each ``optimizer.step()``.

    ``make`` returns one scheduler or a tuple of them (each stepped in turn: two schedulers
    on one optimizer). ``step_per``: ``"batch"`` (after each ``optimizer.step()``) or
    ``"epoch"``; ``order="scheduler_first"``: stepped before instead; ``prestep``: bare calls
    before training (a plotting cell); ``step_if(i, n)``: a per-epoch step made only on batch
    ``i`` of ``n`` where it is true (an end-of-epoch check); ``metric(epoch, train_loss)``:
    what a ``ReduceLROnPlateau`` is fed (per batch: the batch loss); ``until_error``: a
    ``ValueError`` from ``scheduler.step()`` (OneCycleLR past ``total_steps``) ends the run,
    which returns the trace so far.

    >>> real_loop(lambda o: S.StepLR(o, step_size=1, gamma=0.5), epochs=2, steps_per_epoch=2,
    ...           step_per="epoch", lr=1.0)
    [1.0, 1.0, 0.5, 0.5]
    """
    epochs = as_int("epochs", epochs, low=1)
    steps_per_epoch = as_int("steps_per_epoch", steps_per_epoch, low=1)
    step_per = as_choice("step_per", step_per, ("batch", "epoch"))
    order = as_choice("order", order, ("optimizer_first", "scheduler_first"))
    torch.manual_seed(seed)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    made = make(optimizer)
    schedulers = made if isinstance(made, tuple) else (made,)
    plateau = any(isinstance(s, S.ReduceLROnPlateau) for s in schedulers)
    if plateau and metric is None:
        raise fail("metric", "given for a ReduceLROnPlateau (a function epoch, loss -> value)")
    batches = _batches(steps_per_epoch, seed)
    lrs: list[float] = []

    def step(value: float | None = None) -> None:
        for s in schedulers:
            s.step(value) if isinstance(s, S.ReduceLROnPlateau) else s.step()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's call-order warning: the mistakes are on purpose
        for _ in range(prestep):
            step()
        try:
            for epoch in range(epochs):
                if step_per == "epoch" and order == "scheduler_first":
                    step()
                total = 0.0
                for i, (x, y) in enumerate(batches):
                    loss = nn.functional.mse_loss(model(x), y)
                    optimizer.zero_grad()
                    loss.backward()
                    total += loss.item() / len(batches)
                    if step_per == "batch" and order == "scheduler_first":
                        step()
                    lrs.append(optimizer.param_groups[0]["lr"])
                    optimizer.step()
                    if step_per == "batch" and order == "optimizer_first":
                        step(metric(epoch, loss.item()) if plateau else None)
                    if step_if is not None and step_if(i, len(batches)):
                        step()
                if step_per == "epoch" and order == "optimizer_first" and step_if is None:
                    step(metric(epoch, total) if plateau else None)
        except ValueError:
            if not until_error:
                raise
    return lrs


def _fit_data():
    return make_classification_data(seed=0, n_samples=240)  # 180 training rows


def _fit(scheduler: Any, *, epochs: int, step_per: str, lr: float = 0.3, **kw: Any) -> History:
    """:func:`lrcourse.fit` on a tiny problem (batches of 45: 4 steps per epoch)."""
    model = mlp(20, 16, 4, seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-3)
    if callable(scheduler) and not isinstance(scheduler, S.LRScheduler):
        scheduler = scheduler(optimizer)
    return fit(
        model,
        _fit_data(),
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=epochs,
        batch_size=45,
        step_per=step_per,
        progress=False,
        **kw,
    )


def _run_loop(scheduler: Callable[[Any], Any], *, epochs: int, step_per: str) -> History:
    """chapter 2's :func:`lrcourse.run_loop` with the scheduler stepped first."""
    from .callorder import run_loop

    return run_loop(
        mlp(20, 16, 4, seed=0),
        _fit_data(),
        optimizer=lambda p: torch.optim.SGD(p, lr=0.3, momentum=0.9, weight_decay=1e-3),
        scheduler=scheduler,
        epochs=epochs,
        batch_size=45,
        step_per=step_per,
        order="scheduler_first",
    )


def _runs(lrs: Any, metrics: Sequence[float] | None = None) -> Run:
    return Run(lrs, None if metrics is None else list(metrics))


# ----------------------------------------------------------------------------- the cases

N = EPOCHS * SPE
#: a validation loss that bottoms out at epoch 3 and rises (overfitting, chapter 5): the
#: plateau rule fed it cuts the LR after epoch 5
VAL = 1.0 - 0.1 * np.minimum(np.arange(EPOCHS), 3) + 0.02 * np.maximum(np.arange(EPOCHS) - 3, 0)
ACC = 1.0 - VAL  # an accuracy that peaks at epoch 3 and falls (the same overfitting run)


def _t_over_w(w: int) -> Callable[[int], float]:
    """The notes' warmup factor t / w (0 at t = 0)."""
    return lambda t: min(1.0, t / w)


def _plotted_first(epochs: int) -> History:
    """Chapter 2, pitfall 3: a plotting cell steps the scheduler, then it trains."""
    model = mlp(20, 16, 4, seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = S.StepLR(optimizer, step_size=5, gamma=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs):  # the plotting cell
            scheduler.step()
    return fit(
        model,
        _fit_data(),
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=epochs,
        batch_size=45,
        progress=False,
    )


def _plotted_cosine() -> History:
    """Chapter 2's measured 'cosine, plotted first': EPOCHS calls, then lc.fit."""
    model = mlp(20, 16, 4, seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9, weight_decay=1e-3)
    scheduler = S.CosineAnnealingLR(optimizer, T_max=EPOCHS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(EPOCHS):
            scheduler.step()
    return fit(
        model,
        _fit_data(),
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=EPOCHS,
        batch_size=45,
        step_per="epoch",
        progress=False,
    )


def _plateau_on_val() -> Run:
    """Chapter 2: lc.fit steps a ReduceLROnPlateau with the validation loss."""
    h = _fit(lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=1), epochs=12, step_per="epoch")
    return Run(h, h.val_loss)


def _case(
    chapter: int,
    title: str,
    label: str,
    intended: Any,
    reproduce: Callable[[], Any],
    expected: Sequence[str] = (),
    *,
    lr: float | None = LR,
    step_per: str = "batch",
    spe: int | None = SPE,
    section: str = "pitfalls",
) -> Case:
    def run() -> Run:
        out = reproduce()
        return out if isinstance(out, Run) else Run(out)

    return Case(
        chapter,
        title,
        label,
        _link(chapter, section),
        intended,
        run,
        tuple(expected),
        lr,
        step_per,
        spe,
    )


def _plateau_loop(make: Callable[[Any], Any], metric: Sequence[float], **kw: Any) -> list[float]:
    return real_loop(make, step_per="epoch", metric=lambda e, _: float(metric[e]), **kw)


# chapter 8's two schedulers (scaled: 10 warmup steps of 40)
_W8 = ("LambdaLR", {"lr_lambda": linear_warmup(10)})
_COS = ("CosineAnnealingLR", {"T_max": N - 10})
_SEQ8 = ("SequentialLR", {"schedulers": [_W8, _COS], "milestones": [10]})
# chapter 6's: LinearLR(0.1, 5) then a cosine, or then LambdaLR(0.95 ** t)
_LIN6 = ("LinearLR", {"start_factor": 0.1, "total_iters": 5})
_DECAY = ("LambdaLR", {"lr_lambda": lambda t: 0.95**t})
_SEQ6 = (
    "SequentialLR",
    {"schedulers": [_LIN6, ("CosineAnnealingLR", {"T_max": 25})], "milestones": [5]},
)
_SEQ6B = ("SequentialLR", {"schedulers": [_LIN6, _DECAY], "milestones": [5]})
# chapter 8's SequentialLR in batches: 2 epochs of warmup, 8 of cosine
_WARM_E = 2


def _seq_per_batch(milestone: int) -> tuple[str, dict[str, Any]]:
    return (
        "SequentialLR",
        {
            "schedulers": [
                ("LinearLR", {"start_factor": 0.01, "total_iters": _WARM_E * SPE}),
                ("CosineAnnealingLR", {"T_max": N - _WARM_E * SPE}),
            ],
            "milestones": [milestone],
        },
    )


def _sched(spec: tuple[str, dict[str, Any]]) -> Callable[[Any], Any]:
    from .training import scheduler_from_spec

    return lambda o: scheduler_from_spec(spec, o)


def _pitfalls() -> list[Case]:
    cos_e = ("CosineAnnealingLR", {"T_max": EPOCHS})
    one_cycle = ("OneCycleLR", {"max_lr": 0.3, "total_steps": N})
    step_e = ("StepLR", {"step_size": 4, "gamma": 0.1})  # chapter 3's StepLR(7), scaled
    pl = {"factor": 0.5, "patience": 1}
    cyc = {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5}
    peak = 0.05
    return [
        # ---- chapter 1
        _case(
            1,
            "`T_max` counted in epochs, the scheduler stepped per batch.",
            "cosine T_max in epochs, stepped per batch",
            cos_e,
            lambda: real_loop(lambda o: S.CosineAnnealingLR(o, T_max=EPOCHS)),
            ["wrong_unit"],
            step_per="epoch",
        ),
        # ---- chapter 2
        _case(
            2,
            "`scheduler.step()` before `optimizer.step()`.",
            "cosine stepped at the start of the epoch",
            cos_e,
            lambda: real_loop(
                lambda o: S.CosineAnnealingLR(o, T_max=EPOCHS),
                step_per="epoch",
                order="scheduler_first",
            ),
            ["stepped_before_optimizer"],
            step_per="epoch",
        ),
        _case(
            2,
            "`OneCycleLR` stepped per epoch, or per batch past its end.",
            "one-cycle sized in batches, stepped per epoch",
            one_cycle,
            lambda: real_loop(_sched(one_cycle), step_per="epoch"),
            ["wrong_unit"],
        ),
        _case(
            2,
            "`OneCycleLR` stepped per epoch, or per batch past its end.",
            "one-cycle sized in epochs, stepped per batch (ValueError)",
            ("OneCycleLR", {"max_lr": 0.3, "total_steps": EPOCHS}),
            lambda: real_loop(
                lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=EPOCHS), until_error=True
            ),
            ["wrong_unit"],
            step_per="epoch",
        ),
        _case(
            2,
            "A scheduler stepped in a plotting cell, then trained.",
            "StepLR stepped 20 times by a plot, then lc.fit",
            ("StepLR", {"step_size": 5, "gamma": 0.1}),
            lambda: _plotted_first(20),
            ["stepped_before_training"],
            step_per="epoch",
            spe=None,
        ),
        _case(
            2,
            "`ReduceLROnPlateau` without its metric, and with `verbose=True`.",
            "plateau whose step(metric) was left out",
            ("ReduceLROnPlateau", pl),
            lambda: Run(
                real_loop(
                    lambda o: S.ReduceLROnPlateau(o, **pl),
                    step_per="epoch",
                    step_if=lambda i, n: False,
                    metric=lambda e, loss: loss,
                ),
                VAL,
            ),
            ["plateau_without_metric"],
            step_per="epoch",
        ),
        _case(
            2,
            "Measured: what the mistakes cost on digits",
            "cosine, scheduler first (lc.run_loop)",
            cos_e,
            lambda: _run_loop(
                lambda o: S.CosineAnnealingLR(o, T_max=EPOCHS), epochs=EPOCHS, step_per="epoch"
            ),
            ["stepped_before_optimizer"],
            lr=0.3,
            step_per="epoch",
            spe=None,
            section=MEASURED,
        ),
        _case(
            2,
            "Measured: what the mistakes cost on digits",
            "cosine, plotted first (lc.fit)",
            cos_e,
            _plotted_cosine,
            ["stepped_before_training"],
            lr=0.3,
            step_per="epoch",
            spe=None,
            section=MEASURED,
        ),
        _case(
            2,
            "Measured: what the mistakes cost on digits",
            "one-cycle, scheduler first (lc.run_loop)",
            one_cycle,
            lambda: _run_loop(_sched(one_cycle), epochs=EPOCHS, step_per="batch"),
            ["stepped_before_optimizer"],
            lr=0.3,
            spe=None,
            section=MEASURED,
        ),
        _case(
            2,
            "Measured: what the mistakes cost on digits",
            "one-cycle, per epoch (lc.fit)",
            one_cycle,
            lambda: _fit(_sched(one_cycle), epochs=EPOCHS, step_per="epoch"),
            ["wrong_unit"],
            lr=0.3,
            spe=None,
            section=MEASURED,
        ),
        # ---- chapter 3
        _case(
            3,
            "`gamma` upside down.",
            "StepLR gamma=10 for 0.1",
            step_e,
            lambda: real_loop(lambda o: S.StepLR(o, step_size=4, gamma=10.0), step_per="epoch"),
            ["gamma_upside_down"],
            step_per="epoch",
        ),
        _case(
            3,
            "Milestones that are not integers.",
            "milestones [0.5 * epochs, 0.75 * epochs] = [5, 7.5]",
            ("MultiStepLR", {"milestones": [5, 7]}),
            lambda: real_loop(
                lambda o: S.MultiStepLR(o, [0.5 * EPOCHS, 0.75 * EPOCHS]), step_per="epoch"
            ),
            ["decayed_too_late"],
            step_per="epoch",
        ),
        _case(
            3,
            "Milestones in batches, stepping per epoch.",
            "MultiStepLR milestones in batches, stepped per epoch",
            ("MultiStepLR", {"milestones": [5 * SPE, 8 * SPE]}),
            lambda: real_loop(lambda o: S.MultiStepLR(o, [5 * SPE, 8 * SPE]), step_per="epoch"),
            ["wrong_unit"],
        ),
        _case(
            3,
            "`step_size` in epochs, stepping per batch.",
            "StepLR(4 epochs) stepped per batch",
            step_e,
            lambda: real_loop(lambda o: S.StepLR(o, step_size=4, gamma=0.1)),
            ["wrong_unit"],
            step_per="epoch",
        ),
        _case(
            3,
            "Decaying too early.",
            "the two drops moved early (epochs 2, 3)",
            step_e,
            lambda: real_loop(lambda o: S.MultiStepLR(o, [2, 3], gamma=0.1), step_per="epoch"),
            ["decayed_too_early"],
            step_per="epoch",
        ),
        _case(
            3,
            "Decaying too early.",
            "a drop every 2 epochs (StepLR(2))",
            step_e,
            lambda: real_loop(lambda o: S.StepLR(o, step_size=2, gamma=0.1), step_per="epoch"),
            ["decayed_too_early"],
            step_per="epoch",
        ),
        # ---- chapter 4
        _case(
            4,
            "`T_max` counted in epochs, the scheduler stepped per batch.",
            "T_max=epochs, stepped per batch",
            cos_e,
            lambda: real_loop(lambda o: S.CosineAnnealingLR(o, T_max=EPOCHS)),
            ["wrong_unit"],
            step_per="epoch",
        ),
        _case(
            4,
            "`T_max` shorter than the run: the LR rises again.",
            "T_max half the run",
            ("CosineAnnealingLR", {"T_max": N}),
            lambda: real_loop(lambda o: S.CosineAnnealingLR(o, T_max=N // 2)),
            ["horizon_too_short"],
        ),
        _case(
            4,
            "`eta_min` larger than the base LR.",
            "eta_min=0.1 meant as 10% of lr=0.05",
            ("CosineAnnealingLR", {"T_max": N, "eta_min": 0.1 * peak}),
            lambda: real_loop(lambda o: S.CosineAnnealingLR(o, T_max=N, eta_min=0.1), lr=peak),
            ["eta_min_above_lr"],
            lr=peak,
        ),
        # ---- chapter 5
        _case(
            5,
            "Feeding the training loss.",
            "plateau stepped with the training loss",
            ("ReduceLROnPlateau", pl),
            lambda: Run(
                real_loop(
                    lambda o: S.ReduceLROnPlateau(o, **pl),
                    step_per="epoch",
                    metric=lambda e, loss: loss,
                ),
                VAL,
            ),
            ["plateau_without_metric"],
            step_per="epoch",
        ),
        _case(
            5,
            '`mode="min"` with an accuracy.',
            "plateau in mode 'min' fed an accuracy",
            ("ReduceLROnPlateau", pl | {"mode": "max"}),
            lambda: Run(
                _plateau_loop(lambda o: S.ReduceLROnPlateau(o, mode="min", **pl), ACC), ACC
            ),
            ["plateau_mode_flipped"],
            step_per="epoch",
        ),
        _case(
            5,
            "Stepping per batch with patience in epochs.",
            "plateau (patience=2) stepped per batch with the batch loss",
            ("ReduceLROnPlateau", pl | {"patience": 2}),
            lambda: Run(
                real_loop(
                    lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2),
                    metric=lambda e, loss: loss,
                ),
                VAL,
            ),
            ["wrong_unit"],
            step_per="epoch",
        ),
        # ---- chapter 6
        _case(
            6,
            "The first update uses LR 0.",
            "the notes' warmup t/w",
            ("LambdaLR", {"lr_lambda": _t_over_w(5)}),
            lambda: real_loop(lambda o: S.LambdaLR(o, _t_over_w(5))),
            ["warmup_from_zero"],
        ),
        _case(
            6,
            "A scheduler that never steps: LR 0 forever.",
            "i == len(batches) never true, warmup t/w",
            ("LambdaLR", {"lr_lambda": _t_over_w(5)}),
            lambda: real_loop(
                lambda o: S.LambdaLR(o, _t_over_w(5)), step_per="epoch", step_if=lambda i, n: i == n
            ),
            ["never_stepped", "warmup_from_zero"],
            step_per="epoch",
        ),
        _case(
            6,
            "A scheduler that never steps: LR 0 forever.",
            "i == len(batches) never true, warmup (t+1)/w",
            ("LambdaLR", {"lr_lambda": linear_warmup(5)}),
            lambda: real_loop(
                lambda o: S.LambdaLR(o, linear_warmup(5)),
                step_per="epoch",
                step_if=lambda i, n: i == n,
            ),
            ["never_stepped"],
            step_per="epoch",
        ),
        _case(
            6,
            "Warmup counted in epochs, scheduler stepped per batch.",
            "LinearLR(total_iters=5 epochs) stepped per batch",
            ("LinearLR", {"start_factor": 0.1, "total_iters": 5}),
            lambda: real_loop(lambda o: S.LinearLR(o, start_factor=0.1, total_iters=5)),
            ["wrong_unit"],
            step_per="epoch",
        ),
        _case(
            6,
            "Two schedulers on one optimizer.",
            "LinearLR and CosineAnnealingLR both stepped",
            _SEQ6,
            lambda: real_loop(
                lambda o: (S.LinearLR(o, 0.1, total_iters=5), S.CosineAnnealingLR(o, T_max=25))
            ),
            ["two_schedulers"],
        ),
        _case(
            6,
            "Two schedulers on one optimizer.",
            "LinearLR and LambdaLR(0.95**t) both stepped",
            _SEQ6B,
            lambda: real_loop(
                lambda o: (S.LinearLR(o, 0.1, total_iters=5), S.LambdaLR(o, lambda t: 0.95**t))
            ),
            ["two_schedulers"],
        ),
        # ---- chapter 7
        _case(
            7,
            "OneCycleLR stepped once per epoch.",
            "one-cycle stepped in the epoch loop",
            ("OneCycleLR", {"max_lr": 0.3, "epochs": EPOCHS, "steps_per_epoch": SPE}),
            lambda: real_loop(
                lambda o: S.OneCycleLR(o, 0.3, epochs=EPOCHS, steps_per_epoch=SPE),
                momentum=0.9,
                step_per="epoch",
            ),
            ["wrong_unit"],
        ),
        _case(
            7,
            "`total_steps` too small for the loop.",
            "total_steps one batch per epoch short (ValueError near the end)",
            one_cycle,
            lambda: real_loop(
                lambda o: S.OneCycleLR(o, 0.3, total_steps=N - EPOCHS),
                momentum=0.9,
                until_error=True,
            ),
            ["horizon_too_short"],
        ),
        _case(
            7,
            "`total_steps` too small for the loop.",
            "(the reverse) total_steps counted in micro-batches: the anneal never ends",
            one_cycle,
            lambda: real_loop(lambda o: S.OneCycleLR(o, 0.3, total_steps=2 * N), momentum=0.9),
            ["horizon_too_long"],
        ),
        _case(
            7,
            "`CyclicLR` with `base_lr > max_lr`.",
            "base_lr and max_lr swapped",
            ("CyclicLR", cyc),
            lambda: real_loop(
                lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=0.01, step_size_up=5), momentum=0.9
            ),
            ["bounds_swapped"],
        ),
        # ---- chapter 8
        _case(
            8,
            "Two schedulers on one optimizer.",
            "LambdaLR warmup and a cosine, both stepped",
            _SEQ8,
            lambda: real_loop(
                lambda o: (S.LambdaLR(o, linear_warmup(10)), S.CosineAnnealingLR(o, T_max=N))
            ),
            ["two_schedulers"],
        ),
        _case(
            8,
            "Two schedulers on one optimizer.",
            "the other order: the cosine stepped first",
            _SEQ8,
            lambda: real_loop(
                lambda o: (S.CosineAnnealingLR(o, T_max=N), S.LambdaLR(o, linear_warmup(10)))
            ),
            ["two_schedulers"],
        ),
        _case(
            8,
            "A lambda that returns the LR instead of the factor.",
            "the lambda returns peak * cosine",
            ("LambdaLR", {"lr_lambda": lambda k: 0.5 * (1 + math.cos(math.pi * k / N))}),
            lambda: real_loop(
                lambda o: S.LambdaLR(o, lambda k: peak * 0.5 * (1 + math.cos(math.pi * k / N))),
                lr=peak,
            ),
            ["factor_is_lr"],
            lr=peak,
        ),
        _case(
            8,
            "SequentialLR milestones in the wrong unit.",
            "milestones=[2] (epochs), the rest in batches",
            _seq_per_batch(_WARM_E * SPE),
            lambda: real_loop(_sched(_seq_per_batch(_WARM_E))),
            ["wrong_unit"],
        ),
        # ---- chapter 12
        _case(
            12,
            "A resumed run whose schedule restarted from step 0.",
            "checkpoint without the scheduler's state (lc.resume_run)",
            ("CosineAnnealingLR", {"T_max": N}),
            lambda: _resumed(),
            ["restarted_schedule"],
            spe=None,
            section="resuming-a-run",
        ),
    ]


def _resumed() -> list[float]:
    from .resume import resume_run

    return list(
        resume_run(
            ("CosineAnnealingLR", {"T_max": N}), steps=N, split=N // 2, save="model", lr=LR
        ).resumed_lrs
    )


def _correct() -> list[Case]:
    cos_e = ("CosineAnnealingLR", {"T_max": EPOCHS})
    one_cycle = ("OneCycleLR", {"max_lr": 0.3, "total_steps": N})
    pl = {"factor": 0.5, "patience": 1}
    ok = "correct run"
    return [
        _case(
            1,
            ok,
            "cosine over the run, stepped per batch",
            ("CosineAnnealingLR", {"T_max": N}),
            lambda: _fit(
                _sched(("CosineAnnealingLR", {"T_max": N})), epochs=EPOCHS, step_per="batch"
            ),
            lr=0.3,
            spe=None,
        ),
        _case(
            2,
            ok,
            "cosine per epoch (lc.fit)",
            cos_e,
            lambda: _fit(_sched(cos_e), epochs=EPOCHS, step_per="epoch"),
            lr=0.3,
            step_per="epoch",
            spe=None,
            section=MEASURED,
        ),
        _case(
            2,
            ok,
            "one-cycle per batch (lc.fit)",
            one_cycle,
            lambda: _fit(_sched(one_cycle), epochs=EPOCHS, step_per="batch"),
            lr=0.3,
            spe=None,
            section=MEASURED,
        ),
        _case(
            2,
            ok,
            "plateau fed the validation loss (lc.fit)",
            ("ReduceLROnPlateau", pl),
            _plateau_on_val,
            lr=0.3,
            step_per="epoch",
            spe=None,
        ),
        _case(
            3,
            ok,
            "StepLR per epoch",
            ("StepLR", {"step_size": 4, "gamma": 0.1}),
            lambda: real_loop(lambda o: S.StepLR(o, 4, 0.1), step_per="epoch"),
            step_per="epoch",
        ),
        _case(
            3,
            ok,
            "MultiStepLR with whole-number milestones",
            ("MultiStepLR", {"milestones": [EPOCHS // 2, 3 * EPOCHS // 4]}),
            lambda: real_loop(
                lambda o: S.MultiStepLR(o, [EPOCHS // 2, 3 * EPOCHS // 4]), step_per="epoch"
            ),
            step_per="epoch",
        ),
        _case(
            3,
            ok,
            "ExponentialLR per epoch",
            ("ExponentialLR", {"gamma": 0.01 ** (1 / 9)}),
            lambda: real_loop(lambda o: S.ExponentialLR(o, 0.01 ** (1 / 9)), step_per="epoch"),
            step_per="epoch",
        ),
        _case(
            4,
            ok,
            "cosine, T_max = the steps taken",
            ("CosineAnnealingLR", {"T_max": N}),
            lambda: real_loop(lambda o: S.CosineAnnealingLR(o, T_max=N)),
        ),
        _case(
            4,
            ok,
            "warm restarts per batch",
            ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2}),
            lambda: real_loop(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2)),
        ),
        _case(
            5,
            ok,
            "plateau fed the validation loss once per epoch",
            ("ReduceLROnPlateau", pl),
            lambda: Run(_plateau_loop(lambda o: S.ReduceLROnPlateau(o, **pl), VAL), VAL),
            step_per="epoch",
        ),
        _case(
            5,
            ok,
            "plateau in mode 'max' fed an accuracy",
            ("ReduceLROnPlateau", pl | {"mode": "max"}),
            lambda: Run(
                _plateau_loop(lambda o: S.ReduceLROnPlateau(o, mode="max", **pl), ACC), ACC
            ),
            step_per="epoch",
        ),
        _case(
            6,
            ok,
            "LambdaLR(lc.linear_warmup(5)) per batch",
            ("LambdaLR", {"lr_lambda": linear_warmup(5)}),
            lambda: real_loop(lambda o: S.LambdaLR(o, linear_warmup(5))),
        ),
        _case(
            6,
            ok,
            "LinearLR(1/w, total_iters=w-1), then SequentialLR to a cosine",
            (
                "SequentialLR",
                {
                    "schedulers": [
                        ("LinearLR", {"start_factor": 0.2, "total_iters": 4}),
                        ("CosineAnnealingLR", {"T_max": N - 5}),
                    ],
                    "milestones": [5],
                },
            ),
            lambda: real_loop(
                lambda o: S.SequentialLR(
                    o,
                    [S.LinearLR(o, 0.2, total_iters=4), S.CosineAnnealingLR(o, T_max=N - 5)],
                    milestones=[5],
                )
            ),
        ),
        _case(
            7,
            ok,
            "one-cycle per batch (epochs, steps_per_epoch)",
            ("OneCycleLR", {"max_lr": 0.3, "epochs": EPOCHS, "steps_per_epoch": SPE}),
            lambda: real_loop(
                lambda o: S.OneCycleLR(o, 0.3, epochs=EPOCHS, steps_per_epoch=SPE), momentum=0.9
            ),
        ),
        _case(
            7,
            ok,
            "CyclicLR triangular per batch",
            ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5}),
            lambda: real_loop(lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=5), momentum=0.9),
        ),
        _case(8, ok, "SequentialLR(warmup, cosine)", _SEQ8, lambda: real_loop(_sched(_SEQ8))),
        _case(
            8,
            ok,
            "one LambdaLR with the whole curve (lc.cosine_with_warmup)",
            ("cosine_with_warmup", {"warmup_steps": 5, "total_steps": N}),
            lambda: real_loop(lambda o: S.LambdaLR(o, cosine_with_warmup(5, N))),
        ),
        _case(
            8,
            ok,
            "SequentialLR milestones in batches",
            _seq_per_batch(_WARM_E * SPE),
            lambda: real_loop(_sched(_seq_per_batch(_WARM_E * SPE))),
        ),
        _case(
            9,
            ok,
            "one-cycle peaking at the range test's pick, per batch",
            one_cycle,
            lambda: _fit(_sched(one_cycle), epochs=EPOCHS, step_per="batch"),
            lr=0.3,
            spe=None,
            section="pitfalls",
        ),
        _case(
            10,
            ok,
            "constant weight decay under a per-epoch cosine (lc.fit)",
            cos_e,
            lambda: _fit(_sched(cos_e), epochs=EPOCHS, step_per="epoch"),
            lr=0.3,
            step_per="epoch",
            spe=None,
        ),
        _case(
            11,
            ok,
            "AdamW with warmup and cosine (lc.train_classifier)",
            ("cosine_with_warmup", {"warmup_steps": 5, "total_steps": N}),
            lambda: _adamw(("cosine_with_warmup", {"warmup_steps": 5, "total_steps": N})),
            lr=1e-3,
            spe=None,
        ),
    ]


def _adamw(schedule: tuple[str, dict[str, Any]]) -> History:
    from .harness import train_classifier

    return train_classifier(
        _fit_data(),
        lr=1e-3,
        epochs=EPOCHS,
        schedule=schedule,
        step_per="batch",
        optimizer="adamw",
        weight_decay=0.01,
        batch_size=45,
        progress=False,
    )


#: Every loop of the casebook: the pitfalls, then the correct runs.
CASEBOOK: tuple[Case, ...] = (*_pitfalls(), *_correct())

_WD = "a weight-decay setting: the LR trace is the same with or without it"
_RT = "a range-test reading: the schedule is followed; what is wrong is the number chosen"

#: The book's pitfalls that leave no mark the doctor can read off the LR trace, and why.
UNSEEN_PITFALLS: tuple[Unseen, ...] = tuple(
    Unseen(ch, title, _link(ch), why)
    for ch, title, why in [
        (
            1,
            "Too high does not always mean NaN.",
            "the schedule is followed: the peak is the mistake, and the doctor compares the run "
            "with the schedule you meant, not with a good one (a range test, chapter 9)",
        ),
        (
            1,
            "Decaying too fast freezes training.",
            "the run follows its spec (ExponentialLR gamma=0.95 per step): the spec is the mistake",
        ),
        (
            2,
            "`ReduceLROnPlateau` without its metric, and with `verbose=True`.",
            "step() without the metric and verbose=True raise TypeError: no run, no trace (the run "
            "that left the call out is a case: plateau_without_metric)",
        ),
        (
            3,
            "`gamma` upside down.",
            "the cousin, the total decay passed as ExponentialLR's gamma: a gamma the doctor does "
            "not search (it looks for 1/gamma only); the trace collapses in a few steps",
        ),
        (
            4,
            "A non-integer `T_mult` (or `T_0`).",
            "CosineAnnealingWarmRestarts raises ValueError at construction: there is no trace",
        ),
        (
            5,
            "A `min_lr` or `eps` that blocks the cuts.",
            "the run follows the rule its settings give: the setting is the mistake "
            "(lc.plateau_events shows each skipped cut and why)",
        ),
        (
            7,
            "The momentum you set is ignored.",
            "OneCycleLR and CyclicLR write the momentum, not the LR: the LR trace is correct "
            "(lc.momentum_curve shows it)",
        ),
        (7, "A peak read off a lagging range test.", _RT),
        (
            8,
            "ReduceLROnPlateau inside SequentialLR.",
            "SequentialLR raises ValueError at construction: no trace",
        ),
        (
            9,
            "A test that does not put the model back.",
            "the model's weights and the optimizer's momentum: not in the LR trace",
        ),
        (9, "Too much smoothing for too few iterations.", _RT),
        (9, "Noisy losses.", _RT),
        (9, "The answer belongs to one batch size and one optimizer.", _RT),
        (9, "The suggestion is for a constant LR.", _RT),
        (10, 'Excluding "bias and norm" by name.', _WD),
        (10, "A `weight_decay` copied from another recipe.", _WD),
        (11, "`Adam(weight_decay=...)` taken for AdamW.", _WD),
        (11, "A `weight_decay` copied from another optimizer.", _WD),
        (11, "Decay on embeddings and normalisation weights.", _WD),
    ]
)


# ----------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class CasebookRow:
    """One case run: what was expected, what the doctor found, at which step, its words."""

    case: Case
    found: tuple[str, ...]
    step: int | None
    sentence: str

    @property
    def ok(self) -> bool:
        """The doctor found exactly what the case expects."""
        return self.found == self.case.expected


@dataclass
class Casebook:
    """:func:`run_casebook`'s table: ``rows`` (one :class:`CasebookRow` per case);
    ``ok``: every finding as expected; ``str()``: the table, one line per case."""

    rows: list[CasebookRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every case's finding is its expected code; every correct run is clean."""
        return all(r.ok for r in self.rows)

    @property
    def mismatches(self) -> list[CasebookRow]:
        """The rows where the doctor's finding differs from the expected one."""
        return [r for r in self.rows if not r.ok]

    def records(self) -> list[dict[str, Any]]:
        """The table as records (``pandas.DataFrame(book.records())``)."""
        return [
            {
                "chapter": r.case.chapter,
                "case": r.case.label,
                "expected": ", ".join(r.case.expected) or "clean",
                "found": ", ".join(r.found) or "clean",
                "step": r.step,
                "sentence": r.sentence,
                "ok": r.ok,
            }
            for r in self.rows
        ]

    def __str__(self) -> str:
        table = [
            (
                f"{r['chapter']:2d}",
                r["case"],
                r["expected"],
                r["found"],
                "" if r["step"] is None else str(r["step"]),
                r["sentence"],
                r["ok"],
            )
            for r in self.records()
        ]
        head = ("ch", "case", "expected", "found", "step", "sentence")
        width = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(head[:5])]

        def line(cells: Sequence[str]) -> str:
            ch, case, exp, found, step = (c.ljust(w) for c, w in zip(cells, width, strict=False))
            return f"{ch.rjust(width[0])}  {case}  {exp}  {found}  {step.strip().rjust(width[4])}  "

        lines = [line(head) + head[5]]
        lines += [line(row) + row[5] + ("" if row[6] else "  <-- MISMATCH") for row in table]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def run_casebook(
    cases: Sequence[Case] | None = None, *, chapters: Sequence[int] | None = None
) -> Casebook:
    r"""Run each case's loop and the doctor on its trace: one row per case (chapter, case,
    expected codes, the codes found, the step of the first finding, the doctor's sentence).

    ``cases``: default :data:`CASEBOOK`; ``chapters``: keep those chapters only.

    >>> book = run_casebook(chapters=[6])
    >>> [r.found for r in book.rows][:2]
    [('warmup_from_zero',), ('never_stepped', 'warmup_from_zero')]
    """
    cases = CASEBOOK if cases is None else tuple(cases)
    if chapters is not None:
        chapters = set(chapters)
        unknown = chapters - set(LESSONS)
        if unknown:
            raise fail("chapters", f"chapter numbers among {sorted(LESSONS)}", sorted(unknown))
        cases = tuple(c for c in cases if c.chapter in chapters)
    rows = []
    for case in cases:
        d = case.diagnose()
        first = d.findings[0] if d.findings else None
        rows.append(
            CasebookRow(
                case,
                tuple(d.codes),
                None if first is None else first.step,
                str(d).splitlines()[0] if first is None else first.message,
            )
        )
    return Casebook(rows)
