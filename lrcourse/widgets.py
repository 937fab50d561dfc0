"""Live explorers: one slider per registry parameter, the LR curve redrawn on every change.

``explore(name)`` builds the panel from :data:`lrcourse.SCHEDULES`; nothing here hard-codes a
range. The figure is a plain matplotlib ``Figure`` rendered to PNG into an
``ipywidgets.Image``, so it works in any Jupyter kernel without ``%matplotlib widget`` and in a
headless nbval run; a redraw only updates the line's data (no new figure).

Example::

    import lrcourse as lc
    panel = lc.explore("CosineAnnealingLR", 200)
    panel                        # the sliders and the live curve
    panel.set(T_max=50).curve    # drive it from code: the redrawn curve, a numpy array
"""

from __future__ import annotations

import html
import io
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .plotting import HOUSE_COLORS, HOUSE_RC, format_value, house_style, style_axes
from .registry import Param, ScheduleInfo
from .validation import as_bool, as_choice, as_int, as_real, did_you_mean, fail

__all__ = ["Explorer", "explore", "synthetic_metric"]

HOUSE_RC_SHRINK = HOUSE_COLORS[2]  # the weight-decay factor's line and axis label


def synthetic_metric(steps: int, *, mode: str = "min", seed: int = 0) -> np.ndarray:
    r"""A seeded, noisy validation metric that improves and then plateaus (for ReduceLROnPlateau).

    For ``mode="min"`` (a loss): :math:`m_k = 0.3 + 0.7\,e^{-k/15} + 0.02\,\varepsilon_k` with
    :math:`\varepsilon_k \sim \mathcal N(0, 1)` drawn from ``numpy.random.default_rng(seed)``;
    for ``mode="max"`` (an accuracy): :math:`1 - m_k`. On the plateau new records become rare,
    so the scheduler's ``patience`` decides when the LR drops.

    Example: ``lc.lr_curve("ReduceLROnPlateau", 100, metrics=lc.synthetic_metric(100))``.
    """
    steps = as_int("steps", steps, low=1)
    as_choice("mode", mode, ("min", "max"))
    seed = as_int("seed", seed)
    k = np.arange(steps, dtype=float)
    noise = np.random.default_rng(int(seed)).standard_normal(steps)
    loss = 0.3 + 0.7 * np.exp(-k / 15.0) + 0.02 * noise
    return loss if mode == "min" else 1.0 - loss


# ----------------------------------------------------------------------------- controls


def _log10_floor(x: float) -> float:
    return float(math.floor(math.log10(x)))


def _log10_ceil(x: float) -> float:
    return float(math.ceil(math.log10(x)))


def _log_slider(value: float, lo_exp: float, hi_exp: float, **kwargs: Any) -> widgets.Widget:
    """A base-10 log slider from ``10**lo_exp`` to ``10**hi_exp`` in 200 steps."""
    step, fmt = (hi_exp - lo_exp) / 200, ".3g"
    return widgets.FloatLogSlider(
        value=float(value), base=10, min=lo_exp, max=hi_exp, step=step, readout_format=fmt, **kwargs
    )


def _make_control(param: Param, value: Any) -> widgets.Widget:
    """The ipywidgets control for one registry parameter, its range widened to hold ``value``."""
    common: dict[str, Any] = {
        "description": param.name,
        "tooltip": param.help or param.name,
        "style": {"description_width": "110px"},
        "layout": widgets.Layout(width="420px"),
    }
    kind = param.kind
    if kind == "bool":
        return widgets.Checkbox(value=bool(value), indent=True, **common)
    if kind == "choice":
        options = list(param.choices)
        if value not in options:
            options.append(value)
        return widgets.Dropdown(options=options, value=value, **common)
    as_real(param.name, value, finite=False)  # a slider needs a number: else shown as fixed
    if kind == "int":
        low = int(param.low) if param.low is not None else min(0, int(value))
        high = int(param.high) if param.high is not None else max(2 * int(value), 10)
        low, high = min(low, int(value)), max(high, int(value), low + 1)
        return widgets.IntSlider(value=int(value), min=low, max=high, **common)
    if kind == "log" and value > 0:
        low = float(param.low) if param.low is not None and param.low > 0 else value / 100
        high = float(param.high) if param.high is not None else value * 100
        lo_exp = min(math.log10(low), _log10_floor(value))
        hi_exp = max(math.log10(high), _log10_ceil(value), lo_exp + 1)
        return _log_slider(value, lo_exp, hi_exp, **common)
    # "float" (and a "log" parameter whose value is not positive)
    low = float(param.low) if param.low is not None else min(0.0, float(value))
    high = float(param.high) if param.high is not None else max(2 * abs(float(value)), 1.0)
    low, high = min(low, float(value)), max(high, float(value))
    if high <= low:
        high = low + 1.0
    return widgets.FloatSlider(
        value=float(value),
        min=low,
        max=high,
        step=(high - low) / 200,
        readout_format=".3g",
        **common,
    )


def _set_control(control: widgets.Widget, value: Any, name: str) -> None:
    """Set ``control`` to exactly ``value``, widening a slider's range if needed."""
    if isinstance(control, widgets.Checkbox):
        control.value = as_bool(name, value)
    elif isinstance(control, widgets.Dropdown):
        control.value = as_choice(name, value, list(control.options))
    elif isinstance(control, widgets.IntSlider):
        value = as_int(name, value)
        control.max = max(control.max, value)
        control.min = min(control.min, value)
        control.value = value
    elif isinstance(control, widgets.FloatLogSlider):
        value = as_real(name, value, low=0.0, low_open=True)  # a log slider
        control.max = max(control.max, _log10_ceil(value))
        control.min = min(control.min, _log10_floor(value))
        control.value = value
    elif isinstance(control, widgets.FloatSlider):
        value = as_real(name, value)
        control.max = max(control.max, value)
        control.min = min(control.min, value)
        control.value = value
    else:  # pragma: no cover - every control is one of the above
        raise fail(name, "a control of the panel", got=type(control).__name__)


# ----------------------------------------------------------------------------- the panel


class Explorer(widgets.VBox):
    """An ipywidgets panel exploring one schedule; build it with :func:`explore`.

    Attributes a test or a lesson can read: ``controls`` (parameter name -> widget, one per
    registry parameter not fixed), ``steps_slider``, ``lr_slider``, ``log_checkbox``,
    ``overlay_checkbox``, ``curve`` (the drawn closed-form curve, ``None`` after an error),
    ``torch_curve`` (the dashed torch overlay or ``None``), ``error`` (the message shown, or
    ``None``), ``figure``, ``ax``, ``line``, ``torch_line``, ``last_redraw_s``. Built with a
    ``weight_decay``: ``wd_slider`` and ``shrink`` (the factor weight decay alone leaves of a
    weight after each step, :func:`lrcourse.cumulative_shrink`, drawn on ``shrink_ax``, a
    right-hand axis, as ``shrink_line``); otherwise these are ``None``.
    """

    def __init__(
        self,
        name: str,
        steps: int | None = None,
        *,
        lr: float | None = None,
        weight_decay: float | None = None,
        **fixed: Any,
    ) -> None:
        from .schedules import SCHEDULES

        as_choice("name", name, list(SCHEDULES))
        info: ScheduleInfo = SCHEDULES[name]
        steps_given = steps is not None
        if steps is None:
            steps = info.default_steps
        steps = as_int("steps", steps, low=1)
        lr = as_real("lr", 0.1 if lr is None else lr, low=0.0, low_open=True)

        self.name = name
        self.info = info
        self._metrics: Any = fixed.pop("metrics", None)
        param_names = [p.name for p in info.params]
        start = info.defaults()  # registry defaults, overridden by the registry's example
        if steps_given and "total_steps" in param_names:
            start["total_steps"] = int(steps)  # a run as long as the steps drawn
        #: values that are not sliders: the caller's ``fixed`` and the example's extras
        #: (callables for LambdaLR, sub-schedulers for SequentialLR, ...)
        self.fixed: dict[str, Any] = {
            k: v for k, v in start.items() if k not in param_names and k != "metrics"
        }
        self.fixed.update(fixed)
        self.controls: dict[str, widgets.Widget] = {}
        for p in info.params:
            if p.name in fixed:
                continue
            try:
                self.controls[p.name] = _make_control(p, start.get(p.name, p.default))
            except ValueError:  # a value no slider can hold (e.g. None): shown as fixed
                self.fixed[p.name] = start.get(p.name, p.default)

        default_steps = int(info.default_steps)
        self.steps_slider = widgets.IntSlider(
            value=int(steps),
            min=1,
            max=max(4 * default_steps, int(steps)),
            description="steps",
            style={"description_width": "110px"},
            layout=widgets.Layout(width="420px"),
        )
        lo, hi = min(-4.0, _log10_floor(lr)), max(0.0, _log10_ceil(lr))
        self.lr_slider = _log_slider(
            lr,
            lo,
            hi,
            description="lr (initial)",
            tooltip="the optimizer's lr before the schedule (CyclicLR and OneCycleLR override it)",
            style={"description_width": "110px"},
            layout=widgets.Layout(width="420px"),
        )
        self.wd_slider: widgets.Widget | None = None
        if weight_decay is not None:
            wd = as_real("weight_decay", weight_decay, low=0.0, low_open=True)
            self.wd_slider = _log_slider(
                wd,
                min(-6.0, _log10_floor(wd)),
                max(-1.0, _log10_ceil(wd)),
                description="weight_decay",
                tooltip="each step shrinks a weight by lr_t * weight_decay (SGD's L2, AdamW)",
                style={"description_width": "110px"},
                layout=widgets.Layout(width="420px"),
            )
        self.shrink: np.ndarray | None = None
        self.log_checkbox = widgets.Checkbox(value=False, description="log scale", indent=False)
        self.overlay_checkbox = widgets.Checkbox(
            value=False, description="overlay torch", indent=False
        )
        self.message = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="640px"))

        self.curve: np.ndarray | None = None
        self.torch_curve: np.ndarray | None = None
        self.error: str | None = None
        self.last_redraw_s = float("nan")
        self._hold = False
        self._build_figure()

        notes = []
        if self.fixed:
            shown = ", ".join(f"{k}={format_value(v)}" for k, v in self.fixed.items())
            notes.append(f"fixed: <code>{html.escape(shown)}</code>")
        if info.needs_metrics and self._metrics is None:
            notes.append(
                "metric: <code>lc.synthetic_metric(steps, mode=mode, seed=0)</code>, "
                "a seeded noisy loss that plateaus"
            )
        header = widgets.HTML(
            f"<b>{html.escape(name)}</b>: {html.escape(info.summary)} "
            f"<small>\\({html.escape(info.formula)}\\)</small>"
            + "".join(f"<br><small>{n}</small>" for n in notes)
        )
        toggles = widgets.HBox([self.log_checkbox, self.overlay_checkbox])
        super().__init__(
            [header, *self.controls.values(), self.steps_slider, self.lr_slider]
            + ([self.wd_slider] if self.wd_slider is not None else [])
            + [toggles, self.image, self.message]
        )
        for control in self._all_controls().values():
            control.observe(self._on_change, names="value")
        self.redraw()

    # -- building and drawing ---------------------------------------------------------------

    def _build_figure(self) -> None:
        with house_style():
            self.figure = Figure(figsize=HOUSE_RC["figure.figsize"], dpi=HOUSE_RC["figure.dpi"])
            self._canvas = FigureCanvasAgg(self.figure)
            self.figure.subplots_adjust(left=0.13, right=0.97, bottom=0.14, top=0.9)
            self.ax = self.figure.add_subplot()
            (self.line,) = self.ax.plot([], [], label="lrcourse (closed form)")
            (self.torch_line,) = self.ax.plot(
                [], [], linestyle="--", color="black", linewidth=1.2, label="torch"
            )
            style_axes(self.ax, xlabel="step", ylabel="learning rate", legend=False)
            # no title (the panel's header names the schedule) and a fixed x-label position:
            # matplotlib then skips re-measuring tick labels to place them at every draw (a
            # third of a redraw's time on a log axis); the y label still follows its ticks
            self.ax.xaxis.set_label_coords(0.5, -0.1)
            # above the axes, at the right: never over the curve (and no costly loc="best")
            self._legend = self.ax.legend(
                loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False
            )
            self._legend.set_visible(False)
            self.torch_line.set_visible(False)  # after the legend copied its (visible) handle
            self.shrink_ax = self.shrink_line = None
            if self.wd_slider is not None:
                self.figure.subplots_adjust(right=0.87)
                self.shrink_ax = self.ax.twinx()
                (self.shrink_line,) = self.shrink_ax.plot([], [], color=HOUSE_RC_SHRINK)
                self.shrink_ax.set_ylim(0, 1.02)
                self.shrink_ax.grid(False)
                self.shrink_ax.set_ylabel("factor left by weight decay", color=HOUSE_RC_SHRINK)
                self.shrink_ax.spines["top"].set_visible(False)

    def _all_controls(self) -> dict[str, widgets.Widget]:
        extra = {"weight_decay": self.wd_slider} if self.wd_slider is not None else {}
        return {
            **self.controls,
            "steps": self.steps_slider,
            "lr": self.lr_slider,
            **extra,
            "log": self.log_checkbox,
            "overlay_torch": self.overlay_checkbox,
        }

    def _on_change(self, _change: Any) -> None:
        if not self._hold:
            self.redraw()

    @property
    def steps(self) -> int:
        """The number of steps drawn."""
        return int(self.steps_slider.value)

    @property
    def lr(self) -> float:
        """The optimizer's initial learning rate."""
        return float(self.lr_slider.value)

    def values(self) -> dict[str, Any]:
        """The keyword arguments of the curve, in the registry's order (then any extras)."""
        out = {
            p.name: self.controls[p.name].value if p.name in self.controls else self.fixed[p.name]
            for p in self.info.params
        }
        return out | {k: v for k, v in self.fixed.items() if k not in out}

    def metrics(self) -> np.ndarray | None:
        """The metric sequence fed to a metric-driven schedule (``None`` for the others)."""
        if not self.info.needs_metrics:
            return None
        if self._metrics is not None:
            return np.asarray(self._metrics, dtype=float)
        mode = self.values().get("mode", "min")
        return synthetic_metric(self.steps, mode=mode if mode in ("min", "max") else "min")

    def _call_kwargs(self) -> dict[str, Any]:
        kwargs = self.values()
        metrics = self.metrics()
        if metrics is not None:
            kwargs["metrics"] = metrics
        return kwargs

    def redraw(self) -> None:
        """Recompute the curve from the controls and update the figure (never raises)."""
        from .reference import torch_lr_curve
        from .schedules import lr_curve

        t0 = time.perf_counter()
        steps, lr, kwargs = self.steps, self.lr, self._call_kwargs()
        self.curve = self.torch_curve = self.shrink = None
        self.error = None
        try:
            self.curve = np.asarray(lr_curve(self.name, steps, lr=lr, **kwargs), dtype=float)
        except Exception as err:  # any invalid combination is shown, not raised
            self.error = f"{type(err).__name__}: {err}"
        if self.curve is not None and self.wd_slider is not None:
            from .decay import cumulative_shrink

            try:
                self.shrink = cumulative_shrink(self.curve, float(self.wd_slider.value))
            except Exception as err:
                self.error = f"{type(err).__name__}: {err}"
        if self.curve is not None and self.overlay_checkbox.value:
            try:
                self.torch_curve = np.asarray(
                    torch_lr_curve(self.name, steps, lr=lr, **kwargs), dtype=float
                )
            except Exception as err:
                self.error = f"torch raised {type(err).__name__}: {err}"

        self._update_lines()
        self._update_message()
        buf = io.BytesIO()
        self._canvas.print_png(buf, pil_kwargs={"compress_level": 1})
        self.image.value = buf.getvalue()
        self.last_redraw_s = time.perf_counter() - t0

    def _update_lines(self) -> None:
        ax = self.ax
        if self.curve is None:
            self.line.set_data([], [])
        else:
            self.line.set_data(np.arange(self.curve.size), self.curve)
        overlay = self.torch_curve is not None
        if overlay:
            self.torch_line.set_data(np.arange(self.torch_curve.size), self.torch_curve)
        self.torch_line.set_visible(overlay)
        self._legend.set_visible(overlay)
        want_log = bool(self.log_checkbox.value)
        positive = self.curve is not None and bool(np.any(self.curve > 0))
        scale = "log" if want_log and positive else "linear"
        if ax.get_yscale() != scale:
            with house_style():  # the new scale's tick formatter reads the house rcParams
                if scale == "log":
                    ax.set_yscale("log", nonpositive="mask")
                else:
                    ax.set_yscale("linear")
        if self.shrink_line is not None:
            shrink = self.shrink if self.shrink is not None else np.array([])
            self.shrink_line.set_data(np.arange(shrink.size), shrink)
        ax.relim(visible_only=True)
        ax.autoscale_view()
        if self.curve is None:
            ax.set_xlim(0, max(self.steps - 1, 1))

    def _update_message(self) -> None:
        if self.error is not None:
            self.message.value = (
                f'<span style="color:#b00020"><b>Not drawn:</b> {html.escape(self.error)}</span>'
            )
            return
        curve = self.curve
        assert curve is not None
        text = (
            f"step 0: {format_value(curve[0])} &middot; final: {format_value(curve[-1])} "
            f"&middot; min: {format_value(curve.min())} &middot; max: {format_value(curve.max())}"
        )
        if self.torch_curve is not None:
            gap = float(np.max(np.abs(self.torch_curve - curve))) if curve.size else 0.0
            text += f" &middot; largest gap to torch: {gap:.2g}"
        if self.shrink is not None and self.shrink.size:
            text += f" &middot; weight decay leaves: {format_value(self.shrink[-1])}"
        if self.log_checkbox.value and not np.any(curve > 0):
            text += " &middot; (no positive values: linear axis)"
        self.message.value = f"<small>{text}</small>"

    # -- driving it from code ---------------------------------------------------------------

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls and redraw once at the end."""
        held, self._hold = self._hold, True
        try:
            yield
        finally:
            self._hold = held
            if not held:
                self.redraw()  # never raises; keeps the figure in step with the controls

    def set(self, **values: Any) -> Explorer:
        """Set controls by name (parameters, ``steps``, ``lr``, ``log``, ``overlay_torch``),
        redraw once, and return the panel; ``panel.set(T_max=50).curve`` is the new curve.

        Slider ranges widen to hold the value. An unknown or fixed name, or a value a control
        cannot hold (a non-int for an int slider, a choice not offered), raises ``ValueError``;
        a value the schedule rejects is shown in the panel (``panel.error``) instead.
        """
        controls = self._all_controls()
        for key in values:
            if key in self.fixed:
                raise fail(key, "a control, not fixed (build a new panel with explore())")
            if key not in controls:
                raise fail(
                    "key",
                    f"a control of this panel, one of {list(controls)}",
                    key,
                    hint=did_you_mean(key, controls),
                )
        with self.hold():
            for key, value in values.items():
                if key == "steps":
                    value = as_int("steps", value, low=1)
                _set_control(controls[key], value, key)
        return self

    # -- text representations ---------------------------------------------------------------

    def __repr__(self) -> str:
        try:
            kwargs = self.values()
            inner = ", ".join(f"{k}={format_value(v)}" for k, v in kwargs.items())
            return f"Explorer({self.name}: {inner}; lr={format_value(self.lr)}, {self.steps} steps)"
        except AttributeError:  # during construction
            return "Explorer(...)"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = repr(self)
        return data


def explore(
    name: str,
    steps: int | None = None,
    *,
    lr: float | None = None,
    weight_decay: float | None = None,
    **fixed: Any,
) -> Explorer:
    r"""An interactive explorer for schedule ``name``: one control per registry parameter.

    Sliders come from the registry (``int`` / ``float`` / ``log`` / ``choice`` / ``bool``, with
    its ranges; values start at its defaults and example). Keyword arguments in ``fixed`` are
    shown as fixed, not as sliders. Also: a steps slider, an lr slider (default 0.1), a
    log-scale checkbox and an "overlay torch" checkbox that draws ``torch_lr_curve`` dashed on
    top. Each change recomputes :math:`\eta_k` = ``lr_curve(name, steps, lr=lr, **values)`` and
    updates the line in place; an invalid combination shows its error message instead.
    ReduceLROnPlateau is fed :func:`synthetic_metric` unless ``metrics=`` is given. Where the
    schedule has a ``total_steps`` parameter and ``steps`` is given, it starts at ``steps``.
    With ``weight_decay`` (chapter 10), a weight-decay slider and a right-hand axis show the
    factor :math:`\prod_{j \le k}(1 - \eta_j\lambda)` that decay alone leaves of a weight
    (:func:`lrcourse.cumulative_shrink`).

    Example::

        panel = lc.explore("StepLR", 120, gamma=0.5)   # gamma fixed, step_size a slider
        panel.set(step_size=40).curve[:3]             # array([0.1, 0.1, 0.1])
    """
    return Explorer(name, steps, lr=lr, weight_decay=weight_decay, **fixed)
