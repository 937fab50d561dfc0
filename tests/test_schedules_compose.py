"""SequentialLR and ChainedScheduler as composed affine maps (schedules.compose) vs torch."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from schedule_cases import (
    PROPERTY,
    assert_matches_torch,
    combinable_spec,
    lr_st,
    steps_st,
)

import lrcourse as lc


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
    # torch divides by total_iters when it restarts these (refused: the test below)
    assume(not any(kw.get("total_iters") == 0 for _, kw in subs[1:]))
    assert_matches_torch("SequentialLR", steps, lr=lr, schedulers=subs, milestones=milestones)


@pytest.mark.parametrize("sub", ["LinearLR", "PolynomialLR"])
def test_a_restart_that_torch_divides_by_zero_in_is_refused(sub):
    spec = {"schedulers": [("StepLR", {"step_size": 2}), (sub, {"total_iters": 0})]}
    with pytest.raises(ZeroDivisionError):
        lc.torch_lr_curve("SequentialLR", 6, milestones=[3], **spec)
    message = f"total_iters must be non-zero for a {sub} that SequentialLR restarts"
    with pytest.raises(ValueError, match=message):
        lc.lr_curve("SequentialLR", 6, milestones=[3], **spec)
    with pytest.raises(ValueError, match=message):
        lc.make_scheduler("SequentialLR", lc.make_optimizer(), milestones=[3], **spec)
    # first in line it is never restarted: torch runs it (start_factor for ever)
    first = {"schedulers": [(sub, {"total_iters": 0}), ("StepLR", {"step_size": 2})]}
    with pytest.warns(UserWarning, match="total_iters=0"):
        assert_matches_torch("SequentialLR", 6, milestones=[3], **first)


@pytest.mark.filterwarnings("ignore:ChainedScheduler gives a negative learning rate")
@PROPERTY
@given(subs=st.lists(combinable_spec, min_size=1, max_size=4), steps=steps_st, lr=lr_st)
def test_chained_scheduler_matches_torch(subs, steps, lr):
    assert_matches_torch("ChainedScheduler", steps, lr=lr, schedulers=subs)


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
