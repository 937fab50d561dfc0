"""lrcourse.exercises.ch04: the checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import check_lr_at_step, check_restart_plan, check_restart_position


def test_exported_at_top_level():
    assert lc.check_restart_position is check_restart_position
    assert "check_lr_at_step" in lc.exercises.__all__


# ----------------------------------------------------------------------------- restart position


@pytest.mark.parametrize("n, T_0, T_mult", [(3, 10, 2), (1, 7, 3), (4, 5, 1), (2, 3, 4)])
def test_restart_position_accepts_what_torch_does(capsys, n, T_0, T_mult):
    curve = lc.torch_lr_curve("CosineAnnealingWarmRestarts", 400, lr=0.1, T_0=T_0, T_mult=T_mult)
    torch_answer = int(np.flatnonzero(curve == 0.1)[n])  # [0] is the start
    assert check_restart_position(torch_answer, n=n, T_0=T_0, T_mult=T_mult) is True
    _says(capsys, "Correct")
    assert check_restart_position(np.int64(torch_answer), n=n, T_0=T_0, T_mult=T_mult)
    assert check_restart_position(float(torch_answer), n=n, T_0=T_0, T_mult=T_mult)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (69, "off by one"),
        (71, "too late"),
        (30, "restart 2"),
        (30, "T_mult = 1"),
        (150, "restart 4"),
        (80, "*length*"),
        (40, "length of cycle 2"),
        (70.5, "whole"),
        (-1, "non-negative"),
        (500, "too late"),
        (12, "too early"),
    ],
)
def test_restart_position_rejects_with_specific_hint(capsys, answer, hint):
    assert check_restart_position(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- restart plan


@pytest.mark.parametrize("T_0, T_mult, total, cycles", [(10, 2, 150, 4), (100, 2, 700, 3)])
def test_restart_plan_accepts_exact_plans(capsys, T_0, T_mult, total, cycles):
    assert check_restart_plan(T_0, T_mult, total=total, cycles=cycles) is True
    _says(capsys, "Correct")
    # and the plan really ends at the bottom of a cycle: torch's last LR is the cycle's minimum
    curve = lc.torch_lr_curve(
        "CosineAnnealingWarmRestarts", total + 1, lr=1.0, T_0=T_0, T_mult=T_mult
    )
    assert curve[total] == 1.0 and curve[total - 1] < 0.01


def test_restart_plan_equal_cycles_when_not_growing(capsys):
    assert check_restart_plan(50, 1, total=150, cycles=3, growing=False) is True
    assert check_restart_plan(50, 1, total=150, cycles=3) is False
    _says(capsys, "grow")


@pytest.mark.parametrize(
    "T_0, T_mult, hint",
    [
        (30, 2, "50% of the peak"),
        (5, 2, "1% of the peak"),
        (10, 1, "grow"),
        (1.5, 2, "ValueError"),
        (10, 1.5, "integers"),
        (0, 2, "T_0 >= 1"),
        (2, 2, "24 epochs into a 128-epoch cycle"),
    ],
)
def test_restart_plan_rejects_with_specific_hint(capsys, T_0, T_mult, hint):
    assert check_restart_plan(T_0, T_mult) is False
    _says(capsys, "Not yet", hint)


def test_restart_plan_wrong_count(capsys):
    # 150 = 50 + 100: ends at a cycle end, but after 2 cycles
    assert check_restart_plan(50, 2) is False
    _says(capsys, "after 2 cycles")


# ----------------------------------------------------------------------------- LR at step k


def _torch_lr(k, lr=0.1, T_0=10, T_mult=2, eta_min=0.001):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        opt, T_0=T_0, T_mult=T_mult, eta_min=eta_min
    )
    for _ in range(k):
        opt.step()
        sched.step()
    return sched.get_last_lr()[0]


@pytest.mark.parametrize("k", [0, 9, 10, 29, 50, 71, 200])
def test_lr_at_step_accepts_torch(capsys, k):
    assert check_lr_at_step(_torch_lr(k), k=k) is True
    _says(capsys, "Correct")


def test_lr_at_step_other_settings():
    value = _torch_lr(33, lr=0.5, T_0=4, T_mult=3, eta_min=0.0)
    assert check_lr_at_step(value, k=33, lr=0.5, T_0=4, T_mult=3, eta_min=0.0)
    assert check_lr_at_step(torch.tensor(value), k=33, lr=0.5, T_0=4, T_mult=3, eta_min=0.0)


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.05, "not to 0"),
        (0.001, "never restarts"),
        (0.1, "ignores T_mult"),
        (_torch_lr(49), "k - 1"),
        (_torch_lr(51), "k + 1"),
        (0.3, "cycle_position"),
    ],
)
def test_lr_at_step_rejects_with_specific_hint(capsys, answer, hint):
    assert check_lr_at_step(answer) is False
    _says(capsys, "Not yet", hint)


def test_lr_at_step_t0_instead_of_ti(capsys):
    # k=40: 10 steps into cycle 2 (length 40); dividing by T_0 gives cos(pi) -> eta_min
    assert check_lr_at_step(0.001, k=40) is False
    _says(capsys, "not by T_0")


# ----------------------------------------------------------------------------- arguments

CALLS = [
    (check_restart_position, {"answer": 70, "n": 3, "T_0": 10, "T_mult": 2}),
    (check_restart_plan, {"T_0": 10, "T_mult": 2, "total": 150, "cycles": 4}),
    (check_restart_plan, {"T_0": 10.0, "T_mult": 1.5}),
    (
        check_lr_at_step,
        {"answer": 0.0505, "k": 50, "lr": 0.1, "T_0": 10, "T_mult": 2, "eta_min": 0.001},
    ),
]

BAD = [
    (check_restart_position, {}, "answer", None),
    (check_restart_position, {}, "answer", float("inf")),
    (check_restart_position, {"answer": 70}, "T_mult", 1.5),
    (check_restart_plan, {"T_0": 10}, "T_mult", [2]),
    (check_lr_at_step, {}, "answer", "0.05"),
    (check_lr_at_step, {}, "answer", float("nan")),
    (check_restart_position, {}, "answer", "70"),
    (check_restart_position, {"answer": 70}, "n", 0),
    (check_restart_position, {"answer": 70}, "T_0", 10.0),
    (check_restart_position, {"answer": 70}, "T_mult", 0),
    (check_restart_plan, {"T_mult": 2}, "T_0", "10"),
    (check_restart_plan, {"T_0": 10, "T_mult": 2}, "total", 0),
    (check_restart_plan, {"T_0": 10, "T_mult": 2}, "cycles", 1.5),
    (check_restart_plan, {"T_0": 10, "T_mult": 2}, "growing", 1),
    (check_lr_at_step, {}, "answer", [0.05, 0.04]),
    (check_lr_at_step, {"answer": 0.05}, "k", -1),
    (check_lr_at_step, {"answer": 0.05}, "lr", 0.0),
    (check_lr_at_step, {"answer": 0.05}, "eta_min", -0.001),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
