"""lrcourse.widgets: the explorer built from the registry, driven from code, and its front end
(lrcourse/static/explorer.js) computing the same curve in embedded V8 (no browser)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import matplotlib.pyplot as plt
import numpy as np
import py_mini_racer
import pytest

import lrcourse as lc
from lrcourse import web
from lrcourse.registry import Param

NAMES = lc.schedule_names()


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
        assert panel.controls[p.name]["kind"] == p.kind, p.name
        assert panel.params[p.name] == info.defaults()[p.name]
        if p.kind in ("int", "float", "log"):
            assert panel.controls[p.name]["low"] <= panel.params[p.name]
            assert panel.params[p.name] <= panel.controls[p.name]["high"]
    assert panel.error is None
    np.testing.assert_array_equal(panel.curve, expected_curve(name, info.default_steps))


@pytest.mark.parametrize("name", [n for n in NAMES if lc.SCHEDULES[n].params])
def test_changing_each_control_redraws_exactly_lr_curve(name):
    info = lc.SCHEDULES[name]
    panel = lc.explore(name)
    for p in info.params:
        old = panel.params[p.name]
        new = another_value(p, old)
        panel.params = panel.params | {p.name: new}  # as the front end sends a slider move
        assert panel.error is None, (p.name, panel.error)
        want = expected_curve(name, info.default_steps, **(panel.values() | {p.name: new}))
        np.testing.assert_array_equal(panel.curve, want)
        panel.params = panel.params | {p.name: old}  # one change at a time, from the defaults


def test_set_drives_params_steps_and_lr_at_once():
    panel = lc.explore("CosineAnnealingLR")
    curve = panel.set(T_max=40, eta_min=0.0123, steps=57, lr=0.5).curve
    np.testing.assert_array_equal(
        curve, lc.lr_curve("CosineAnnealingLR", 57, lr=0.5, T_max=40, eta_min=0.0123)
    )
    assert (panel.steps, panel.lr, panel.params["T_max"]) == (57, 0.5, 40)


def test_set_widens_a_slider_to_hold_the_value():
    panel = lc.explore("CosineAnnealingLR")
    panel.set(T_max=2000, steps=3000)
    assert panel.controls["T_max"]["high"] >= 2000
    np.testing.assert_array_equal(panel.curve, lc.lr_curve("CosineAnnealingLR", 3000, T_max=2000))


def test_overlay_checkbox_adds_the_torch_curve_dashed():
    panel = lc.explore("OneCycleLR")
    assert panel.torch_curve is None and panel.torch_lrs == []
    panel.overlay_torch = True  # as the front end's checkbox sends it
    torch_curve = lc.torch_lr_curve("OneCycleLR", 100, **lc.SCHEDULES["OneCycleLR"].defaults())
    np.testing.assert_array_equal(panel.torch_curve, torch_curve)
    assert panel.torch_lrs == torch_curve.tolist()  # sent to the front end, drawn dashed
    np.testing.assert_allclose(panel.curve, torch_curve, rtol=1e-12, atol=1e-15)
    panel.set(pct_start=0.5)  # the overlay follows the sliders
    np.testing.assert_array_equal(
        panel.torch_curve,
        lc.torch_lr_curve(
            "OneCycleLR", 100, **(lc.SCHEDULES["OneCycleLR"].defaults() | {"pct_start": 0.5})
        ),
    )
    assert panel.torch_lrs == panel.torch_curve.tolist()
    panel.set(overlay_torch=False)
    assert panel.torch_curve is None and panel.torch_lrs == []


def test_log_checkbox_switches_the_y_axis():
    panel = lc.explore("ExponentialLR")
    assert panel.log_scale is False
    assert panel.set(log=True).log_scale is True


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
    assert panel.error is not None and words in panel.error  # sent to the front end, shown
    assert panel.curve is None
    panel.set(**good)
    assert panel.error is None
    params = dict(good)
    steps = params.pop("steps", lc.SCHEDULES[name].default_steps)
    np.testing.assert_array_equal(panel.curve, expected_curve(name, steps, **params))


def test_fixed_parameters_are_not_sliders():
    panel = lc.explore("StepLR", 60, gamma=0.5)
    assert list(panel.controls) == ["step_size"]
    assert "gamma=0.5" in panel.notes[0]
    assert panel.fixed_json == {"gamma": 0.5}
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
    assert 'class="lrc-explorer" data-schedule="CosineAnnealingLR"' in bundle["text/html"]
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
    assert panel.params["total_steps"] == 1000 and panel.error is None
    np.testing.assert_array_equal(panel.curve, expected_curve("OneCycleLR", 1000, total_steps=1000))


def test_weight_decay_adds_a_slider_and_the_factor_decay_leaves():
    panel = lc.explore("CosineAnnealingLR", 200, weight_decay=5e-3).set(T_max=200)
    assert "weight_decay" in panel.settings() and panel.weight_decay == 5e-3
    want = lc.cumulative_shrink(expected_curve("CosineAnnealingLR", 200, T_max=200), 5e-3)
    assert np.allclose(panel.shrink, want)
    stronger = panel.set(weight_decay=2e-2).shrink
    assert stronger[-1] < want[-1]
    assert np.allclose(stronger, lc.cumulative_shrink(panel.curve, 2e-2))
    panel.set(lr=0.5, weight_decay=5.0)  # lr * wd >= 1: shown, not raised
    assert panel.shrink is None and "weight_decay" in panel.error
    plain = lc.explore("CosineAnnealingLR", 200)
    assert plain.weight_decay is None and plain.shrink is None
    assert "weight_decay" not in plain.settings()


# ----------------------------------------------------------------------------- the front end


@pytest.fixture(scope="module")
def front_end():
    """V8 with the explorer's front end (lrcurve.js bundled in) as a classic script."""
    ctx = py_mini_racer.MiniRacer()
    try:
        ctx.eval(web.explorer_script())
        ctx.eval(
            """function stateJSON(text) {
                 const data = JSON.parse(text);
                 const s = computeState((key) => data[key]);
                 return JSON.stringify({
                   params: s.params, error: s.error, steps: s.steps, lr: s.lr,
                   lrs: s.lrs && Array.from(s.lrs), shrink: s.shrink && Array.from(s.shrink)});
               }"""
        )
        yield ctx
    finally:
        ctx.close()


def front_end_state(ctx, panel) -> dict:
    """What the page computes and draws for the panel's values (its static model)."""
    text = json.dumps(panel.static_state(), allow_nan=False)
    return json.loads(ctx.eval(f"stateJSON({json.dumps(text)})"))


def assert_draws_the_panels_curve(ctx, panel):
    state = front_end_state(ctx, panel)
    assert state["error"] is None, state["error"]
    peak = float(np.max(np.abs(panel.curve), initial=0.0))
    np.testing.assert_allclose(state["lrs"], panel.curve, rtol=1e-9, atol=1e-12 * peak)
    assert (state["steps"], state["lr"]) == (panel.steps, panel.lr)
    kwargs = panel._call_kwargs()
    assert set(state["params"]) == set(kwargs)
    for key, value in kwargs.items():
        assert web.jsonable(value) == state["params"][key], key


@pytest.mark.parametrize("name", NAMES)
def test_the_front_end_draws_the_panels_curve(front_end, name):
    panel = lc.explore(name)
    assert_draws_the_panels_curve(front_end, panel)
    for p in lc.SCHEDULES[name].params[:2]:  # and after a change from Python
        panel.set(**{p.name: another_value(p, panel.params[p.name])})
        if panel.error is None:
            assert_draws_the_panels_curve(front_end, panel)


def test_the_front_end_draws_the_weight_decay_factor(front_end):
    panel = lc.explore("CosineAnnealingLR", 200, weight_decay=5e-3).set(lr=0.3)
    state = front_end_state(front_end, panel)
    np.testing.assert_allclose(state["shrink"], panel.shrink, rtol=1e-12)
    panel.set(weight_decay=5.0)  # lr * wd >= 1: an error in both
    assert "weight_decay" in panel.error
    assert "weight_decay" in front_end_state(front_end, panel)["error"]


def test_the_front_end_draws_a_given_metric_and_a_python_callable(front_end):
    metrics = np.linspace(1.0, 2.0, 50)
    assert_draws_the_panels_curve(front_end, lc.explore("ReduceLROnPlateau", 50, metrics=metrics))
    panel = lc.explore("LambdaLR", 30, lr_lambda=lambda k: 0.9**k)  # no JavaScript form
    assert panel.fixed_json == {} and panel.python_lrs == panel.curve.tolist()
    np.testing.assert_array_equal(front_end_state(front_end, panel)["lrs"], panel.curve)


def test_the_local_model_notifies_like_anywidgets(front_end):
    calls = front_end.eval(
        """(() => {
             const m = localModel({a: 1, b: 2}), seen = [];
             const h = () => seen.push(m.get("a"));
             m.on("change:a", h); m.set("a", 5); m.set("b", 3); m.off("change:a", h);
             m.set("a", 6); m.save_changes();
             return JSON.stringify(seen);
           })()"""
    )
    assert json.loads(calls) == [5]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def test_the_static_html_runs_the_front_end_with_no_kernel_and_no_network():
    panel = lc.explore("StepLR", 60, gamma=0.5)
    page = _Page()
    page.feed(panel._repr_mimebundle_()["text/html"])
    (div_tag, div), (script_tag, script) = page.tags[0], page.tags[-1]
    assert div_tag == "div" and div["class"] == "lrc-explorer"
    assert div["data-schedule"] == "StepLR"
    assert script_tag == "script" and script == {"type": "module"}  # inline: no src
    (code,) = page.scripts
    assert f'getElementById("{div["id"]}")' in code
    names_svg = code.replace('"http://www.w3.org/2000/svg"', "")  # a namespace, not fetched
    assert not re.search(r"\bimport\b|https?://|\bfetch\(", names_svg)
    state, _ = json.JSONDecoder().raw_decode(code, code.index("localModel({") + len("localModel("))
    assert state["has_kernel"] is False and state["params"] == {"step_size": 30}
    assert list(state["registry"]["schedules"]) == ["StepLR"]  # that schedule's entry only
    assert len(code) < 80_000
    other = lc.explore("StepLR", 60, gamma=0.5)._repr_mimebundle_()["text/html"]
    assert f'id="{div["id"]}"' not in other  # two explorers on a page do not collide
