"""Live explorers: one slider per registry parameter, the LR curve redrawn on every change.

``explore(name)`` builds the panel from :data:`lrcourse.SCHEDULES`; nothing here hard-codes a
range. The panel is an ``anywidget`` whose front end is ``lrcourse/static/explorer.js`` (with
``lrcurve.js`` bundled in, :func:`lrcourse.web.explorer_module`): the browser computes and
draws the curve on every slider move, in a live notebook and, through the panel's
``text/html`` representation (the same module run with a local model), in the static HTML
book with no kernel. Python computes the same curve with :func:`lrcourse.lr_curve`
(``panel.curve``), the torch overlay and the errors of the schedule's validation.

Example::

    import lrcourse as lc
    panel = lc.explore("CosineAnnealingLR", 200)
    panel                        # the sliders and the live curve
    panel.set(T_max=50).curve    # drive it from code: the redrawn curve, a numpy array
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anywidget
import numpy as np
import traitlets as t

from . import web
from .plotting import format_value
from .registry import Param, ScheduleInfo
from .validation import ParameterError, as_bool, as_choice, as_int, as_real, did_you_mean, fail

__all__ = ["Explorer", "explore", "synthetic_metric"]


#: The steps slider reaches this many times a schedule's ``default_steps`` (or the steps given).
STEPS_RANGE = 4


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


def _control(param: Param, value: Any) -> dict[str, Any]:
    """The slider of one registry parameter (kind, range holding ``value``) as the front end
    reads it; ``ValueError`` for a value no slider can hold (then shown as fixed)."""
    spec: dict[str, Any] = {
        "name": param.name,
        "kind": param.kind,
        "low": None,
        "high": None,
        "choices": web.jsonable(list(param.choices)),
        "help": param.help or param.name,
    }
    kind = param.kind
    if kind == "bool":
        return spec
    if kind == "choice":
        if value not in param.choices:
            spec["choices"].append(web.jsonable(value))
        return spec
    if kind not in ("int", "float", "log"):
        raise fail(param.name, "a parameter with a slider", kind)
    as_real(param.name, value, finite=False)  # a slider needs a number: else shown as fixed
    if kind == "int":
        low = int(param.low) if param.low is not None else min(0, int(value))
        high = int(param.high) if param.high is not None else max(2 * int(value), 10)
        spec["low"], spec["high"] = min(low, int(value)), max(high, int(value), low + 1)
        return spec
    if kind == "log" and value > 0:
        low = float(param.low) if param.low is not None and param.low > 0 else value / 100
        high = float(param.high) if param.high is not None else value * 100
        spec["low"] = min(low, 10 ** _log10_floor(value))
        spec["high"] = max(high, 10 ** _log10_ceil(value), spec["low"] * 10)
        return spec
    # "float" (and a "log" parameter whose value is not positive)
    spec["kind"] = "float"
    low = float(param.low) if param.low is not None else min(0.0, float(value))
    high = float(param.high) if param.high is not None else max(2 * abs(float(value)), 1.0)
    low, high = min(low, float(value)), max(high, float(value))
    spec["low"], spec["high"] = low, high if high > low else low + 1.0
    return spec


def _checked(spec: dict[str, Any], value: Any) -> Any:
    """``value`` checked for the control ``spec`` (named by its parameter)."""
    name, kind = spec["name"], spec["kind"]
    if kind == "bool":
        return as_bool(name, value)
    if kind == "choice":
        return as_choice(name, value, spec["choices"])
    if kind == "int":
        return as_int(name, value)
    if kind == "log":
        return as_real(name, value, low=0.0, low_open=True)
    return as_real(name, value)


def _widened(spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """``spec`` with its range widened to hold ``value`` (log ranges to whole decades)."""
    if spec["kind"] in ("bool", "choice"):
        return spec
    low, high = spec["low"], spec["high"]
    if spec["kind"] == "log":
        low = min(low, 10 ** _log10_floor(value)) if value < low else low
        high = max(high, 10 ** _log10_ceil(value)) if value > high else high
    else:
        low, high = min(low, value), max(high, value)
    return spec | {"low": low, "high": high}


# ----------------------------------------------------------------------------- the panel


class Explorer(anywidget.AnyWidget):
    """An explorer of one schedule, an ``anywidget`` (build it with :func:`explore`).

    Read by lessons and tests: ``curve`` (``lr_curve`` of the current values, the numbers the
    page draws; ``None`` after an error), ``torch_curve`` (the dashed torch overlay or
    ``None``), ``shrink`` (with a ``weight_decay``: :func:`lrcourse.cumulative_shrink` of the
    curve, drawn on a right-hand axis), ``error`` (the message shown, or ``None``),
    ``controls`` (parameter name -> its slider: kind and range, one per registry parameter not
    fixed), ``fixed``, ``values()``, ``steps``, ``lr``, ``weight_decay``, ``log_scale``,
    ``overlay_torch``, ``last_redraw_s``. The other traits are what the front end reads
    (``lrcourse/static/explorer.js`` lists them).
    """

    _esm = web.explorer_module()

    schedule = t.Unicode().tag(sync=True)
    registry = t.Dict().tag(sync=True)
    sliders = t.List().tag(sync=True)
    params = t.Dict().tag(sync=True)
    fixed_json = t.Dict().tag(sync=True)
    steps = t.Int(1).tag(sync=True)
    steps_max = t.Int(1).tag(sync=True)
    lr = t.Float(0.1).tag(sync=True)
    lr_low = t.Float(1e-4).tag(sync=True)
    lr_high = t.Float(1.0).tag(sync=True)
    weight_decay = t.Float(None, allow_none=True).tag(sync=True)
    wd_low = t.Float(1e-6).tag(sync=True)
    wd_high = t.Float(0.1).tag(sync=True)
    log_scale = t.Bool(False).tag(sync=True)
    overlay_torch = t.Bool(False).tag(sync=True)
    torch_lrs = t.List().tag(sync=True)
    python_lrs = t.List().tag(sync=True)
    metric = t.List().tag(sync=True)
    metric_given = t.Bool(False).tag(sync=True)
    error = t.Unicode(None, allow_none=True).tag(sync=True)
    has_kernel = t.Bool(True).tag(sync=True)
    notes = t.List().tag(sync=True)

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
        steps = as_int("steps", info.default_steps if steps is None else steps, low=1)
        lr = as_real("lr", 0.1 if lr is None else lr, low=0.0, low_open=True)
        wd = None
        if weight_decay is not None:
            wd = as_real("weight_decay", weight_decay, low=0.0, low_open=True)

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
        sliders, values = [], {}
        for p in info.params:
            if p.name in fixed:
                continue
            value = start.get(p.name, p.default)
            try:
                sliders.append(_control(p, value))
                values[p.name] = value
            except ValueError:  # a value no slider can hold (e.g. None): shown as fixed
                self.fixed[p.name] = value

        self.curve: np.ndarray | None = None
        self.torch_curve: np.ndarray | None = None
        self.shrink: np.ndarray | None = None
        self.last_redraw_s = float("nan")
        self._hold = True
        super().__init__()
        with self.hold_trait_notifications():
            self.schedule = name
            self.registry = {"schedules": self._registry_entries()}
            self.sliders = sliders
            self.params = values
            self.steps = int(steps)
            self.steps_max = max(STEPS_RANGE * int(info.default_steps), int(steps))
            self.lr = lr
            self.lr_low = min(1e-4, 10 ** _log10_floor(lr))
            self.lr_high = max(1.0, 10 ** _log10_ceil(lr))
            if wd is not None:
                self.weight_decay = wd
                self.wd_low = min(1e-6, 10 ** _log10_floor(wd))
                self.wd_high = max(0.1, 10 ** _log10_ceil(wd))
            self._set_fixed_json()
            self._set_metric()
            self.notes = self._notes()
        self._hold = False
        self.redraw()

    # -- what the front end reads -----------------------------------------------------------

    def _registry_entries(self) -> dict[str, Any]:
        """The registry entries the front end needs: this schedule's and its sub-schedules'."""
        names = [self.name] + [sub for sub, _ in self.fixed.get("schedulers") or ()]
        return {n: web.schedule_dict(n) for n in dict.fromkeys(names)}

    def _set_fixed_json(self) -> None:
        """The fixed arguments as JSON; where one has no JavaScript form (a Python lambda), the
        front end draws the kernel's curve instead (``python_lrs``)."""
        try:
            self.fixed_json = web.jsonable(self.fixed)
            self._static = True
        except ParameterError:
            self.fixed_json = {}
            self._static = False

    def _set_metric(self) -> None:
        if not self.info.needs_metrics:
            return
        if self._metrics is not None:
            self.metric = np.asarray(self._metrics, dtype=float).tolist()
            self.metric_given = True
        else:  # mode "min"; the front end mirrors it for mode "max", as synthetic_metric does
            self.metric = synthetic_metric(self.steps_max).tolist()

    def _notes(self) -> list[str]:
        notes = []
        if self.fixed:
            shown = ", ".join(f"{k}={format_value(v)}" for k, v in self.fixed.items())
            notes.append(f"fixed: {shown}")
        if self.info.needs_metrics and self._metrics is None:
            notes.append(
                "metric: lc.synthetic_metric(steps, mode=mode, seed=0), a seeded noisy loss "
                "that plateaus"
            )
        return notes

    @property
    def controls(self) -> dict[str, dict[str, Any]]:
        """Parameter name -> its slider (``kind``, ``low``, ``high``, ``choices``, ``help``)."""
        return {spec["name"]: spec for spec in self.sliders}

    def settings(self) -> list[str]:
        """The names :meth:`set` takes: the sliders, steps, lr, weight_decay (when shown), log
        and overlay_torch."""
        extra = ["weight_decay"] if self.weight_decay is not None else []
        return [*self.controls, "steps", "lr", *extra, "log", "overlay_torch"]

    # -- computing --------------------------------------------------------------------------

    @t.observe("params", "steps", "lr", "weight_decay", "overlay_torch")
    def _on_change(self, _change: Any) -> None:
        if not self._hold:
            self.redraw()

    def values(self) -> dict[str, Any]:
        """The keyword arguments of the curve, in the registry's order (then any extras)."""
        params = self.params
        out = {
            p.name: params[p.name] if p.name in params else self.fixed[p.name]
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
        """Recompute the curve (and overlay, shrink factor, error) from the values; never
        raises. The front end redraws its picture from the same values."""
        from .decay import cumulative_shrink
        from .reference import torch_lr_curve
        from .schedules import lr_curve

        t0 = time.perf_counter()
        steps, lr, kwargs = self.steps, self.lr, self._call_kwargs()
        self.curve = self.torch_curve = self.shrink = None
        error = None
        try:
            self.curve = np.asarray(lr_curve(self.name, steps, lr=lr, **kwargs), dtype=float)
        except Exception as err:  # any invalid combination is shown, not raised
            error = f"{type(err).__name__}: {err}"
        if self.curve is not None and self.weight_decay is not None:
            try:
                self.shrink = cumulative_shrink(self.curve, float(self.weight_decay))
            except Exception as err:
                error = f"{type(err).__name__}: {err}"
        if self.curve is not None and self.overlay_torch:
            try:
                self.torch_curve = np.asarray(
                    torch_lr_curve(self.name, steps, lr=lr, **kwargs), dtype=float
                )
            except Exception as err:
                error = f"torch raised {type(err).__name__}: {err}"
        with self.hold_trait_notifications():
            self.error = error
            self.torch_lrs = [] if self.torch_curve is None else self.torch_curve.tolist()
            if not self._static:
                self.python_lrs = [] if self.curve is None else self.curve.tolist()
        self.last_redraw_s = time.perf_counter() - t0

    # -- driving it from code ---------------------------------------------------------------

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Change several values and recompute once at the end."""
        held, self._hold = self._hold, True
        try:
            yield
        finally:
            self._hold = held
            if not held:
                self.redraw()  # never raises

    def set(self, **values: Any) -> Explorer:
        """Set values by name (parameters, ``steps``, ``lr``, ``weight_decay``, ``log``,
        ``overlay_torch``), recompute once, and return the panel; ``panel.set(T_max=50).curve``
        is the new curve.

        Slider ranges widen to hold the value. An unknown or fixed name, or a value a control
        cannot hold (a non-int for an int slider, a choice not offered), raises ``ValueError``;
        a value the schedule rejects is shown in the panel (``panel.error``) instead.
        """
        names = self.settings()
        for key in values:
            if key in self.fixed:
                raise fail(key, "a control, not fixed (build a new panel with explore())")
            if key not in names:
                raise fail(
                    "key",
                    f"a control of this panel, one of {names}",
                    key,
                    hint=did_you_mean(key, names),
                )
        checked: dict[str, Any] = {}
        for key, value in values.items():  # every value checked before any is set
            if key == "steps":
                checked[key] = as_int("steps", value, low=1)
            elif key in ("lr", "weight_decay"):
                checked[key] = as_real(key, value, low=0.0, low_open=True)
            elif key in ("log", "overlay_torch"):
                checked[key] = as_bool(key, value)
            else:
                checked[key] = _checked(self.controls[key], value)
        with self.hold(), self.hold_trait_notifications():
            params, sliders = dict(self.params), list(self.sliders)
            for key, value in checked.items():
                if key in params:
                    params[key] = value
                    sliders = [_widened(s, value) if s["name"] == key else s for s in sliders]
                elif key == "steps":
                    if value > self.steps_max:
                        self.steps_max = value
                        if self.info.needs_metrics and self._metrics is None:
                            self.metric = synthetic_metric(value).tolist()
                    self.steps = value
                elif key == "lr":
                    self.lr_low = min(self.lr_low, 10 ** _log10_floor(value))
                    self.lr_high = max(self.lr_high, 10 ** _log10_ceil(value))
                    self.lr = value
                elif key == "weight_decay":
                    self.wd_low = min(self.wd_low, 10 ** _log10_floor(value))
                    self.wd_high = max(self.wd_high, 10 ** _log10_ceil(value))
                    self.weight_decay = value
                elif key == "log":
                    self.log_scale = value
                else:
                    self.overlay_torch = value
            self.sliders, self.params = sliders, params
        return self

    # -- representations --------------------------------------------------------------------

    def __repr__(self) -> str:
        try:
            kwargs = self.values()
            inner = ", ".join(f"{k}={format_value(v)}" for k, v in kwargs.items())
            return f"Explorer({self.name}: {inner}; lr={format_value(self.lr)}, {self.steps} steps)"
        except AttributeError:  # during construction
            return "Explorer(...)"

    def static_state(self) -> dict[str, Any]:
        """The front end's model as plain data, for the page without a kernel."""
        keys = [name for name in self.trait_names(sync=True) if not name.startswith("_")]
        keys = [k for k in keys if k not in ("layout", "tabbable", "tooltip", "comm")]
        state = {k: web.jsonable(getattr(self, k)) for k in keys}
        state.update(has_kernel=False, torch_lrs=[], overlay_torch=False, error=None)
        return state

    def static_html(self) -> str:
        """The explorer for a page with no kernel: the same front end with a local model over
        :meth:`static_state` (:func:`lrcourse.web.static_explorer_html`)."""
        return web.static_explorer_html(self.static_state(), schedule=self.name, text=repr(self))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        data = dict(bundle[0] if isinstance(bundle, tuple) else bundle)
        data["text/plain"] = repr(self)
        data["text/html"] = self.static_html()
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
    top (a kernel computes it). Each change redraws :math:`\eta_k` = ``lr_curve(name, steps,
    lr=lr, **values)`` in the browser (``lrcourse/static/explorer.js``: a live notebook and the
    static HTML book run the same front end) and in Python (``panel.curve``); an invalid
    combination shows its error message instead.
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
