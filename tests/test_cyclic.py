"""lrcourse.cyclic: OneCycleLR's phases held to torch, momentum traces, cycle peaks."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import lrcourse as lc
from lrcourse.cyclic import (
    cycle_peaks,
    epochs_to_reach,
    momentum_of,
    one_cycle_phases,
    trace_schedule,
)


def _params():
    return [torch.nn.Parameter(torch.zeros(2))]


def _one_cycle(opt=None, **kw):
    opt = opt or torch.optim.SGD(_params(), lr=0.1, momentum=0.9)
    return opt, torch.optim.lr_scheduler.OneCycleLR(opt, **kw)


# ----------------------------------------------------------------------------- phases


@settings(max_examples=60, deadline=None)
@given(
    max_lr=st.floats(1e-4, 10.0),
    total=st.integers(10, 400),
    pct=st.floats(0.05, 0.45),
    div=st.floats(1.5, 100.0),
    final_div=st.floats(1.0, 1e5),
    three=st.booleans(),
)
def test_phases_match_torch(max_lr, total, pct, div, final_div, three):
    assume(pct * total > 1.0 + 1e-9)  # otherwise the warmup phase is empty (tested below)
    assume(not three or pct < (total + 1) / (2 * total) - 1e-9)
    kw = dict(
        max_lr=max_lr,
        total_steps=total,
        pct_start=pct,
        div_factor=div,
        final_div_factor=final_div,
        three_phase=three,
    )
    plan = one_cycle_phases(**kw)
    _, sched = _one_cycle(**kw)
    theirs = sched._schedule_phases
    assert len(plan.phases) == len(theirs) == (3 if three else 2)
    for mine, t in zip(plan.phases, theirs, strict=True):
        assert mine.end_step == pytest.approx(t["end_step"], abs=1e-9)
    curve = lc.torch_lr_curve("OneCycleLR", total, **kw)
    assert math.isclose(curve[0], plan.initial_lr, rel_tol=1e-9)
    assert math.isclose(curve[-1], plan.min_lr, rel_tol=1e-9)
    assert math.isclose(plan.min_lr, max_lr / (div * final_div), rel_tol=1e-12)
    assert curve.max() <= max_lr * (1 + 1e-12)
    momenta = lc.momentum_curve_torch("OneCycleLR", total, **kw)
    assert momenta[0] == pytest.approx(plan.phases[0].start_momentum)
    assert momenta.min() >= plan.phases[0].end_momentum - 1e-12


def test_phase_values_at_integer_boundaries():
    plan = one_cycle_phases(1.0, 100, pct_start=0.25, div_factor=10, final_div_factor=100)
    warm, anneal = plan.phases
    assert (warm.start_step, warm.end_step, anneal.end_step) == (0.0, 24.0, 99.0)
    assert (warm.start_lr, warm.end_lr, anneal.end_lr) == (0.1, 1.0, pytest.approx(1e-3))
    curve = lc.lr_curve(
        "OneCycleLR",
        100,
        max_lr=1.0,
        total_steps=100,
        pct_start=0.25,
        div_factor=10,
        final_div_factor=100,
    )
    assert curve[24] == pytest.approx(1.0) and curve[12] == pytest.approx(0.55)
    three = one_cycle_phases(1.0, 100, pct_start=0.25, three_phase=True)
    assert [p.name for p in three.phases] == ["warmup", "return", "annihilation"]
    assert [p.end_step for p in three.phases] == [24.0, 48.0, 99.0]
    assert three.phases[1].end_lr == three.initial_lr == 0.04
    assert three.phases[2].start_momentum == three.phases[2].end_momentum == 0.95
    text = str(three)
    assert "annihilation" in text and "total_steps=100" in text


def test_epochs_times_steps_per_epoch_is_total_steps():
    a = one_cycle_phases(0.5, epochs=3, steps_per_epoch=43)
    b = one_cycle_phases(0.5, 129)
    assert a == b and a.total_steps == 129


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"max_lr": -0.1, "total_steps": 10}, "max_lr"),
        ({"max_lr": "big", "total_steps": 10}, "max_lr"),
        ({"max_lr": 0.1}, "total_steps"),
        ({"max_lr": 0.1, "epochs": 3}, "total_steps"),
        ({"max_lr": 0.1, "total_steps": 0}, "total_steps"),
        ({"max_lr": 0.1, "total_steps": 10.0}, "total_steps"),
        ({"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 4}, "epochs"),
        ({"max_lr": 0.1, "total_steps": 10, "pct_start": 1.0}, "pct_start"),
        ({"max_lr": 0.1, "total_steps": 10, "div_factor": -1}, "div_factor"),
        ({"max_lr": 0.1, "total_steps": 10, "final_div_factor": math.inf}, "final_div_factor"),
        ({"max_lr": 0.1, "total_steps": 10, "three_phase": 1}, "three_phase"),
        ({"max_lr": 0.1, "total_steps": 10, "base_momentum": "high"}, "base_momentum"),
        ({"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}, "pct_start"),
        ({"max_lr": 0.1, "total_steps": 10, "pct_start": 0.55, "three_phase": True}, "pct_start"),
    ],
)
def test_phases_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        one_cycle_phases(**kwargs)


def test_overlapping_phases_are_torchs_with_a_warning():
    # pct_start * total_steps = 0.9: torch's warmup would end at step -0.1, so torch starts
    # near max_lr instead of max_lr / div_factor; lr_curve reproduces it and both warn.
    curve = lc.torch_lr_curve("OneCycleLR", 3, max_lr=0.1, total_steps=3, pct_start=0.3)
    assert curve[0] > 0.9 * 0.1
    with pytest.warns(UserWarning, match="overlap"):
        plan = one_cycle_phases(0.1, 3, pct_start=0.3)
    assert plan.phases[0].end_step < plan.phases[0].start_step
    with pytest.warns(UserWarning, match="overlap"):
        closed = lc.lr_curve("OneCycleLR", 3, max_lr=0.1, total_steps=3, pct_start=0.3)
    np.testing.assert_allclose(closed, curve, rtol=1e-12)


def test_a_phase_torch_would_divide_by_zero_in_is_refused():
    # pct_start * total_steps = 1: the warmup runs from step 0 to step 0 (torch: 0 / 0)
    with pytest.raises(ValueError, match="pct_start"):
        one_cycle_phases(0.1, 10, pct_start=0.1)
    with pytest.raises(ValueError, match="pct_start"):
        lc.lr_curve("OneCycleLR", 3, max_lr=0.1, total_steps=10, pct_start=0.1)
    with pytest.raises(ZeroDivisionError):  # what torch itself does
        lc.torch_lr_curve("OneCycleLR", 3, max_lr=0.1, total_steps=10, pct_start=0.1)


# ----------------------------------------------------------------------------- momentum


def test_momentum_of_sgd_adam_and_errors():
    assert momentum_of(torch.optim.SGD(_params(), lr=0.1, momentum=0.7)) == 0.7
    assert momentum_of(torch.optim.Adam(_params(), betas=(0.8, 0.99))) == 0.8
    assert momentum_of(torch.optim.AdamW(_params())) == 0.9
    with pytest.raises(ValueError, match="Adagrad"):
        momentum_of(torch.optim.Adagrad(_params()))
    with pytest.raises(ValueError, match="group"):
        momentum_of(torch.optim.SGD(_params(), lr=0.1), group=1)
    with pytest.raises(ValueError, match="optimizer"):
        momentum_of("sgd")


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("make", ["sgd", "adam"])
def test_trace_matches_the_closed_forms(make, three_phase):
    kw = dict(max_lr=0.3, total_steps=60, three_phase=three_phase)
    opt = (
        torch.optim.SGD(_params(), lr=0.01, momentum=0.9)
        if make == "sgd"
        else torch.optim.Adam(_params(), lr=0.01)
    )
    trace = trace_schedule(opt, torch.optim.lr_scheduler.OneCycleLR(opt, **kw), 61)
    np.testing.assert_allclose(trace.lrs, lc.lr_curve("OneCycleLR", 61, **kw), rtol=1e-12)
    np.testing.assert_allclose(trace.momenta, lc.momentum_curve("OneCycleLR", 61, **kw))
    assert trace.momenta[0] == 0.95 and trace.momenta.min() == pytest.approx(0.85)
    if make == "adam":
        assert opt.param_groups[0]["betas"][1] == 0.999  # beta2 is left alone


def test_trace_cyclic_and_sgd_without_momentum_gains_momentum():
    opt = torch.optim.SGD(_params(), lr=0.5)  # momentum=0
    kw = dict(base_lr=0.01, max_lr=0.1, step_size_up=5)
    trace = trace_schedule(opt, torch.optim.lr_scheduler.CyclicLR(opt, **kw), 21)
    np.testing.assert_allclose(trace.lrs, lc.lr_curve("CyclicLR", 21, **kw))
    np.testing.assert_allclose(trace.momenta, lc.momentum_curve("CyclicLR", 21, **kw))
    assert trace.lrs[0] == 0.01  # base_lr, not the optimizer's 0.5
    assert trace.momenta.min() == pytest.approx(0.8) and trace.momenta.max() == 0.9


def test_trace_errors():
    opt, sched = _one_cycle(max_lr=0.1, total_steps=5)
    with pytest.raises(ValueError, match="Tried to step"):
        trace_schedule(opt, sched, 7)
    opt, sched = _one_cycle(max_lr=0.1, total_steps=5)
    assert trace_schedule(opt, sched, 6).lrs.shape == (6,)  # stepped exactly total_steps times
    other = torch.optim.SGD(_params(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="scheduler"):
        trace_schedule(other, sched, 3)
    with pytest.raises(ValueError, match="steps"):
        trace_schedule(opt, sched, 0)


# ----------------------------------------------------------------------------- peaks


def test_peaks_tell_the_cyclic_modes_apart():
    base = dict(base_lr=0.01, max_lr=0.1, step_size_up=10, step_size_down=15)
    tri = lc.lr_curve("CyclicLR", 120, **base)
    steps, values = cycle_peaks(tri)
    assert steps.tolist() == [10, 35, 60, 85, 110]
    np.testing.assert_allclose(values, 0.1)
    steps2, values2 = cycle_peaks(lc.lr_curve("CyclicLR", 120, mode="triangular2", **base))
    assert steps2.tolist() == steps.tolist()
    np.testing.assert_allclose(np.diff(np.log(values2 - 0.01)), math.log(0.5))
    exp = lc.lr_curve("CyclicLR", 120, mode="exp_range", gamma=0.99, **base)
    steps3, values3 = cycle_peaks(exp)
    assert steps3.tolist() == steps.tolist()
    np.testing.assert_allclose((values3[1:] - 0.01) / (values3[:-1] - 0.01), 0.99**25)


def test_peaks_edges_and_errors():
    assert cycle_peaks([0, 1, 2])[0].size == 0  # a rise running off the end is no peak
    assert cycle_peaks([0, 2, 2, 2, 1])[0].tolist() == [1]  # flat top counted once
    assert cycle_peaks([0, 2, 2])[0].size == 0
    assert cycle_peaks(torch.tensor([0.0, 1.0, 0.0]))[0].tolist() == [1]
    with pytest.raises(ValueError, match="1-D"):
        cycle_peaks(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="finite"):
        cycle_peaks([0, np.nan, 0])
    with pytest.raises(ValueError, match="curve"):
        cycle_peaks(["a", "b"])


# ----------------------------------------------------------------------------- epochs_to_reach


def test_epochs_to_reach():
    h = SimpleNamespace(train_loss=[0.9, 0.5, 0.2, 0.1], val_loss=[1.0, 0.9, 0.8, 0.7])
    assert epochs_to_reach(h, 0.5) == 2
    assert epochs_to_reach(h, 0.05) is None
    assert epochs_to_reach(h, 0.85, key="val_loss") == 3
    assert epochs_to_reach({"train_loss": [0.3]}, 0.3) == 1
    with pytest.raises(ValueError, match="target"):
        epochs_to_reach(h, math.nan)
    with pytest.raises(ValueError, match="acc"):
        epochs_to_reach(h, 0.5, key="acc")


def test_epochs_to_reach_on_a_real_history():
    data = lc.load_digits_data(seed=0)
    h = lc.train_classifier(data, lr=0.1, epochs=3, progress=False)
    target = h.train_loss[1]
    assert epochs_to_reach(h, target) <= 2
    assert epochs_to_reach(h, min(h.train_loss) / 2) is None
