"""Chapter 6's checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import check_goyal_warmup, check_rectifier_half, check_warmup_lambda

# ----------------------------------------------------------------------------- Goyal


def test_goyal_accepts_the_gradual_warmup(capsys):
    assert check_goyal_warmup(0.8, 1 / 8, 500) is True
    _says(capsys, "Correct", "0.8")
    assert check_goyal_warmup(np.float32(0.8), torch.tensor(0.125), np.int64(500)) is True
    assert check_goyal_warmup(3.2, 1 / 32, 780, k=32, steps_per_epoch=156) is True


def test_goyal_answer_reproduces_the_ramp_in_torch():
    """What the checker accepts really ramps from base_lr to k * base_lr in torch."""
    curve = lc.torch_lr_curve("LinearLR", 600, lr=0.8, start_factor=1 / 8, total_iters=500)
    assert np.isclose(curve[0], 0.1) and np.isclose(curve[500], 0.8)


@pytest.mark.parametrize(
    "args, hint",
    [
        ((0.1, 1 / 8, 500), "small-batch LR"),
        ((0.8, 1 / 8, 5), "counts epochs"),
        ((0.8, 1 / 500, 500), "starts near 0"),
        ((0.8, 0.0, 500), "ValueError"),
        ((0.8, 1 / 8, 300), "5 epochs"),
        ((0.4, 1 / 4, 500), "linear scaling rule"),
        ((0.8, 0.5, 500), "not base_lr"),
    ],
)
def test_goyal_rejects_with_specific_hint(capsys, args, hint):
    assert check_goyal_warmup(*args) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_goyal_off_by_one_passes_with_a_note(capsys):
    assert check_goyal_warmup(0.8, 1 / 8, 499) is True
    _says(capsys, "one step off")


# ----------------------------------------------------------------------------- warmup lambda

W, T = 100, 1000


def _right(t):
    return (t + 1) / W if t < W else (T - t) / (T - W)


def test_warmup_lambda_accepts_shifted_ramp(capsys):
    assert check_warmup_lambda(_right) is True
    _says(capsys, "Correct")
    # a numpy-returning variant, and LinearLR's equivalent line
    assert check_warmup_lambda(lambda t: np.float64(_right(t))) is True
    assert check_warmup_lambda(lambda t: min((t + 1) / W, (T - t) / (T - W))) is True
    assert check_warmup_lambda(lc.linear_with_warmup(W, T)) is True  # the course's form


def test_warmup_lambda_accepted_one_trains_every_step():
    lrs = lc.lr_curve("LambdaLR", T, lr=1.0, lr_lambda=_right)
    assert lrs[0] > 0 and lrs[-1] > 0 and lrs.max() == 1.0


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lc.transformers_linear_with_warmup(W, T), "LR 0"),  # transformers' schedule
        (lambda t: min(1.0, (t + 1) / W), "last step still uses"),  # never decays
        (lambda t: (t + 1) / W if t < W else (T - 1 - t) / (T - 1 - W), "hits 0 at step 999"),
        (lambda t: 1.0 if t < W else (T - t) / (T - W), "starts near"),
        (lambda t: (t + 1) / (2 * W) if t < 2 * W else (T - t) / (T - 2 * W), "by step 100"),
        (
            lambda t: (t + 1) / W if t < W else 0.5 * (1 + np.cos(np.pi * (t - W) / (T - W))),
            "linear",
        ),
        (lambda t: 2 * (t + 1) / W, "exceeds 1"),
        (lambda t: -(t + 1) / W, "negative"),
        (lambda t: 1 / 0, "ZeroDivisionError"),
        (lambda t: None, "must return a finite number"),
    ],
)
def test_warmup_lambda_rejects_with_specific_hint(capsys, fn, hint):
    assert check_warmup_lambda(fn) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- rectifier


def test_rectifier_half_accepts_the_first_step_reaching_half(capsys):
    r = np.nan_to_num(lc.radam_rectifier(np.arange(1, 5001), 0.999))
    t_half = int(np.argmax(r >= 0.5)) + 1
    assert r[t_half - 1] >= 0.5 > r[t_half - 2]
    assert check_rectifier_half(t_half) is True
    _says(capsys, "Correct", "1000")
    assert check_rectifier_half(np.int64(t_half)) is True
    r99 = np.nan_to_num(lc.radam_rectifier(np.arange(1, 5001), 0.99))
    assert check_rectifier_half(int(np.argmax(r99 >= 0.5)) + 1, beta2=0.99) is True


@pytest.mark.parametrize(
    "answer, hint",
    [
        (555, "one step off"),
        (557, "one step off"),
        (1000, "Ma & Yarats"),
        (100, "too early"),
        (3000, "too late"),
        (0, "from t = 1"),
    ],
)
def test_rectifier_half_rejects_with_specific_hint(capsys, answer, hint):
    assert check_rectifier_half(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- arguments


def _lambda(t):
    return (t + 1) / 10 if t < 10 else (60 - t) / 50


CALLS = [
    (
        check_goyal_warmup,
        {
            "lr": 0.8,
            "start_factor": 1 / 8,
            "total_iters": 500,
            "base_lr": 0.1,
            "k": 8,
            "warmup_epochs": 5,
            "steps_per_epoch": 100,
        },
    ),
    (check_warmup_lambda, {"fn": _lambda, "warmup_steps": 10, "total_steps": 60}),
    (check_rectifier_half, {"answer": 556, "beta2": 0.999, "level": 0.5}),
]

GOYAL = {"lr": 0.8, "start_factor": 0.125, "total_iters": 500}

BAD = [
    (check_goyal_warmup, {"start_factor": 0.125, "total_iters": 500}, "lr", "0.8"),
    (check_goyal_warmup, {"lr": 0.8, "start_factor": 0.125}, "total_iters", float("nan")),
    (check_goyal_warmup, {"lr": 0.8, "start_factor": 0.125, "total_iters": 500}, "k", 1),
    (check_warmup_lambda, {"fn": _right}, "warmup_steps", 1),
    (check_rectifier_half, {}, "answer", float("inf")),
    (check_rectifier_half, {"answer": 556}, "beta2", 1.2),
    (check_goyal_warmup, GOYAL, "lr", "0.8"),
    (check_goyal_warmup, GOYAL, "total_iters", None),
    (check_goyal_warmup, GOYAL, "base_lr", 0.0),
    (check_goyal_warmup, GOYAL, "k", 1),
    (check_goyal_warmup, GOYAL, "warmup_epochs", 2.5),
    (check_goyal_warmup, GOYAL, "steps_per_epoch", 0),
    (check_warmup_lambda, {}, "fn", 0.5),
    (check_warmup_lambda, {"fn": _lambda}, "warmup_steps", 1),
    (check_warmup_lambda, {"fn": _lambda, "warmup_steps": 10}, "total_steps", 11),
    (check_rectifier_half, {}, "answer", "556"),
    (check_rectifier_half, {"answer": 556}, "beta2", 0.5),
    (check_rectifier_half, {"answer": 556}, "level", 1.0),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
