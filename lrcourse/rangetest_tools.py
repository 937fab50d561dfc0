r"""Tools around the LR range test (chapter 9): smoothing, its lag, the band a real sweep finds.

:func:`lrcourse.lr_range_test` (in :mod:`lrcourse.finder`) runs the test. This module helps to
read it and to check it:

* :func:`smooth_losses` is the test's bias-corrected moving average, and :func:`smoothing_lag`
  says how far (in decades of LR) the smoothed curve trails the raw one;
* :func:`restop` replays a recorded test with another ``beta`` or ``diverge_factor``: the
  trajectory of a range test does not depend on either, only where it stops, so one long
  recording gives every setting exactly;
* :func:`good_band` turns a real LR sweep (final scores of full trainings) into the band of
  LRs within a tolerance of the best, to hold a suggestion against;
* :func:`naive_lr_sweep` trains each LR of a grid separately for a few steps (the brute-force
  alternative to a range test);
* :func:`plot_rules` draws a test with every suggestion rule marked, :func:`explore_range_test`
  is a live panel with sliders for ``beta``, ``diverge_factor`` and ``skip_start``, and
  :func:`synthetic_range_test` builds a seeded test from a closed-form curve (for exercises).
"""

from __future__ import annotations

import html
import io
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from .finder import SUGGESTION_RULES, RangeTest, sweep_lrs

__all__ = [
    "Band",
    "NaiveSweep",
    "RangeTestExplorer",
    "explore_range_test",
    "good_band",
    "naive_lr_sweep",
    "plot_rules",
    "restop",
    "smooth_losses",
    "smoothing_lag",
    "synthetic_range_test",
]

RULE_STYLES: dict[str, dict[str, Any]] = {
    "steepest": {"color": "#c0392b", "linestyle": ":"},
    "min_div_10": {"color": "#27ae60", "linestyle": "-."},
    "valley": {"color": "black", "linestyle": "--"},
}


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _beta(beta: Any) -> float:
    beta = _real("beta", beta)
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}")
    return beta


def _int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


# ----------------------------------------------------------------------------- smoothing


def smooth_losses(losses: Sequence[float] | np.ndarray, beta: float) -> np.ndarray:
    r"""The range test's bias-corrected exponential moving average of ``losses``.

    .. math:: a_i = \beta a_{i-1} + (1-\beta)\,\ell_i,\quad a_{-1} = 0,\qquad
              s_i = \frac{a_i}{1 - \beta^{i+1}}

    (``beta = 0``: no smoothing). From the first non-finite loss on, ``s_i = inf``.
    Same arithmetic as :func:`lrcourse.lr_range_test`, so the values agree bit for bit.

    Example::

        >>> smooth_losses([2.0, 1.0, 1.0], beta=0.5)
        array([2.        , 1.33333333, 1.14285714])
    """
    beta = _beta(beta)
    values = np.asarray(losses, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"losses must be 1-D, got shape {values.shape}")
    out = np.full(values.shape, math.inf)
    avg = 0.0
    for i, value in enumerate(values.tolist()):
        if not math.isfinite(value):
            break
        avg = beta * avg + (1 - beta) * value
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def smoothing_lag(
    beta: float, start_lr: float, end_lr: float, num_iter: int, *, at: int | None = None
) -> float:
    r"""How many decades of LR the smoothed curve of an exponential sweep trails the raw one.

    The bias-corrected average at iteration :math:`i` weights the loss :math:`k` iterations
    back by :math:`\beta^k` (normalised over :math:`k = 0..i`); its mean lag is

    .. math:: \bar k_i = \frac{\beta}{1-\beta} - \frac{(i+1)\,\beta^{i+1}}{1-\beta^{i+1}}
              \ \text{iterations} \;\longrightarrow\; \frac{\beta}{1-\beta}
              \quad (i \gg 1/(1-\beta)).

    An exponential sweep moves :math:`\log_{10}(\eta_{end}/\eta_{start})/(n-1)` decades per
    iteration, so the smoothed loss drawn at LR :math:`\eta` is centred on LRs
    :math:`\bar k_i \cdot \log_{10}(\eta_{end}/\eta_{start})/(n-1)` decades lower.
    ``at=None``: the far-from-start value :math:`\beta/(1-\beta)`; ``at=i``: the exact value at
    iteration ``i`` (``at=num_iter - 1``: at the end of the sweep).

    Example (fastai's defaults: 1e-7 to 10 in 100 iterations, beta = 0.98)::

        >>> round(smoothing_lag(0.98, 1e-7, 10, 100), 2)
        3.96
        >>> round(smoothing_lag(0.98, 1e-7, 10, 100, at=99), 2)
        2.72
    """
    beta = _beta(beta)
    lrs = sweep_lrs(start_lr, end_lr, num_iter)  # validates the sweep
    decades_per_iter = math.log10(lrs[-1] / lrs[0]) / (len(lrs) - 1)
    if beta == 0:
        return 0.0
    lag = beta / (1 - beta)
    if at is not None:
        at = _int("at", at, 0)
        if at >= num_iter:
            raise ValueError(f"at must be < num_iter ({num_iter}), got {at}")
        b = beta ** (at + 1)
        lag -= (at + 1) * b / (1 - b)
    return lag * decades_per_iter


def restop(
    test: RangeTest, *, beta: float | None = None, diverge_factor: float | None = None
) -> RangeTest:
    """Replay a recorded range test with another smoothing ``beta`` or ``diverge_factor``.

    The batches, weights and LRs of a range test do not depend on ``beta`` or
    ``diverge_factor``; only the smoothed curve and the iteration at which the test stops do.
    So a test recorded without an early stop (e.g. ``diverge_factor=1e9``, which still stops
    at a non-finite loss) gives, exactly, the test any other setting would have run: this
    re-smooths ``test.losses`` and applies the stop rule of :func:`lrcourse.lr_range_test`.
    Unset arguments keep the recorded ones. ``ValueError`` if the recording stopped (on a
    finite loss) before the new setting would.

    Example::

        >>> long = lc.lr_range_test(model, data, opt, diverge_factor=1e9)
        >>> restop(long, beta=0.9, diverge_factor=4).suggest()   # doctest: +SKIP
    """
    if not isinstance(test, RangeTest):
        raise ValueError(f"test must be a RangeTest, got {type(test).__name__}")
    settings = dict(test.settings)
    beta = _beta(settings.get("beta", 0.98) if beta is None else beta)
    factor = _real(
        "diverge_factor",
        settings.get("diverge_factor", 4.0) if diverge_factor is None else diverge_factor,
    )
    if not factor > 1:
        raise ValueError(f"diverge_factor must be > 1, got {factor!r}")
    smoothed: list[float] = []
    avg, best, stopped = 0.0, math.inf, False
    for i, value in enumerate(np.asarray(test.losses, dtype=np.float64).tolist()):
        if not math.isfinite(value):
            smoothed.append(math.inf)
            stopped = True
            break
        avg = beta * avg + (1 - beta) * value
        s = avg / (1 - beta ** (i + 1))
        smoothed.append(s)
        best = min(best, s)
        if s > factor * best:
            stopped = True
            break
    k = len(smoothed)
    if not stopped and k < test.planned_iter:
        raise ValueError(
            f"the recording has {k} of {test.planned_iter} iterations and this setting would "
            "not have stopped within them: record the test with a larger diverge_factor"
        )
    settings.update(beta=beta, diverge_factor=factor)
    return RangeTest(
        lrs=np.asarray(test.lrs[:k]).copy(),
        losses=np.asarray(test.losses[:k]).copy(),
        smoothed=np.asarray(smoothed),
        stopped_early=stopped,
        planned_iter=test.planned_iter,
        settings=settings,
    )


# ----------------------------------------------------------------------------- the band


@dataclass(frozen=True)
class Band:
    """LRs whose score is within ``tolerance`` of the best score of a sweep.

    ``lo``/``hi`` are interpolated (linearly in log LR) between grid points; ``best`` is the
    grid LR with the best score. ``lr in band`` tests ``lo <= lr <= hi``. ``clipped`` says the
    band reaches an end of the grid (widen the grid before trusting that edge).
    """

    lo: float
    hi: float
    best: float
    best_score: float
    threshold: float
    clipped: bool = False

    def __contains__(self, lr: object) -> bool:
        return isinstance(lr, numbers.Real) and self.lo <= float(lr) <= self.hi

    @property
    def width(self) -> float:
        """``hi / lo``: how many-fold the band spans."""
        return self.hi / self.lo

    def __repr__(self) -> str:
        clip = ", reaches the grid's end" if self.clipped else ""
        return (
            f"Band({self.lo:.3g} to {self.hi:.3g}, {self.width:.3g}-fold; best {self.best:.3g} "
            f"scoring {self.best_score:.4g}, threshold {self.threshold:.4g}{clip})"
        )


def _crossing(x0: float, y0: float, x1: float, y1: float, level: float) -> float:
    """log-linear interpolation: the LR between x0 (good, y0) and x1 (bad, y1) at ``level``."""
    if not math.isfinite(y1) or y1 == y0:
        return x0 if not math.isfinite(y1) else x1
    t = (level - y0) / (y1 - y0)
    return float(10 ** (math.log10(x0) + t * (math.log10(x1) - math.log10(x0))))


def good_band(
    lrs: Sequence[float] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    tolerance: float,
    *,
    higher_is_better: bool = True,
) -> Band:
    r"""The contiguous band of LRs around the best whose score is within ``tolerance`` of it.

    ``lrs`` is an increasing grid, ``scores[i]`` the (seed-averaged) final score of full
    trainings at ``lrs[i]``; NaN (a diverged run) counts as failing. With
    :math:`s^\star` the best score, the band holds the LRs with
    :math:`s \ge s^\star - \text{tolerance}` (accuracy) or :math:`s \le s^\star + \text{tolerance}`
    (``higher_is_better=False``, a loss), walking out from the best grid point and
    interpolating the edges in log LR.

    Example::

        >>> b = good_band([0.01, 0.1, 1.0], [0.80, 0.95, 0.85], tolerance=0.05)
        >>> round(b.lo, 4), round(b.hi, 4), b.best
        (0.0464, 0.3162, 0.1)
    """
    x = np.asarray(lrs, dtype=np.float64)
    y = np.asarray(scores, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError("lrs and scores must be 1-D, of equal length >= 2")
    if not np.all(np.isfinite(x) & (x > 0)) or not np.all(np.diff(x) > 0):
        raise ValueError("lrs must be positive, finite and increasing")
    tolerance = _real("tolerance", tolerance)
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    if not np.any(np.isfinite(y)):
        raise ValueError("scores has no finite value (every run diverged?)")
    sign = 1.0 if higher_is_better else -1.0
    g = np.where(np.isfinite(y), sign * y, -math.inf)  # higher is better from here on
    i_best = int(np.argmax(g))
    level = g[i_best] - tolerance
    lo_i = i_best
    while lo_i > 0 and g[lo_i - 1] >= level:
        lo_i -= 1
    hi_i = i_best
    while hi_i < len(x) - 1 and g[hi_i + 1] >= level:
        hi_i += 1
    lo = (
        float(x[lo_i])
        if lo_i == 0
        else _crossing(x[lo_i], g[lo_i], x[lo_i - 1], g[lo_i - 1], level)
    )
    hi = (
        float(x[hi_i])
        if hi_i == len(x) - 1
        else _crossing(x[hi_i], g[hi_i], x[hi_i + 1], g[hi_i + 1], level)
    )
    return Band(
        lo=lo,
        hi=hi,
        best=float(x[i_best]),
        best_score=float(y[i_best]),
        threshold=float(sign * level),
        clipped=lo_i == 0 or hi_i == len(x) - 1,
    )


# ----------------------------------------------------------------------------- naive sweep


@dataclass
class NaiveSweep:
    """Result of :func:`naive_lr_sweep`: ``train_loss[i]`` after ``steps`` steps at ``lrs[i]``
    (``inf`` where the run diverged); ``total_steps`` is the optimizer steps it cost."""

    lrs: np.ndarray
    train_loss: np.ndarray
    steps: int
    total_steps: int

    @property
    def best(self) -> float:
        """The LR with the lowest training loss."""
        return float(self.lrs[int(np.argmin(self.train_loss))])

    def __repr__(self) -> str:
        return (
            f"NaiveSweep({len(self.lrs)} LRs x {self.steps} steps = {self.total_steps} steps; "
            f"best {self.best:.3g}, loss {np.min(self.train_loss):.4g})"
        )


def naive_lr_sweep(
    data: Any,
    lrs: Sequence[float] | np.ndarray,
    *,
    steps: int,
    optimizer: Literal["sgd", "adam"] = "sgd",
    momentum: float = 0.9,
    hidden: int = 64,
    batch_size: int = 32,
    seed: int = 0,
    model_fn: Callable[[], nn.Module] | None = None,
) -> NaiveSweep:
    """Train a fresh model at each LR of ``lrs`` for ``steps`` mini-batches; report the loss.

    Every LR starts from the same initialisation (``lc.mlp(n_features, hidden, n_classes,
    seed=seed)`` or ``model_fn()``) and sees the same batches (shuffled from ``seed``); the
    score is the cross-entropy on the whole training split after the last step (``inf`` if a
    loss became non-finite). Cost: ``len(lrs) * steps`` optimizer steps, against a range
    test's ``num_iter``.

    Example::

        >>> sweep = naive_lr_sweep(lc.load_digits_data(), np.geomspace(1e-3, 1, 7), steps=20)
        >>> sweep.total_steps
        140
    """
    from .models import mlp
    from .training import torch_threads

    grid = np.asarray(lrs, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
        raise ValueError("lrs must be a non-empty 1-D array of positive finite numbers")
    steps = _int("steps", steps, 1)
    seed = _int("seed", seed, 0)
    n = len(data.X_train)
    batch_size = _int("batch_size", batch_size, 1)
    if batch_size > n:
        raise ValueError(f"batch_size must be <= {n} (the training set), got {batch_size}")
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    momentum = _real("momentum", momentum)
    X, y = data.X_train.cpu(), data.y_train.cpu()
    n_classes = int(y.max()) + 1
    gen = torch.Generator().manual_seed(seed)
    per_epoch = n // batch_size
    perms = [torch.randperm(n, generator=gen) for _ in range(math.ceil(steps / per_epoch))]
    batches = [
        perms[k // per_epoch][(k % per_epoch) * batch_size : (k % per_epoch + 1) * batch_size]
        for k in range(steps)
    ]
    loss_fn = nn.CrossEntropyLoss()
    scores = []
    with torch_threads(1):
        for lr in grid.tolist():
            model = model_fn() if model_fn is not None else mlp(X.shape[1], hidden, n_classes, seed)
            if optimizer == "sgd":
                opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
            else:
                opt = torch.optim.Adam(model.parameters(), lr=lr)
            model.train()
            ok = True
            for idx in batches:
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(X[idx]), y[idx])
                if not torch.isfinite(loss):
                    ok = False
                    break
                loss.backward()
                opt.step()
            with torch.no_grad():
                final = float(loss_fn(model.eval()(X), y)) if ok else math.inf
            scores.append(final if math.isfinite(final) else math.inf)
    return NaiveSweep(grid, np.asarray(scores), steps, steps * len(grid))


# ----------------------------------------------------------------------------- plots


def plot_rules(
    test: RangeTest,
    ax: Any = None,
    *,
    skip_start: int = 0,
    band: Band | None = None,
    raw: bool = True,
    title: str | None = None,
) -> Any:
    """Plot a range test (smoothed and raw loss against LR) with every rule's suggestion.

    One vertical line per rule of :data:`lrcourse.SUGGESTION_RULES` (``skip_start`` passed
    on), and, if ``band`` is given, the band of a real sweep shaded. Returns the Axes.

    Example::

        lc.plot_rules(test, band=lc.good_band(grid, accuracy, 0.01))
    """
    from .plotting import house_style

    if not isinstance(test, RangeTest):
        raise ValueError(f"test must be a RangeTest, got {type(test).__name__}")
    if band is not None and not isinstance(band, Band):
        raise ValueError(f"band must be a Band (from good_band) or None, got {band!r}")
    ax = test.plot(ax, rule=None, raw=raw)
    with house_style():
        if band is not None:
            ax.axvspan(band.lo, band.hi, color="#f1c40f", alpha=0.2, lw=0, label="good band")
        for rule, lr in test.suggestions(skip_start=skip_start).items():
            ax.axvline(lr, lw=1.3, label=f"{rule} = {lr:.3g}", **RULE_STYLES[rule])
        finite = test.smoothed[np.isfinite(test.smoothed)]
        if finite.size:
            top = max(float(test.smoothed[0]), float(np.min(finite))) * 1.6
            ax.set_ylim(0, top)
        if title is not None:
            ax.set_title(title)
        ax.legend(fontsize="small")
    return ax


# ----------------------------------------------------------------------------- synthetic


def synthetic_range_test(
    seed: int = 0,
    *,
    num_iter: int = 120,
    beta: float = 0.9,
    diverge_factor: float = 4.0,
    noise: float = 0.05,
) -> RangeTest:
    r"""A seeded range test from a closed-form curve: for exercises and tests, no training.

    LRs ``sweep_lrs(1e-5, 10, num_iter)``; with :math:`x = \log_{10}\eta`, the raw loss is

    .. math:: \ell(x) = \bigl(0.3 + \frac{2.0}{1 + e^{3(x + c)}} + 6\,\max(0, x - d)^2\bigr)
              (1 + \sigma \varepsilon)

    (a drop centred at :math:`10^{-c}`, a rise after :math:`10^{d}`, :math:`c, d` drawn from
    ``seed``, :math:`\varepsilon \sim N(0,1)`), smoothed and stopped as
    :func:`lrcourse.lr_range_test` does.

    Example::

        >>> t = synthetic_range_test(seed=3)
        >>> t.stopped_early
        True
    """
    seed = _int("seed", seed, 0)
    num_iter = _int("num_iter", num_iter, 10)
    noise = _real("noise", noise)
    if not 0 <= noise < 0.5:
        raise ValueError(f"noise must be in [0, 0.5), got {noise!r}")
    rng = np.random.default_rng(seed)
    c = rng.uniform(2.3, 3.2)  # drop centred at 10^-c
    d = rng.uniform(-1.3, -0.7)  # rise after 10^d
    lrs = sweep_lrs(1e-5, 10.0, num_iter)
    x = np.log10(lrs)
    clean = 0.3 + 2.0 / (1 + np.exp(3 * (x + c))) + 6 * np.maximum(0, x - d) ** 2
    raw = clean * (1 + noise * rng.standard_normal(num_iter))
    full = RangeTest(
        lrs=lrs,
        losses=raw,
        smoothed=smooth_losses(raw, beta),
        stopped_early=False,
        planned_iter=num_iter,
        settings={"start_lr": 1e-5, "end_lr": 10.0, "mode": "exp", "seed": seed},
    )
    return restop(full, beta=beta, diverge_factor=diverge_factor)


# ----------------------------------------------------------------------------- explorer


class RangeTestExplorer:
    """A live panel over one recorded range test: sliders for ``beta``, ``diverge_factor``
    and ``skip_start``; each change replays the recording with :func:`restop` (no training)
    and redraws the curve with every rule's suggestion. Build it with
    :func:`explore_range_test`.

    Attributes: ``recording`` (the long test), ``current`` (the replayed test, ``None`` after
    an error), ``error``, ``widget`` (the ipywidgets box), ``beta_slider``,
    ``factor_slider``, ``skip_slider``.
    """

    def __init__(self, recording: RangeTest, *, beta: float = 0.98, diverge_factor: float = 4.0):
        import ipywidgets as widgets
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from .plotting import house_style

        if not isinstance(recording, RangeTest):
            raise ValueError(f"recording must be a RangeTest, got {type(recording).__name__}")
        beta = _beta(beta)
        diverge_factor = _real("diverge_factor", diverge_factor)
        if not 1 < diverge_factor <= 100:
            raise ValueError(f"diverge_factor must be in (1, 100], got {diverge_factor!r}")
        self.recording = recording
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="420px")
        self.beta_slider = widgets.FloatSlider(
            value=beta,
            min=0.0,
            max=0.99,
            step=0.01,
            description="beta",
            style=style,
            layout=layout,
        )
        self.factor_slider = widgets.FloatSlider(
            value=diverge_factor,
            min=1.5,
            max=100.0,
            step=0.5,
            description="diverge_factor",
            style=style,
            layout=layout,
        )
        self.skip_slider = widgets.IntSlider(
            value=0,
            min=0,
            max=max(len(recording.lrs) // 2, 1),
            description="skip_start",
            style=style,
            layout=layout,
        )
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="640px"))
        self.message = widgets.HTML()
        with house_style():
            self.figure = Figure(figsize=(6.4, 3.8), dpi=100)
            self._canvas = FigureCanvasAgg(self.figure)
            self.ax = self.figure.add_subplot()
        self.current: RangeTest | None = None
        self.error: str | None = None
        header = widgets.HTML(
            f"<b>LR range test replayed</b>: {len(recording.lrs)} recorded iterations, "
            f"LR {recording.lrs[0]:.3g} to {recording.lrs[-1]:.3g}"
        )
        self.widget = widgets.VBox(
            [
                header,
                self.beta_slider,
                self.factor_slider,
                self.skip_slider,
                self.image,
                self.message,
            ]
        )
        for s in (self.beta_slider, self.factor_slider, self.skip_slider):
            s.observe(lambda _change: self.redraw(), names="value")
        self.redraw()

    def redraw(self) -> None:
        """Replay the recording with the sliders' values and redraw (never raises)."""
        from .plotting import house_style

        self.error = None
        self.current = None
        try:
            self.current = restop(
                self.recording,
                beta=float(self.beta_slider.value),
                diverge_factor=float(self.factor_slider.value),
            )
            suggestions = self.current.suggestions(skip_start=int(self.skip_slider.value))
        except ValueError as err:
            self.error = str(err)
        self.ax.clear()
        if self.current is not None and self.error is None:
            plot_rules(self.current, self.ax, skip_start=int(self.skip_slider.value))
            stop = "stopped early" if self.current.stopped_early else "no stop"
            text = f"{len(self.current.lrs)} iterations, {stop}; " + ", ".join(
                f"{k} {v:.3g}" for k, v in suggestions.items()
            )
            self.message.value = f"<small>{html.escape(text)}</small>"
        else:
            self.message.value = (
                f'<span style="color:#b00020"><b>Not drawn:</b> {html.escape(str(self.error))}'
                "</span>"
            )
        with house_style():
            buf = io.BytesIO()
            self._canvas.print_png(buf)
        self.image.value = buf.getvalue()

    def set(self, **values: Any) -> RangeTestExplorer:
        """Set ``beta``, ``diverge_factor`` and/or ``skip_start`` from code; redraw; return self."""
        sliders = {
            "beta": self.beta_slider,
            "diverge_factor": self.factor_slider,
            "skip_start": self.skip_slider,
        }
        for key, value in values.items():
            if key not in sliders:
                raise ValueError(f"{key} is not a control (controls: {list(sliders)})")
            slider = sliders[key]
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{key} must be a number, got {value!r}")
            if not slider.min <= value <= slider.max:
                raise ValueError(f"{key} must be in [{slider.min}, {slider.max}], got {value!r}")
        for key, value in values.items():
            sliders[key].value = value  # each change redraws
        return self

    def __repr__(self) -> str:
        state = (
            f"{len(self.current.lrs)} iterations, "
            + ", ".join(
                f"{k} {v:.3g}"
                for k, v in self.current.suggestions(skip_start=int(self.skip_slider.value)).items()
            )
            if self.current is not None and self.error is None
            else f"error: {self.error}"
        )
        return (
            f"RangeTestExplorer(beta={self.beta_slider.value:.2f}, "
            f"diverge_factor={self.factor_slider.value:g}, skip_start={self.skip_slider.value}: "
            f"{state})"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = self.widget._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = repr(self)
        return data


def explore_range_test(
    recording: RangeTest, *, beta: float = 0.98, diverge_factor: float = 4.0
) -> RangeTestExplorer:
    """A live panel replaying ``recording`` with slider-chosen ``beta``, ``diverge_factor`` and
    ``skip_start`` (see :class:`RangeTestExplorer`). Record the test once with a large
    ``diverge_factor`` so every setting can be replayed.

    Example::

        long = lc.lr_range_test(model, data, opt, num_iter=200, diverge_factor=1e9)
        panel = lc.explore_range_test(long)
        panel.set(beta=0.9).current.suggest("valley")
    """
    return RangeTestExplorer(recording, beta=beta, diverge_factor=diverge_factor)


if SUGGESTION_RULES.keys() != RULE_STYLES.keys():  # pragma: no cover - a new rule needs a style
    raise RuntimeError("RULE_STYLES must have one entry per suggestion rule")
