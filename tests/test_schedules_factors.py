"""Factor schedules joined by one combinator (schedules.factors) vs torch, transformers, papers."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_cases import (
    COURSE_AND_TRANSFORMERS,
    MODERN_KWARGS,
    PROPERTY,
    assert_matches_torch,
    lr_st,
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
