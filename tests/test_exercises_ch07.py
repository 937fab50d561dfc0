"""lrcourse.exercises.ch07: the checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import (
    check_cyclic_modes,
    check_one_cycle_factors,
    check_one_cycle_lr,
    cyclic_mystery_curves,
)


def test_exported_at_top_level():
    assert lc.check_one_cycle_lr is check_one_cycle_lr
    assert lc.cyclic_mystery_curves is cyclic_mystery_curves
    assert {"check_cyclic_modes", "check_one_cycle_factors"} <= set(lc.exercises.__all__)


# ----------------------------------------------------------------------------- LR at step k


def _torch_lr_at(step, **kw):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, **kw)
    for _ in range(step):
        opt.step()
        sched.step()
    return sched.get_last_lr()[0]


@pytest.mark.parametrize(
    "step, kw",
    [
        (6, {}),
        (0, {}),
        (24, {}),
        (70, {}),
        (99, {}),
        (100, {}),
        (40, {"anneal_strategy": "linear"}),
        (13, {"max_lr": 1.0, "total_steps": 50, "pct_start": 0.3, "div_factor": 25.0}),
    ],
)
def test_lr_at_step_accepts_what_torch_holds(capsys, step, kw):
    full = dict(max_lr=0.3, total_steps=100, pct_start=0.25, div_factor=10.0) | kw
    answer = _torch_lr_at(step, **full)
    assert check_one_cycle_lr(answer, step=step, **full) is True
    _says(capsys, "Correct")


def test_lr_at_step_default_by_hand(capsys):
    by_hand = 0.03 + 0.27 * (1 - math.cos(math.pi * 6 / 24)) / 2
    assert check_one_cycle_lr(by_hand) and check_one_cycle_lr(np.float64(by_hand))
    _says(capsys, "warmup")


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.03 + 0.27 * (1 - math.cos(math.pi * 6 / 25)) / 2, "off by one"),
        (0.03 + 0.27 * 6 / 24, "linear interpolation"),
        (0.3 * (1 - math.cos(math.pi * 6 / 24)) / 2, "does not start at 0"),
        (0.3, "max_lr itself"),
        (0.03, "value at step 0"),
        (0.03 + 0.27 * (1 - math.cos(math.pi * 7 / 24)) / 2, "step 7"),
        (0.03 + 0.27 * (1 - math.cos(math.pi * 5 / 24)) / 2, "step 5"),
        (-0.1, "positive"),
        (0.5, "too high"),
        (0.01, "too low"),
    ],
)
def test_lr_at_step_rejects_with_specific_hint(capsys, answer, hint):
    assert check_one_cycle_lr(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_lr_at_step_knows_the_end_formula(capsys):
    # In the anneal, ending at max_lr/final_div_factor is a distinct (wrong) curve.
    wrong = 0.3 / 1e4 + (0.3 - 0.3 / 1e4) * (1 + math.cos(math.pi * 74 / 75)) / 2
    right = _torch_lr_at(98, max_lr=0.3, total_steps=100, pct_start=0.25, div_factor=10.0)
    assert not math.isclose(wrong, right, rel_tol=1e-3)
    assert check_one_cycle_lr(wrong, step=98) is False
    _says(capsys, "*initial* LR")
    lin = dict(anneal_strategy="linear")
    assert check_one_cycle_lr(0.3 - 0.3 * 16 / 75, step=40, **lin) is True  # linear: right
    cosine = 0.3 * (1 + math.cos(math.pi * 16 / 75)) / 2
    assert check_one_cycle_lr(cosine, step=40, **lin) is False
    _says(capsys, "cos interpolation", "straight line")


def test_lr_at_step_nonsense_raises():
    with pytest.raises(TypeError):
        check_one_cycle_lr("0.07")
    with pytest.raises(ValueError):
        check_one_cycle_lr(math.nan)
    with pytest.raises(ValueError, match="step"):
        check_one_cycle_lr(0.1, step=2.5)
    with pytest.raises(ValueError, match="step"):
        check_one_cycle_lr(0.1, step=101)
    with pytest.raises(ValueError, match="anneal_strategy"):
        check_one_cycle_lr(0.1, anneal_strategy="cosine")
    with pytest.raises(ValueError, match="pct_start"):
        check_one_cycle_lr(0.1, pct_start=1.5)


# ----------------------------------------------------------------------------- factors


@pytest.mark.parametrize("peak, start, final", [(0.2, 0.004, 4e-6), (1.0, 0.04, 4e-6)])
def test_factors_accept_and_torch_agrees(capsys, peak, start, final):
    d, f = peak / start, start / final
    assert check_one_cycle_factors(d, f, max_lr=peak, start_lr=start, final_lr=final)
    _says(capsys, "Correct")
    curve = lc.torch_lr_curve(
        "OneCycleLR", 50, max_lr=peak, total_steps=50, div_factor=d, final_div_factor=f
    )
    assert math.isclose(curve[0], start, rel_tol=1e-9)
    assert math.isclose(curve[-1], final, rel_tol=1e-9)


@pytest.mark.parametrize(
    "d, f, hint",
    [
        (50, 50000, "*initial* LR"),
        (0.02, 1000, "upside down"),
        (50, 0.001, "upside down"),
        (25, 1000, "starts at 0.008"),
        (50, 100, "down to 4e-05"),
        (-50, 1000, "> 0"),
    ],
)
def test_factors_reject_with_specific_hint(capsys, d, f, hint):
    assert check_one_cycle_factors(d, f) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_factors_nonsense_raises():
    with pytest.raises(TypeError):
        check_one_cycle_factors("50", 1000)
    with pytest.raises(ValueError):
        check_one_cycle_factors(50, math.inf)
    with pytest.raises(ValueError, match="final_lr"):
        check_one_cycle_factors(50, 1000, final_lr=0.01)


# ----------------------------------------------------------------------------- cyclic modes

RIGHT = {"A": "exp_range", "B": "triangular2", "C": "triangular", "D": "exp_range"}


def test_mystery_curves_are_cyclic_lr_and_the_answer_is_right(capsys):
    curves = cyclic_mystery_curves()
    assert sorted(curves) == ["A", "B", "C", "D"]
    for label, curve in curves.items():
        steps, peaks = lc.cycle_peaks(curve)
        ratios = (peaks[1:] - curve.min()) / (peaks[:-1] - curve.min())
        mode = RIGHT[label]
        if mode == "triangular":
            np.testing.assert_allclose(ratios, 1.0)
        elif mode == "triangular2":
            np.testing.assert_allclose(ratios, 0.5)
        else:  # shrinking, but not by exactly one half
            assert np.all(ratios < 0.95) and np.all(np.abs(ratios - 0.5) > 0.05)
    assert check_cyclic_modes(RIGHT) is True
    _says(capsys, "Correct")


@pytest.mark.parametrize(
    "change, hint",
    [
        ({"A": "triangular2"}, "exactly 0.5"),
        ({"B": "exp_range"}, "exactly 0.5"),
        ({"C": "triangular2"}, "do not shrink"),
        ({"D": "triangular"}, "so not triangular"),
        ({"A": "triangular", "C": "exp_range"}, "2 of 4 right"),
    ],
)
def test_modes_reject_with_specific_hint(capsys, change, hint):
    assert check_cyclic_modes(RIGHT | change) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_modes_nonsense_raises():
    with pytest.raises(TypeError):
        check_cyclic_modes(["exp_range"] * 4)
    with pytest.raises(ValueError, match="keys"):
        check_cyclic_modes({"A": "exp_range"})
    with pytest.raises(ValueError, match="one of"):
        check_cyclic_modes(RIGHT | {"B": "triangle"})
    with pytest.raises(TypeError):
        check_cyclic_modes(RIGHT | {"B": 2})
