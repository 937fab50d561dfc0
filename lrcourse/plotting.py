"""One house style for every figure in the course: LR curves, loss curves, LR-vs-loss.

Every function draws onto a matplotlib ``Axes`` (a new one unless ``ax=`` is given), returns
it, and never calls ``plt.show()``::

    import lrcourse as lc
    ax = lc.plot_curves([("StepLR", {"step_size": 30}), ("CosineAnnealingLR", {"T_max": 100})])
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .validation import as_array, as_int, as_real, fail

__all__ = [
    "HOUSE_COLORS",
    "HOUSE_RC",
    "format_value",
    "house_style",
    "plot_curves",
    "plot_losses",
    "plot_lr_vs_loss",
    "schedule_label",
    "style_axes",
]

#: Okabe-Ito: a colour-blind-safe cycle (black left out; it is the reference colour).
HOUSE_COLORS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
)

#: The rcParams every course figure is drawn under (see :func:`house_style`).
HOUSE_RC: dict[str, Any] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.prop_cycle": mpl.cycler(color=list(HOUSE_COLORS)),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.8,
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "legend.fancybox": False,
    "legend.fontsize": 9,
    "path.simplify": True,
    "axes.formatter.limits": (-3, 6),  # 3e-4 is "3" with a "x10^-4" offset, not "0.00030"
    "axes.formatter.use_mathtext": True,
}


@contextmanager
def house_style() -> Iterator[None]:
    """Draw under the course's rcParams (:data:`HOUSE_RC`) inside a ``with`` block.

    Example::

        with lc.house_style():
            fig, ax = plt.subplots()
    """
    with mpl.rc_context(HOUSE_RC):
        yield


def _axes(ax: Axes | None) -> Axes:
    """A new house-style Axes, or ``ax`` with the house colours if nothing is drawn on it yet."""
    if ax is not None and not isinstance(ax, Axes):
        raise fail("ax", "a matplotlib Axes or None", got=type(ax).__name__)
    if ax is None:
        _fig, ax = plt.subplots(layout="constrained")
    elif not ax.lines:
        ax.set_prop_cycle(color=list(HOUSE_COLORS))
    return ax


def style_axes(
    ax: Axes,
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    log: bool = False,
    logx: bool = False,
    legend: bool = True,
) -> Axes:
    """Apply the house look to ``ax``: labels, title, light grid, no top/right spines.

    ``log`` puts the y axis on a log scale (non-positive values are masked), ``logx`` the x axis.
    A legend is drawn when ``legend`` is true and some artist has a label. Returns ``ax``.

    Example::

        ax = lc.style_axes(ax, xlabel="step", ylabel="learning rate", log=True)
    """
    if not isinstance(ax, Axes):
        raise fail("ax", "a matplotlib Axes", got=type(ax).__name__)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, alpha=HOUSE_RC["grid.alpha"], linewidth=HOUSE_RC["grid.linewidth"])
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.set_yscale("log", nonpositive="mask") if log else ax.set_yscale("linear")
    if logx:
        ax.set_xscale("log", nonpositive="mask")
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            ax.legend(handles, labels)
    return ax


# ----------------------------------------------------------------------------- labels


def format_value(value: Any) -> str:
    """Short, readable text for a keyword argument's value (used in labels and reprs).

    Floats get up to 6 significant digits (``0.1``, ``1e-05``, ``0.0``), callables their
    ``__name__``, strings their repr, sequences are formatted element by element, and a
    ``(name, kwargs)`` pair becomes a nested label.

    Example: ``format_value(0.30000000000000004) == "0.3"``.
    """
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        text = f"{float(value):.6g}"
        if text.lstrip("-").isdigit():
            text += ".0"
        return text
    if isinstance(value, str):
        return repr(value)
    if _is_pair(value):
        return schedule_label(value[0], value[1])
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, np.ndarray):
        if value.size > 6:
            return f"array(shape={value.shape})"
        return "[" + ", ".join(format_value(v) for v in value.tolist()) + "]"
    if isinstance(value, list | tuple):
        inner = ", ".join(format_value(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if callable(value):
        if hasattr(value, "__name__"):
            return value.__name__
        if type(value).__repr__ is not object.__repr__:  # e.g. a factor object with a repr
            return repr(value)
        return type(value).__name__
    return repr(value)


def _param_order(name: str) -> list[str]:
    try:
        from .schedules import SCHEDULES
    except ImportError:  # pragma: no cover - only while the engine is missing
        return []
    info = SCHEDULES.get(name)
    return [p.name for p in info.params] if info is not None else []


def schedule_label(name: str, kwargs: Mapping[str, Any] | None = None) -> str:
    """The label of a schedule with the keyword arguments given, e.g. ``StepLR(step_size=30)``.

    Only the arguments passed in ``kwargs`` are shown (defaults the caller left out are not),
    in the registry's parameter order, then any others in the order given.

    Example: ``schedule_label("StepLR", {"gamma": 0.1, "step_size": 30})`` is
    ``"StepLR(step_size=30, gamma=0.1)"``.
    """
    if not isinstance(name, str) or not name:
        raise fail("name", "a non-empty schedule name", name)
    kwargs = dict(kwargs or {})
    order = [k for k in _param_order(name) if k in kwargs]
    order += [k for k in kwargs if k not in order]
    inner = ", ".join(f"{k}={format_value(kwargs[k])}" for k in order)
    return f"{name}({inner})"


# ----------------------------------------------------------------------------- LR curves


def _is_pair(spec: Any) -> bool:
    return (
        isinstance(spec, tuple)
        and len(spec) == 2
        and isinstance(spec[0], str)
        and isinstance(spec[1], Mapping)
    )


def _as_spec(value: Any) -> tuple[str, Mapping[str, Any]] | None:
    """A schedule name or a ``(name, kwargs)`` pair (a tuple or a list) as a pair; else None."""
    if isinstance(value, str):
        return value, {}
    if isinstance(value, list) and len(value) == 2:
        value = tuple(value)
    return value if _is_pair(value) else None


def _curve(name: str, values: Any) -> np.ndarray:
    """A curve or loss array already computed: 1-D, non-empty (NaN and inf allowed: divergence)."""
    return as_array(name, values, finite=False)


def _resolve_specs(
    specs: Any, steps: int | None, lr: float
) -> list[tuple[str, np.ndarray, str | None]]:
    """Turn any accepted ``specs`` into ``(label, curve, schedule name or None)`` triples."""
    from .schedules import lr_curve

    def compute(
        label: str | None, spec: tuple[str, Mapping[str, Any]]
    ) -> tuple[str, np.ndarray, str]:
        curve = np.asarray(lr_curve(spec[0], steps, lr=lr, **dict(spec[1])), dtype=float)
        return (schedule_label(*spec) if label is None else label), curve, spec[0]

    one = _as_spec(specs)
    if one is not None:
        return [compute(None, one)]
    if isinstance(specs, Mapping) and specs:
        return [
            compute(str(label), _as_spec(value))
            if _as_spec(value) is not None
            else (str(label), _curve(f"specs[{label!r}]", value), None)
            for label, value in specs.items()
        ]
    if isinstance(specs, list | tuple) and specs:
        out = []
        for i, value in enumerate(specs):
            if _as_spec(value) is None:
                raise fail(f"specs[{i}]", "a (name, kwargs) pair or a schedule name", value)
            out.append(compute(None, _as_spec(value)))
        return out
    raise fail(
        "specs",
        "a (name, kwargs) pair, a non-empty list of such pairs, or a dict label -> curve",
        specs,
    )


def plot_curves(
    specs: Any,
    steps: int | None = None,
    *,
    lr: float = 0.1,
    ax: Axes | None = None,
    log: bool = False,
    steps_per_epoch: int | None = None,
    title: str | None = None,
    **line_kw: Any,
) -> Axes:
    r"""Plot learning-rate curves in the house style and return the Axes.

    ``specs`` is one ``(name, kwargs)`` pair, a list of them (each curve is
    ``lr_curve(name, steps, lr=lr, **kwargs)``, labelled like ``StepLR(step_size=30)``), or a
    dict ``label -> array`` of curves already computed. Element :math:`k` of a curve is the
    LR after :math:`k` calls to ``scheduler.step()``, drawn at :math:`x = k` ("step") or, with
    ``steps_per_epoch``, at :math:`x = k / \text{steps\_per\_epoch}` ("epoch"). ``log`` puts
    the LR on a log axis; ``line_kw`` goes to every ``ax.plot`` call.

    Example::

        lc.plot_curves([("StepLR", {"step_size": 30, "gamma": 0.1}),
                        ("ExponentialLR", {"gamma": 0.97})], 100, log=True)
    """
    steps = None if steps is None else as_int("steps", steps, low=1)
    lr = as_real("lr", lr, low=0.0, low_open=True)
    steps_per_epoch = _steps_per_epoch(steps_per_epoch)
    if title is not None and not isinstance(title, str):
        raise fail("title", "a str or None", got=type(title).__name__)
    curves = _resolve_specs(specs, steps, lr)

    with house_style():
        ax = _axes(ax)
        for label, curve, _name in curves:
            x = np.arange(curve.size, dtype=float)
            if steps_per_epoch is not None:
                x = x / steps_per_epoch
            ax.plot(x, curve, label=label, **line_kw)
        style_axes(
            ax,
            xlabel="epoch" if steps_per_epoch is not None else "step",
            ylabel="learning rate",
            title=title,
            log=log,
        )
    return ax


# ----------------------------------------------------------------------------- losses


def _smoothed(values: np.ndarray, smooth: float) -> np.ndarray:
    """``values`` through the range test's moving average (:func:`lrcourse.smooth_losses`),
    non-finite values skipped (NaN there); unchanged if ``smooth`` is 0."""
    from .rangetest import smooth_losses

    return smooth_losses(values, smooth, nonfinite="skip") if smooth else values


def _extract(history: Any, key: str, what: str) -> np.ndarray:
    if isinstance(history, Mapping):
        if key not in history:
            raise fail(what, f"a history with key {key!r}", got=f"keys {sorted(map(str, history))}")
        return _curve(f"{what}[{key!r}]", history[key])
    if hasattr(history, key) and not isinstance(history, np.ndarray):
        return _curve(f"{what}.{key}", getattr(history, key))
    return _curve(what, history)


def _steps_per_epoch(value: Any) -> int | None:
    return None if value is None else as_int("steps_per_epoch", value, low=1)


def plot_losses(
    histories: Any,
    *,
    key: str = "loss",
    ax: Axes | None = None,
    log: bool = True,
    steps_per_epoch: int | None = None,
    xlabel: str = "step",
    smooth: float = 0.0,
    title: str | None = None,
    **line_kw: Any,
) -> Axes:
    r"""Plot loss curves in the house style and return the Axes.

    ``histories`` is one loss array, one history (a mapping or object holding the losses under
    ``key``), a list of them (labelled ``run 0``, ``run 1``, ...), or a dict ``label -> array or
    history``. ``smooth`` in [0, 1) draws the range test's bias-corrected moving average
    (:func:`lrcourse.smooth_losses` with ``beta=smooth``, non-finite losses skipped)
    :math:`s_k = \beta s_{k-1} + (1-\beta) v_k`, :math:`\hat s_k = s_k / (1-\beta^{k+1})`.
    NaN or infinite losses (a divergence) leave a gap; the y axis is log by default.

    Example::

        lc.plot_losses({"constant": losses_a, "cosine": losses_b}, smooth=0.9)
    """
    smooth = as_real("smooth", smooth, low=0.0, high=1.0, high_open=True)
    steps_per_epoch = _steps_per_epoch(steps_per_epoch)
    if not isinstance(key, str):
        raise fail("key", "a str", got=type(key).__name__)
    if isinstance(histories, Mapping) and key not in histories:
        items = [(str(k), _extract(v, key, f"histories[{k!r}]")) for k, v in histories.items()]
    elif isinstance(histories, list | tuple) and histories and not np.isscalar(histories[0]):
        items = [(f"run {i}", _extract(h, key, f"histories[{i}]")) for i, h in enumerate(histories)]
    else:
        items = [(None, _extract(histories, key, "histories"))]

    with house_style():
        ax = _axes(ax)
        for label, losses in items:
            x = np.arange(losses.size, dtype=float)
            if steps_per_epoch is not None:
                x = x / steps_per_epoch
            y = _smoothed(losses, smooth)
            ax.plot(x, np.where(np.isfinite(y), y, np.nan), label=label, **line_kw)
        style_axes(
            ax,
            xlabel="epoch" if steps_per_epoch is not None else xlabel,
            ylabel=key.replace("_", " "),
            title=title,
            log=log,
        )
    return ax


def plot_lr_vs_loss(
    lrs: Any,
    losses: Any,
    *,
    ax: Axes | None = None,
    smooth: float = 0.0,
    suggested_lr: float | None = None,
    label: str | None = None,
    log_loss: bool = False,
    title: str | None = None,
    **line_kw: Any,
) -> Axes:
    r"""Plot loss against learning rate (an LR range test) on a log-LR axis; return the Axes.

    ``smooth`` in [0, 1) applies the bias-corrected moving average of :func:`plot_losses`;
    ``suggested_lr`` draws a dashed vertical line labelled with its value. Points with a
    non-finite loss are left out.

    Example::

        lc.plot_lr_vs_loss(result.lrs, result.losses, smooth=0.05, suggested_lr=3e-2)
    """
    smooth = as_real("smooth", smooth, low=0.0, high=1.0, high_open=True)
    x = as_array("lrs", lrs, low=0.0)
    y = _curve("losses", losses)
    if x.shape != y.shape:
        raise fail("losses", f"an array of {x.size} losses, one per LR", got=f"{y.size}")
    if np.any(x == 0):  # the LR axis is logarithmic
        raise fail("lrs", "an array of numbers > 0 (for the log axis)", got="0.0")
    if suggested_lr is not None:
        suggested_lr = as_real("suggested_lr", suggested_lr, low=0.0, low_open=True)
    y = _smoothed(y, smooth)
    y = np.where(np.isfinite(y), y, np.nan)

    with house_style():
        ax = _axes(ax)
        ax.plot(x, y, label=label, **line_kw)
        if suggested_lr is not None:
            ax.axvline(
                suggested_lr,
                color="black",
                linestyle="--",
                linewidth=1.0,
                label=f"suggested lr = {suggested_lr:.3g}",
            )
        style_axes(ax, xlabel="learning rate", ylabel="loss", title=title, log=log_loss, logx=True)
    return ax
