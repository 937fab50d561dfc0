r"""The schedule doctor: name a training loop's schedule mistake from the LR trace it left.

A run records ``optimizer.param_groups[0]["lr"]`` before each ``optimizer.step()``: the
trace :math:`x_0, \dots, x_{n-1}`. The schedule that was meant gives :math:`g(j)`, the LR
after :math:`j` calls to ``scheduler.step()``. A correct loop calls the scheduler
:math:`c(k) = k` times before step :math:`k` (stepped per batch) or
:math:`c(k) = \lfloor k/s \rfloor` times (per epoch, :math:`s` steps per epoch), so
:math:`x_k = g(c(k))`. Each mistake changes :math:`c` or :math:`g` in its own way:

==============================  ==================================================================
mistake                         the trace is
==============================  ==================================================================
stepped before the optimizer    :math:`g(c(k) + 1)`: shifted by one call
stepped before training         :math:`g(c(k) + m)`, :math:`m \ge 2` (a plotting cell reused it)
wrong unit                      :math:`g(k)` for an epoch schedule (:math:`s` times too fast), or
                                :math:`g(\lfloor k/s \rfloor)` for a batch one (it barely moves)
horizon too short / long        :math:`g_{H'}(c(k))`: the same shape with horizon :math:`H' \ne H`
                                (``total_steps``, ``T_max``, ``total_iters``), or :math:`g_H` but
                                the run stops before :math:`H` or runs past it
restarted on resume             :math:`g(c(k))` up to step :math:`r`, then :math:`g(c(k - r))`
plateau without its metric      constant :math:`g(0)` where ``ReduceLROnPlateau`` fed the metrics
                                would have cut the LR (never stepped, or fed another metric)
never stepped                   constant :math:`g(0)`: :math:`c(k) = 0` (a ``step()`` never reached)
gamma upside down               :math:`g` with ``gamma`` :math:`\to 1/\gamma` (StepLR, MultiStepLR,
                                ExponentialLR)
bounds swapped                  ``CyclicLR`` with ``base_lr`` and ``max_lr`` exchanged
eta_min above the LR            ``CosineAnnealingLR`` with ``eta_min`` :math:`\to` ``eta_min / lr``:
                                a fraction of the LR written as an absolute LR (it rises)
plateau mode flipped            ``ReduceLROnPlateau`` with ``mode`` min :math:`\leftrightarrow` max
two schedulers                  ``SequentialLR([a, b])`` meant, ``a`` and ``b`` both stepped on one
                                optimizer: ``ChainedScheduler`` of the two (either order; ``b``
                                sized for the remainder or for the whole run)
factor is the LR                :math:`\eta_0 \, g(c(k))`: a lambda that returns the LR, not the
                                factor, so ``LambdaLR`` multiplies by :math:`\eta_0` twice
decayed too early / too late    a step decay's own levels :math:`g(c'(k))` with :math:`c' \ge c`
                                (its drops come early) or :math:`c' \le c` (late, or never: a
                                milestone that is not a whole number)
warmup from zero                :math:`x_0 = 0`: the first update is wasted
==============================  ==================================================================

:func:`diagnose` tries each transformation and names the one that reproduces the trace
exactly (to float rounding: relative tolerance ``RTOL``), with the step where it first shows.
Where two explain the same trace, the order of the table decides, with two exceptions: a
setting read the wrong way and two schedulers are tried before a shift of two or more calls
(``CyclicLR`` with swapped bounds IS its cycle started ``step_size_up`` calls in, and
``LinearLR`` then a ``LambdaLR`` both stepped IS the ``SequentialLR`` started at its
milestone). The checks run only on a trace that differs from the schedule, so a correct run
always gets a clean bill.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from .lrlog import read_lr_log
from .reference import make_optimizer
from .schedules import SCHEDULES, lr_curve
from .schedules.api import schedule_spec
from .training import History
from .validation import ParameterError, as_array, as_choice, as_int, as_real, fail

__all__ = ["CODES", "RTOL", "Diagnosis", "Finding", "diagnose"]

#: Relative tolerance of a match: torch's recursive updates and the closed forms differ by
#: rounding only (an absolute ``1e-12`` of the largest LR covers values that should be 0).
RTOL = 1e-9

#: Every finding's code and what it means.
CODES: dict[str, str] = {
    "stepped_before_optimizer": "scheduler.step() runs before optimizer.step(): one call early",
    "stepped_before_training": "the scheduler was stepped m >= 2 times before training",
    "wrong_unit": "an epoch schedule stepped per batch, or a batch schedule stepped per epoch",
    "horizon_too_short": "total_steps / T_max / total_iters shorter than the steps taken",
    "horizon_too_long": "total_steps / T_max / total_iters longer than the steps taken",
    "restarted_schedule": "a resumed run whose scheduler started again from step 0",
    "plateau_without_metric": "ReduceLROnPlateau never cut the LR where its metric says it should",
    "never_stepped": "the LR never left its first value: scheduler.step() was never reached",
    "gamma_upside_down": "gamma inverted (10 for 0.1): the LR grows where it should decay",
    "bounds_swapped": "CyclicLR with base_lr and max_lr exchanged: the cycle runs upside down",
    "eta_min_above_lr": "eta_min written as a fraction of the LR, read as an absolute LR",
    "plateau_mode_flipped": "ReduceLROnPlateau in mode 'min' for a metric to raise, or the reverse",
    "two_schedulers": "two schedulers stepped on one optimizer where SequentialLR was meant",
    "factor_is_lr": "a LambdaLR function that returns the LR instead of the factor",
    "decayed_too_early": "the schedule's own drops, taken earlier than planned",
    "decayed_too_late": "the schedule's own drops, taken later than planned or never",
    "warmup_from_zero": "the first update used LR 0 (a wasted step)",
    "unexplained": "the trace differs from the schedule in a way no listed mistake explains",
}

# the keyword that sets each decaying schedule's horizon (LinearLR: also a warmup, which may
# well end before the run does, so only a mismatched total_iters is reported, not the length)
_HORIZON_KEY = {
    "OneCycleLR": "total_steps",
    "CosineAnnealingLR": "T_max",
    "PolynomialLR": "total_iters",
}
_HORIZON_KEY |= {
    n: "total_steps"
    for n, i in SCHEDULES.items()
    if not i.is_torch and any(p.name == "total_steps" for p in i.arguments)
}
_HORIZON_SEARCH = _HORIZON_KEY | {"LinearLR": "total_iters"}
_FACTORY_HORIZON = (
    ("OneCycleLR", "total_steps"),
    ("CosineAnnealingLR", "T_max"),
    ("PolynomialLR", "total_iters"),
)


@dataclass(frozen=True)
class Finding:
    """One mistake: its ``code`` (a key of :data:`CODES`), the ``step`` (optimizer step,
    from 0) where it first shows in the trace, and a ``message`` in words."""

    code: str
    step: int
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] step {self.step}: {self.message}"


@dataclass
class Diagnosis:
    """What :func:`diagnose` found. ``findings``: a list of :class:`Finding` (empty: a clean
    bill); ``expected``: the intended LR at each step of the run (what a correct loop would
    have recorded, NaN where the schedule cannot reach); ``ok``: no finding."""

    findings: list[Finding] = field(default_factory=list)
    expected: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def ok(self) -> bool:
        """True when the run followed the schedule."""
        return not self.findings

    @property
    def codes(self) -> list[str]:
        """The findings' codes, in order."""
        return [f.code for f in self.findings]

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __str__(self) -> str:
        if self.ok:
            return "clean bill: the run followed the schedule"
        return "\n".join(str(f) for f in self.findings)

    def __repr__(self) -> str:
        return str(self)


# ----------------------------------------------------------------------------- the schedule


class _Intended:
    """The schedule that was meant: :math:`g(j)` for ``j`` calls, for any horizon."""

    def __init__(self, intended: Any, lr: Any, metrics: Any) -> None:
        self.factory: Callable[[Any], Any] | None = None
        if callable(intended) and not isinstance(intended, str | tuple | list):
            self.factory, self.name, self.kwargs = intended, None, {}
        else:
            try:
                name, kwargs = schedule_spec(intended, "intended")
            except ParameterError:
                raise fail(
                    "intended",
                    "a (name, kwargs) pair such as ('StepLR', {'step_size': 10}) or a "
                    "function optimizer -> scheduler",
                    intended,
                ) from None
            as_choice("intended", name, list(SCHEDULES))
            self.name, self.kwargs = name, kwargs
        if self.name is not None and "lr" in self.kwargs:
            if lr is not None:
                raise fail("lr", "given once: in intended's kwargs or as lr=, not both", lr)
            lr = self.kwargs.pop("lr")
        if lr is None:
            if self.name in ("OneCycleLR", "CyclicLR"):  # they set the LR themselves
                lr = 0.1
            else:
                raise fail("lr", "given (the optimizer's lr): in intended's kwargs or as lr=")
        self.lr = as_real("lr", lr, low=0.0)
        self.plateau = self.name == "ReduceLROnPlateau"
        self.horizon_key = _HORIZON_SEARCH.get(self.name)
        self.horizon: int | None = None
        self.label = self.horizon_key  # the horizon's keyword, for the messages
        if self.factory is not None:
            probe = self._build()
            self.plateau = isinstance(probe, ReduceLROnPlateau)
            for cls, attr in _FACTORY_HORIZON:
                if type(probe).__name__ == cls:
                    self.horizon, self.label = int(getattr(probe, attr)), attr
        elif self.horizon_key is not None:
            kw = SCHEDULES[self.name].signature_defaults() | self.kwargs
            self.horizon = kw.get(self.horizon_key)
            if self.name == "OneCycleLR" and self.horizon is None:
                self.horizon = (kw.get("epochs") or 0) * (kw.get("steps_per_epoch") or 0) or None
        if self.plateau and metrics is None:
            raise fail("metrics", "given for ReduceLROnPlateau (the value of each step(metric))")
        if not self.plateau and metrics is not None:
            raise fail("metrics", "left out: only a ReduceLROnPlateau schedule takes metrics")
        self.metrics = None if metrics is None else as_array("metrics", metrics, finite=False)

    def describe(self) -> str:
        if self.factory is not None:
            return getattr(self.factory, "__name__", "the factory's scheduler")
        return self.name

    def _build(self):
        try:
            scheduler = self.factory(make_optimizer(self.lr))
        except TypeError as err:
            raise fail(
                "intended", "a function optimizer -> scheduler", got=f"TypeError: {err}"
            ) from None
        if not isinstance(scheduler, LRScheduler | ReduceLROnPlateau):
            raise fail(
                "intended", "a function optimizer -> scheduler", got=type(scheduler).__name__
            )
        return scheduler

    def curve(
        self, calls: int, horizon: int | None = None, changes: dict[str, Any] | None = None
    ) -> np.ndarray:
        """:math:`g(0), \\dots, g(calls - 1)`; NaN past the schedule's reach. ``horizon``
        and ``changes`` (keyword -> value): the same schedule with other settings."""
        out = np.full(calls, np.nan)
        if self.factory is not None:
            return self._stepped(out)
        kw = dict(self.kwargs) | (changes or {})
        if horizon is not None:
            if self.name == "OneCycleLR":
                kw.pop("epochs", None), kw.pop("steps_per_epoch", None)
            kw[self.horizon_key] = horizon
        n = calls
        if self.name == "OneCycleLR" and (horizon or self.horizon):
            n = min(n, (horizon or self.horizon) + 1)  # torch raises past total_steps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.plateau:
                padded = np.append(self.metrics, self.metrics[-1])  # the last one is never read
                n = min(n, len(padded))
                out[:n] = lr_curve(self.name, n, lr=self.lr, metrics=padded[:n], **kw)
            else:
                out[:n] = lr_curve(self.name, n, lr=self.lr, **kw)
        return out

    def _stepped(self, out: np.ndarray) -> np.ndarray:
        optimizer = make_optimizer(self.lr)
        scheduler = self.factory(optimizer)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for j in range(len(out)):
                out[j] = optimizer.param_groups[0]["lr"]
                if j == len(out) - 1 or (self.plateau and j >= len(self.metrics)):
                    break
                try:
                    optimizer.step()
                    if self.plateau:
                        scheduler.step(float(self.metrics[j]))
                    else:
                        scheduler.step()
                except ValueError:  # OneCycleLR past total_steps
                    break
        return out


# ----------------------------------------------------------------------------- matching


def _close(trace: np.ndarray, expected: np.ndarray, float32: bool = False) -> np.ndarray:
    """Elementwise: equal to rounding (NaN never matches). ``float32``: the trace was stored
    in float32 (TensorBoard's default), so ``expected`` is rounded to float32 first."""
    if float32:
        expected = np.asarray(expected).astype(np.float32).astype(np.float64)
    scale = max(float(np.max(np.abs(trace))), 1e-300)
    tol = RTOL * np.maximum(np.abs(trace), np.abs(expected)) + 1e-12 * scale
    with np.errstate(invalid="ignore"):
        return np.abs(trace - expected) <= tol


def _at(g: np.ndarray, calls: np.ndarray) -> np.ndarray:
    """:math:`g(c(k))`, NaN where ``c(k)`` is past what was computed."""
    out = np.full(len(calls), np.nan)
    inside = (calls >= 0) & (calls < len(g))
    out[inside] = g[calls[inside]]
    return out


def _matches(trace: np.ndarray, g: np.ndarray, calls: np.ndarray, float32: bool = False) -> bool:
    return bool(np.all(_close(trace, _at(g, calls), float32)))


def _first_difference(trace: np.ndarray, expected: np.ndarray, float32: bool = False) -> int:
    return int(np.argmin(_close(trace, expected, float32)))


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _accumulation(long: int, short: int) -> str:
    if short > 0 and long % short == 0 and long // short >= 2:
        a = long // short
        return (
            f" It is {a}x the steps taken: a horizon counted in micro-batches under "
            f"gradient accumulation over {a} does exactly this; count optimizer steps."
        )
    return ""


# ----------------------------------------------------------------------------- the diagnosis


def diagnose(
    lrs: Any,
    intended: Any,
    *,
    lr: float | None = None,
    step_per: str = "batch",
    steps_per_epoch: int | None = None,
    metrics: Sequence[float] | None = None,
    tag: str = "lr",
) -> Diagnosis:
    r"""Compare the LRs a run used with the schedule meant, and name the mistake.

    ``lrs``: the LR of each optimizer step, as recorded before ``optimizer.step()`` (a list,
    an array, or a :class:`lrcourse.training.History`, whose ``lrs`` and
    ``steps_per_epoch`` are used). ``intended``: ``(name, kwargs)`` as :func:`lrcourse.lr_curve`
    takes it (the base LR as ``kwargs["lr"]`` or ``lr=``), or a function
    ``optimizer -> scheduler`` (stepped on a throwaway optimizer with ``lr``).
    ``step_per``: how the schedule was meant to be stepped, ``"batch"`` or ``"epoch"``
    (``steps_per_epoch`` then required; given for ``"batch"`` it lets the doctor spot a
    batch schedule stepped per epoch). ``metrics``: for ``ReduceLROnPlateau``, the value of
    each ``step(metric)`` call. ``lrs`` may also be a TensorBoard log directory or event
    file (a ``str`` or ``Path``): its ``tag`` scalar, read by :func:`lrcourse.read_lr_log`.
    A float32 trace (TensorBoard's default ``add_scalar``, or a float32 array) is compared
    with the float32 rounding of the schedule.

    The trace :math:`x_k` is compared with :math:`g(c(k))` for the correct call count
    :math:`c` and then with each mistake's transformation (module docstring); the first that
    reproduces the trace exactly (relative tolerance :data:`RTOL`) is reported. A horizon
    mismatch is searched over ``total_steps`` / ``T_max`` / ``total_iters`` for a
    ``(name, kwargs)`` schedule; a factory's horizon is read off its OneCycleLR,
    CosineAnnealingLR or PolynomialLR. A run that ends before its decaying schedule does is
    reported (``horizon_too_long``) unless it is a History that diverged or was stopped.

    >>> used = [1.0, 1.0, 0.5, 0.5, 0.5, 0.25]           # stepped before optimizer.step()
    >>> diagnose(used, ("StepLR", {"lr": 1.0, "step_size": 3, "gamma": 0.5})).codes
    ['stepped_before_optimizer']
    >>> diagnose([1.0, 1.0, 1.0, 0.5], ("StepLR", {"step_size": 3, "gamma": 0.5}), lr=1.0)
    clean bill: the run followed the schedule
    """
    spe_history, early = None, False
    if isinstance(lrs, str | os.PathLike):  # a TensorBoard log
        lrs = read_lr_log(lrs, tag, name="lrs")
    stored32 = getattr(lrs, "dtype", None) == np.float32
    if isinstance(lrs, History):
        early = lrs.diverged or lrs.stopped_at is not None  # it was not meant to run on
        spe_history, lrs = lrs.steps_per_epoch, lrs.lrs
    trace = as_array("lrs", lrs)
    step_per = as_choice("step_per", step_per, ("batch", "epoch"))
    if steps_per_epoch is not None:
        steps_per_epoch = as_int("steps_per_epoch", steps_per_epoch, low=1)
        if spe_history is not None and steps_per_epoch != spe_history:
            raise fail(
                "steps_per_epoch", f"the History's {spe_history} (or left out)", steps_per_epoch
            )
    spe = steps_per_epoch if steps_per_epoch is not None else spe_history
    if step_per == "epoch" and spe is None:
        raise fail("steps_per_epoch", "given when step_per='epoch' (or lrs a History)")
    plan = _Intended(intended, lr, metrics)
    return _Doctor(trace, plan, step_per, spe, early, stored32).run()


class _Doctor:
    def __init__(
        self,
        trace: np.ndarray,
        plan: _Intended,
        step_per: str,
        spe: int | None,
        early: bool,
        float32: bool,
    ):
        self.trace, self.plan, self.step_per, self.spe = trace, plan, step_per, spe
        self.early, self.float32 = early, float32
        self.n = len(trace)
        k = np.arange(self.n)
        self.base = k // spe if step_per == "epoch" else k  # correct call counts c(k)
        calls = int(self.base[-1])  # step(metric) calls before the last step
        if plan.plateau and len(plan.metrics) < calls:
            raise fail(
                "metrics",
                f"at least {calls} values long (one per scheduler call before the last step)",
                got=f"{len(plan.metrics)} values",
            )
        self.unit = "epoch" if step_per == "epoch" else "step"
        # room for an epoch schedule stepped per batch, and for shifts (a plotting cell's run)
        self.g = plan.curve(3 * self.n + 2 + (plan.horizon or 0))

    def _near(self, expected: np.ndarray) -> np.ndarray:
        """Elementwise: the trace equals ``expected`` to rounding (its storage's, float32 too)."""
        return _close(self.trace, expected, self.float32)

    def _fits(self, g: np.ndarray, calls: np.ndarray) -> bool:
        """The trace is :math:`g(c(k))` for the call counts ``calls``."""
        return _matches(self.trace, g, calls, self.float32)

    def run(self) -> Diagnosis:
        expected = _at(self.g, self.base)
        findings: list[Finding] = []
        if self._fits(self.g, self.base):
            findings += self._length()
        else:
            d = _first_difference(self.trace, expected, self.float32)
            found = (
                self._plateau(d)
                or self._shift(d, 1, 1)
                or self._unit(d)
                or self._never_stepped(d)
                or self._restart(d)
                or self._misread(d)
                or self._two_schedulers(d)
                or self._shift(d, 2, len(self.g))
                or self._horizon(d)
                or self._factor_is_lr(d)
                or self._levels(d, expected)
            )
            findings.append(found or self._unexplained(d, expected))
        # the schedule itself starts at 0 (a shifted run that lands on 0 is the shift's doing)
        if self.trace[0] == 0 == expected[0] and np.nanmax(self.g) > 0:
            findings.append(
                Finding(
                    "warmup_from_zero",
                    0,
                    "the first update used LR 0, so it changed nothing (a warmup ramp t/w "
                    "starting at t = 0); LambdaLR with lc.linear_warmup(w), or "
                    "lc.linear_with_warmup(w, T) for warmup then decay, ramps (t + 1)/w and "
                    "starts at lr/w",
                )
            )
        return Diagnosis(findings, expected)

    # each check: a Finding when its transformation reproduces the trace, else None

    def _shift(self, d: int, low: int, high: int) -> Finding | None:
        found = [
            m for m in range(low, min(high, len(self.g)) + 1) if self._fits(self.g, self.base + m)
        ][:2]
        if not found:
            return None
        m = found[0]
        if m == 1:
            return Finding(
                "stepped_before_optimizer",
                d,
                "the run is the schedule one call ahead (each step uses the LR meant for the "
                "next): scheduler.step() runs before optimizer.step(); call it after",
            )
        least = "at least " if len(found) > 1 and found[1] == m + 1 else ""
        return Finding(
            "stepped_before_training",
            d,
            f"the run starts {least}{m} scheduler calls into the schedule: it was stepped "
            "before training (a plotting cell reused the scheduler?); build a fresh one for "
            "the run",
        )

    def _unit(self, d: int) -> Finding | None:
        if self.spe is None or self.spe == 1:
            return None
        k = np.arange(self.n)
        if self.step_per == "epoch" and self._fits(self.g, k):
            return Finding(
                "wrong_unit",
                d,
                "an epoch schedule stepped once per batch: it runs steps_per_epoch = "
                f"{self.spe} times too fast (step it once per epoch, or give its "
                "period in batches)",
            )
        if self.step_per == "batch" and self._fits(self.g, k // self.spe):
            return Finding(
                "wrong_unit",
                d,
                "a batch schedule stepped once per epoch: it barely moves, "
                f"steps_per_epoch = {self.spe} times too slow (step it after every "
                "optimizer.step())",
            )
        if self.step_per == "epoch" and self.plan.plateau:
            changed = np.flatnonzero(~_close(self.trace[1:], self.trace[:-1])) + 1
            if np.any(changed % self.spe):
                return Finding(
                    "wrong_unit",
                    d,
                    "the LR changed in the middle of an epoch: ReduceLROnPlateau was stepped "
                    "per batch, so its patience counts batches and it compares batch losses; "
                    "step it once per epoch with the validation metric",
                )
        return None

    def _restart(self, d: int) -> Finding | None:
        start = self.g[self.base[0]]
        for r in range(d, 0, -1):
            if not _close(self.trace[r : r + 1], np.array([start]), self.float32)[0]:
                continue
            calls = np.concatenate([self.base[:r], self.base[: self.n - r]])
            if self._fits(self.g, calls):
                return Finding(
                    "restarted_schedule",
                    r,
                    f"the schedule starts over at step {r}: a resumed run built a new "
                    "scheduler without loading its state_dict (save and load the "
                    "scheduler's state with the model's and the optimizer's)",
                )
        return None

    def _plateau(self, d: int) -> Finding | None:
        if not self.plan.plateau or not np.all(self._near(np.full(self.n, self.g[0]))):
            return None
        return Finding(
            "plateau_without_metric",
            d,
            f"the LR never left {_fmt(self.g[0])}, but ReduceLROnPlateau fed these metrics "
            f"cuts it to {_fmt(_at(self.g, self.base)[d])} here: call scheduler.step(metric) "
            f"once per {self.unit}, with the metric it watches",
        )

    def _never_stepped(self, d: int) -> Finding | None:
        if not np.all(self._near(np.full(self.n, self.g[0]))):
            return None
        return Finding(
            "never_stepped",
            d,
            f"the LR never left its first value {_fmt(self.g[0])}: scheduler.step() was never "
            f"called (a condition such as i == len(loader) that is never true?); the schedule "
            f"gives {_fmt(_at(self.g, self.base)[d])} here",
        )

    def _changed(self, changes: dict[str, Any]) -> bool:
        """Does the schedule with ``changes`` reproduce the trace?"""
        try:
            g = self.plan.curve(int(self.base[-1]) + 1, changes=changes)
        except (ParameterError, ValueError, TypeError):
            return False
        return self._fits(g, self.base)

    def _misread(self, d: int) -> Finding | None:
        """One setting read the wrong way: the same schedule with that setting transformed."""
        plan = self.plan
        if plan.factory is not None:
            return None
        kw = SCHEDULES[plan.name].signature_defaults() | plan.kwargs
        gamma = kw.get("gamma")
        if plan.name in ("StepLR", "MultiStepLR", "ExponentialLR") and gamma:
            if self._changed({"gamma": 1 / gamma}):
                return Finding(
                    "gamma_upside_down",
                    d,
                    f"the run follows {plan.name} with gamma={_fmt(1 / gamma)}, the inverse of "
                    f"the intended {_fmt(gamma)}: gamma is the factor the LR is multiplied by "
                    "(0.1 divides by 10)",
                )
        if plan.name == "CyclicLR" and self._changed(
            {"base_lr": kw.get("max_lr"), "max_lr": kw.get("base_lr")}
        ):
            return Finding(
                "bounds_swapped",
                d,
                "the run follows CyclicLR with base_lr and max_lr exchanged: the cycle starts "
                "high and dips; base_lr is the bottom of the cycle, max_lr its top (the LR "
                "trace is also the cycle started step_size_up calls in; the momentum, which "
                "now rises with the LR, tells them apart)",
            )
        eta_min = kw.get("eta_min") or 0.0
        if plan.name == "CosineAnnealingLR" and 0 < eta_min < plan.lr != 1:
            if self._changed({"eta_min": eta_min / plan.lr}):
                return Finding(
                    "eta_min_above_lr",
                    d,
                    f"the run follows a cosine to eta_min={_fmt(eta_min / plan.lr)}, above the "
                    f"base LR {_fmt(plan.lr)}, so it rises: eta_min is an absolute LR; for "
                    f"a fraction f of the LR write eta_min=f * lr (here {_fmt(eta_min)})",
                )
        if plan.plateau:
            flipped = "max" if kw.get("mode", "min") == "min" else "min"
            if self._changed({"mode": flipped}):
                return Finding(
                    "plateau_mode_flipped",
                    d,
                    f"the run follows ReduceLROnPlateau with mode={flipped!r}: it takes every "
                    "improvement for a worsening and cuts on a fixed clock; 'min' for a loss, "
                    "'max' for an accuracy",
                )
        milestones = kw.get("milestones")
        if plan.name == "SequentialLR" and self.step_per == "batch" and (self.spe or 1) > 1:
            in_epochs = [m // self.spe for m in milestones]
            if all(m % self.spe == 0 for m in milestones) and self._changed(
                {"milestones": in_epochs}
            ):
                return Finding(
                    "wrong_unit",
                    d,
                    f"the run follows SequentialLR with milestones={in_epochs}, the intended "
                    f"{list(milestones)} counted in epochs: milestones count scheduler.step() "
                    "calls, here batches, like total_iters and T_max",
                )
        return None

    def _two_schedulers(self, d: int) -> Finding | None:
        """SequentialLR meant; its schedulers built on one optimizer and all stepped."""
        plan = self.plan
        if plan.name != "SequentialLR":
            return None
        subs = [schedule_spec(sub, "schedulers") for sub in plan.kwargs["schedulers"]]
        ahead = list(plan.kwargs.get("milestones", []))[-1:] or [0]  # where the last one starts
        name, kw = subs[-1]
        key = _HORIZON_SEARCH.get(name)
        variants = [subs]
        if key is not None and key in kw:  # the last one sized for the whole run
            variants.append([*subs[:-1], (name, kw | {key: kw[key] + ahead[0]})])
        for variant in variants:
            for order in (variant, variant[::-1]):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        g = lr_curve(
                            "ChainedScheduler",
                            int(self.base[-1]) + 1,
                            lr=plan.lr,
                            schedulers=[(n, dict(k)) for n, k in order],
                        )
                except (ParameterError, ValueError):
                    continue
                if self._fits(g, self.base):
                    names = " and ".join(n for n, _ in order)
                    return Finding(
                        "two_schedulers",
                        d,
                        f"the run is {names} both stepped on one optimizer (a "
                        "ChainedScheduler): each multiplies or overwrites what the other "
                        "left, so the LR is neither; SequentialLR(optimizer, [a, b], "
                        "milestones) runs them one after the other",
                    )
        return None

    def _factor_is_lr(self, d: int) -> Finding | None:
        plan = self.plan
        factor = plan.name == "LambdaLR" or (
            plan.name is not None and not SCHEDULES[plan.name].is_torch
        )
        if not factor or plan.lr in (0.0, 1.0):
            return None
        if not self._fits(plan.lr * self.g, self.base):
            return None
        return Finding(
            "factor_is_lr",
            d,
            f"the run is the schedule multiplied by the base LR {_fmt(plan.lr)} once more: the "
            "function returns the learning rate, and LambdaLR multiplies what it returns by "
            "the optimizer's LR; return the factor (1 at the peak)",
        )

    def _levels(self, d: int, expected: np.ndarray) -> Finding | None:
        """A step decay's own levels, reached earlier (or later) than planned."""
        g = self.g[: int(np.argmax(np.isnan(self.g))) or len(self.g)]  # all that was computed
        if len(g) <= self.base[-1] or np.any(np.diff(g) > RTOL * np.abs(g[:-1])):
            return None  # not a decay
        levels = [g[0]]
        for x in g[1:]:
            if not _close(np.array([x]), np.array([levels[-1]]))[0]:
                levels.append(x)
        if not 2 <= len(levels) <= len(g) // 2:
            return None  # a step decay: few levels, each held for a while
        levels = np.array(levels)

        def level(x: np.ndarray, float32: bool) -> np.ndarray | None:
            hit = _close(x[:, None], levels[None, :], float32)
            return np.argmax(hit, axis=1) if np.all(hit.any(axis=1)) else None

        used, meant = level(self.trace, self.float32), level(expected, False)
        if used is None or meant is None or np.any(np.diff(used) < 0):
            return None
        if np.all(used >= meant):
            return Finding(
                "decayed_too_early",
                d,
                f"the run takes the schedule's own values but drops early: LR "
                f"{_fmt(self.trace[d])} from {self.unit} {self.base[d]}, planned "
                f"{_fmt(expected[d])}; drops before the fast progress at the peak is made "
                "leave the LR too small to move",
            )
        if np.all(used <= meant):
            later = np.flatnonzero(used >= meant[d])
            when = f"comes only at step {later[0]}" if later.size else "never comes"
            return Finding(
                "decayed_too_late",
                d,
                f"the drop to LR {_fmt(expected[d])} planned at {self.unit} {self.base[d]} "
                f"{when}: a milestone that is not a whole number (torch compares it with "
                "the integer count, so it never matches) or one counted in another unit",
            )
        return None

    def _horizon(self, d: int) -> Finding | None:
        plan = self.plan
        if plan.factory is not None or plan.horizon_key is None or not plan.horizon:
            return None
        h, used = plan.horizon, int(self.base[-1]) + 1
        candidates = {h * a for a in range(2, 65)} | {h // a for a in range(2, 65)}
        candidates |= {used - 1, used, used + 1} | set(range(1, min(4 * (used + h), 4000)))
        key = plan.horizon_key
        for other in sorted(c for c in candidates if c >= 1 and c != h):
            try:
                g = plan.curve(used, horizon=other)
            except ParameterError:
                continue
            if self._fits(g, self.base):
                code = "horizon_too_long" if other > h else "horizon_too_short"
                note = _accumulation(other, h) if other > h else ""
                return Finding(
                    code,
                    d,
                    f"the run follows {plan.name} with {key}={other}, not the intended "
                    f"{key}={h} (the same shape on another horizon).{note}",
                )
        return None

    def _length(self) -> list[Finding]:
        """The trace follows the schedule, but does the run end where its horizon does?"""
        h = self.plan.horizon
        if h is None or (self.plan.name is not None and self.plan.name not in _HORIZON_KEY):
            return []
        key = self.plan.label
        used = int(self.base[-1]) + 1  # schedule values the run used
        if used < h and not self.early:
            return [
                Finding(
                    "horizon_too_long",
                    self.n - 1,
                    f"the run ended after {used} {self.unit}s, {used / h:.0%} of the "
                    f"schedule's horizon {key}={h}: the LR is still {_fmt(self.trace[-1])}, the "
                    f"schedule would have ended at {_fmt(self.g[h - 1])}.{_accumulation(h, used)}",
                )
            ]
        if used > h + 1:
            step = int(np.argmax(self.base > h))
            return [
                Finding(
                    "horizon_too_short",
                    step,
                    f"the run went on for {used} {self.unit}s, past the schedule's horizon "
                    f"{key}={h}: from here it follows what the schedule does after its end (LR "
                    f"{_fmt(self.trace[step])})",
                )
            ]
        return []

    def _unexplained(self, d: int, expected: np.ndarray) -> Finding:
        return Finding(
            "unexplained",
            d,
            f"the run used LR {_fmt(self.trace[d])} where {self.plan.describe()} gives "
            f"{_fmt(expected[d])}; no single mistake the doctor knows reproduces the trace",
        )
