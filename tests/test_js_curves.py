"""The static page's JavaScript closed forms (lrcourse/static/lrcurve.js) equal lc.lr_curve.

The module runs in V8 embedded by the ``mini-racer`` wheel (no node, no browser), as a classic
script (:func:`lrcourse.web.lrcurve_script`). Curves cross the boundary as JSON, which carries
every float exactly (shortest round-trip repr both ways); a NaN would arrive as ``null`` and
fail the comparison. Tolerance as tests/schedule_cases.py: rtol 1e-9, atol 1e-12 times the peak.
"""

from __future__ import annotations

import json
import math
import tomllib
import warnings
from pathlib import Path, PurePosixPath

import numpy as np
import py_mini_racer  # pinned in the dev extra: a missing engine fails, not skips
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schedule_cases import (
    COMBINABLE_KWARGS,
    KWARGS,
    MODERN_KWARGS,
    fractional_t_max_st,
    lr_st,
    metric_values,
    steps_st,
)

import lrcourse as lc
from lrcourse import web
from lrcourse.schedules import COMBINABLE, SCHEDULES
from lrcourse.validation import ParameterError

JS_PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
REGISTRY = json.loads(web.registry_json())


@pytest.fixture(scope="module")
def js():
    """A V8 context with lrcurve.js and the serialised registry loaded."""
    ctx = py_mini_racer.MiniRacer()
    try:
        ctx.eval(web.lrcurve_script())
        ctx.eval(f"const REGISTRY = JSON.parse({json.dumps(web.registry_json())});")
        ctx.eval(
            """function curveJSON(args) {
                 const a = JSON.parse(args);
                 const kw = completeKwargs(REGISTRY, a.name, a.kwargs);
                 return JSON.stringify(Array.from(lrCurve(a.name, a.steps, a.lr, kw, a.metrics)));
               }"""
        )
        yield ctx
    finally:
        ctx.close()  # an open context keeps the interpreter from exiting


def js_curve(js, name, steps, lr, kwargs, metrics=None) -> np.ndarray:
    args = {"name": name, "steps": steps, "lr": lr, "kwargs": kwargs, "metrics": metrics}
    text = js.eval(f"curveJSON({json.dumps(json.dumps(args, allow_nan=False))})")
    return np.asarray(json.loads(text), dtype=np.float64)


def python_curve(name, steps, lr, kwargs, metrics=None) -> np.ndarray:
    with warnings.catch_warnings():  # torch's surprises, which lr_curve reproduces
        warnings.simplefilter("ignore")
        return lc.lr_curve(name, steps, lr=lr, metrics=metrics, **web.python_kwargs(name, kwargs))


def assert_js_matches(js, name, steps, lr, kwargs, metrics=None, *, valid_only=False):
    """``lrCurve`` equals ``lc.lr_curve`` (``valid_only``: skip what lr_curve refuses)."""
    try:
        expected = python_curve(name, steps, lr, kwargs, metrics)
    except ParameterError:
        if valid_only:
            assume(False)
        raise
    got = js_curve(js, name, steps, lr, kwargs, metrics)
    assert got.shape == expected.shape
    peak = max(float(np.max(np.abs(expected), initial=0.0)), lr)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12 * peak, err_msg=name)


# --- strategies in the JavaScript's terms: callables as numbers or factor schedules ----------

factor_spec_st = st.sampled_from(sorted(MODERN_KWARGS)).flatmap(
    lambda name: MODERN_KWARGS[name].map(lambda kw, n=name: [n, kw])
)
JS_KWARGS = dict(KWARGS)
JS_KWARGS["LambdaLR"] = st.fixed_dictionaries({"lr_lambda": factor_spec_st})
JS_KWARGS["MultiplicativeLR"] = st.fixed_dictionaries(
    {"lr_lambda": st.floats(0.5, 1.05) | factor_spec_st}
)
JS_KWARGS["CyclicLR"] = KWARGS["CyclicLR"] | st.fixed_dictionaries(
    {
        "base_lr": st.sampled_from([1e-4, 1e-3]),
        "max_lr": st.sampled_from([0.1, 1.0]),
        "step_size_up": st.integers(1, 40),
        "scale_fn": st.floats(0.1, 1.0) | factor_spec_st,
        "scale_mode": st.sampled_from(["cycle", "iterations"]),
    }
)
JS_COMBINABLE = dict(COMBINABLE_KWARGS)
JS_COMBINABLE["LambdaLR"] = JS_KWARGS["LambdaLR"]
JS_COMBINABLE["MultiplicativeLR"] = JS_KWARGS["MultiplicativeLR"]
js_combinable_spec = st.sampled_from(sorted(JS_COMBINABLE)).flatmap(
    lambda name: st.tuples(st.just(name), JS_COMBINABLE[name]).map(list)
)


def _slider_value(param: dict):
    """A value the explorer's control for ``param`` (serialised) can take."""
    kind, low, high = param["kind"], param["low"], param["high"]
    if kind == "int":
        return st.integers(int(low), int(high))
    if kind == "float":
        return st.floats(low, high)
    if kind == "log":
        return st.floats(math.log10(low), math.log10(high)).map(lambda e: 10.0**e)
    if kind == "choice":
        return st.sampled_from(param["choices"])
    if kind == "bool":
        return st.booleans()
    raise AssertionError(f"no slider for {param}")


def slider_kwargs(name: str):
    """The explorer's keyword arguments: every slider anywhere in its range, the example's
    fixed values (both read from the serialised registry)."""
    info = REGISTRY["schedules"][name]
    sliders = st.fixed_dictionaries({p["name"]: _slider_value(p) for p in info["params"]})
    return sliders.map(lambda kw: {**info["example"], **kw})


# --- every schedule has a JavaScript form ----------------------------------------------------


def test_every_schedule_of_the_registry_has_a_js_form(js):
    assert json.loads(js.eval("JSON.stringify(scheduleNames())")) == list(SCHEDULES)
    assert json.loads(js.eval("JSON.stringify(COMBINABLE)")) == list(COMBINABLE)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_registry_example_matches(js, name):
    """The curve each explorer opens with (the registry's defaults and example)."""
    info = REGISTRY["schedules"][name]
    kwargs = {p["name"]: p["default"] for p in info["params"]} | info["example"]
    steps = info["default_steps"]
    metrics = REGISTRY["metrics"]["ReduceLROnPlateau"][:steps] if info["needs_metrics"] else None
    if name == "OneCycleLR":
        steps = kwargs["total_steps"]
    assert_js_matches(js, name, steps, 0.1, kwargs, metrics)


# --- randomised configurations ---------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in SCHEDULES if not SCHEDULES[n].needs_metrics])
@JS_PROPERTY
@given(data=st.data(), steps=steps_st, lr=lr_st)
def test_slider_ranges_match(js, name, data, steps, lr):
    """Anywhere in the registry's slider ranges (what the static explorer can produce)."""
    kwargs = data.draw(slider_kwargs(name))
    if name == "OneCycleLR":
        steps = min(steps, kwargs["total_steps"] + 1)
    assert_js_matches(js, name, steps, lr, kwargs, valid_only=True)


@JS_PROPERTY
@given(data=st.data(), steps=st.integers(0, 400))
def test_plateau_slider_ranges_on_the_shipped_metric_match(js, data, steps):
    kwargs = data.draw(slider_kwargs("ReduceLROnPlateau"))
    metric = REGISTRY["metrics"]["ReduceLROnPlateau"][:steps]
    if kwargs["mode"] == "max":  # the explorer's accuracy: 1 - loss, as syntheticMetric gives
        metric = json.loads(
            js.eval(f"JSON.stringify(syntheticMetric({json.dumps(metric)}, {steps}, 'max'))")
        )
    assert_js_matches(js, "ReduceLROnPlateau", steps, 0.1, kwargs, metric)


@pytest.mark.parametrize("name", sorted(JS_KWARGS))
@JS_PROPERTY
@given(data=st.data(), steps=steps_st, lr=lr_st)
def test_torch_schedulers_match(js, name, data, steps, lr):
    """tests/schedule_cases.py's configurations: negative, fractional and past-the-end values
    torch accepts (fractional T_max included), all CyclicLR modes, scale_fn, three_phase."""
    kwargs = data.draw(JS_KWARGS[name])
    metrics = None
    if name == "ReduceLROnPlateau":
        metrics = data.draw(st.lists(metric_values, min_size=steps, max_size=steps))
    if name == "OneCycleLR":
        total = data.draw(st.integers(max(steps - 1, 10), 400))
        kwargs = kwargs | {"total_steps": total}
    assert_js_matches(js, name, steps, lr, kwargs, metrics, valid_only=True)


@pytest.mark.parametrize("name", sorted(MODERN_KWARGS))
@JS_PROPERTY
@given(data=st.data(), steps=steps_st, lr=lr_st)
def test_factor_schedules_match(js, name, data, steps, lr):
    assert_js_matches(js, name, steps, lr, data.draw(MODERN_KWARGS[name]))


@JS_PROPERTY
@given(
    subs=st.lists(js_combinable_spec, min_size=1, max_size=4),
    data=st.data(),
    steps=steps_st,
    lr=lr_st,
)
def test_sequential_lr_matches(js, subs, data, steps, lr):
    n = len(subs) - 1
    milestones = sorted(data.draw(st.lists(st.integers(0, 150), min_size=n, max_size=n)))
    kwargs = {"schedulers": subs, "milestones": milestones}
    assert_js_matches(js, "SequentialLR", steps, lr, kwargs, valid_only=True)


@JS_PROPERTY
@given(subs=st.lists(js_combinable_spec, min_size=1, max_size=4), steps=steps_st, lr=lr_st)
def test_chained_scheduler_matches(js, subs, steps, lr):
    assert_js_matches(js, "ChainedScheduler", steps, lr, {"schedulers": subs}, valid_only=True)


# --- the edge cases, each named ----------------------------------------------------------------


@pytest.mark.parametrize("t_max", [30, 7, -12, 30.0])
def test_cosine_past_t_max(js, t_max):
    assert_js_matches(js, "CosineAnnealingLR", 300, 0.1, {"T_max": t_max, "eta_min": 1e-3})


@pytest.mark.parametrize("t_max", list(fractional_t_max_st.elements))
def test_cosine_fractional_t_max_runs_torchs_recursion(js, t_max):
    assert_js_matches(js, "CosineAnnealingLR", 300, 0.1, {"T_max": t_max, "eta_min": 0.0})


@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("pct", [0.05, 0.3, 0.5, 0.95])
def test_one_cycle_three_phase(js, anneal, pct):
    kwargs = {"max_lr": 0.5, "total_steps": 200, "pct_start": pct, "anneal_strategy": anneal}
    kwargs["three_phase"] = True
    assert_js_matches(js, "OneCycleLR", 201, 0.1, kwargs, valid_only=False)


def test_one_cycle_from_epochs_and_steps_per_epoch(js):
    """total_steps left out: completeKwargs fills torch's None from the registry."""
    kwargs = {"max_lr": 0.3, "epochs": 6, "steps_per_epoch": 17, "pct_start": 0.25}
    assert_js_matches(js, "OneCycleLR", 6 * 17, 0.1, kwargs)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
@pytest.mark.parametrize("down", [None, 7, 30.5])
def test_cyclic_modes(js, mode, down):
    kwargs = {"base_lr": 1e-3, "max_lr": 0.2, "step_size_up": 12, "step_size_down": down}
    kwargs |= {"mode": mode, "gamma": 0.99}
    assert_js_matches(js, "CyclicLR", 300, 0.1, kwargs)


@pytest.mark.parametrize("scale_mode", ["cycle", "iterations"])
def test_cyclic_scale_fn_as_a_factor_schedule(js, scale_mode):
    scale_fn = ["transformers_inverse_sqrt", {"warmup_steps": 0, "timescale": 3}]
    kwargs = {"base_lr": 1e-3, "max_lr": 0.2, "step_size_up": 10, "scale_fn": scale_fn}
    assert_js_matches(js, "CyclicLR", 200, 0.1, kwargs | {"scale_mode": scale_mode})


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
@pytest.mark.parametrize(
    "extra",
    [
        {"cooldown": 3},
        {"min_lr": 0.02},
        {"eps": 1e-2, "factor": 0.9},
        {"patience": 0, "cooldown": 1.5},
    ],
)
def test_plateau_threshold_modes_cooldown_min_lr_eps(js, mode, threshold_mode, extra):
    metric = lc.synthetic_metric(300, mode=mode).tolist()
    kwargs = {"mode": mode, "threshold_mode": threshold_mode, "patience": 4, "threshold": 1e-2}
    assert_js_matches(js, "ReduceLROnPlateau", 300, 0.1, kwargs | extra, metric)


def test_a_non_finite_curve_throws_instead_of_returning_nan(js):
    kwargs = {"gamma": 1e10}
    with pytest.raises(ParameterError, match="finite"):
        python_curve("ExponentialLR", 100, 0.1, kwargs)
    with pytest.raises(py_mini_racer.JSEvalException, match="non-finite"):
        js_curve(js, "ExponentialLR", 100, 0.1, kwargs)


# --- the serialised registry -------------------------------------------------------------------


def test_serialised_registry_round_trips(js):
    """Every parameter's default, range and the rest equal the Python registry's, as read
    back in Python and as the JavaScript engine parses it."""
    through_js = json.loads(js.eval("JSON.stringify(REGISTRY)"))
    assert through_js == REGISTRY
    assert list(REGISTRY["schedules"]) == list(SCHEDULES)
    for name, info in SCHEDULES.items():
        entry = REGISTRY["schedules"][name]
        assert entry["summary"] == info.summary and entry["formula"] == info.formula
        assert entry["default_steps"] == info.default_steps
        assert entry["needs_metrics"] == info.needs_metrics
        for key, params in (("params", info.params), ("extra", info.extra)):
            assert [p["name"] for p in entry[key]] == [p.name for p in params]
            for p, q in zip(entry[key], params, strict=True):
                assert p["kind"] == q.kind and p["help"] == q.help and p["counts"] == q.counts
                assert (p["low"], p["high"]) == (q.low, q.high)
                assert p["choices"] == list(q.choices)
                assert p["required"] == q.required
                if not p["callable"] and q.default is not None:
                    assert p["default"] == q.default and type(p["default"]) is type(q.default)
                if not q.required and not p["callable"]:
                    assert p["signature_default"] == q.signature_default
        kwargs = web.python_kwargs(name, entry["example"])  # the example, rebuilt in Python
        assert set(kwargs) == set(info.example)


def test_callables_rebuilt_from_json_equal_the_registry_examples():
    for name in ("LambdaLR", "MultiplicativeLR"):
        rebuilt = web.python_kwargs(name, REGISTRY["schedules"][name]["example"])["lr_lambda"]
        original = SCHEDULES[name].example["lr_lambda"]
        assert [rebuilt(k) for k in range(150)] == [original(k) for k in range(150)]


def test_the_shipped_metric_is_the_explorers_synthetic_metric():
    shipped = REGISTRY["metrics"]["ReduceLROnPlateau"]
    for n in (1, 37, len(shipped)):
        assert shipped[:n] == lc.synthetic_metric(n).tolist()


def test_the_module_ships_as_package_data():
    """An installed lrcourse has lrcurve.js: pyproject's package data names it."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["lrcourse"]
    relative = web.LRCURVE_JS.relative_to(Path(lc.__file__).parent)
    assert any(PurePosixPath(relative.as_posix()).match(p) for p in patterns)


def test_a_callable_without_a_javascript_form_is_refused():
    with pytest.raises(ParameterError, match="lr_lambda"):
        web.python_callable(["no_such_factor", {}])
    with pytest.raises(ParameterError, match="js_value"):
        web.jsonable(lambda k: 1.0)
