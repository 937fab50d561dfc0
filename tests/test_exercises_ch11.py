"""lrcourse.exercises.ch11: the checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import (
    check_adamw_shrink,
    check_name_rule_misses,
    check_portable_decay,
    decay_exercise_model,
)


def test_exported_at_top_level():
    assert lc.check_adamw_shrink is check_adamw_shrink
    assert lc.decay_exercise_model is decay_exercise_model
    assert {"check_name_rule_misses", "check_portable_decay"} <= set(lc.exercises.__all__)


# ----------------------------------------------------------------------------- AdamW's shrink


def _adamw_weight_after(w0, lr, weight_decay, steps):
    """A zero-gradient weight stepped by torch's AdamW under CosineAnnealingLR, in float64."""
    w = torch.nn.Parameter(torch.tensor([w0], dtype=torch.float64))
    opt = torch.optim.AdamW([w], lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    for _ in range(steps):
        w.grad = torch.zeros_like(w)
        opt.step()
        sched.step()
    return float(w.detach()[0])


@pytest.mark.parametrize("kw", [{}, {"w0": 0.2, "lr": 3e-4, "weight_decay": 0.1, "steps": 500}])
def test_shrink_accepts_what_torch_does(capsys, kw):
    full = {"w0": 0.5, "lr": 1e-3, "weight_decay": 0.05, "steps": 1000} | kw
    answer = _adamw_weight_after(**full)
    assert check_adamw_shrink(answer, **full) is True
    _says(capsys, "Correct", "scheduled")


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.5 * (1 - 1e-3 * 0.05) ** 1000, "constant lr"),
        (0.5 * (1 - 0.05) ** 1000, "not 1 - wd"),
        (0.5, "still shrinks"),
        (0.49, "too high"),
        (0.3, "too low"),
    ],
)
def test_shrink_rejects_with_specific_hint(capsys, answer, hint):
    assert check_adamw_shrink(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_shrink_knows_the_adam_l2_answer(capsys):
    lrs = lc.lr_curve("CosineAnnealingLR", 100, lr=1e-3, T_max=100)
    assert check_adamw_shrink(0.5 - lrs.sum(), steps=100) is False
    _says(capsys, "Adam + L2")


def test_shrink_nonsense_raises():
    with pytest.raises(TypeError):
        check_adamw_shrink("0.48")
    with pytest.raises(ValueError):
        check_adamw_shrink(math.nan)
    with pytest.raises(ValueError, match="steps"):
        check_adamw_shrink(0.4, steps=2.5)


# ----------------------------------------------------------------------------- portable decay


@pytest.mark.parametrize(
    "sgd_lr, sgd_wd, adamw_lr", [(0.1, 5e-4, 1e-3), (0.05, 1e-4, 3e-4), (0.01, 0.01, 0.01)]
)
def test_portable_accepts_equal_shrink_per_step(capsys, sgd_lr, sgd_wd, adamw_lr):
    answer = sgd_lr * sgd_wd / adamw_lr
    assert np.isclose(
        lc.effective_decay([adamw_lr], answer)[0], lc.effective_decay([sgd_lr], sgd_wd)[0]
    )
    kw = {"sgd_lr": sgd_lr, "sgd_weight_decay": sgd_wd, "adamw_lr": adamw_lr}
    assert check_portable_decay(answer, **kw) is True
    _says(capsys, "Correct")


@pytest.mark.parametrize(
    "answer, hint",
    [(5e-4, "copied"), (5e-6, "upside down"), (5e-5, "decay per step itself"), (1.0, "too high")],
)
def test_portable_rejects_with_specific_hint(capsys, answer, hint):
    assert check_portable_decay(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- the name rule


def test_name_rule_answer_is_what_split_decay_finds(capsys):
    model = decay_exercise_model()
    by_rule = {n for n, _ in model.named_parameters() if "bias" in n or "norm" in n}
    misses = sorted(set(lc.split_decay(model).no_decay) - by_rule)
    assert misses == ["bn1.weight", "ln_1.weight"]
    assert check_name_rule_misses(misses) is True
    assert check_name_rule_misses(tuple(reversed(misses))) is True
    _says(capsys, "Correct")


@pytest.mark.parametrize(
    "answer, hint",
    [
        (["bn1.weight"], "1 missed"),
        (["bn1.weight", "ln_1.weight", "ln_1.bias"], "already keeps"),
        (["bn1.weight", "ln_1.weight", "proj.weight"], "should be decayed"),
        (["bn2.weight"], "not parameters of the model"),
        ([], "2 missed"),
    ],
)
def test_name_rule_rejects_with_specific_hint(capsys, answer, hint):
    assert check_name_rule_misses(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_name_rule_nonsense_raises():
    with pytest.raises(TypeError):
        check_name_rule_misses("bn1.weight")
    with pytest.raises(TypeError):
        check_name_rule_misses([1, 2])


# ----------------------------------------------------------------------------- arguments

CALLS = [
    (
        check_adamw_shrink,
        {"answer": 0.4876, "w0": 0.5, "lr": 1e-3, "weight_decay": 0.05, "steps": 1000},
    ),
    (
        check_portable_decay,
        {"answer": 0.05, "sgd_lr": 0.1, "sgd_weight_decay": 5e-4, "adamw_lr": 1e-3},
    ),
]
BAD = [
    (check_adamw_shrink, {"answer": 0.4}, "w0", -0.5),
    (check_adamw_shrink, {"answer": 0.4}, "lr", 0.0),
    (check_adamw_shrink, {"answer": 0.4}, "weight_decay", "0.05"),
    (check_adamw_shrink, {"answer": 0.4}, "steps", 0),
    (check_portable_decay, {"answer": 0.05}, "sgd_lr", -0.1),
    (check_portable_decay, {"answer": 0.05}, "adamw_lr", math.inf),
    (check_name_rule_misses, {}, "answer", None),
]
test_scalars, test_bad = argument_tests(CALLS, BAD)
