"""lrcourse.exercises: chapter 3's checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says

from lrcourse import lr_curve, torch_lr_curve
from lrcourse.exercises import (
    check_exponential_gamma,
    check_multiplicative_lr,
    check_multistep_milestones,
)

# ----------------------------------------------------------------------------- gamma


@pytest.mark.parametrize("factor, steps", [(1e-3, 100), (0.01, 19), (0.5, 10)])
def test_gamma_accepts_the_root_and_it_really_reaches_the_factor(capsys, factor, steps):
    gamma = factor ** (1 / steps)
    assert check_exponential_gamma(gamma, factor=factor, steps=steps) is True
    _says(capsys, "Correct")
    # the accepted answer does what the exercise asks, measured on torch itself
    curve = torch_lr_curve("ExponentialLR", steps + 1, lr=1.0, gamma=gamma)
    assert math.isclose(curve[steps], factor, rel_tol=1e-9)
    assert check_exponential_gamma(np.float32(gamma), factor=factor, steps=steps) is True
    assert check_exponential_gamma(torch.tensor(gamma), factor=factor, steps=steps) is True


def test_gamma_accepts_a_rounded_value_but_not_a_coarse_one(capsys):
    assert check_exponential_gamma(round(1e-3 ** (1 / 100), 5)) is True
    assert check_exponential_gamma(0.93) is False
    _says(capsys, "Not yet", "too fast")
    assert check_exponential_gamma(0.94) is False
    _says(capsys, "Not yet", "too slowly")


@pytest.mark.parametrize(
    "gamma, hint",
    [
        (1e-3 ** (1 / 99), "off by one"),
        (1e-3, "every* step"),
        (1 - 0.999 / 100, "linear"),
        (1 - 1e-3 / 100, "shaves"),
        (math.exp(math.log(1e-3) / 100**2), "one power too many"),
        (1.0, "constant"),
        (1.05, "grow"),
        (0.0, "positive"),
        (-0.9, "positive"),
    ],
)
def test_gamma_rejects_with_specific_hint(capsys, gamma, hint):
    assert check_exponential_gamma(gamma) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- MultiStepLR


def _log_curve() -> np.ndarray:
    """The log the exercise describes, written out by hand."""
    k = np.arange(120)
    return np.select([k < 30, k < 60, k < 90], [0.1, 0.01, 1e-4], 1e-5)


def test_the_described_log_is_the_curve_of_the_answer():
    ours = torch_lr_curve("MultiStepLR", 120, lr=0.1, milestones=[30, 60, 60, 90], gamma=0.1)
    assert np.allclose(ours, _log_curve(), rtol=1e-9, atol=0)


@pytest.mark.parametrize(
    "milestones, gamma",
    [
        ([30, 60, 60, 90], 0.1),
        ((90, 60, 30, 60), 0.1),  # any order: torch counts them
        (np.array([30, 60, 60, 90]), 0.1),
        (torch.tensor([30, 60, 60, 90]), 0.1),
        ([30, 30, 60, 60, 60, 60, 90, 90], math.sqrt(0.1)),  # another way to the same curve
        ([30, 60, 60, 90, 500], 0.1),  # a milestone after the end changes nothing
    ],
)
def test_multistep_accepts_every_answer_that_matches(capsys, milestones, gamma):
    assert check_multistep_milestones(milestones, gamma) is True
    _says(capsys, "Correct")


def test_multistep_accepted_answers_really_match():
    for ms, g in [([90, 60, 30, 60], 0.1), ([30, 30, 60, 60, 60, 60, 90, 90], math.sqrt(0.1))]:
        curve = torch_lr_curve("MultiStepLR", 120, lr=0.1, milestones=ms, gamma=g)
        assert np.allclose(curve, _log_curve(), rtol=1e-9, atol=0)


@pytest.mark.parametrize(
    "milestones, gamma, hint",
    [
        ([30, 60, 90], 0.1, "appears twice"),
        ({30, 60, 90}, 0.1, "appears twice"),
        ([29, 59, 59, 89], 0.1, "off by one"),
        ([31, 61, 61, 91], 0.1, "off by one"),
        ([30, 60, 60, 90], 0.01, "first differ at step 30"),
        ([30, 60, 60], 0.1, "first differ at step 90"),
        ([30.0, 60, 60, 90.5], 0.1, "not a whole step"),
        ([], 0.1, "never change"),
        ([30, 60, 60, 90], 10, "0 < gamma < 1"),
        ([-30, 60], 0.1, "negative"),
    ],
)
def test_multistep_rejects_with_specific_hint(capsys, milestones, gamma, hint):
    assert check_multistep_milestones(milestones, gamma) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_multistep_float_milestone_hint_is_true_of_torch():
    # the hint says torch never fires a fractional milestone: check that it does not
    curve = torch_lr_curve("MultiStepLR", 120, lr=0.1, milestones=[30, 90.5], gamma=0.1)
    assert np.allclose(curve[31:], 0.01)


# ----------------------------------------------------------------------------- MultiplicativeLR


@pytest.mark.parametrize("lr, factor, k", [(0.1, 0.95, 10), (1.0, 0.9, 5), (0.3, 0.99, 20)])
def test_multiplicative_accepts_what_torch_does(capsys, lr, factor, k):
    truth = torch_lr_curve("MultiplicativeLR", k + 1, lr=lr, lr_lambda=lambda s: factor**s)[k]
    assert check_multiplicative_lr(truth, lr=lr, factor=factor, k=k) is True
    _says(capsys, "Correct")
    closed = lr_curve("MultiplicativeLR", k + 1, lr=lr, lr_lambda=lambda s: factor**s)[k]
    assert math.isclose(closed, truth, rel_tol=1e-12)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.1 * 0.95**10, "LambdaLR"),
        (0.1 * 0.95**45, "lr_lambda(1)"),
        (0.1 * 0.95**110, "/2"),
        (0.1 * 0.95**100, "k^2"),
        (0.95**55, "base LR"),
        (0.05, "too high"),
        (1e-5, "too low"),
        (-0.006, "positive"),
    ],
)
def test_multiplicative_rejects_with_specific_hint(capsys, answer, hint):
    assert check_multiplicative_lr(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- arguments

CALLS = [
    (check_exponential_gamma, {"gamma": 1e-3 ** (1 / 100), "factor": 1e-3, "steps": 100}),
    (check_multistep_milestones, {"milestones": [30, 60, 60, 90], "gamma": 0.1}),
    (check_multiplicative_lr, {"answer": 0.1 * 0.95**55, "lr": 0.1, "factor": 0.95, "k": 10}),
]

BAD = [
    (check_exponential_gamma, {}, "gamma", [0.93]),
    (check_exponential_gamma, {}, "gamma", float("nan")),
    (check_exponential_gamma, {"gamma": 0.9}, "factor", 2.0),
    (check_exponential_gamma, {"gamma": 0.9}, "steps", 10.5),
    (check_multistep_milestones, {"gamma": 0.1}, "milestones", "30, 60"),
    (check_multistep_milestones, {"gamma": 0.1}, "milestones", None),
    (check_multistep_milestones, {"gamma": 0.1}, "milestones", 30),
    (check_multistep_milestones, {"gamma": 0.1}, "milestones", [30, float("inf")]),
    (check_multistep_milestones, {"gamma": 0.1}, "milestones", np.array([[30, 60]])),
    (check_multistep_milestones, {"milestones": [30]}, "gamma", "0.1"),
    (check_multiplicative_lr, {}, "answer", "0.006"),
    (check_multiplicative_lr, {}, "answer", float("nan")),
    (check_multiplicative_lr, {"answer": 0.006}, "factor", 1.5),
    (check_multiplicative_lr, {"answer": 0.006}, "k", 2.5),
    (check_exponential_gamma, {}, "gamma", "0.93"),
    (check_exponential_gamma, {"gamma": 0.9}, "factor", 1.0),
    (check_exponential_gamma, {"gamma": 0.9}, "steps", 1),
    (check_multistep_milestones, {"gamma": 0.1}, "milestones", ["30"]),
    (check_multistep_milestones, {"gamma": 0.1}, "milestones", [True]),
    (check_multistep_milestones, {"milestones": [30]}, "gamma", float("nan")),
    (check_multiplicative_lr, {}, "answer", None),
    (check_multiplicative_lr, {"answer": 0.01}, "lr", 0),
    (check_multiplicative_lr, {"answer": 0.01}, "factor", 1.5),
    (check_multiplicative_lr, {"answer": 0.01}, "k", 2.5),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
