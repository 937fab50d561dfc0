"""Factor schedules joined by one combinator (schedules.factors) vs torch, transformers, papers."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from schedule_cases import (
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
