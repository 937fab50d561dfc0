"""lrcourse.widgets: the explorer built from the registry, driven from code (no browser)."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

import lrcourse as lc
from lrcourse.registry import Param

NAMES = lc.schedule_names()
KIND_WIDGET = {
    "int": widgets.IntSlider,
    "float": widgets.FloatSlider,
    "log": widgets.FloatLogSlider,
    "choice": widgets.Dropdown,
    "bool": widgets.Checkbox,
}


def expected_curve(name: str, steps: int, lr: float = 0.1, **overrides) -> np.ndarray:
    """lr_curve with the registry's defaults and example, computed independently of the panel."""
    info = lc.SCHEDULES[name]
    kwargs = info.defaults() | overrides
    if info.needs_metrics:
        kwargs["metrics"] = lc.synthetic_metric(steps, mode=kwargs.get("mode", "min"))
    return lc.lr_curve(name, steps, lr=lr, **kwargs)


def another_value(param: Param, current):
    """A different value inside the registry's range that every schedule accepts."""
    if param.kind == "bool":
        return not current
    if param.kind == "choice":
        return next(c for c in param.choices if c != current)
    if param.kind == "int":
        return current + 1 if current + 1 <= param.high else current - 1
    if param.kind == "log":
        return current * 1.5 if current * 1.5 <= param.high else current / 1.5
    return current + (param.high - current) / 3 if current < param.high else current * 0.9


@pytest.mark.parametrize("name", NAMES)
def test_one_control_per_registry_param_and_the_default_curve(name):
    info = lc.SCHEDULES[name]
    panel = lc.explore(name)
    assert list(panel.controls) == [p.name for p in info.params]
    for p in info.params:
        assert type(panel.controls[p.name]) is KIND_WIDGET[p.kind], p.name
        assert panel.controls[p.name].value == info.defaults()[p.name]
    assert panel.error is None
    np.testing.assert_array_equal(panel.curve, expected_curve(name, info.default_steps))
    np.testing.assert_array_equal(panel.line.get_ydata(), panel.curve)


@pytest.mark.parametrize("name", [n for n in NAMES if lc.SCHEDULES[n].params])
def test_changing_each_control_redraws_exactly_lr_curve(name):
    info = lc.SCHEDULES[name]
    panel = lc.explore(name)
    figure = panel.figure
    for p in info.params:
        old = panel.controls[p.name].value
        new = another_value(p, old)
        image, before = panel.image.value, panel.curve
        panel.controls[p.name].value = new  # as a slider move would
        assert panel.error is None, (p.name, panel.error)
        want = expected_curve(name, info.default_steps, **(panel.values() | {p.name: new}))
        np.testing.assert_array_equal(panel.curve, want)
        np.testing.assert_array_equal(panel.line.get_ydata(), want)
        if not np.array_equal(want, before):
            assert panel.image.value != image  # the picture was redrawn
        panel.controls[p.name].value = old  # one change at a time, from the defaults
    assert panel.figure is figure  # the line is updated in place, no new figure


def test_set_drives_params_steps_and_lr_at_once():
    panel = lc.explore("CosineAnnealingLR")
    curve = panel.set(T_max=40, eta_min=0.0123, steps=57, lr=0.5).curve
    np.testing.assert_array_equal(
        curve, lc.lr_curve("CosineAnnealingLR", 57, lr=0.5, T_max=40, eta_min=0.0123)
    )
    np.testing.assert_array_equal(panel.line.get_xdata(), np.arange(57))


def test_set_widens_a_slider_to_hold_the_value():
    panel = lc.explore("CosineAnnealingLR")
    panel.set(T_max=2000, steps=3000)
    assert panel.controls["T_max"].max >= 2000
    np.testing.assert_array_equal(panel.curve, lc.lr_curve("CosineAnnealingLR", 3000, T_max=2000))


def test_overlay_checkbox_adds_the_torch_curve_dashed():
    panel = lc.explore("OneCycleLR")
    assert [line.get_visible() for line in panel.ax.get_lines()] == [True, False]
    panel.overlay_checkbox.value = True
    torch_curve = lc.torch_lr_curve("OneCycleLR", 100, **lc.SCHEDULES["OneCycleLR"].defaults())
    assert panel.torch_line.get_visible() and panel.torch_line.get_linestyle() == "--"
    np.testing.assert_array_equal(panel.torch_line.get_ydata(), torch_curve)
    np.testing.assert_allclose(panel.curve, torch_curve, rtol=1e-12, atol=1e-15)
    assert "torch" in panel.message.value
    panel.set(pct_start=0.5)  # the overlay follows the sliders
    np.testing.assert_array_equal(
        panel.torch_curve,
        lc.torch_lr_curve(
            "OneCycleLR", 100, **(lc.SCHEDULES["OneCycleLR"].defaults() | {"pct_start": 0.5})
        ),
    )
    panel.overlay_checkbox.value = False
    assert not panel.torch_line.get_visible() and panel.torch_curve is None


def test_log_checkbox_switches_the_y_axis():
    panel = lc.explore("ExponentialLR")
    assert panel.ax.get_yscale() == "linear"
    panel.log_checkbox.value = True
    assert panel.ax.get_yscale() == "log"


@pytest.mark.parametrize(
    ("name", "bad", "good", "words"),
    [
        ("OneCycleLR", {"steps": 150}, {"steps": 101}, "total_steps"),
        ("CosineAnnealingLR", {"T_max": 0}, {"T_max": 1}, "T_max"),
        ("warmup_stable_decay", {"decay_steps": 95}, {"decay_steps": 90}, "decay_steps"),
    ],
)
def test_invalid_value_shows_the_error_and_does_not_raise(name, bad, good, words):
    panel = lc.explore(name)
    panel.set(**bad)
    assert panel.error is not None and words in panel.error
    assert "Not drawn" in panel.message.value and words in panel.message.value
    assert panel.curve is None and len(panel.line.get_ydata()) == 0
    panel.set(**good)
    assert panel.error is None and "Not drawn" not in panel.message.value
    params = dict(good)
    steps = params.pop("steps", lc.SCHEDULES[name].default_steps)
    np.testing.assert_array_equal(panel.curve, expected_curve(name, steps, **params))


def test_fixed_parameters_are_not_sliders():
    panel = lc.explore("StepLR", 60, gamma=0.5)
    assert list(panel.controls) == ["step_size"]
    assert "gamma=0.5" in panel.children[0].value
    np.testing.assert_array_equal(panel.curve, lc.lr_curve("StepLR", 60, step_size=30, gamma=0.5))
    with pytest.raises(ValueError, match="gamma"):
        panel.set(gamma=0.2)


def test_callable_and_combined_schedules_use_the_registry_example():
    for name in ("LambdaLR", "MultiplicativeLR", "SequentialLR", "ChainedScheduler"):
        panel = lc.explore(name)
        assert panel.controls == {} and set(panel.fixed) == set(lc.SCHEDULES[name].example)
        np.testing.assert_array_equal(panel.curve, expected_curve(name, 100))


def test_plateau_uses_the_seeded_synthetic_metric_or_the_given_one():
    panel = lc.explore("ReduceLROnPlateau", 120)
    np.testing.assert_array_equal(panel.metrics(), lc.synthetic_metric(120))
    assert np.any(np.diff(panel.curve) < 0)  # the plateau triggers at least one cut
    metrics = np.linspace(1.0, 2.0, 50)  # only getting worse: a cut every patience + 1 steps
    given = lc.explore("ReduceLROnPlateau", 50, metrics=metrics, patience=4)
    np.testing.assert_array_equal(
        given.curve, lc.lr_curve("ReduceLROnPlateau", 50, metrics=metrics, patience=4)
    )


def test_synthetic_metric_is_seeded_and_mirrors_for_max():
    a, b = lc.synthetic_metric(80), lc.synthetic_metric(80)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(lc.synthetic_metric(80, mode="max"), 1.0 - a)
    assert not np.array_equal(a, lc.synthetic_metric(80, seed=1))
    assert a[:10].mean() > a[-10:].mean()
    for kwargs, match in [({"steps": 0}, "steps"), ({"steps": 5, "mode": "up"}, "mode")]:
        with pytest.raises(ValueError, match=match):
            lc.synthetic_metric(**kwargs)


def test_repr_is_readable_text():
    panel = lc.explore("CosineAnnealingLR")
    assert repr(panel) == "Explorer(CosineAnnealingLR: T_max=100, eta_min=0.0; lr=0.1, 100 steps)"
    panel.set(T_max=50, steps=80)
    bundle = panel._repr_mimebundle_()
    assert (
        bundle["text/plain"]
        == "Explorer(CosineAnnealingLR: T_max=50, eta_min=0.0; lr=0.1, 80 steps)"
    )
    assert "application/vnd.jupyter.widget-view+json" in bundle
    long = repr(lc.explore("OneCycleLR"))
    assert long.startswith("Explorer(OneCycleLR: max_lr=0.1,") and "children" not in long


def test_panel_figures_stay_out_of_pyplot():
    before = plt.get_fignums()
    lc.explore("StepLR")
    assert plt.get_fignums() == before


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (("NoSuchLR",), {}, "name"),
        (("StepLR", 0), {}, "steps"),
        (("StepLR",), {"lr": -0.1}, "lr"),
        (("StepLR",), {"weight_decay": 0.0}, "weight_decay"),
        (("StepLR",), {"weight_decay": "1e-4"}, "weight_decay"),
    ],
)
def test_bad_construction(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lc.explore(*args, **kwargs)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"nope": 1}, "nope"),
        ({"steps": 0}, "steps"),
        ({"step_size": 2.5}, "step_size"),
        ({"log": "yes"}, "log"),
    ],
)
def test_bad_set(change, match):
    panel = lc.explore("StepLR")
    with pytest.raises(ValueError, match=match):
        panel.set(**change)
    assert panel.error is None


def test_bad_choice_in_set():
    with pytest.raises(ValueError, match="anneal_strategy"):
        lc.explore("OneCycleLR").set(anneal_strategy="cubic")


def test_total_steps_follows_the_steps_given():
    panel = lc.explore("OneCycleLR", 1000)
    assert panel.controls["total_steps"].value == 1000 and panel.error is None
    np.testing.assert_array_equal(panel.curve, expected_curve("OneCycleLR", 1000, total_steps=1000))


def test_weight_decay_adds_a_slider_and_the_factor_decay_leaves():
    panel = lc.explore("CosineAnnealingLR", 200, weight_decay=5e-3).set(T_max=200)
    assert "weight_decay" in panel._all_controls() and panel.wd_slider in panel.children
    want = lc.cumulative_shrink(expected_curve("CosineAnnealingLR", 200, T_max=200), 5e-3)
    assert np.allclose(panel.shrink, want)
    assert np.allclose(panel.shrink_line.get_ydata(), want)
    assert "weight decay leaves" in panel.message.value
    stronger = panel.set(weight_decay=2e-2).shrink
    assert stronger[-1] < want[-1]
    assert np.allclose(stronger, lc.cumulative_shrink(panel.curve, 2e-2))
    panel.set(lr=0.5, weight_decay=5.0)  # lr * wd >= 1: shown, not raised
    assert panel.shrink is None and "weight_decay" in panel.error
    plain = lc.explore("CosineAnnealingLR", 200)
    assert plain.wd_slider is None and plain.shrink is None and plain.shrink_ax is None
    assert "weight_decay" not in plain._all_controls()
