"""lr_curve (closed form) against torch_lr_curve (stepping torch) for every scheduler.

Tolerance: rtol=1e-9, with an absolute floor of 1e-12 times the curve's peak. The floor only
matters where an LR passes through (or next to) zero: at the bottom of a cosine, torch's
recursive update ``lr * (1 + cos(pi k/T)) / (1 + cos(pi (k-1)/T))`` divides two numbers that
are both rounding-sized, so torch itself carries ~1e-17-sized absolute noise there.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lrcourse as lc

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

steps_st = st.integers(0, 300)
lr_st = st.sampled_from([1e-4, 3e-3, 0.01, 0.1, 0.5, 1.0, 7.0])
gamma_st = st.floats(0.01, 1.5)
factor_st = st.floats(0.01, 1.0)
eta_min_st = st.sampled_from([0.0, 0.0, 1e-4, 0.01, 0.05])


def assert_matches_torch(name, steps=None, *, lr=0.1, metrics=None, **kwargs):
    closed = lc.lr_curve(name, steps, lr=lr, metrics=metrics, **kwargs)
    ref = lc.torch_lr_curve(name, steps, lr=lr, metrics=metrics, **kwargs)
    assert closed.dtype == np.float64 and closed.shape == ref.shape
    peak = max(float(np.max(np.abs(ref), initial=0.0)), lr)
    np.testing.assert_allclose(closed, ref, rtol=1e-9, atol=1e-12 * peak, err_msg=name)
    return closed


# --- a strategy of valid keyword arguments for each scheduler ---------------------------------


def _decay_by(c):
    def fn(k):
        return c

    return fn


def _zigzag(k):
    return 0.9 if k % 2 else 1.05


def _hyperbolic(k):
    return 1.0 / (1.0 + 0.05 * k)


def _step_table(k):
    return [1.0, 0.5, 0.25][min(k // 20, 2)]


lambda_st = st.sampled_from(
    [_hyperbolic, _step_table, lc.cosine_with_warmup(5, 50), lc.inverse_sqrt(7)]
)
multiplicative_st = st.sampled_from([_decay_by(0.97), _decay_by(1.01), _zigzag, _hyperbolic])

KWARGS = {
    "LambdaLR": st.fixed_dictionaries({"lr_lambda": lambda_st}),
    "MultiplicativeLR": st.fixed_dictionaries({"lr_lambda": multiplicative_st}),
    "StepLR": st.fixed_dictionaries({"step_size": st.integers(1, 50), "gamma": gamma_st}),
    "MultiStepLR": st.fixed_dictionaries(
        {"milestones": st.lists(st.integers(0, 120), max_size=6), "gamma": gamma_st}
    ),
    "ConstantLR": st.fixed_dictionaries({"factor": factor_st, "total_iters": st.integers(1, 80)}),
    "LinearLR": st.fixed_dictionaries(
        {
            "start_factor": factor_st,
            "end_factor": st.floats(0.0, 1.0),
            "total_iters": st.integers(1, 80),
        }
    ),
    "ExponentialLR": st.fixed_dictionaries({"gamma": st.floats(0.5, 1.05)}),
    "PolynomialLR": st.fixed_dictionaries(
        {"total_iters": st.integers(1, 120), "power": st.floats(0.0, 5.0)}
    ),
    "CosineAnnealingLR": st.fixed_dictionaries(
        {"T_max": st.integers(1, 100), "eta_min": eta_min_st}
    ),
    "CosineAnnealingWarmRestarts": st.fixed_dictionaries(
        {"T_0": st.integers(1, 40), "T_mult": st.integers(1, 3), "eta_min": eta_min_st}
    ),
}
COMBINABLE_KWARGS = dict(KWARGS)

KWARGS["CyclicLR"] = st.fixed_dictionaries(
    {
        "base_lr": st.sampled_from([1e-4, 1e-3, 0.01]),
        "max_lr": st.sampled_from([0.05, 0.1, 1.0]),
        "step_size_up": st.integers(1, 40) | st.floats(0.5, 40.0),
        "step_size_down": st.none() | st.integers(0, 40),
        "mode": st.sampled_from(["triangular", "triangular2", "exp_range"]),
        "gamma": st.floats(0.9, 1.0),
        "cycle_momentum": st.booleans(),
    }
)
KWARGS["OneCycleLR"] = st.fixed_dictionaries(
    {
        "max_lr": st.sampled_from([0.01, 0.1, 1.0]),
        "pct_start": st.floats(0.05, 0.95),
        "anneal_strategy": st.sampled_from(["cos", "linear"]),
        "div_factor": st.sampled_from([1.0, 10.0, 25.0]),
        "final_div_factor": st.sampled_from([1.0, 100.0, 1e4]),
        "three_phase": st.booleans(),
    }
) | st.just({"max_lr": 0.1})
KWARGS["ReduceLROnPlateau"] = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(["min", "max"]),
        "factor": st.floats(0.05, 0.95),
        "patience": st.integers(0, 6),
        "threshold": st.sampled_from([0.0, 1e-4, 0.01, 0.1]),
        "threshold_mode": st.sampled_from(["rel", "abs"]),
        "cooldown": st.integers(0, 5),
        "min_lr": st.sampled_from([0.0, 1e-3, 0.02]),
        "eps": st.sampled_from([1e-8, 1e-3]),
    }
)

combinable_spec = st.sampled_from(sorted(COMBINABLE_KWARGS)).flatmap(
    lambda name: st.tuples(st.just(name), COMBINABLE_KWARGS[name])
)

MODERN_KWARGS = {
    "linear_with_warmup": st.integers(0, 50).flatmap(
        lambda w: st.fixed_dictionaries(
            {"warmup_steps": st.just(w), "total_steps": st.integers(max(w, 1), 300)}
        )
    ),
    "cosine_with_warmup": st.integers(0, 50).flatmap(
        lambda w: st.fixed_dictionaries(
            {
                "warmup_steps": st.just(w),
                "total_steps": st.integers(max(w, 1), 300),
                "min_factor": st.floats(0.0, 0.5),
            }
        )
    ),
    "constant_with_warmup": st.fixed_dictionaries({"warmup_steps": st.integers(0, 50)}),
    "inverse_sqrt": st.fixed_dictionaries({"warmup_steps": st.integers(1, 50)}),
    "warmup_stable_decay": st.tuples(st.integers(0, 40), st.integers(1, 60)).flatmap(
        lambda wd: st.fixed_dictionaries(
            {
                "warmup_steps": st.just(wd[0]),
                "decay_steps": st.just(wd[1]),
                "total_steps": st.integers(wd[0] + wd[1], 300),
                "min_factor": st.floats(0.0, 0.5),
                "cooldown": st.sampled_from(["linear", "1-sqrt"]),
            }
        )
    ),
}


# --- the property tests -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COMBINABLE_KWARGS))
@PROPERTY
@given(data=st.data(), steps=steps_st, lr=lr_st)
def test_simple_schedulers_match_torch(name, data, steps, lr):
    kwargs = data.draw(KWARGS[name])
    assert_matches_torch(name, steps, lr=lr, **kwargs)


@PROPERTY
@given(kwargs=KWARGS["CyclicLR"], steps=steps_st)
def test_cyclic_lr_and_momentum_match_torch(kwargs, steps):
    assert_matches_torch("CyclicLR", steps, **kwargs)
    np.testing.assert_allclose(
        lc.momentum_curve("CyclicLR", steps, **kwargs),
        lc.momentum_curve_torch("CyclicLR", steps, **kwargs),
        rtol=1e-12,
    )


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


metric_values = st.sampled_from([1.0, 0.9, 0.9, 0.5, 0.5, 0.49995, 0.2, 2.0])


@PROPERTY
@given(
    kwargs=KWARGS["ReduceLROnPlateau"],
    metrics=st.lists(metric_values | st.floats(-3, 3), max_size=120),
    lr=lr_st,
)
def test_plateau_matches_torch_including_ties(kwargs, metrics, lr):
    assert_matches_torch("ReduceLROnPlateau", lr=lr, metrics=metrics, **kwargs)


@PROPERTY
@given(
    subs=st.lists(combinable_spec, min_size=1, max_size=4),
    data=st.data(),
    steps=steps_st,
    lr=lr_st,
)
def test_sequential_lr_matches_torch(subs, data, steps, lr):
    milestones = sorted(
        data.draw(st.lists(st.integers(0, 150), min_size=len(subs) - 1, max_size=len(subs) - 1))
    )
    assert_matches_torch("SequentialLR", steps, lr=lr, schedulers=subs, milestones=milestones)


@PROPERTY
@given(subs=st.lists(combinable_spec, min_size=1, max_size=4), steps=steps_st, lr=lr_st)
def test_chained_scheduler_matches_torch(subs, steps, lr):
    assert_matches_torch("ChainedScheduler", steps, lr=lr, schedulers=subs)


@pytest.mark.parametrize("name", sorted(MODERN_KWARGS))
@PROPERTY
@given(data=st.data(), steps=steps_st, lr=lr_st)
def test_modern_schedules_match_torch_lambda_lr(name, data, steps, lr):
    assert_matches_torch(name, steps, lr=lr, **data.draw(MODERN_KWARGS[name]))


def test_every_registered_schedule_is_property_tested():
    tested = set(KWARGS) | set(MODERN_KWARGS) | {"SequentialLR", "ChainedScheduler"}
    assert tested == set(lc.SCHEDULES) == set(lc.schedule_names())
    assert set(lc.TORCH_SCHEDULERS) == {
        n
        for n in dir(torch.optim.lr_scheduler)
        if isinstance(getattr(torch.optim.lr_scheduler, n), type)
        and issubclass(getattr(torch.optim.lr_scheduler, n), torch.optim.lr_scheduler.LRScheduler)
        and n not in ("LRScheduler", "_LRScheduler")
    }


@pytest.mark.parametrize("name", sorted(lc.SCHEDULES))
def test_registry_defaults_give_a_valid_curve_equal_to_torch(name):
    info = lc.SCHEDULES[name]
    metrics = np.r_[np.linspace(1, 0.5, 30), np.full(70, 0.5)] if info.needs_metrics else None
    curve = assert_matches_torch(name, lr=0.1, metrics=metrics, **info.defaults())
    assert len(curve) > 0 and np.all(curve >= 0)
    for p in info.params:
        if p.kind in ("int", "float", "log"):
            assert p.low is not None and p.high is not None and p.low < p.high, p
        if p.kind == "choice":
            assert p.default in p.choices


# --- edge cases named in the issue ---------------------------------------------------------------


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


def test_sequential_warmup_then_cosine():
    curve = assert_matches_torch(
        "SequentialLR",
        100,
        lr=1.0,
        schedulers=[
            ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
            ("CosineAnnealingLR", {"T_max": 90}),
        ],
        milestones=[10],
    )
    assert curve[0] == pytest.approx(0.1) and curve[10] == pytest.approx(1.0)
    assert curve[99] < 1e-3


def test_chained_multiplies_factors():
    curve = assert_matches_torch(
        "ChainedScheduler",
        30,
        lr=1.0,
        schedulers=[
            ("ConstantLR", {"factor": 0.5, "total_iters": 10}),
            ("ExponentialLR", {"gamma": 0.9}),
        ],
    )
    k = np.arange(30)
    np.testing.assert_allclose(curve, np.where(k < 10, 0.5, 1.0) * 0.9**k, rtol=1e-12)


def test_chained_cosine_past_t_max_follows_torch_not_a_product():
    # After the cosine touches zero, torch's additive restart term forgets the other factors.
    subs = [("CosineAnnealingLR", {"T_max": 5}), ("ExponentialLR", {"gamma": 0.9})]
    curve = assert_matches_torch("ChainedScheduler", 15, lr=1.0, schedulers=subs)
    k = np.arange(15)
    product = 0.5 * (1 + np.cos(np.pi * k / 5)) * 0.9**k
    assert not np.allclose(curve[6:], product[6:])


def test_long_runs_stay_exact():
    for kwargs in ({"T_0": 7, "T_mult": 2}, {"T_0": 1000}):
        assert_matches_torch("CosineAnnealingWarmRestarts", 5000, **kwargs)
    assert_matches_torch("OneCycleLR", max_lr=0.5, total_steps=5000)


# --- modern schedules' formulas ------------------------------------------------------------------


def _transformers_linear(step, w, t):  # transformers' get_linear_schedule_with_warmup lambda
    if step < w:
        return float(step) / float(max(1, w))
    return max(0.0, float(t - step) / float(max(1, t - w)))


def _transformers_cosine(step, w, t):  # get_cosine_schedule_with_warmup, num_cycles=0.5
    if step < w:
        return float(step) / float(max(1, w))
    progress = float(step - w) / float(max(1, t - w))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


@given(w=st.integers(0, 50), extra=st.integers(0, 200))
def test_warmup_factors_equal_transformers(w, extra):
    t = max(w, 1) + extra
    lin, cos = lc.linear_with_warmup(w, t), lc.cosine_with_warmup(w, t)
    for step in range(t + 20):
        assert lin(step) == pytest.approx(_transformers_linear(step, w, t), abs=1e-15)
        if step <= t:
            assert cos(step) == pytest.approx(_transformers_cosine(step, w, t), abs=1e-15)


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
    assert isinstance(lc.inverse_sqrt(8)(3), float)


# --- bad input ------------------------------------------------------------------------------------

BAD = [
    ("StepLR", {"step_size": 10}, {"steps": -1}, "steps"),
    ("StepLR", {"step_size": 10}, {"lr": 0.0}, "lr"),
    ("StepLR", {"step_size": 10}, {"lr": -1.0}, "lr"),
    ("StepLR", {"step_size": 10}, {"lr": float("nan")}, "lr"),
    ("StepLR", {"step_size": 0}, {}, "step_size"),
    ("StepLR", {"step_size": -3}, {}, "step_size"),
    ("StepLR", {"step_size": 10, "gamma": 0.0}, {}, "gamma"),
    ("StepLR", {"step_size": 10, "gamma": float("nan")}, {}, "gamma"),
    ("ExponentialLR", {"gamma": -0.5}, {}, "gamma"),
    ("CosineAnnealingLR", {"T_max": 0}, {}, "T_max"),
    ("CosineAnnealingLR", {"T_max": -5}, {}, "T_max"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, {}, "T_0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 0}, {}, "T_mult"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 0.0}, {}, "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 1.0}, {}, "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 1.5}, {}, "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, {}, "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": -10}, {}, "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1}, {}, "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 3}, {}, "pct_start"),  # torch: ZeroDivision
    ("MultiStepLR", {"milestones": [3, -1]}, {}, "milestones"),
    ("ConstantLR", {"factor": 0.0}, {}, "factor"),
    ("LinearLR", {"total_iters": 0}, {}, "total_iters"),
    ("PolynomialLR", {"power": -1.0}, {}, "power"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 0}, {}, "step_size_up"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "mode": "sine"}, {}, "mode"),
    ("ReduceLROnPlateau", {"factor": 1.0}, {"metrics": [1.0, 2.0]}, "factor"),
    ("ReduceLROnPlateau", {"mode": "up"}, {"metrics": [1.0]}, "mode"),
    ("ReduceLROnPlateau", {}, {}, "metrics"),
    ("ReduceLROnPlateau", {}, {"metrics": [1.0], "steps": 5}, "metrics"),
    ("LambdaLR", {"lr_lambda": 0.5}, {}, "lr_lambda"),
    ("LambdaLR", {"lr_lambda": lambda k: float("nan")}, {}, "non-finite"),
    ("ExponentialLR", {"gamma": 10.0}, {"steps": 1000}, "non-finite"),
    ("SequentialLR", {"schedulers": [], "milestones": []}, {}, "schedulers"),
    (
        "SequentialLR",
        {"schedulers": [("StepLR", {"step_size": 2})], "milestones": [3]},
        {},
        "milestones",
    ),
    (
        "SequentialLR",
        {"schedulers": [("OneCycleLR", {"max_lr": 1.0, "total_steps": 9})], "milestones": []},
        {},
        "schedulers",
    ),
    ("ChainedScheduler", {"schedulers": [("StepLR", {"step_size": 0})]}, {}, "step_size"),
    ("StepLR", {"step_size": 10}, {"metrics": [1.0]}, "metrics"),
    (
        "warmup_stable_decay",
        {"warmup_steps": 50, "total_steps": 60, "decay_steps": 20},
        {},
        "total_steps",
    ),
    ("inverse_sqrt", {"warmup_steps": 0}, {}, "warmup_steps"),
]


@pytest.mark.parametrize(("name", "kwargs", "call", "word"), BAD)
def test_bad_input_is_a_value_error_naming_the_parameter(name, kwargs, call, word):
    call = dict(call)
    steps = call.pop("steps", None if "metrics" in call else 50)
    with pytest.raises(ValueError, match=word):
        lc.lr_curve(name, steps, **call, **kwargs)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="StepLR") as err:
        lc.lr_curve("StepLr", 10, step_size=2)
    assert "warmup_stable_decay" in str(err.value)


def test_unexpected_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="step_size"):
        lc.lr_curve("StepLR", 10, step_size=2, T_max=3)
    with pytest.raises(TypeError, match="T_max"):
        lc.lr_curve("CosineAnnealingLR", 10)
    with pytest.raises(TypeError):
        lc.torch_lr_curve("ExponentialLR", 10, gamma=0.9, warmup=3)


def test_zero_steps_is_an_empty_curve():
    assert lc.lr_curve("StepLR", 0, step_size=3).shape == (0,)
    assert lc.torch_lr_curve("StepLR", 0, step_size=3).shape == (0,)


def test_torch_lr_curve_is_the_plain_training_loop_trace():
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=40)
    seen = []
    for _ in range(40):
        seen.append(sched.get_last_lr()[0])  # the LR this step's update uses
        opt.zero_grad()
        model(torch.ones(2, 3)).sum().backward()
        opt.step()
        sched.step()
    np.testing.assert_array_equal(
        lc.torch_lr_curve("OneCycleLR", 40, max_lr=0.5, total_steps=40), seen
    )
    assert type(
        lc.make_scheduler(
            "SequentialLR", lc.make_optimizer(), **lc.SCHEDULES["SequentialLR"].example
        )
    ).__name__ == ("SequentialLR")
