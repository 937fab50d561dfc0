"""torch's schedulers: each closed form (lrcourse.schedules.torch_schedulers) against torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from schedule_cases import (
    COMBINABLE_KWARGS,
    KWARGS,
    PROPERTY,
    assert_matches_torch,
    lr_st,
    metric_values,
    steps_st,
)

import lrcourse as lc


@pytest.mark.parametrize("name", sorted(COMBINABLE_KWARGS))
@PROPERTY
@given(data=st.data(), steps=steps_st, lr=lr_st)
def test_simple_schedulers_match_torch(name, data, steps, lr):
    kwargs = data.draw(KWARGS[name])
    assert_matches_torch(name, steps, lr=lr, **kwargs)


@PROPERTY
@given(kwargs=KWARGS["CyclicLR"], steps=steps_st)
def test_cyclic_lr_and_momentum_match_torch(kwargs, steps):
    down = kwargs["step_size_down"]
    assume(kwargs["step_size_up"] + (kwargs["step_size_up"] if down is None else down) != 0)
    try:
        assert_matches_torch("CyclicLR", steps, **kwargs)
    except ValueError as refused:  # a negative cycle length: triangular2's 2**-cycle overflows
        assert "finite learning rate" in str(refused)  # where torch's LR turns infinite
        assert not np.all(np.isfinite(lc.torch_lr_curve("CyclicLR", steps, **kwargs)))
        return
    np.testing.assert_allclose(
        lc.momentum_curve("CyclicLR", steps, **kwargs),
        lc.momentum_curve_torch("CyclicLR", steps, **kwargs),
        rtol=1e-12,
    )


@pytest.mark.filterwarnings("ignore:OneCycleLR.*overlap")
@PROPERTY
@given(
    kwargs=KWARGS["OneCycleLR"],
    total=st.integers(2, 300) | st.tuples(st.integers(1, 12), st.integers(1, 30)),
    data=st.data(),
)
def test_one_cycle_lr_and_momentum_match_torch(kwargs, total, data):
    if isinstance(total, tuple):
        kwargs = kwargs | {"epochs": total[0], "steps_per_epoch": total[1]}
        n_total = total[0] * total[1]
    else:
        kwargs = kwargs | {"total_steps": total}
        n_total = total
    try:
        lc.lr_curve("OneCycleLR", 1, **kwargs)
    except ValueError as err:  # a phase with no steps: torch divides by zero or extrapolates
        assert "pct_start" in str(err)
        assume(False)
    steps = data.draw(st.integers(0, n_total + 1))
    assert_matches_torch("OneCycleLR", steps, **kwargs)
    np.testing.assert_allclose(
        lc.momentum_curve("OneCycleLR", steps, **kwargs),
        lc.momentum_curve_torch("OneCycleLR", steps, **kwargs),
        rtol=1e-12,
    )


@PROPERTY
@given(
    kwargs=KWARGS["ReduceLROnPlateau"],
    metrics=st.lists(metric_values | st.floats(-3, 3), max_size=120),
    lr=lr_st,
)
def test_plateau_matches_torch_including_ties(kwargs, metrics, lr):
    assert_matches_torch("ReduceLROnPlateau", lr=lr, metrics=metrics, **kwargs)


def test_cosine_keeps_going_past_t_max():
    curve = assert_matches_torch("CosineAnnealingLR", 61, lr=1.0, T_max=20, eta_min=0.1)
    assert curve[20] == pytest.approx(0.1) and curve[40] == pytest.approx(1.0)
    assert curve[60] == pytest.approx(0.1)


def test_warm_restarts_with_t_mult_restart_where_cycles_end():
    curve = assert_matches_torch("CosineAnnealingWarmRestarts", 80, lr=1.0, T_0=5, T_mult=3)
    restarts = np.flatnonzero(np.diff(curve) > 0) + 1
    assert restarts.tolist() == [5, 20, 65]  # cycles of 5, 15, 45 steps
    assert np.all(curve[restarts] == 1.0)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_modes_with_asymmetric_step_size_down(mode):
    kw = {
        "base_lr": 0.01,
        "max_lr": 0.1,
        "step_size_up": 3,
        "step_size_down": 7,
        "mode": mode,
        "gamma": 0.97,
    }
    curve = assert_matches_torch("CyclicLR", 41, **kw)
    peaks = [k for k in range(1, 40) if curve[k] > curve[k - 1] and curve[k] > curve[k + 1]]
    assert peaks == [3, 13, 23, 33]
    if mode == "triangular":
        assert curve[3] == pytest.approx(0.1) and curve[33] == pytest.approx(0.1)
    if mode == "triangular2":
        assert curve[13] - 0.01 == pytest.approx((0.1 - 0.01) / 2)


@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_endpoints(three_phase, anneal):
    kw = {"max_lr": 1.0, "total_steps": 100, "three_phase": three_phase, "anneal_strategy": anneal}
    curve = assert_matches_torch("OneCycleLR", **kw)
    assert curve[0] == pytest.approx(1.0 / 25)
    assert curve[-1] == pytest.approx(1.0 / (25 * 1e4))
    assert curve.max() == pytest.approx(1.0) and int(np.argmax(curve)) == 29
    by_epochs = lc.lr_curve(
        "OneCycleLR",
        max_lr=1.0,
        epochs=10,
        steps_per_epoch=10,
        three_phase=three_phase,
        anneal_strategy=anneal,
    )
    np.testing.assert_array_equal(by_epochs, curve)


def test_one_cycle_can_be_read_at_total_steps_but_not_beyond():
    assert len(assert_matches_torch("OneCycleLR", 101, max_lr=1.0, total_steps=100)) == 101
    with pytest.raises(ValueError, match="steps"):
        lc.lr_curve("OneCycleLR", 102, max_lr=1.0, total_steps=100)


def test_plateau_reductions_happen_where_the_rule_says():
    metrics = [1.0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
    curve = assert_matches_torch(
        "ReduceLROnPlateau", lr=1.0, metrics=metrics, patience=2, factor=0.5, cooldown=1, min_lr=0.2
    )
    # bad steps at 2, 3, 4 -> cut after step 4; cooldown swallows step 5; 6, 7, 8 -> cut.
    assert curve.tolist() == [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]
    floor = lc.lr_curve("ReduceLROnPlateau", lr=1.0, metrics=[1.0] * 40, patience=0)
    # cuts stop once they would change the LR by less than eps=1e-8
    assert floor.min() == pytest.approx(1e-8) and floor[-1] == floor.min()
    assert np.all(
        lc.lr_curve("ReduceLROnPlateau", lr=1.0, metrics=[1.0] * 40, patience=0, min_lr=0.01)
        >= 0.01
    )


def test_multistep_milestones_in_any_order_or_repeated():
    a = assert_matches_torch("MultiStepLR", 12, lr=1.0, milestones=[8, 2, 8], gamma=0.5)
    b = lc.lr_curve("MultiStepLR", 12, lr=1.0, milestones=[2, 8, 8], gamma=0.5)
    np.testing.assert_array_equal(a, b)
    assert a[1] == 1.0 and a[2] == 0.5 and a[8] == 0.125


def test_long_runs_stay_exact():
    for kwargs in ({"T_0": 7, "T_mult": 2}, {"T_0": 1000}):
        assert_matches_torch("CosineAnnealingWarmRestarts", 5000, **kwargs)
    assert_matches_torch("OneCycleLR", max_lr=0.5, total_steps=5000)
