"""The torch reference (lrcourse.reference): make_scheduler validates like lr_curve."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lrcourse as lc
from lrcourse.validation import ParameterError


def test_torch_lr_curve_is_the_plain_training_loop_trace():
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=40)
    seen = []
    for _ in range(40):
        seen.append(sched.get_last_lr()[0])  # the LR this step's update uses
        opt.zero_grad()
        model(torch.ones(2, 3)).sum().backward()
        opt.step()
        sched.step()
    np.testing.assert_array_equal(
        lc.torch_lr_curve("OneCycleLR", 40, max_lr=0.5, total_steps=40), seen
    )
    assert type(
        lc.make_scheduler(
            "SequentialLR", lc.make_optimizer(), **lc.SCHEDULES["SequentialLR"].example
        )
    ).__name__ == ("SequentialLR")


BAD_SPECS = [
    ("ExponentialLR", {"gamma": -1.0}, "gamma must be a finite number >= 0, got -1.0"),
    (
        "StepLR",
        {"step_size": 0},
        "step_size must be non-zero (torch divides by it), got 0",
    ),
    (
        "CosineAnnealingLR",
        {"T_max": 0},
        "T_max must be non-zero (torch divides by it), got 0",
    ),
    ("StepLR", {"step_size": 2, "gama": 0.5}, "StepLR takes no parameter 'gama'"),
    ("StepLr", {"step_size": 2}, "did you mean 'StepLR'"),
    ("CosineAnnealingLR", {}, "T_max must be given"),
    ("OneCycleLR", {"max_lr": 0.1}, "total_steps must be given"),
    ("ConstantLR", {"factor": 0.0}, "factor must be"),
    (
        "SequentialLR",
        {"schedulers": [("StepLR", {"step_size": 0})], "milestones": []},
        "step_size must be non-zero (torch divides by it), got 0",
    ),
    ("linear_with_warmup", {"warmup_steps": 10, "total_steps": 5}, "total_steps must be >= "),
]


@pytest.mark.parametrize(("name", "kwargs", "message"), BAD_SPECS)
def test_every_path_refuses_a_bad_spec_with_the_same_message(name, kwargs, message):
    messages = []
    for build in (
        lambda: lc.lr_curve(name, 10, **kwargs),
        lambda: lc.make_scheduler(name, lc.make_optimizer(), **kwargs),
        lambda: lc.check_schedule(name, kwargs),
    ):
        with pytest.raises(ParameterError) as err:
            build()
        messages.append(str(err.value))
    assert message in messages[0] and len(set(messages)) == 1, messages


@pytest.mark.parametrize(("name", "kwargs", "message"), BAD_SPECS[3:6])
def test_torch_lr_curve_checks_names_and_keywords_the_same_way(name, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        lc.torch_lr_curve(name, 10, **kwargs)


def test_torch_lr_curve_shows_what_torch_does_with_a_float_milestone():
    # torch compares milestones with the integer epoch: 22.5 never fires, silently
    curve = lc.torch_lr_curve("MultiStepLR", 30, lr=0.1, milestones=[15.0, 22.5])
    assert curve[14] == 0.1 and curve[29] == pytest.approx(0.01)
    with pytest.warns(UserWarning, match="22.5 is not a whole number"):
        mine = lc.lr_curve("MultiStepLR", 30, lr=0.1, milestones=[15.0, 22.5])
    np.testing.assert_allclose(mine, curve, rtol=1e-12)
    with pytest.raises(ZeroDivisionError):  # torch's own crash, which the others prevent
        lc.torch_lr_curve("StepLR", 3, step_size=0)


def test_make_scheduler_passes_normalised_values_to_torch():
    # torch itself refuses np.int64 for T_0 ("Expected positive integer T_0")
    sched = lc.make_scheduler("CosineAnnealingWarmRestarts", lc.make_optimizer(), T_0=np.int64(5))
    assert sched.T_0 == 5 and type(sched.T_0) is int
    pair_lists = [["LinearLR", {"total_iters": 3}], ["ExponentialLR", {"gamma": 0.9}]]
    chained = lc.make_scheduler("ChainedScheduler", lc.make_optimizer(), schedulers=pair_lists)
    assert type(chained).__name__ == "ChainedScheduler"
