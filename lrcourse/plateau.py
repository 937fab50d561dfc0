r"""ReduceLROnPlateau, explained step by step (chapter 5).

:func:`plateau_events` replays torch's rule on a metric sequence and records, for every call
``scheduler.step(metrics[k])``, the bar the metric had to beat, the best value so far, the
bad-epoch counter, the cooldown counter, whether the LR was cut and why. The LRs it gives are
:func:`lrcourse.lr_curve`'s (and so torch's) exactly. :func:`plot_plateau` draws one trace.

:func:`noisy_plateau_metric` is a seeded validation curve whose trend improves linearly up to a
known epoch ``onset`` and is flat after it, so a cut can be scored as *false* (before the
onset: the metric was still improving) or *late* (its delay after the onset);
:func:`detection_tradeoff` scores many settings over many seeds.

Example::

    >>> trace = plateau_events([1.0, 0.9, 0.95, 0.92, 0.91], lr=0.1, patience=2)
    >>> trace.cuts, round(trace.final_lr, 12)
    ([4], 0.01)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes

from .plotting import house_style, style_axes
from .schedules import SCHEDULES, check_schedule
from .schedules.plateau import plateau_rule
from .validation import as_array, as_int, as_real, fail

_DEFINITION = SCHEDULES["ReduceLROnPlateau"]
#: torch's defaults for ReduceLROnPlateau, read off the scheduler's one definition
PLATEAU_DEFAULTS: dict[str, Any] = _DEFINITION.signature_defaults()

__all__ = [
    "Detection",
    "DetectionTable",
    "PlateauStep",
    "PlateauTrace",
    "detection_tradeoff",
    "noisy_plateau_metric",
    "plateau_events",
    "plot_plateau",
]


def _settings(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """ReduceLROnPlateau's settings, checked by the core and completed with torch's defaults."""
    return PLATEAU_DEFAULTS | check_schedule("ReduceLROnPlateau", kwargs)


# ----------------------------------------------------------------------------- the trace


@dataclass(frozen=True)
class PlateauStep:
    """What one call ``scheduler.step(metric)`` did (the ``k``-th call, ``k = epoch``).

    ``bar``: the value the metric had to beat (from the best *before* this call);
    ``improved``: it did; ``best``, ``bad`` (the bad-epoch counter), ``cooldown`` (steps of
    cooldown left): the state *after* the call; ``lr``: the LR in effect while the metric was
    measured; ``new_lr``: the LR after the call. ``action`` is one of ``"better"``,
    ``"worse"`` (counted), ``"cooldown"`` (a bad epoch not counted), ``"cut"``,
    ``"skipped"`` (the counter passed ``patience`` but the LR could not change: at
    ``min_lr``, or a change of at most ``eps``); ``reason`` says why in words, ``note`` in a
    few (the table's last column).
    """

    epoch: int
    metric: float
    bar: float
    improved: bool
    best: float
    bad: int
    cooldown: int
    lr: float
    new_lr: float
    action: str
    reason: str
    note: str


@dataclass
class PlateauTrace:
    """Every step of a ReduceLROnPlateau run on one metric sequence (see :func:`plateau_events`).

    ``lrs[k]`` is the LR in effect while ``metrics[k]`` was measured, the same array as
    ``lc.lr_curve("ReduceLROnPlateau", metrics=metrics, lr=lr, **settings)``; ``final_lr``
    is the LR after the last call. ``cuts`` lists the epochs ``k`` whose call
    ``step(metrics[k])`` lowered the LR (so ``lrs[k + 1] < lrs[k]``); ``skipped`` the epochs
    whose call should have cut but could not. ``str(trace)`` is the full table;
    ``trace.table(only_events=True)`` just the cuts and skipped cuts.
    """

    lr: float
    settings: dict[str, Any]
    steps: list[PlateauStep] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> PlateauStep:
        return self.steps[k]

    def __iter__(self) -> Iterator[PlateauStep]:
        return iter(self.steps)

    @property
    def metrics(self) -> np.ndarray:
        """The metric fed at each call."""
        return np.array([s.metric for s in self.steps])

    @property
    def lrs(self) -> np.ndarray:
        """The LR in effect while each metric was measured (``lr_curve``'s array)."""
        return np.array([s.lr for s in self.steps])

    @property
    def final_lr(self) -> float:
        """The LR after the last call, for the epoch that would come next."""
        return self.steps[-1].new_lr

    @property
    def best(self) -> np.ndarray:
        """The best metric so far, after each call."""
        return np.array([s.best for s in self.steps])

    @property
    def bars(self) -> np.ndarray:
        """The value each metric had to beat to count as an improvement."""
        return np.array([s.bar for s in self.steps])

    @property
    def bad(self) -> np.ndarray:
        """The bad-epoch counter after each call."""
        return np.array([s.bad for s in self.steps], dtype=np.int64)

    @property
    def cuts(self) -> list[int]:
        """Epochs whose ``step(metrics[k])`` lowered the LR."""
        return [s.epoch for s in self.steps if s.action == "cut"]

    @property
    def skipped(self) -> list[int]:
        """Epochs where the counter passed ``patience`` but the LR could not change."""
        return [s.epoch for s in self.steps if s.action == "skipped"]

    def explain(self, k: int) -> str:
        """One line on what ``step(metrics[k])`` did and why."""
        k = as_int("k", k, low=-len(self.steps), high=len(self.steps) - 1)
        s = self.steps[k]
        return f"epoch {s.epoch}: {s.reason}"

    def table(self, start: int = 0, stop: int | None = None, *, only_events: bool = False) -> str:
        """The steps ``start..stop-1`` as an aligned text table.

        ``only_events``: keep only the cuts and the skipped cuts.
        """
        rows = self.steps[start:stop]
        if only_events:
            rows = [s for s in rows if s.action in ("cut", "skipped")]
        head = f"{'epoch':>5} {'metric':>9} {'bar':>9} {'best':>9} {'bad':>3} {'cool':>4} "
        head += f"{'lr':>9}  what happened"
        lines = [head]
        for s in rows:
            lines.append(
                f"{s.epoch:5d} {s.metric:9.4g} {s.bar:9.4g} {s.best:9.4g} {s.bad:3d} "
                f"{s.cooldown:4d} {s.lr:9.3g}  {s.note}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" for k, v in self.settings.items() if v != PLATEAU_DEFAULTS[k]
        )
        return (
            f"PlateauTrace({len(self.steps)} steps, lr={self.lr:g}"
            + (f", {shown}" if shown else "")
            + f"; cuts after epochs {self.cuts}, final lr {self.final_lr:.3g})"
        )


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def plateau_events(
    metrics: Sequence[float] | np.ndarray,
    *,
    lr: float = 0.1,
    mode: Literal["min", "max"] = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: Literal["rel", "abs"] = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> PlateauTrace:
    r"""Replay ``torch.optim.lr_scheduler.ReduceLROnPlateau`` on ``metrics``, explaining each step.

    The rule, for ``mode="min"`` (``"max"`` mirrors it), at each call ``step(a)``:

    1. *better?* ``rel``: :math:`a < \text{best}\,(1 - \text{threshold})`; ``abs``:
       :math:`a < \text{best} - \text{threshold}`. ``best`` starts at :math:`+\infty`, so the
       first metric always counts. If better: ``best = a`` and the counter ``bad = 0``, else
       ``bad += 1`` (a tie is not better, even with ``threshold=0``).
    2. *cooldown:* if cooldown steps remain, one is used up and ``bad = 0``.
    3. *cut:* if ``bad > patience``: :math:`\eta' = \max(\eta\,\text{factor}, \text{min\_lr})`,
       applied only if :math:`\eta - \eta' > \text{eps}`; either way ``bad = 0`` and the
       cooldown restarts. ``best`` is *not* reset by a cut.

    Returns a :class:`PlateauTrace`; ``trace.lrs`` equals ``lc.lr_curve("ReduceLROnPlateau",
    metrics=metrics, lr=lr, ...)`` and torch's trace. A NaN metric is never better (it counts
    as a bad epoch), as in torch.

    Example::

        >>> t = plateau_events([1.0, 0.9, 0.95, 0.92, 0.91], lr=0.1, patience=2)
        >>> t.cuts, t.steps[4].note
        ([4], 'bad 3 > 2: CUT 0.1 -> 0.01')
        >>> t.explain(2)
        'epoch 2: 0.95 >= bar 0.8999 (best 0.9 x (1 - 0.0001)): bad epoch 1 of patience 2'
    """
    values = as_array("metrics", metrics, finite=False)
    base = as_real("lr", lr, low=0.0)  # as lr_curve: torch accepts lr=0
    s = _settings(
        {
            "mode": mode,
            "factor": factor,
            "patience": patience,
            "threshold": threshold,
            "threshold_mode": threshold_mode,
            "cooldown": cooldown,
            "min_lr": min_lr,
            "eps": eps,
        }
    )
    patience, threshold, cooldown = s["patience"], s["threshold"], s["cooldown"]
    min_lr, eps = s["min_lr"], s["eps"]
    op, worse = ("<", ">=") if s["mode"] == "min" else (">", "<=")
    sign = "-" if s["mode"] == "min" else "+"
    if s["threshold_mode"] == "rel":
        how = f"(best {{b}} x (1 {sign} {threshold:g}))"
    else:
        how = f"(best {{b}} {sign} {threshold:g})"

    trace = PlateauTrace(lr=base, settings=s)
    for st in plateau_rule(values, base, **s):
        k, a, bar, better = st.epoch, st.metric, st.bar, st.improved
        lr_now, target = st.lr, st.target
        previous_best = trace.steps[-1].best if trace.steps else math.inf
        if math.isinf(previous_best):
            compare = f"first value {_fmt(a)}"
        else:
            rel_to = how.format(b=_fmt(previous_best))
            compare = f"{_fmt(a)} {op if better else worse} bar {_fmt(bar)} {rel_to}"
            if math.isnan(a):
                compare = f"{_fmt(a)} is NaN, never better than bar {_fmt(bar)} {rel_to}"
        action, bad, cool = st.action, st.counted, st.cooldown
        if action == "cut":
            reason = (
                f"{compare}: bad epoch {bad} > patience {patience}: "
                f"cut LR {lr_now:.3g} -> {target:.3g}"
            )
            note = f"bad {bad} > {patience}: CUT {lr_now:.3g} -> {target:.3g}"
            if target == min_lr and lr_now * s["factor"] < min_lr:
                reason += f" (clipped at min_lr {min_lr:g})"
                note += " (min_lr)"
        elif action == "skipped":
            if target == min_lr and lr_now - min_lr <= eps:
                why = f"LR {lr_now:.3g} is already at min_lr {min_lr:g}"
                note = f"bad {bad} > {patience}: no cut, at min_lr"
            else:
                why = (
                    f"the cut {lr_now:.3g} -> {target:.3g} would change the LR by "
                    f"{lr_now - target:.3g} <= eps {eps:g}"
                )
                note = f"bad {bad} > {patience}: no cut, change <= eps"
            reason = f"{compare}: bad epoch {bad} > patience {patience}, but {why}: no cut"
        elif action == "better":
            reason = (
                f"{compare}: new best, counter 0" if k else f"{compare}: new best (best was inf)"
            )
            note = "new best"
            if st.in_cooldown:
                reason += f" (cooldown, {cool} left)"
                note += f" (cooldown, {cool} left)"
        elif action == "cooldown":
            reason = f"{compare}: in cooldown ({cool} left), bad epoch {bad} not counted"
            note = f"cooldown ({cool} left): not counted"
        else:
            reason = f"{compare}: bad epoch {bad} of patience {patience}"
            note = f"bad {bad} of {patience}"
        if action in ("cut", "skipped") and cooldown:
            reason += f"; cooldown {cooldown} starts"
            note += f", cooldown {cooldown}"
        trace.steps.append(
            PlateauStep(
                epoch=k,
                metric=a,
                bar=bar,
                improved=better,
                best=st.best,
                bad=st.bad,
                cooldown=st.cooldown,
                lr=lr_now,
                new_lr=st.new_lr,
                action=action,
                reason=reason,
                note=note,
            )
        )
    return trace


# ----------------------------------------------------------------------------- the figure


def plot_plateau(
    trace: PlateauTrace,
    *,
    axes: Sequence[Axes] | None = None,
    title: str | None = None,
    metric_label: str = "validation metric",
) -> tuple[Axes, Axes]:
    """Two stacked panels: the metric, the best so far and the bar to beat (top); the LR on a
    log axis (bottom). A dashed vertical line marks each cut, at the epoch whose metric
    triggered it; the new LR takes effect from the next epoch. Returns the two Axes.

    Example::

        ax_metric, ax_lr = lc.plot_plateau(lc.plateau_events(lc.synthetic_metric(80), patience=5))
    """
    import matplotlib.pyplot as plt

    if not isinstance(trace, PlateauTrace):
        raise fail("trace", "a PlateauTrace", got=type(trace).__name__)
    if title is not None and not isinstance(title, str):
        raise fail("title", "a str or None", got=type(title).__name__)
    with house_style():
        if axes is None:
            _, axes = plt.subplots(
                2,
                1,
                sharex=True,
                figsize=(7.5, 5.2),
                height_ratios=(3, 2),
                layout="constrained",
            )
        if len(axes) != 2 or not all(isinstance(a, Axes) for a in axes):
            raise fail("axes", "two matplotlib Axes (metric, lr)", axes)
        top, bottom = axes
        k = np.arange(len(trace))
        top.plot(k, trace.metrics, "o", ms=3.5, color="0.45", label="metric")
        top.step(k, trace.best, where="post", label="best so far")
        bars = trace.bars
        shown = np.isfinite(bars)
        top.step(k[shown], bars[shown], where="post", ls=":", lw=1.2, label="bar to beat")
        for j, cut in enumerate(trace.cuts):
            for ax in axes:
                ax.axvline(cut, color="C3", ls="--", lw=1.0, label="cut" if j == 0 else None)
        skipped = trace.skipped
        if skipped:
            top.plot(skipped, trace.metrics[skipped], "x", color="C3", ms=7, label="cut skipped")
        lrs = np.append(trace.lrs, trace.final_lr)
        bottom.step(np.arange(len(lrs)), lrs, where="post", color="C2", label="learning rate")
        style_axes(top, ylabel=metric_label, title=title)
        style_axes(bottom, xlabel="epoch", ylabel="learning rate", log=True, legend=False)
    return top, bottom


# ----------------------------------------------------------------------------- noise study


def noisy_plateau_metric(
    steps: int,
    *,
    onset: int,
    start: float = 1.0,
    floor: float = 0.3,
    noise: float = 0.02,
    seed: int = 0,
) -> np.ndarray:
    r"""A seeded noisy validation loss whose trend improves linearly until ``onset``, then is flat.

    :math:`m_k = \text{floor} + (\text{start} - \text{floor})\max(0, 1 - k/\text{onset})
    + \text{noise}\,\varepsilon_k`, :math:`\varepsilon_k \sim N(0, 1)` from
    ``numpy.random.default_rng(seed)``. Before ``onset`` the trend improves by
    ``(start - floor) / onset`` per epoch, so a cut there is premature (a *false* cut);
    from ``onset`` on there is nothing left to gain at this LR.

    Example::

        >>> m = noisy_plateau_metric(60, onset=40, noise=0.0)
        >>> float(m[0]), float(m[40]), float(m[59])
        (1.0, 0.3, 0.3)
    """
    steps = as_int("steps", steps, low=1)
    onset = as_int("onset", onset, low=1)
    start, floor = as_real("start", start), as_real("floor", floor)
    noise = as_real("noise", noise, low=0.0)
    seed = as_int("seed", seed, low=0)
    k = np.arange(steps, dtype=np.float64)
    trend = floor + (start - floor) * np.maximum(0.0, 1.0 - k / onset)
    return trend + noise * np.random.default_rng(seed).standard_normal(steps)


@dataclass(frozen=True)
class Detection:
    """How one setting fared over many seeded noisy curves (see :func:`detection_tradeoff`).

    ``false_rate``: fraction of curves with at least one cut before the onset;
    ``mean_delay``: mean epochs from the onset to the first cut at or after it, over the curves
    without a false cut that cut in time (``k - onset`` for a cut triggered by
    ``metrics[k]``); ``missed_rate``: fraction of those curves with no cut at all after the
    onset.
    """

    label: str
    settings: dict[str, Any]
    false_rate: float
    mean_delay: float
    missed_rate: float


@dataclass
class DetectionTable:
    """Rows of :class:`Detection`, printed as an aligned table; ``table[label]`` gets one."""

    rows: list[Detection]
    seeds: int
    onset: int
    steps: int
    noise: float

    def __getitem__(self, label: str) -> Detection:
        for row in self.rows:
            if row.label == label:
                return row
        raise KeyError(label)

    def __str__(self) -> str:
        width = max(len("setting"), *(len(r.label) for r in self.rows))
        lines = [f"{'setting':{width}s}  {'false cut':>9s}  {'mean delay':>10s}  {'missed':>6s}"]
        for r in self.rows:
            delay = f"{r.mean_delay:10.1f}" if math.isfinite(r.mean_delay) else f"{'-':>10s}"
            missed = f"{r.missed_rate:6.1%}" if math.isfinite(r.missed_rate) else f"{'-':>6s}"
            lines.append(f"{r.label:{width}s}  {r.false_rate:9.1%}  {delay}  {missed}")
        lines.append(
            f"{self.seeds} seeded curves, onset at epoch {self.onset} of {self.steps}, "
            f"noise sd {self.noise:g}"
        )
        return "\n".join(lines)

    __repr__ = __str__


def detection_tradeoff(
    settings: Mapping[str, Mapping[str, Any]],
    *,
    seeds: Iterable[int] = range(200),
    steps: int = 80,
    onset: int = 40,
    noise: float = 0.02,
    start: float = 1.0,
    floor: float = 0.3,
    lr: float = 0.1,
) -> DetectionTable:
    """Score ReduceLROnPlateau settings on seeded :func:`noisy_plateau_metric` curves.

    For each ``label -> kwargs`` and each seed, the rule runs on
    ``noisy_plateau_metric(steps, onset=onset, noise=noise, seed=seed, ...)``; a cut at
    ``k < onset`` is false, the first cut at ``k >= onset`` has delay ``k - onset``.

    Example::

        >>> grid = {"p=1": {"patience": 1}, "p=8": {"patience": 8}}
        >>> t = detection_tradeoff(grid, seeds=range(20))
        >>> t["p=1"].false_rate > t["p=8"].false_rate
        True
    """
    if not isinstance(settings, Mapping) or not settings:
        raise fail("settings", "a non-empty dict: label -> ReduceLROnPlateau kwargs", settings)
    seeds = [as_int("seed", s, low=0) for s in seeds]
    if not seeds:
        raise fail("seeds", "a non-empty list of seeds", seeds)
    steps, onset = as_int("steps", steps, low=1), as_int("onset", onset, low=1)
    if onset >= steps:
        raise fail("onset", f"< steps ({steps})", onset)
    curves = [
        noisy_plateau_metric(steps, onset=onset, start=start, floor=floor, noise=noise, seed=s)
        for s in seeds
    ]
    rows = []
    for label, kwargs in settings.items():
        if not isinstance(kwargs, Mapping):
            raise fail(f"settings[{label!r}]", "a dict of ReduceLROnPlateau kwargs", kwargs)
        false = missed = 0
        delays = []
        for m in curves:
            cuts = plateau_events(m, lr=lr, **kwargs).cuts
            if any(c < onset for c in cuts):
                false += 1
                continue
            if cuts:
                delays.append(cuts[0] - onset)
            else:
                missed += 1
        clean = len(seeds) - false
        rows.append(
            Detection(
                label=str(label),
                settings=dict(kwargs),
                false_rate=false / len(seeds),
                mean_delay=float(np.mean(delays)) if delays else math.nan,
                missed_rate=missed / clean if clean else math.nan,
            )
        )
    return DetectionTable(rows=rows, seeds=len(seeds), onset=onset, steps=steps, noise=noise)
