"""lrcourse.exercises, chapter 2: the checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from feedback import argument_tests
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import check_fixed_loop, check_total_steps, check_wrong_loop_trace

# --------------------------------------------------------------------------- wrong loop trace

RIGHT = [0.1, 0.01, 0.01, 0.001, 0.001, 0.001]


def test_wrong_loop_trace_accepts(capsys):
    assert check_wrong_loop_trace(RIGHT) is True
    _says(capsys, "Correct", "one epoch early")
    assert check_wrong_loop_trace(np.array(RIGHT, dtype=np.float32)) is True
    assert check_wrong_loop_trace(torch.tensor(RIGHT)) is True
    # other settings: derived from lr_curve, not hard-coded
    curve = lc.lr_curve("MultiStepLR", 9, lr=1.0, milestones=[3, 5], gamma=0.5)
    assert check_wrong_loop_trace(curve[1:9], lr=1.0, milestones=[3, 5], gamma=0.5, epochs=8)


@pytest.mark.parametrize(
    "answer, hint",
    [
        ([0.1, 0.1, 0.01, 0.01, 0.001, 0.001], "correct loop"),
        ([0.1, 0.1, 0.1, 0.01, 0.01, 0.001], "one epoch late"),
        ([0.01, 0.01, 0.001, 0.001, 0.001, 0.001], "two epochs"),
        ([0.1, 0.01, 0.01, 0.001, 0.001], "6 values"),
        ([0.1, 0.01, 0.001, 0.001, 0.001, 0.001], "epoch 2 is off"),
    ],
)
def test_wrong_loop_trace_rejects_with_hint(capsys, answer, hint):
    assert check_wrong_loop_trace(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# --------------------------------------------------------------------------- fixed loop


def good(model, optimizer, scheduler, batches, epochs):
    for _ in range(epochs):
        for x, y in batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            scheduler.step()


def broken(model, optimizer, scheduler, batches, epochs):  # the exercise's loop
    for _ in range(epochs):
        scheduler.step()
        for x, y in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


def per_epoch(model, optimizer, scheduler, batches, epochs):
    for _ in range(epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        scheduler.step()


def first_per_batch(model, optimizer, scheduler, batches, epochs):
    for _ in range(epochs):
        for x, y in batches:
            scheduler.step()
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()


def twice(model, optimizer, scheduler, batches, epochs):
    for _ in range(epochs):
        for x, y in batches:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            scheduler.step()
        scheduler.step()


def no_zero_grad(model, optimizer, scheduler, batches, epochs):
    for _ in range(epochs):
        for x, y in batches:
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
            scheduler.step()


def one_epoch_short(model, optimizer, scheduler, batches, epochs):
    good(model, optimizer, scheduler, batches, epochs - 1)


def crashes(model, optimizer, scheduler, batches, epochs):
    raise RuntimeError("boom")


def test_fixed_loop_accepts(capsys):
    assert check_fixed_loop(good) is True
    _says(capsys, "Correct", "20 optimizer steps")
    assert check_fixed_loop(good, epochs=2, n_batches=7, max_lr=0.5) is True


@pytest.mark.parametrize(
    "fn, hint",
    [
        (broken, "before `optimizer.step()`"),
        (per_epoch, "once per epoch"),
        (first_per_batch, "before `optimizer.step()`"),
        (twice, "Tried to step"),
        (no_zero_grad, "zero_grad"),
        (one_epoch_short, "15 optimizer steps"),
        (crashes, "RuntimeError: boom"),
    ],
)
def test_fixed_loop_rejects_with_hint(capsys, fn, hint):
    assert check_fixed_loop(fn) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# --------------------------------------------------------------------------- total steps


def test_total_steps_accepts(capsys):
    assert check_total_steps(12 * 22) is True  # ceil(1347 / 64) = 22
    _says(capsys, "Correct", "22 batches")
    assert check_total_steps(np.int64(264)) is True
    assert check_total_steps(12 * 21, drop_last=True) is True
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(100)), 30)
    assert check_total_steps(5 * len(loader), n_examples=100, batch_size=30, epochs=5) is True


@pytest.mark.parametrize(
    "answer, kwargs, hint",
    [
        (12 * 21, {}, "rounds up"),
        (12 * 22, {"drop_last": True}, "rounds down"),
        (1347 * 12 / 64, {}, "whole number"),
        (12, {}, "number of epochs"),
        (22, {}, "one epoch"),
        (1347 * 12, {}, "examples"),
        (265, {}, "one too many"),
        (1000, {}, "too large"),
        (100, {}, "too small"),
    ],
)
def test_total_steps_rejects_with_hint(capsys, answer, kwargs, hint):
    assert check_total_steps(answer, **kwargs) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


def test_total_steps_one_short_really_raises():
    # the hint's claim: one step short, OneCycleLR raises in the last batch
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=263)
    with pytest.raises(ValueError, match="Tried to step 264 times"):
        for _ in range(264):
            opt.step()
            sched.step()


# ----------------------------------------------------------------------------- arguments


CALLS = [
    (
        check_wrong_loop_trace,
        {"answer": [0.1, 0.01, 0.01, 0.001, 0.001, 0.001], "lr": 0.1, "gamma": 0.1, "epochs": 6},
    ),
    (check_fixed_loop, {"train": good, "epochs": 2, "n_batches": 3, "max_lr": 0.1}),
    (check_total_steps, {"answer": 264, "n_examples": 1347, "batch_size": 64, "epochs": 12}),
    (check_total_steps, {"answer": 263.0}),
]

BAD = [
    (check_wrong_loop_trace, {}, "answer", "0.1, 0.01"),
    (check_wrong_loop_trace, {}, "answer", 0.1),
    (check_wrong_loop_trace, {}, "answer", [[0.1, 0.01]]),
    (check_wrong_loop_trace, {}, "answer", [0.1, float("nan")]),
    (check_wrong_loop_trace, {"answer": RIGHT}, "milestones", [0, 2]),
    (check_wrong_loop_trace, {"answer": RIGHT}, "gamma", 2.0),
    (check_fixed_loop, {}, "train", "def train(): ..."),
    (check_fixed_loop, {"train": good}, "n_batches", 1),
    (check_total_steps, {}, "answer", float("inf")),
    (check_total_steps, {"answer": 264}, "batch_size", 0),
    (check_wrong_loop_trace, {}, "answer", "0.1 0.01"),
    (check_wrong_loop_trace, {}, "answer", [[0.1]]),
    (check_wrong_loop_trace, {"answer": [0.1]}, "lr", 0.0),
    (check_wrong_loop_trace, {"answer": [0.1]}, "gamma", 1.0),
    (check_wrong_loop_trace, {"answer": [0.1]}, "epochs", 0),
    (check_wrong_loop_trace, {"answer": [0.1]}, "milestones", [2, 0]),
    (check_wrong_loop_trace, {"answer": [0.1]}, "milestones", "2, 4"),
    (check_fixed_loop, {}, "train", "my loop"),
    (check_fixed_loop, {"train": good}, "n_batches", 1),
    (check_fixed_loop, {"train": good}, "max_lr", -0.1),
    (check_total_steps, {}, "answer", "264"),
    (check_total_steps, {"answer": 264}, "n_examples", 0),
    (check_total_steps, {"answer": 264}, "batch_size", 6.4),
    (check_total_steps, {"answer": 264}, "drop_last", "yes"),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
