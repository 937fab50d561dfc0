"""lrcourse.exercises: chapter 10's checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import (
    check_cosine_shrink,
    check_half_life,
    check_matched_decay,
    check_no_decay,
)

# ----------------------------------------------------------------------------- half-life


def test_half_life_accepts_the_exact_and_the_approximate_answer(capsys):
    exact = lc.decay_half_life(0.05, 1e-3)
    assert (1 - 0.05 * 1e-3) ** exact == pytest.approx(0.5)
    for answer in (exact, math.log(2) / (0.05 * 1e-3), np.float32(exact), torch.tensor(exact)):
        assert check_half_life(answer) is True
        _says(capsys, "Correct")
    assert check_half_life(lc.decay_half_life(0.1, 5e-4), lr=0.1, weight_decay=5e-4) is True


@pytest.mark.parametrize(
    "answer, hint",
    [
        (1 / (0.05 * 1e-3), "time constant"),
        (0.5 / (0.05 * 1e-3), "not linear"),
        (math.log(2) / 1e-3, "left out the LR"),
        (math.log(2) / 0.05, "left out the weight decay"),
        (0.1 * math.log(2) / (0.05 * 1e-3), "momentum"),
        (16000, "too high"),
        (100, "too low"),
    ],
)
def test_half_life_rejects_with_specific_hint(capsys, answer, hint):
    assert check_half_life(answer) is False
    _says(capsys, "Not yet", hint)


# ----------------------------------------------------------------------------- cosine shrink


def test_cosine_shrink_accepts_the_product_over_the_schedule(capsys):
    lrs = lc.lr_curve("CosineAnnealingLR", 1000, lr=0.1, T_max=1000)
    right = lc.cumulative_shrink(lrs, 5e-3)[-1]
    assert check_cosine_shrink(right) is True
    _says(capsys, "Correct", "half")
    assert check_cosine_shrink(math.exp(-0.1 * 5e-3 * 1000 / 2)) is True  # the estimate
    short = lc.cumulative_shrink(lc.lr_curve("CosineAnnealingLR", 200, lr=0.1, T_max=200), 5e-3)
    assert check_cosine_shrink(short[-1], steps=200) is True


@pytest.mark.parametrize(
    "answer, hint",
    [
        ((1 - 5e-4) ** 1000, "constant LR"),
        (1 - 5e-4 * 1000 / 2, "exponential"),
        (0.5, "factors multiply"),
        (0.9, "too high"),
        (0.7, "too low"),
    ],
)
def test_cosine_shrink_rejects_with_specific_hint(capsys, answer, hint):
    assert check_cosine_shrink(answer) is False
    _says(capsys, "Not yet", hint)


# ----------------------------------------------------------------------------- matched decay


def test_matched_decay_accepts_the_wd_that_equalises_the_factors(capsys):
    assert check_matched_decay(1e-3) is True
    _says(capsys, "Correct", "times the old")
    steps, lr = 1000, 0.1
    constant = (1 - lr * 5e-4) ** steps
    cosine = lc.cumulative_shrink(lc.lr_curve("CosineAnnealingLR", steps, lr=lr, T_max=steps), 1e-3)
    assert cosine[-1] == pytest.approx(constant, rel=1e-3)  # the answer really matches


@pytest.mark.parametrize(
    "answer, hint",
    [(5e-4, "constant"), (2.5e-4, "wrong way round"), (2e-3, "too high"), (8e-4, "too low")],
)
def test_matched_decay_rejects_with_specific_hint(capsys, answer, hint):
    assert check_matched_decay(answer) is False
    _says(capsys, "Not yet", hint)


# ----------------------------------------------------------------------------- no decay


def test_no_decay_accepts_what_split_decay_finds(capsys):
    assert check_no_decay(["bn1.weight", "bn1.bias", "fc2.bias"]) is True
    assert check_no_decay({"fc2.bias", "bn1.bias", "bn1.weight"}) is True
    _says(capsys, "Correct", "BatchNorm1d")
    ln = lc.norm_mlp("layer")
    assert check_no_decay(("ln_1.weight", "ln_1.bias", "fc2.bias"), ln) is True


@pytest.mark.parametrize(
    "answer, hint",
    [
        (["bn1.bias", "fc2.bias"], "name rule"),
        (["bn1.weight", "bn1.bias", "fc2.bias", "fc2.weight"], "weight matrix"),
        (["bn1.bias"], "left out"),
        (["bn.weight"], "no parameter 'bn.weight'"),
    ],
)
def test_no_decay_rejects_with_specific_hint(capsys, answer, hint):
    assert check_no_decay(answer) is False
    _says(capsys, "Not yet", hint)


def test_no_decay_name_rule_hint_names_the_layer_norm(capsys):
    assert check_no_decay(["ln_1.bias", "fc2.bias"], lc.norm_mlp("layer")) is False
    _says(capsys, "name rule", "ln_1.weight", "LayerNorm")


# ----------------------------------------------------------------------------- arguments

CALLS = [
    (check_half_life, {"answer": 13863.0, "lr": 0.05, "weight_decay": 1e-3}),
    (check_cosine_shrink, {"answer": 0.7786, "steps": 1000, "lr": 0.1, "weight_decay": 5e-3}),
    (check_matched_decay, {"answer": 1e-3, "steps": 1000, "lr": 0.1, "weight_decay": 5e-4}),
]

BAD = [
    (check_half_life, {}, "answer", "13863"),
    (check_half_life, {}, "answer", -1.0),
    (check_half_life, {"answer": 1.0}, "lr", 0.0),
    (check_half_life, {"answer": 1.0}, "weight_decay", -1e-3),
    (check_half_life, {"answer": 1.0, "lr": 10.0}, "weight_decay", 0.5),
    (check_cosine_shrink, {}, "answer", 1.5),
    (check_cosine_shrink, {}, "answer", float("nan")),
    (check_cosine_shrink, {"answer": 0.7}, "steps", 0),
    (check_cosine_shrink, {"answer": 0.7}, "weight_decay", 0.0),
    (check_matched_decay, {}, "answer", None),
    (check_matched_decay, {"answer": 1e-3}, "lr", -0.1),
    (check_matched_decay, {"answer": 1e-3}, "weight_decay", 6.0),
    (check_no_decay, {}, "answer", "bn1.weight"),
    (check_no_decay, {}, "answer", 3),
    (check_no_decay, {}, "answer", [1, 2]),
    (check_no_decay, {"answer": []}, "model", "net"),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
