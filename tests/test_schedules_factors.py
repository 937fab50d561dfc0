"""Factor schedules joined by one combinator (schedules.factors) vs torch, transformers, papers."""

from __future__ import annotations

import inspect
import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_cases import (
    COURSE_AND_TRANSFORMERS,
    KWARGS,
    MODERN_KWARGS,
    PROPERTY,
    assert_matches_torch,
    lr_st,
    metric_values,
    steps_st,
)

import lrcourse as lc


@pytest.mark.parametrize("name", sorted(MODERN_KWARGS))
@PROPERTY
@given(data=st.data(), steps=steps_st, lr=lr_st)
def test_modern_schedules_match_torch_lambda_lr(name, data, steps, lr):
    assert_matches_torch(name, steps, lr=lr, **data.draw(MODERN_KWARGS[name]))


# --- the transformers_* forms against the real library --------------------------------------


def _library_curve(make, steps, lr, **kwargs):
    """The LR after k calls to ``step()`` of the LambdaLR that transformers' ``make`` returns."""
    optimizer = lc.make_optimizer(lr)
    scheduler = make(optimizer, **kwargs)
    out = [optimizer.param_groups[0]["lr"]]
    for _ in range(steps - 1):
        optimizer.step()
        scheduler.step()
        out.append(optimizer.param_groups[0]["lr"])
    return np.array(out)


def _assert_library(name, make, steps, lr, kw, **library_kw):
    ours = lc.lr_curve(name, steps, lr=lr, **kw)
    theirs = _library_curve(make, steps, lr, **library_kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15 * max(lr, 1e-300), err_msg=name)
    w = kw["warmup_steps"]
    if w > 0 and kw.get("min_factor", 0.0) == 0.0:
        assert ours[0] == theirs[0] == 0.0  # transformers' first update uses LR 0


TRANSFORMERS_PROPERTY = settings(PROPERTY, max_examples=40)


@TRANSFORMERS_PROPERTY
@given(kw=MODERN_KWARGS["transformers_linear_with_warmup"], lr=lr_st.filter(bool))
def test_transformers_linear_is_the_library(kw, lr):
    from transformers.optimization import get_linear_schedule_with_warmup

    w, t = kw["warmup_steps"], kw["total_steps"]
    _assert_library(
        "transformers_linear_with_warmup",
        get_linear_schedule_with_warmup,
        t + 20,  # past the end: both hold 0
        lr,
        kw,
        num_warmup_steps=w,
        num_training_steps=t,
    )


@TRANSFORMERS_PROPERTY
@given(kw=MODERN_KWARGS["transformers_cosine_with_warmup"], lr=lr_st.filter(bool))
def test_transformers_cosine_is_the_library(kw, lr):
    from transformers.optimization import (
        get_cosine_schedule_with_warmup,
        get_cosine_with_min_lr_schedule_with_warmup,
    )

    w, t, m = kw["warmup_steps"], kw["total_steps"], kw["min_factor"]
    library = {"num_warmup_steps": w, "num_training_steps": t}
    if m == 0.0:
        make = get_cosine_schedule_with_warmup
    else:
        make, library["min_lr_rate"] = get_cosine_with_min_lr_schedule_with_warmup, m
    # steps 0..T: after T transformers' cosine climbs again (num_cycles=0.5), ours holds m
    _assert_library("transformers_cosine_with_warmup", make, t + 1, lr, kw, **library)


@TRANSFORMERS_PROPERTY
@given(kw=MODERN_KWARGS["transformers_constant_with_warmup"], lr=lr_st.filter(bool))
def test_transformers_constant_is_the_library(kw, lr):
    from transformers.optimization import get_constant_schedule_with_warmup

    w = kw["warmup_steps"]
    _assert_library(
        "transformers_constant_with_warmup",
        get_constant_schedule_with_warmup,
        w + 30,
        lr,
        kw,
        num_warmup_steps=w,
    )


@TRANSFORMERS_PROPERTY
@given(kw=MODERN_KWARGS["transformers_warmup_stable_decay"], lr=lr_st.filter(bool))
def test_transformers_wsd_is_the_library(kw, lr):
    from transformers.optimization import get_wsd_schedule

    _assert_library(
        "transformers_warmup_stable_decay",
        get_wsd_schedule,
        kw["total_steps"] + 20,  # past the end: both hold min_factor
        lr,
        kw,
        num_warmup_steps=kw["warmup_steps"],
        num_decay_steps=kw["decay_steps"],
        num_training_steps=kw["total_steps"],
        warmup_type="linear",
        decay_type=kw["cooldown"],
        min_lr_ratio=kw["min_factor"],
    )


# --- transformers' get_scheduler: every SchedulerType has an lc.lr_curve form ---------------


def _horizon(kw):
    return {"num_warmup_steps": kw["warmup_steps"], "num_training_steps": kw["total_steps"]}


@dataclass(frozen=True)
class _Form:
    """One ``SchedulerType``'s lc form: ``lc_name`` with kwargs from ``kwargs``;
    ``library(kw, lr)`` the ``get_scheduler`` arguments that ask for the same schedule;
    ``steps(kw)`` how many steps the two are held equal on."""

    lc_name: str
    kwargs: st.SearchStrategy
    library: Callable[[dict, float], dict]
    steps: Callable[[dict], int]


def _specific(**names):
    """``get_scheduler`` arguments: the horizon, then lc kwarg -> library kwarg renamings."""

    def library(kw, lr):
        return _horizon(kw) | {
            "scheduler_specific_kwargs": {theirs: kw[ours] for ours, theirs in names.items()}
        }

    return library


def _polynomial(kw, lr):
    # the library takes the final LR itself: lr_end = min_factor * lr
    specific = {"lr_end": kw["min_factor"] * lr, "power": kw["power"]}
    return _horizon(kw) | {"scheduler_specific_kwargs": specific}


def _inverse_sqrt(kw, lr):
    specific = {} if kw["timescale"] is None else {"timescale": kw["timescale"]}
    return {"num_warmup_steps": kw["warmup_steps"], "scheduler_specific_kwargs": specific}


def _wsd(kw, lr):
    specific = {
        "num_decay_steps": kw["decay_steps"],
        "warmup_type": "linear",  # the lc form has the linear warmup only
        "decay_type": kw["cooldown"],  # "linear", "1-sqrt" or "cosine"
        "min_lr_ratio": kw["min_factor"],
    }
    return _horizon(kw) | {"scheduler_specific_kwargs": specific}


_COSINE = MODERN_KWARGS["transformers_cosine_with_warmup"]

#: every pure function of the step in transformers' get_scheduler, and its lc form
GET_SCHEDULER = {
    "linear": _Form(
        "transformers_linear_with_warmup",
        MODERN_KWARGS["transformers_linear_with_warmup"],
        lambda kw, lr: _horizon(kw),
        lambda kw: kw["total_steps"] + 20,  # past the end: both hold 0
    ),
    # steps 0..T: after T the library's cosine (num_cycles=0.5) climbs again, ours holds m
    "cosine": _Form(
        "transformers_cosine_with_warmup",
        _COSINE.map(lambda kw: kw | {"min_factor": 0.0}),
        lambda kw, lr: _horizon(kw),
        lambda kw: kw["total_steps"] + 1,
    ),
    "cosine_with_min_lr": _Form(
        "transformers_cosine_with_warmup",
        _COSINE,
        _specific(min_factor="min_lr_rate"),
        lambda kw: kw["total_steps"] + 1,
    ),
    "cosine_with_restarts": _Form(
        "transformers_cosine_with_hard_restarts",
        MODERN_KWARGS["transformers_cosine_with_hard_restarts"],
        _specific(num_cycles="num_cycles"),
        lambda kw: kw["total_steps"] + 20,  # past the end: both hold 0
    ),
    "polynomial": _Form(
        "transformers_polynomial_decay_with_warmup",
        MODERN_KWARGS["transformers_polynomial_decay_with_warmup"],
        _polynomial,
        lambda kw: kw["total_steps"] + 20,  # past the end: both hold min_factor
    ),
    "constant": _Form(  # get_scheduler("constant") is LambdaLR(lambda _: 1): no warmup
        "transformers_constant_with_warmup",
        st.just({"warmup_steps": 0}),
        lambda kw, lr: {},
        lambda kw: 50,
    ),
    "constant_with_warmup": _Form(
        "transformers_constant_with_warmup",
        MODERN_KWARGS["transformers_constant_with_warmup"],
        lambda kw, lr: {"num_warmup_steps": kw["warmup_steps"]},
        lambda kw: kw["warmup_steps"] + 30,
    ),
    "inverse_sqrt": _Form(
        "transformers_inverse_sqrt",
        MODERN_KWARGS["transformers_inverse_sqrt"],
        _inverse_sqrt,
        lambda kw: kw["warmup_steps"] + 300,
    ),
    # up to the floor, reached at step w - 1 + max(1, T - w); after it the library climbs
    "cosine_warmup_with_min_lr": _Form(
        "transformers_cosine_warmup_with_min_lr",
        MODERN_KWARGS["transformers_cosine_warmup_with_min_lr"],
        _specific(min_factor="min_lr_rate", warmup_factor="warmup_lr_rate"),
        lambda kw: kw["warmup_steps"] + max(1, kw["total_steps"] - kw["warmup_steps"]),
    ),
    "warmup_stable_decay": _Form(
        "transformers_warmup_stable_decay",
        MODERN_KWARGS["transformers_warmup_stable_decay"],
        _wsd,
        lambda kw: kw["total_steps"] + 20,  # past the end: both hold min_factor
    ),
}

#: get_scheduler's schedules that follow a metric, not the step: no lr_curve form of the
#: step alone, and why
NEEDS_A_METRIC = {
    "reduce_lr_on_plateau": "torch's ReduceLROnPlateau itself; lr_curve's ReduceLROnPlateau "
    "(given the metrics) equals it: test_get_scheduler_plateau_is_lr_curve",
    "greedy": "transformers' GreedyLR raises or lowers the LR on the metric's trend; the "
    "course has no schedule with its rule",
}


def test_every_get_scheduler_type_has_an_lc_form():
    from torch.optim.lr_scheduler import LambdaLR
    from transformers import SchedulerType, get_scheduler

    names = {t.value for t in SchedulerType}
    unmapped = names - set(GET_SCHEDULER) - set(NEEDS_A_METRIC)
    assert not unmapped, f"transformers has schedules without an lc form: {sorted(unmapped)}"
    assert set(GET_SCHEDULER) | set(NEEDS_A_METRIC) == names  # no stale entries
    assert not set(GET_SCHEDULER) & set(NEEDS_A_METRIC)
    for name in sorted(NEEDS_A_METRIC):  # truly metric-driven: step() requires the metric
        scheduler = get_scheduler(name, lc.make_optimizer(0.1))
        assert not isinstance(scheduler, LambdaLR), name
        metrics = inspect.signature(scheduler.step).parameters["metrics"]
        assert metrics.default is inspect.Parameter.empty, name
    for name, form in GET_SCHEDULER.items():  # each a LambdaLR of the step, with an lc form
        assert form.lc_name in lc.SCHEDULES and form.lc_name in lc.__all__, name
        kw = lc.SCHEDULES[form.lc_name].defaults()  # the explorer's demo arguments
        scheduler = get_scheduler(name, lc.make_optimizer(0.1), **form.library(kw, 0.1))
        assert isinstance(scheduler, LambdaLR), name


@pytest.mark.parametrize("name", sorted(GET_SCHEDULER))
@TRANSFORMERS_PROPERTY
@given(data=st.data(), lr=lr_st.filter(bool))
def test_get_scheduler_is_its_lc_form(name, data, lr):
    from transformers import get_scheduler

    form = GET_SCHEDULER[name]
    kw = data.draw(form.kwargs)
    steps = form.steps(kw)
    ours = lc.lr_curve(form.lc_name, steps, lr=lr, **kw)
    theirs = _library_curve(partial(get_scheduler, name), steps, lr, **form.library(kw, lr))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15 * lr, err_msg=name)


@pytest.mark.filterwarnings("ignore:ReduceLROnPlateau")  # odd values torch accepts, noted
@TRANSFORMERS_PROPERTY
@given(
    kw=KWARGS["ReduceLROnPlateau"],
    metrics=st.lists(metric_values, min_size=1, max_size=40),
    lr=lr_st.filter(bool),
)
def test_get_scheduler_plateau_is_lr_curve(kw, metrics, lr):
    from transformers import get_scheduler

    optimizer = lc.make_optimizer(lr)
    scheduler = get_scheduler("reduce_lr_on_plateau", optimizer, scheduler_specific_kwargs=kw)
    theirs = [optimizer.param_groups[0]["lr"]]
    for value in metrics[:-1]:
        optimizer.step()
        scheduler.step(value)
        theirs.append(optimizer.param_groups[0]["lr"])
    ours = lc.lr_curve("ReduceLROnPlateau", len(metrics), lr=lr, metrics=metrics, **kw)
    np.testing.assert_array_equal(ours, theirs)


def test_transformers_inverse_sqrt_is_vaswani_a_step_later():
    for w in (1, 4, 37):
        steps = np.arange(1, 500)
        ours, vaswani = lc.transformers_inverse_sqrt(w), lc.inverse_sqrt(w)
        np.testing.assert_allclose(ours(steps), vaswani(steps - 1), rtol=1e-15)
        assert ours(0) == 0.0 and ours(w) == 1.0 == vaswani(w - 1)
    big_vision = lc.transformers_inverse_sqrt(0)  # no warmup: tau = 10000
    assert big_vision(0) == 1.0 and big_vision(30000) == 0.5


def test_new_transformers_forms_reduce_to_the_simpler_ones():
    t = np.arange(140)
    linear = lc.transformers_linear_with_warmup(10, 110)(t)
    poly = lc.transformers_polynomial_decay_with_warmup(10, 110)(t)
    np.testing.assert_allclose(poly, linear, rtol=1e-15, atol=1e-16)
    one_cycle = lc.transformers_cosine_with_hard_restarts(10, 110, num_cycles=1)(t[:111])
    np.testing.assert_allclose(one_cycle, lc.transformers_cosine_with_warmup(10, 110)(t[:111]))
    course = lc.cosine_with_warmup(10, 110, 0.1)(t)
    shifted = lc.transformers_cosine_warmup_with_min_lr(10, 110, 0.1)(t)
    np.testing.assert_array_equal(shifted[:10], course[:10])  # the same (t+1)/w ramp
    np.testing.assert_allclose(shifted[10:-1], course[11:], rtol=1e-15)  # the cosine a step ahead
    restarts = lc.transformers_cosine_with_hard_restarts(0, 90, num_cycles=3)(np.arange(90))
    assert restarts[0] == restarts[30] == restarts[60] == 1.0  # each cycle restarts at 1


@pytest.mark.parametrize(
    ("make", "kwargs", "param"),
    [
        (lc.transformers_cosine_with_hard_restarts, {"num_cycles": 0}, "num_cycles"),
        (lc.transformers_cosine_with_hard_restarts, {"num_cycles": 1.5}, "num_cycles"),
        (lc.transformers_polynomial_decay_with_warmup, {"power": 0.0}, "power"),
        (lc.transformers_polynomial_decay_with_warmup, {"min_factor": 1.5}, "min_factor"),
        (lc.transformers_polynomial_decay_with_warmup, {"total_steps": 10}, "total_steps"),
        (lc.transformers_cosine_warmup_with_min_lr, {"warmup_factor": -0.1}, "warmup_factor"),
        (lc.transformers_cosine_warmup_with_min_lr, {"total_steps": 5}, "total_steps"),
    ],
)
def test_new_transformers_forms_name_the_bad_parameter(make, kwargs, param):
    with pytest.raises(ValueError, match=f"^{param} must be"):
        make(**({"warmup_steps": 10, "total_steps": 100} | kwargs))


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [({"timescale": 0}, "timescale"), ({"warmup_steps": -1}, "warmup_steps")],
)
def test_transformers_inverse_sqrt_names_the_bad_parameter(kwargs, param):
    with pytest.raises(ValueError, match=f"^{param} must be"):
        lc.transformers_inverse_sqrt(**({"warmup_steps": 4} | kwargs))
    with pytest.raises(ValueError, match=f"^{param} must be"):
        lc.lr_curve("transformers_inverse_sqrt", 10, **({"warmup_steps": 4} | kwargs))


# --- the course's forms: no LR 0 in the warmup, transformers' values after it ----------------


@pytest.mark.parametrize("course", sorted(COURSE_AND_TRANSFORMERS))
@PROPERTY
@given(data=st.data())
def test_course_warmup_never_uses_lr_0_and_is_transformers_after_it(course, data):
    kw = data.draw(MODERN_KWARGS[course])
    ours = lc.SCHEDULES[course].factory(**kw)
    theirs = lc.SCHEDULES[COURSE_AND_TRANSFORMERS[course]].factory(**kw)
    w = kw["warmup_steps"]
    steps = np.arange(kw.get("total_steps", w) + 30)
    f, g = ours(steps), theirs(steps)
    assert np.all(f[:w] > 0)  # no step of the warmup uses LR 0
    np.testing.assert_array_equal(f[:w], (np.arange(w) + 1) / w)  # lr/w at step 0, lr at w-1
    np.testing.assert_array_equal(f[w:], g[w:])  # identical from step w on
    if w > 0 and kw.get("min_factor", 0.0) == 0.0:
        assert g[0] == 0.0 and f[0] == 1 / w


def test_warmup_steps_0_means_no_warmup():
    for course, theirs in COURSE_AND_TRANSFORMERS.items():
        if course == "linear_warmup":  # its w counts from 1: LinearLR(1/w, w-1)
            continue
        kw = {"warmup_steps": 0, "total_steps": 50}
        kw |= {"decay_steps": 10} if "stable" in course else {}
        f, g = lc.SCHEDULES[course].factory(**kw), lc.SCHEDULES[theirs].factory(**kw)
        assert f(0) == g(0) == 1.0 and np.array_equal(f(np.arange(60)), g(np.arange(60)))
    assert lc.transformers_constant_with_warmup(0)(0) == 1.0


def test_inverse_sqrt_is_vaswani():
    d_model, warmup = 512, 4000
    curve = lc.lr_curve("inverse_sqrt", 20000, lr=(d_model * warmup) ** -0.5, warmup_steps=warmup)
    n = np.arange(1, 20001)
    vaswani = d_model**-0.5 * np.minimum(n**-0.5, n * warmup**-1.5)
    np.testing.assert_allclose(curve, vaswani, rtol=1e-12)


def test_wsd_cooldowns():
    lin = lc.lr_curve(
        "warmup_stable_decay", 101, lr=1.0, warmup_steps=10, total_steps=100, decay_steps=20
    )
    sq = lc.lr_curve(
        "warmup_stable_decay",
        101,
        lr=1.0,
        warmup_steps=10,
        total_steps=100,
        decay_steps=20,
        cooldown="1-sqrt",
    )
    assert np.all(lin[10:80] == 1.0) and lin[90] == pytest.approx(0.5) and lin[100] == 0.0
    assert sq[85] == pytest.approx(1 - math.sqrt(0.25)) and np.all(sq[81:100] < lin[81:100])


def test_factor_is_a_resumable_lambda_lr_lambda():
    opt = lc.make_optimizer(1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lc.cosine_with_warmup(5, 50, 0.1))
    state = pickle.loads(pickle.dumps(sched.state_dict()))
    assert state["lr_lambdas"][0] == {"warmup_steps": 5, "total_steps": 50, "min_factor": 0.1}
    assert repr(lc.inverse_sqrt(8)) == "inverse_sqrt(warmup_steps=8)"
    assert repr(lc.transformers_constant_with_warmup(3)) == (
        "transformers_constant_with_warmup(warmup_steps=3)"
    )
    assert isinstance(lc.inverse_sqrt(8)(3), float)
