"""The experiment harness the chapters share: one seeded run from a schedule spec, many compared.

* :func:`train_classifier`: build the model and optimizer, attach the schedule, :func:`fit`.
* :func:`compare`: every configuration for every seed; a :class:`Comparison` table.
* :func:`knob_sweep`: one setting varied at a time around a default, every seed; a
  :class:`KnobSweep` of how far each setting moves the final figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .training import (
    History,
    ScheduleSpec,
    StepPer,
    SupervisedData,
    check_data,
    fit,
    progress_enabled,
)
from .validation import as_array, as_bool, as_choice, as_int, as_real, did_you_mean, fail

__all__ = [
    "Comparison",
    "KnobSweep",
    "compare",
    "higher_is_better",
    "knob_sweep",
    "train_classifier",
]

OPTIMIZERS = ("sgd", "adam", "adamw")
DECAY_ON = ("all", "weights")


def train_classifier(
    data: SupervisedData,
    *,
    lr: float,
    epochs: int,
    schedule: ScheduleSpec = None,
    step_per: StepPer = "epoch",
    model: Literal["mlp", "cnn"] | nn.Module = "mlp",
    hidden: int | Sequence[int] = 64,
    optimizer: Literal["sgd", "adam", "adamw"] = "sgd",
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    decay_on: Literal["all", "weights"] = "all",
    batch_size: int = 32,
    seed: int = 0,
    **fit_kwargs: Any,
) -> History:
    """One seeded classification run: build the model and optimizer, attach the schedule, fit.

    The model is ``mlp(n_features, hidden, n_classes)`` or ``small_cnn()`` (8x8 digits only),
    initialised from ``seed``; the optimizer is SGD (with ``momentum``), Adam or AdamW at base
    LR ``lr``, with ``weight_decay`` on every parameter (``decay_on="all"``) or on the weight
    matrices and kernels only (``decay_on="weights"``: biases and normalisation parameters in a
    group without decay, :func:`lrcourse.decay_groups`); ``schedule`` is any
    :func:`lrcourse.scheduler_from_spec` spec (a ``(name, kwargs)`` tuple or list, an array of
    LRs, a factory), stepped per ``step_per`` (a
    ``ReduceLROnPlateau`` on the validation loss). Other keywords go to :func:`lrcourse.fit`.

    Example::

        >>> from lrcourse import load_digits_data
        >>> h = train_classifier(load_digits_data(), lr=0.1, epochs=3,
        ...                      schedule=("StepLR", {"step_size": 2}), progress=False)
        >>> h.lrs[0], h.lrs[-1]
        (0.1, 0.010000000000000002)
    """
    from .models import mlp, small_cnn

    lr = as_real("lr", lr, low=0, low_open=True)
    optimizer = as_choice("optimizer", optimizer, OPTIMIZERS)
    momentum = as_real("momentum", momentum, low=0)
    weight_decay = as_real("weight_decay", weight_decay, low=0)
    decay_on = as_choice("decay_on", decay_on, DECAY_ON)
    seed = as_int("seed", seed, low=0)
    check_data(data)
    if isinstance(model, nn.Module):
        net = model
    elif as_choice("model", model, ("mlp", "cnn")) == "mlp":
        n_classes = int(torch.cat([data.y_train, getattr(data, "y_val", data.y_train)]).max()) + 1
        net = mlp(int(data.X_train.shape[1]), hidden, n_classes, seed=seed)
    else:
        if data.X_train.ndim != 2 or data.X_train.shape[1] != 64:
            raise fail(
                "data.X_train",
                "8x8 images flattened to 64 features for model='cnn'",
                got=f"shape {tuple(data.X_train.shape)}",
            )
        net = small_cnn(seed=seed)
    if decay_on == "weights":
        from .decay import decay_groups

        params: Any = decay_groups(net, weight_decay)
    else:
        params = net.parameters()
    if optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    elif optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    return fit(
        net,
        data,
        optimizer=opt,
        scheduler=schedule,
        epochs=epochs,
        batch_size=batch_size,
        step_per=step_per,
        seed=seed,
        **fit_kwargs,
    )


def higher_is_better(metric: str) -> bool:
    """Whether a larger ``metric`` is better: accuracies (a name containing ``acc``) are."""
    return "acc" in metric.lower()


@dataclass
class Comparison:
    """Results of :func:`compare`: ``runs[label][i]`` is the run for ``seeds[i]``.

    ``values(label, metric)`` gives one number per seed (NaN where a run diverged),
    ``mean``/``spread`` (sample standard deviation) summarise them, ``wins`` counts seeds in
    which one configuration beats another and ``best`` names the best one (accuracies,
    ``*acc*``, are higher-is-better, losses lower-is-better, unless ``lower_is_better`` says
    otherwise), and ``rows()`` / ``summary()`` are tidy tables (lists of dicts) that print as
    aligned text, or as HTML in a notebook.
    """

    seeds: tuple[int, ...]
    metrics: tuple[str, ...]
    runs: dict[str, list[Any]]
    results: dict[str, list[dict[str, float]]]

    def values(self, label: str, metric: str) -> np.ndarray:
        """The metric for each seed, in the order of ``seeds``."""
        as_choice("label", label, list(self.results))
        as_choice("metric", metric, self.metrics)
        return np.array([r[metric] for r in self.results[label]], dtype=np.float64)

    def mean(self, label: str, metric: str) -> float:
        """Mean over seeds (NaN if any run diverged)."""
        return float(np.mean(self.values(label, metric)))

    def spread(self, label: str, metric: str) -> float:
        """Sample standard deviation over seeds (0 for a single seed)."""
        v = self.values(label, metric)
        return float(np.std(v, ddof=1)) if len(v) > 1 else 0.0

    @staticmethod
    def _lower(metric: str, lower_is_better: bool | None) -> bool:
        if lower_is_better is None:
            return not higher_is_better(metric)
        return as_bool("lower_is_better", lower_is_better)

    def wins(self, a: str, b: str, metric: str, *, lower_is_better: bool | None = None) -> int:
        """In how many seeds ``a`` is strictly better than ``b`` on ``metric``.

        ``lower_is_better`` defaults to the metric's kind (:func:`higher_is_better`).
        """
        va, vb = self.values(a, metric), self.values(b, metric)
        lower = self._lower(metric, lower_is_better)
        return int(np.sum(va < vb if lower else va > vb))

    def best(self, metric: str, *, lower_is_better: bool | None = None) -> str:
        """The label with the best mean on ``metric`` (a diverged configuration never wins).

        ``lower_is_better`` defaults to the metric's kind (:func:`higher_is_better`).
        """
        lower = self._lower(metric, lower_is_better)
        means = {label: self.mean(label, metric) for label in self.results}
        worst = math.inf if lower else -math.inf
        score = {k: v if math.isfinite(v) else worst for k, v in means.items()}
        return (min if lower else max)(score, key=score.__getitem__)

    def rows(self) -> list[dict[str, Any]]:
        """One row per (configuration, seed): ``{"config", "seed", <metrics>}``."""
        return [
            {"config": label, "seed": seed, **result}
            for label, results in self.results.items()
            for seed, result in zip(self.seeds, results, strict=True)
        ]

    def summary(self) -> list[dict[str, Any]]:
        """One row per configuration: mean and spread of every metric over the seeds."""
        out = []
        for label in self.results:
            row: dict[str, Any] = {"config": label}
            for m in self.metrics:
                row[m] = self.mean(label, m)
                row[f"{m} spread"] = self.spread(label, m)
            out.append(row)
        return out

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        head = ["config", *self.metrics]
        body = []
        for label in self.results:
            cells = [label]
            for m in self.metrics:
                mean, spread = self.mean(label, m), self.spread(label, m)
                fmt = ".1%" if m.endswith("acc") else ".4f"
                cells.append(f"{mean:{fmt}} ± {spread:{fmt}}")
            body.append(cells)
        return head, body

    def __str__(self) -> str:
        head, body = self._cells()
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        lines = [
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in [head, *body]
        ]
        note = f"mean ± spread over {len(self.seeds)} seeds {list(self.seeds)}"
        return "\n".join([*lines, note])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, body = self._cells()
        th = "".join(f"<th>{h}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in body)
        caption = f"mean ± spread over {len(self.seeds)} seeds"
        return f"<table><caption>{caption}</caption><tr>{th}</tr>{trs}</table>"


def _result_of(run: Any, metrics: Sequence[str]) -> dict[str, float]:
    from .online import OnlineHistory

    if isinstance(run, History):
        source = run.final() | {"diverged": float(run.diverged)}
    elif isinstance(run, OnlineHistory):
        source = {"final_loss": run.final_loss, "diverged": float(run.diverged)}
    elif isinstance(run, dict):
        source = run
    else:
        raise fail("run", "a function returning a History or a dict", got=type(run).__name__)
    missing = [m for m in metrics if m not in source]
    if missing:
        raise fail("metrics", f"names in the run's results {sorted(source)}", missing)
    return {m: float(source[m]) for m in metrics}


def compare(
    run: Callable[..., Any],
    configs: dict[str, dict[str, Any]],
    *,
    seeds: Iterable[int] = range(5),
    metrics: Sequence[str] = ("train_loss", "val_loss", "val_acc"),
    progress: bool | None = None,
) -> Comparison:
    """Run every configuration for every seed: ``run(seed=seed, **configs[label])``.

    ``run`` returns a :class:`~lrcourse.History` (its ``final()`` figures and ``diverged``
    are the metrics), an :class:`~lrcourse.OnlineHistory` (``final_loss``) or a dict of
    numbers. Returns a :class:`Comparison` whose text form is the table a lesson prints.

    Example::

        >>> from lrcourse import load_digits_data
        >>> data = load_digits_data()
        >>> table = compare(lambda seed, **kw: train_classifier(data, seed=seed, epochs=2,
        ...                 progress=False, **kw),
        ...                 {"constant": {"lr": 0.1}, "step": {"lr": 0.1,
        ...                  "schedule": ("StepLR", {"step_size": 1})}}, seeds=[0, 1])
        >>> table.values("step", "val_acc").shape
        (2,)
    """
    seeds = tuple(as_int("seed", s, low=0) for s in seeds)
    if not seeds:
        raise fail("seeds", "at least one seed", seeds)
    if not isinstance(configs, dict) or not configs:
        raise fail("configs", "a non-empty dict: label -> keyword arguments of run", configs)
    metrics = tuple(metrics)
    if not metrics:
        raise fail("metrics", "at least one metric name", metrics)
    for label, kwargs in configs.items():
        if not isinstance(kwargs, dict):
            raise fail(f"configs[{label!r}]", "a dict of keyword arguments", kwargs)
    runs: dict[str, list[Any]] = {label: [] for label in configs}
    results: dict[str, list[dict[str, float]]] = {label: [] for label in configs}
    total = len(configs) * len(seeds)
    with tqdm(total=total, disable=not progress_enabled(progress), leave=False) as bar:
        for label, kwargs in configs.items():
            for seed in seeds:
                out = run(seed=seed, **kwargs)
                runs[label].append(out)
                results[label].append(_result_of(out, metrics))
                bar.update(1)
    return Comparison(seeds=seeds, metrics=metrics, runs=runs, results=results)


# --------------------------------------------------------------------------- one knob at a time


def _ratio(values: np.ndarray) -> np.ndarray:
    """Largest over smallest along axis 0; inf where a value is not finite or not positive."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = values.max(axis=0) / values.min(axis=0)
    bad = ~np.all(np.isfinite(values), axis=0) | (values.min(axis=0) <= 0)
    return np.where(bad, np.inf, ratio)


@dataclass
class KnobSweep:
    r"""Results of :func:`knob_sweep`: each knob varied over its grid, the others at default.

    For knob :math:`k` with grid values :math:`v_1 < \dots < v_n`, ``values(k, metric)`` is the
    :math:`n \times` seeds array of the final metric (NaN where a run diverged). How much the
    knob matters is measured by a ratio, for a positive metric such as a loss:

    .. math:: \rho_k = \frac{\max_j \bar m_j}{\min_j \bar m_j},

    :math:`\bar m_j` the mean over seeds at value :math:`v_j` (``ratio``); ``seed_ratios`` is
    the same ratio within each seed, ``ranking`` orders the knobs by :math:`\rho`, largest
    first. A ratio is ``inf`` where a run diverged. ``comparison`` holds every run (a
    :class:`Comparison`, labels ``"default"`` and ``"<knob>=<value>"``); ``str()`` is the
    table a lesson prints and ``plot`` the figure.
    """

    defaults: dict[str, Any]
    grids: dict[str, tuple[Any, ...]]
    labels: dict[str, tuple[str, ...]]
    comparison: Comparison

    @property
    def knobs(self) -> tuple[str, ...]:
        """The knobs varied, in the order of ``grids``."""
        return tuple(self.grids)

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds every setting ran with."""
        return self.comparison.seeds

    @property
    def metrics(self) -> tuple[str, ...]:
        """The final figures recorded for every run."""
        return self.comparison.metrics

    def _knob(self, knob: str) -> str:
        return as_choice("knob", knob, self.knobs)

    def range_factor(self, knob: str) -> float:
        """How far the knob's grid reaches: largest value over smallest."""
        grid = self.grids[self._knob(knob)]
        return float(max(grid) / min(grid))

    def values(self, knob: str, metric: str) -> np.ndarray:
        """The metric for each grid value (rows) and seed (columns)."""
        labels = self.labels[self._knob(knob)]
        return np.array([self.comparison.values(label, metric) for label in labels])

    def means(self, knob: str, metric: str) -> np.ndarray:
        """The metric at each grid value, averaged over the seeds (NaN if a run diverged)."""
        return self.values(knob, metric).mean(axis=1)

    def ratio(self, knob: str, metric: str) -> float:
        """Largest over smallest seed-mean metric across the knob's grid (inf: a divergence)."""
        return float(_ratio(self.means(knob, metric)))

    def seed_ratios(self, knob: str, metric: str) -> np.ndarray:
        """The same ratio within each seed, in the order of ``seeds``."""
        return _ratio(self.values(knob, metric))

    def ranking(self, metric: str) -> list[str]:
        """The knobs ordered by ``ratio`` on ``metric``, the one that moves it most first."""
        as_choice("metric", metric, self.metrics)
        return sorted(self.knobs, key=lambda k: -self.ratio(k, metric))

    def table(self, metric: str) -> str:
        """Text table: each knob's grid, the mean metric at each value, the ratios."""
        as_choice("metric", metric, self.metrics)
        width = max(len(k) for k in self.knobs) + 2
        cols = max(len(g) for g in self.grids.values())
        head = f"{'':{width}s}{'':6s}" + "".join(f"{'':>10s}" for _ in range(cols))
        lines = [
            f"final {metric}, mean over seeds {list(self.seeds)}; one knob varied at a time, "
            f"the others at {self.defaults}",
            head + f"{'max/min':>9s}  per seed",
        ]
        for knob in self.knobs:
            pad = "".join(f"{'':>10s}" for _ in range(cols - len(self.grids[knob])))
            grid = "".join(f"{float(v):10.4g}" for v in self.grids[knob])
            means = "".join(f"{v:10.4f}" for v in self.means(knob, metric))
            seeds = self.seed_ratios(knob, metric)
            lines.append(f"{knob:{width}s}{'value':6s}{grid}")
            lines.append(
                f"{'':{width}s}{'mean':6s}{means}{pad}{self.ratio(knob, metric):9.2f}"
                f"  {seeds.min():.2f} to {seeds.max():.2f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return "\n\n".join(self.table(m) for m in self.metrics)

    __repr__ = __str__

    def plot(self, metric: str, ax: Any = None, *, title: str | None = None) -> Any:
        """The metric against each knob's value as a multiple of its default (log axes).

        Lines: means over seeds; dots: single seeds.
        """
        from matplotlib.ticker import NullFormatter

        from .plotting import _axes, house_style, style_axes

        as_choice("metric", metric, self.metrics)
        with house_style():
            ax = _axes(ax)
            for knob in self.knobs:
                x = np.array(self.grids[knob], dtype=np.float64) / float(self.defaults[knob])
                (line,) = ax.plot(x, self.means(knob, metric), marker="o", label=knob)
                for column in self.values(knob, metric).T:
                    ax.plot(x, column, ".", color=line.get_color(), alpha=0.4)
            ax.axvline(1.0, color="black", linewidth=0.8, linestyle=":")
            style_axes(
                ax,
                xlabel="value / default",
                ylabel=f"final {metric.replace('_', ' ')}",
                title=title,
                log=True,
                logx=True,
            )
            multiples = [
                float(v) / float(self.defaults[k]) for k in self.knobs for v in self.grids[k]
            ]
            groups: dict[float, float] = {}  # one tick per 2**(0.1 k): 11/32 and 2**-1.5 share
            for m in multiples:
                key = round(math.log2(m), 1)
                if key not in groups or abs(math.log2(m) - key) < abs(math.log2(groups[key]) - key):
                    groups[key] = m
            ticks = sorted(groups.values())
            ax.set_xticks(ticks, [f"1/{1 / t:.2g}" if t < 1 else f"{t:.2g}" for t in ticks])
            ax.xaxis.set_minor_formatter(NullFormatter())
        return ax


def knob_sweep(
    run: Callable[..., Any],
    defaults: Mapping[str, Any],
    grids: Mapping[str, Sequence[Any]],
    *,
    seeds: Iterable[int] = range(3),
    metrics: Sequence[str] = ("train_loss", "val_loss"),
    progress: bool | None = None,
) -> KnobSweep:
    """Vary one setting ("knob") at a time around ``defaults``, for every seed.

    For each knob in ``grids`` and each value in its grid, ``run(seed=seed, **settings)`` with
    ``settings`` equal to ``defaults`` except that knob; the all-default setting runs once per
    seed and is shared by every knob. Each grid is an increasing list of positive numbers that
    includes the knob's default. ``run`` returns what :func:`compare` takes (a
    :class:`~lrcourse.History` or a dict of numbers). Returns a :class:`KnobSweep`.

    Example::

        >>> from lrcourse import load_digits_data
        >>> data = load_digits_data()
        >>> sweep = knob_sweep(
        ...     lambda seed, **kw: train_classifier(data, epochs=1, seed=seed, progress=False,
        ...                                         **kw),
        ...     {"lr": 0.05, "hidden": 32},
        ...     {"lr": [0.005, 0.05, 0.5], "hidden": [8, 32, 128]},
        ...     seeds=[0, 1])
        >>> sweep.values("lr", "train_loss").shape
        (3, 2)
    """
    if not isinstance(defaults, Mapping) or not defaults:
        raise fail("defaults", "a non-empty dict: knob -> default value", defaults)
    if not isinstance(grids, Mapping) or not grids:
        raise fail("grids", "a non-empty dict: knob -> increasing list of values", grids)
    defaults = dict(defaults)
    clean: dict[str, tuple[Any, ...]] = {}
    for knob, grid in grids.items():
        if knob not in defaults:
            raise fail(
                "grids",
                f"keyed by knobs that have a default {list(defaults)}",
                knob,
                hint=did_you_mean(knob, list(defaults)),
            )
        name = f"grids[{knob!r}]"
        if isinstance(grid, str | bytes) or not isinstance(grid, Sequence | np.ndarray):
            raise fail(name, "a list of numbers", grid)
        values = as_array(name, grid, low=0.0)
        default = as_real(f"defaults[{knob!r}]", defaults[knob], low=0, low_open=True)
        if values.size < 2 or np.any(values <= 0) or np.any(np.diff(values) <= 0):
            raise fail(name, "an increasing list of at least 2 numbers > 0", list(grid))
        if not np.any(values == default):
            raise fail(name, f"a list that includes the default {defaults[knob]!r}", list(grid))
        clean[knob] = tuple(v.item() if isinstance(v, np.generic) else v for v in grid)
    configs: dict[str, dict[str, Any]] = {"default": dict(defaults)}
    labels: dict[str, tuple[str, ...]] = {}
    for knob, grid in clean.items():
        row = []
        for value in grid:
            if float(value) == float(defaults[knob]):
                row.append("default")
                continue
            label = f"{knob}={value:g}"
            configs[label] = defaults | {knob: value}
            row.append(label)
        labels[knob] = tuple(row)
    table = compare(run, configs, seeds=seeds, metrics=metrics, progress=progress)
    return KnobSweep(defaults=defaults, grids=clean, labels=labels, comparison=table)
