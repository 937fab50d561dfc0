"""Chapter 8's checkers accept right answers and explain the typical wrong ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says
from torch.optim import lr_scheduler as S

import lrcourse as lc
from lrcourse.exercises import check_chained_lr, check_slanted_triangular, check_warmup_cosine
from lrcourse.exercises.ch08 import slanted_triangular_factor

# ----------------------------------------------------------------------------- warmup + cosine


def _seq(total_iters=20, milestone=20, t_max=280, start_factor=0.01):
    def build(opt):
        return S.SequentialLR(
            opt,
            [
                S.LinearLR(opt, start_factor=start_factor, total_iters=total_iters),
                S.CosineAnnealingLR(opt, T_max=t_max),
            ],
            milestones=[milestone],
        )

    return build


def test_warmup_cosine_accepts_the_sequential_lr(capsys):
    assert check_warmup_cosine(_seq()) is True
    _says(capsys, "Correct", "280")
    assert check_warmup_cosine(_seq(10, 10, 90), warmup=10, total=100) is True


def test_warmup_cosine_accepts_any_scheduler_with_that_curve(capsys):
    def as_lambda(opt):
        def f(k):
            if k < 20:
                return 0.01 + 0.99 * k / 20
            return 0.5 * (1 + math.cos(math.pi * (k - 20) / 280))

        return S.LambdaLR(opt, f)

    assert check_warmup_cosine(as_lambda) is True


@pytest.mark.parametrize(
    "build, hint",
    [
        (_seq(t_max=300), "T_max = total - warmup"),
        (_seq(t_max=279), "one short"),
        (_seq(total_iters=40), "jumps up"),
        (_seq(total_iters=10), "flat"),
        (_seq(milestone=21, t_max=279), "milestone is 21"),
        (_seq(start_factor=0.1), "start_factor"),
        (lambda opt: S.LambdaLR(opt, lc.cosine_with_warmup(20, 300)), "step 0 should"),
        (lambda opt: None, "forget `return`"),
        (lambda opt: S.ReduceLROnPlateau(opt), "ReduceLROnPlateau"),
        (lambda opt: S.StepLR(lc.make_optimizer(0.1), 5), "never changed"),
        (lambda opt: S.CosineAnnealingLR(opt, T_max=300), "step 0 should"),
        (
            lambda opt: S.SequentialLR(
                opt,
                [S.LinearLR(opt, start_factor=0.01, total_iters=20), S.ExponentialLR(opt, 0.98)],
                milestones=[20],
            ),
            "first differ at step 21 (in the cosine)",
        ),
        (lambda opt: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_warmup_cosine_explains_mistakes(capsys, build, hint):
    assert check_warmup_cosine(build) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- slanted triangular


def _stlr(t, total=1000, cut_frac=0.1, ratio=32):
    cut = math.floor(total * cut_frac)
    p = t / cut if t < cut else 1 - (t - cut) / (cut * (1 / cut_frac - 1))
    return (1 + p * (ratio - 1)) / ratio


class _Slanted:
    def __init__(self, total):
        self.total = total

    def __call__(self, t):
        return _stlr(t, self.total)


def test_slanted_factor_shape():
    f = slanted_triangular_factor(1000, 0.1, 32)
    assert f[0] == pytest.approx(1 / 32) and f[100] == pytest.approx(1.0)
    assert f[-1] == pytest.approx(1 / 32) and int(np.argmax(f)) == 100
    assert np.all(np.diff(f[:101]) > 0) and np.all(np.diff(f[100:]) < 0)


def test_slanted_accepts_function_and_object(capsys):
    assert check_slanted_triangular(_stlr) is True
    _says(capsys, "Correct", "state_dict")
    assert check_slanted_triangular(_Slanted(1000)) is True
    assert "state_dict" not in capsys.readouterr().out
    assert check_slanted_triangular(lambda t: np.float32(_stlr(t))) is True
    assert check_slanted_triangular(lambda t: _stlr(t, 500), total=500) is True
    # and it really is what LambdaLR then does
    curve = lc.lr_curve("LambdaLR", 1001, lr=0.01, lr_lambda=_Slanted(1000))
    assert np.allclose(curve, 0.01 * slanted_triangular_factor())


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda t: 0.01 * _stlr(t), "not the factor"),
        (lambda t: 32 * _stlr(t), "division by ratio"),
        (lambda t: _stlr(t + 1), "ahead"),
        (lambda t: _stlr(t - 1) if t else 1 / 32, "behind"),
        (lambda t: 1.0, "peak should be at t"),
        (lambda t: _stlr(t) * (1.1 if t > 500 else 1.0), "expected"),
        (lambda t: "0.5", "finite number"),
        (lambda t: float("nan"), "finite number"),
        (lambda t: 1 / (t - 3), "ZeroDivisionError"),
    ],
)
def test_slanted_explains_mistakes(capsys, fn, hint):
    assert check_slanted_triangular(fn) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- chained


def test_chained_accepts_torchs_value(capsys):
    assert check_chained_lr(0.5 * 0.9**5) is True
    _says(capsys, "Correct", "gamma^5")
    assert check_chained_lr(torch.tensor(0.5 * 0.9**5)) is True
    # before T_max the product is right
    k = 6
    before = (1 + math.cos(math.pi * k / 10)) / 2 * 0.9**k
    assert check_chained_lr(before, step=k) is True
    _says(capsys, "pure ratio")


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.5 * 0.9**15, "naive product"),
        (0.5, "cosine alone"),
        (0.9**15, "exponential alone"),
        (0.5 * 0.9**4, "one factor of gamma short"),
        (0.9**5, "multiply by the cosine"),
        (0.9, "too high"),
        (0.01, "too low"),
    ],
)
def test_chained_explains_mistakes(capsys, answer, hint):
    assert check_chained_lr(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_chained_other_parameters_follow_torch():
    subs = [("CosineAnnealingLR", {"T_max": 8}), ("ExponentialLR", {"gamma": 0.8})]
    right = lc.torch_lr_curve("ChainedScheduler", 21, lr=0.1, schedulers=subs)[20]
    assert check_chained_lr(right, step=20, T_max=8, gamma=0.8, lr=0.1) is True
    assert check_chained_lr(right * 1.1, step=20, T_max=8, gamma=0.8, lr=0.1) is False


# ----------------------------------------------------------------------------- arguments


def _build(optimizer):
    return S.SequentialLR(
        optimizer,
        [
            S.LinearLR(optimizer, start_factor=0.1, total_iters=5),
            S.CosineAnnealingLR(optimizer, 15),
        ],
        milestones=[5],
    )


def _stlr_100(t):
    return float(slanted_triangular_factor(100, 0.1, 32.0)[t])


CALLS = [
    (
        check_warmup_cosine,
        {"build": _build, "warmup": 5, "total": 20, "start_factor": 0.1, "lr": 0.1},
    ),
    (
        check_slanted_triangular,
        {"lr_lambda": _stlr_100, "total": 100, "cut_frac": 0.1, "ratio": 32.0},
    ),
    (check_slanted_triangular, {"lr_lambda": _stlr_100, "total": 100, "lr": 0.5}),
    (check_chained_lr, {"answer": 0.5 * 0.9**5, "step": 15, "T_max": 10, "gamma": 0.9, "lr": 1.0}),
]

BAD = [
    (check_warmup_cosine, {}, "build", "SequentialLR"),
    (check_warmup_cosine, {"build": _seq(), "total": 300}, "warmup", 300),
    (check_warmup_cosine, {"build": _seq()}, "total", 300.0),
    (check_slanted_triangular, {}, "lr_lambda", 0.5),
    (check_slanted_triangular, {"lr_lambda": _stlr}, "cut_frac", 1.5),
    (check_slanted_triangular, {"lr_lambda": _stlr}, "total", "1000"),
    (check_chained_lr, {}, "answer", float("inf")),
    (check_chained_lr, {"answer": 0.3}, "gamma", 1.5),
    (check_warmup_cosine, {}, "build", None),
    (check_warmup_cosine, {"build": _build}, "total", 1),
    (check_warmup_cosine, {"build": _build, "total": 20}, "warmup", 20),
    (check_warmup_cosine, {"build": _build}, "start_factor", 0.0),
    (check_warmup_cosine, {"build": _build}, "lr", -0.1),
    (check_slanted_triangular, {}, "lr_lambda", [0.1, 0.2]),
    (check_slanted_triangular, {"lr_lambda": _stlr_100}, "total", 1),
    (check_slanted_triangular, {"lr_lambda": _stlr_100, "total": 100}, "cut_frac", 0.001),
    (check_slanted_triangular, {"lr_lambda": _stlr_100}, "ratio", 0.5),
    (check_chained_lr, {}, "answer", "0.3"),
    (check_chained_lr, {"answer": 0.3}, "step", -1),
    (check_chained_lr, {"answer": 0.3}, "T_max", np.float64(10.0)),
    (check_chained_lr, {"answer": 0.3}, "gamma", 1.1),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
