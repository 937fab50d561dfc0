"""lrcourse.exercises.ch12: the checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import pytest
import torch
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import (
    PER_EPOCH_EXERCISE,
    check_accumulation_horizon,
    check_checkpoint,
    check_per_batch_kwargs,
)
from lrcourse.validation import ParameterError


def test_exported_at_top_level():
    assert lc.check_per_batch_kwargs is check_per_batch_kwargs
    assert {"check_checkpoint", "check_accumulation_horizon"} <= set(lc.exercises.__all__)


# ----------------------------------------------------------------------------- per batch


def _torch_trace(kwargs, steps):
    """The LRs of torch's ChainedScheduler built from ``kwargs``, stepped ``steps`` times."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sub = [getattr(torch.optim.lr_scheduler, n)(opt, **kw) for n, kw in kwargs["schedulers"]]
    sched = torch.optim.lr_scheduler.ChainedScheduler(sub)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("s", [50, 7])
def test_per_batch_accepts_the_conversion_and_it_follows_the_epochs_in_torch(capsys, s):
    answer = {
        "schedulers": [
            ("ConstantLR", {"factor": 0.5, "total_iters": 2 * s}),
            ("ExponentialLR", {"gamma": 0.9 ** (1 / s)}),
        ]
    }
    assert check_per_batch_kwargs(answer, steps_per_epoch=s) is True
    _says(capsys, "Correct", "per batch")
    per_batch = _torch_trace(answer, 20 * s)
    per_epoch = _torch_trace(PER_EPOCH_EXERCISE[1], 20)
    assert per_batch[::s] == pytest.approx(per_epoch, rel=1e-9)


@pytest.mark.parametrize(
    ("gamma", "words"),
    [(0.9, "root"), (0.9 / 50, "compounds"), (0.95, "power")],
)
def test_per_batch_explains_a_wrong_gamma(capsys, gamma, words):
    answer = {
        "schedulers": [
            ("ConstantLR", {"factor": 0.5, "total_iters": 100}),
            ("ExponentialLR", {"gamma": gamma}),
        ]
    }
    assert check_per_batch_kwargs(answer) is False
    _says(capsys, "Not yet", "differs", words)


def test_per_batch_unscaled_length_is_wrong(capsys):
    answer = {
        "schedulers": [
            ("ConstantLR", {"factor": 0.5, "total_iters": 2}),
            ("ExponentialLR", {"gamma": 0.9 ** (1 / 50)}),
        ]
    }
    assert check_per_batch_kwargs(answer) is False
    _says(capsys, "batch 2 ")


def test_per_batch_arguments_that_do_not_build_are_feedback(capsys):
    assert check_per_batch_kwargs({"schedulers": [("ConstantLR", {"factor": 2.0})]}) is False
    _says(capsys, "do not build", "factor")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"answer": [1, 2]}, "answer"),
        ({"answer": {}, "steps_per_epoch": 0}, "steps_per_epoch"),
        ({"answer": {}, "epochs": 1.5}, "epochs"),
    ],
)
def test_per_batch_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ParameterError, match=f"^{name} must be"):
        check_per_batch_kwargs(**kwargs)


# ----------------------------------------------------------------------------- checkpoint


def test_checkpoint_needs_all_three_as_resume_run_measures(capsys):
    spec = ("OneCycleLR", {"max_lr": 0.01, "total_steps": 30})
    for save in lc.resume.SAVES:
        identical = lc.resume_run(spec, steps=30, split=20, save=save, optimizer="adam").identical
        answer = {"all": ["model", "optimizer", "scheduler"], "model": ["model"]}.get(
            save, ["model", "optimizer"]
        )
        assert check_checkpoint(answer) is identical
    out = capsys.readouterr().out
    assert out.count("Correct") == 1 and "counts from 0" in out and "moments" in out


def test_checkpoint_accepts_any_order_and_case(capsys):
    assert check_checkpoint({"Scheduler", "MODEL", "optimizer"}) is True


@pytest.mark.parametrize("bad", ["model", None, ["model", "weights"], [3]])
def test_checkpoint_bad_input(bad):
    with pytest.raises(ParameterError, match="^answer must be"):
        check_checkpoint(bad)


# ----------------------------------------------------------------------------- accumulation


def test_accumulation_right_and_recognised_misreadings(capsys):
    assert check_accumulation_horizon(1000) is True
    _says(capsys, "Correct", "1000")
    for wrong, words in [(4000, "micro-batches"), (10, "epochs"), (100, "one epoch"), (999, "low")]:
        assert check_accumulation_horizon(wrong) is False
        _says(capsys, "Not yet", words)


def test_accumulation_incomplete_group_is_not_a_step():
    assert check_accumulation_horizon(3 * 33, epochs=3, batches_per_epoch=100, accumulate=3)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"answer": "1000"}, "answer"), ({"answer": 1, "accumulate": 0}, "accumulate")],
)
def test_accumulation_bad_input(kwargs, name):
    with pytest.raises(ParameterError, match=f"^{name} must be"):
        check_accumulation_horizon(**kwargs)
