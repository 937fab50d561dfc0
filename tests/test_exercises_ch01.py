"""lrcourse.exercises: chapter 1's checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says

from lrcourse.exercises import check_decay_schedule, check_noise_floor, check_stability_limit

# ----------------------------------------------------------------------------- stability


@pytest.mark.parametrize("mu, L", [(2.0, 50.0), (1.0, 10.0), (0.3, 0.3)])
def test_stability_accepts_two_over_L(capsys, mu, L):
    assert check_stability_limit(2 / L, mu=mu, L=L) is True
    _says(capsys, "Correct")
    assert check_stability_limit(np.float32(2 / L), mu=mu, L=L) is True
    assert check_stability_limit(torch.tensor(2 / L), mu=mu, L=L) is True


@pytest.mark.parametrize(
    "answer, hint",
    [
        (2 / 2.0, "shallow"),
        (1 / 50.0, "1/L"),
        (2 / 52.0, "best constant"),
        (50 / 2.0, "upside down"),
        (0.3, "too large"),
        (0.001, "not the largest"),
        (-0.04, "positive"),
    ],
)
def test_stability_rejects_with_specific_hint(capsys, answer, hint):
    assert check_stability_limit(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- noise floor


def test_noise_floor_accepts_formula_and_measurement(capsys):
    assert check_noise_floor(0.02 * 0.25 * 40 / 10) is True
    _says(capsys, "Correct")
    # a measured plateau (includes higher-order terms) passes too
    assert check_noise_floor(0.0223) is True
    assert check_noise_floor(0.5 * 1.0 * 20 / 20, lr=0.5, dim=20, batch_size=20, noise=1.0)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.27, "total loss"),
        (0.25, "optimal loss"),
        (0.04, "squared"),
        (0.005, "dim / batch_size"),
        (0.02 * 0.25 / 4, "swapped"),
        (np.sqrt(0.02) * 0.25 * 4, "square root"),
        (0.1, "too high"),
        (0.01, "too low"),
        (-1.0, "positive"),
    ],
)
def test_noise_floor_rejects_with_specific_hint(capsys, answer, hint):
    assert check_noise_floor(answer) is False
    _says(capsys, "Not yet", hint)


# ----------------------------------------------------------------------------- decay schedule


def test_decay_schedule_accepts_real_decays(capsys):
    k = np.arange(1000)
    assert check_decay_schedule(np.linspace(0.05, 0.0, 1000)) is True
    _says(capsys, "Correct", "lower")
    assert check_decay_schedule(0.05 * 0.5 * (1 + np.cos(np.pi * k / 1000))) is True
    step = np.where(k < 700, 0.05, 0.005)
    assert check_decay_schedule(torch.tensor(step)) is True
    assert check_decay_schedule(list(step)) is True


@pytest.mark.parametrize(
    "lrs, hint",
    [
        (np.linspace(0.05, 0.0, 999), "1000 values"),
        (np.full(1000, 0.005), "start at the peak"),
        (np.full(1000, 0.05), "ends at"),
        (np.r_[0.05, np.full(999, 0.1)], "exceeds the peak"),
        (np.r_[np.full(500, 0.05), np.full(500, -0.01)], ">= 0"),
        (np.r_[np.full(980, 0.05), np.full(20, 0.001)], "decay earlier"),
    ],
)
def test_decay_schedule_rejects_with_specific_hint(capsys, lrs, hint):
    assert check_decay_schedule(lrs) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- arguments

CALLS = [
    (check_stability_limit, {"answer": 0.04, "mu": 2.0, "L": 50.0}),
    (check_stability_limit, {"answer": 0.3, "mu": 2, "L": 50}),
    (check_noise_floor, {"answer": 0.05, "lr": 0.02, "dim": 40, "batch_size": 10, "noise": 0.5}),
    (
        check_decay_schedule,
        {"lrs": np.linspace(0.05, 0.0, 300), "peak": 0.05, "steps": 300, "seed": 1, "factor": 2.0},
    ),
]

BAD = [
    (check_stability_limit, {}, "answer", None),
    (check_stability_limit, {}, "answer", float("nan")),
    (check_noise_floor, {}, "answer", [0.02]),
    (check_noise_floor, {}, "answer", float("inf")),
    (check_noise_floor, {"answer": 0.02}, "lr", -1.0),
    (check_decay_schedule, {}, "lrs", "cosine"),
    (check_decay_schedule, {}, "lrs", 0.05),
    (check_decay_schedule, {}, "lrs", np.ones((10, 100))),
    (check_decay_schedule, {}, "lrs", np.full(1000, np.nan)),
    (check_stability_limit, {}, "answer", "0.04"),
    (check_stability_limit, {}, "answer", float("inf")),
    (check_stability_limit, {"answer": 0.04}, "L", 0.0),
    (check_stability_limit, {"answer": 0.04, "L": 50.0}, "mu", 60.0),
    (check_noise_floor, {}, "answer", None),
    (check_noise_floor, {"answer": 0.05}, "lr", -0.02),
    (check_noise_floor, {"answer": 0.05}, "dim", 0),
    (check_noise_floor, {"answer": 0.05}, "batch_size", 2.5),
    (check_noise_floor, {"answer": 0.05}, "noise", 0.0),
    (check_decay_schedule, {}, "lrs", "0.05, 0.01"),
    (check_decay_schedule, {}, "lrs", np.ones((2, 2))),
    (check_decay_schedule, {"lrs": [0.05]}, "peak", 0.0),
    (check_decay_schedule, {"lrs": [0.05]}, "steps", 0),
    (check_decay_schedule, {"lrs": [0.05]}, "seed", -1),
    (check_decay_schedule, {"lrs": [0.05]}, "factor", 0.5),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
