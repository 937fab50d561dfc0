"""The entry points (lrcourse.schedules.api): the registry, check_schedule, lr_curve's refusals."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch
from schedule_cases import (
    KWARGS,
    MODERN_KWARGS,
    assert_matches_torch,
)

import lrcourse as lc
from lrcourse import schedules


def test_every_registered_schedule_is_property_tested():
    tested = set(KWARGS) | set(MODERN_KWARGS) | {"SequentialLR", "ChainedScheduler"}
    assert tested == set(lc.SCHEDULES) == set(lc.schedule_names())
    assert set(schedules.TORCH_SCHEDULERS) == {
        n
        for n in dir(torch.optim.lr_scheduler)
        if isinstance(getattr(torch.optim.lr_scheduler, n), type)
        and issubclass(getattr(torch.optim.lr_scheduler, n), torch.optim.lr_scheduler.LRScheduler)
        and n not in ("LRScheduler", "_LRScheduler")
    }


@pytest.mark.parametrize("name", sorted(lc.SCHEDULES))
def test_registry_defaults_give_a_valid_curve_equal_to_torch(name):
    info = lc.SCHEDULES[name]
    metrics = np.r_[np.linspace(1, 0.5, 30), np.full(70, 0.5)] if info.needs_metrics else None
    curve = assert_matches_torch(name, lr=0.1, metrics=metrics, **info.defaults())
    assert len(curve) > 0 and np.all(curve >= 0)
    for p in info.params:
        if p.kind in ("int", "float", "log"):
            assert p.low is not None and p.high is not None and p.low < p.high, p
        if p.kind == "choice":
            assert p.default in p.choices


BAD = [
    ("StepLR", {"step_size": 10}, {"steps": -1}, "steps"),
    ("StepLR", {"step_size": 10}, {"lr": -1.0}, "lr"),
    ("StepLR", {"step_size": 10}, {"lr": float("nan")}, "lr"),
    ("StepLR", {"step_size": 10, "gamma": -0.1}, {}, "gamma"),
    ("StepLR", {"step_size": 10, "gamma": float("nan")}, {}, "gamma"),
    ("ExponentialLR", {"gamma": -0.5}, {}, "gamma"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": -0.1}, {}, "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 1.0}, {}, "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 1.5}, {}, "pct_start"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, {}, "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": -10}, {}, "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1}, {}, "total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}, {}, "pct_start"),
    ("ConstantLR", {"factor": 0.0}, {}, "factor"),
    ("PolynomialLR", {"power": -1.0}, {}, "power"),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "mode": "sine"}, {}, "mode"),
    ("ReduceLROnPlateau", {"mode": "up"}, {"metrics": [1.0]}, "mode"),
    ("ReduceLROnPlateau", {}, {}, "metrics"),
    ("ReduceLROnPlateau", {}, {"metrics": [1.0], "steps": 5}, "metrics"),
    ("LambdaLR", {"lr_lambda": 0.5}, {}, "lr_lambda"),
    ("LambdaLR", {"lr_lambda": lambda k: float("nan")}, {}, "non-finite"),
    ("ExponentialLR", {"gamma": 10.0}, {"steps": 1000}, "non-finite"),
    ("SequentialLR", {"schedulers": [], "milestones": []}, {}, "schedulers"),
    (
        "SequentialLR",
        {"schedulers": [("StepLR", {"step_size": 2})], "milestones": [3]},
        {},
        "milestones",
    ),
    (
        "SequentialLR",
        {"schedulers": [("OneCycleLR", {"max_lr": 1.0, "total_steps": 9})], "milestones": []},
        {},
        "schedulers",
    ),
    ("ChainedScheduler", {"schedulers": [("StepLR", {"step_size": 0})]}, {}, "step_size"),
    ("StepLR", {"step_size": 10}, {"metrics": [1.0]}, "metrics"),
    (
        "warmup_stable_decay",
        {"warmup_steps": 50, "total_steps": 60, "decay_steps": 20},
        {},
        "total_steps",
    ),
    ("inverse_sqrt", {"warmup_steps": 0}, {}, "warmup_steps"),
]


@pytest.mark.parametrize(("name", "kwargs", "call", "word"), BAD)
def test_bad_input_is_a_value_error_naming_the_parameter(name, kwargs, call, word):
    call = dict(call)
    steps = call.pop("steps", None if "metrics" in call else 50)
    with pytest.raises(ValueError, match=word):
        lc.lr_curve(name, steps, **call, **kwargs)


# What torch does with a value decides: accepted (lr_curve reproduces torch's curve, with a
# warning naming the parameter where torch silently surprises), or refused with one message by
# lr_curve and make_scheduler where torch raises or crashes or the LR would turn negative.
PLATEAU_METRICS = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
FLAT = [1.0, 1.0, 1.0, 1.0, 0.99, 1.0, 1.0, 1.0]
CYCLIC = {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "mode": "triangular2"}
# (name, kwargs, lr, metrics, outcome, text): outcome "ok" (text: the warning, or None),
# "crash" (torch raises; text: lr_curve's message) or "negative" (torch trains with a negative
# LR; text: lr_curve's message)
TORCH_DECIDES = [
    ("StepLR", {"step_size": -3, "gamma": 0.5}, 0.1, None, "ok", "negative step_size"),
    ("StepLR", {"step_size": 2, "gamma": 0.5}, 0.0, None, "ok", None),
    ("StepLR", {"step_size": 0}, 0.1, None, "crash", "step_size must be non-zero"),
    ("StepLR", {"step_size": 2, "gamma": -0.5}, 0.1, None, "negative", "gamma must be"),
    ("ExponentialLR", {"gamma": -0.5}, 0.1, None, "negative", "gamma must be"),
    ("CosineAnnealingLR", {"T_max": -5}, 0.1, None, "ok", "T_max=-5"),
    ("CosineAnnealingLR", {"T_max": -1, "eta_min": 0.01}, 0.1, None, "ok", "T_max=-1"),
    ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01}, 0.0, None, "ok", None),
    ("CosineAnnealingLR", {"T_max": 0}, 0.1, None, "crash", "T_max must be non-zero"),
    ("CosineAnnealingLR", {"T_max": 2.5, "eta_min": 0.01}, 0.1, None, "ok", None),
    ("CosineAnnealingLR", {"T_max": 1.0888884466533, "eta_min": 0.01}, 0.1, None, "ok", None),
    ("CosineAnnealingLR", {"T_max": 2 / 3}, 0.1, None, "crash", "it is 0 at step 3"),
    ("CosineAnnealingLR", {"T_max": -0.2}, 0.1, None, "crash", "it is 0 at step 2"),
    ("CosineAnnealingWarmRestarts", {"T_0": -3}, 0.1, None, "crash", "T_0 must be an integer >= 1"),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 0}, 0.1, None, "crash", "T_mult must be"),
    ("ConstantLR", {"total_iters": -2}, 0.1, None, "ok", "total_iters=-2"),
    ("ConstantLR", {"factor": 1.5}, 0.1, None, "crash", "factor must be"),
    ("ConstantLR", {"factor": 0.0, "total_iters": 0}, 0.1, None, "ok", "total_iters=0"),
    ("ConstantLR", {"factor": 0.0, "total_iters": 3}, 0.1, None, "crash", "when total_iters > 0"),
    ("LinearLR", {"start_factor": 0.5, "total_iters": -2}, 0.1, None, "ok", "total_iters=-2"),
    ("LinearLR", {"start_factor": 0.0}, 0.1, None, "crash", "start_factor must be"),
    ("PolynomialLR", {"total_iters": -3, "power": 2.0}, 0.1, None, "ok", "total_iters=-3"),
    ("PolynomialLR", {"total_iters": 0}, 0.1, None, "ok", "total_iters=0"),
    ("MultiStepLR", {"milestones": [3, -1]}, 0.1, None, "ok", "negative milestones [-1]"),
    ("MultiStepLR", {"milestones": [3.0, 7.5], "gamma": 0.5}, 0.1, None, "ok", "7.5 is not"),
    ("MultiStepLR", {"milestones": [3.0, 6, 6.0], "gamma": 0.5}, 0.1, None, "ok", None),
    ("MultiStepLR", {"milestones": [np.float64(0.5)]}, 0.1, None, "ok", "0.5 is not"),
    ("StepLR", {"step_size": 2.5, "gamma": 0.5}, 0.1, None, "ok", "steps 5, 10, 15"),
    ("StepLR", {"step_size": -1.5, "gamma": 0.5}, 0.1, None, "ok", "steps 3, 6, 9"),
    ("StepLR", {"step_size": 0.3, "gamma": 0.5}, 0.1, None, "ok", "never"),
    ("StepLR", {"step_size": 4.0, "gamma": 0.5}, 0.1, None, "ok", None),
    ("StepLR", {"step_size": 0.0}, 0.1, None, "crash", "step_size must be non-zero"),
    ("ConstantLR", {"factor": 0.5, "total_iters": 2.5}, 0.1, None, "ok", "total_iters=2.5"),
    ("ConstantLR", {"factor": 0.0, "total_iters": 2.5}, 0.1, None, "ok", "never restores"),
    ("ConstantLR", {"factor": 0.5, "total_iters": 3.0}, 0.1, None, "ok", None),
    ("ConstantLR", {"factor": 0.0, "total_iters": 3.0}, 0.1, None, "crash", "total_iters > 0"),
    ("LinearLR", {"start_factor": 0.2, "total_iters": 4.5}, 0.1, None, "ok", "stops at 0.9111"),
    ("LinearLR", {"start_factor": 0.2, "total_iters": -0.5}, 0.1, None, "ok", "never moves"),
    ("LinearLR", {"start_factor": 0.2, "total_iters": 4.0}, 0.1, None, "ok", None),
    ("PolynomialLR", {"total_iters": 4.5, "power": 2.0}, 0.1, None, "ok", "= 0.0123457 times"),
    ("PolynomialLR", {"total_iters": 0.5}, 0.1, None, "ok", "decays for 0 steps"),
    ("PolynomialLR", {"total_iters": 6.0}, 0.1, None, "ok", None),
    ("CyclicLR", {**CYCLIC, "step_size_up": -2}, 0.1, None, "ok", "step_size_up=-2"),
    ("CyclicLR", {**CYCLIC, "step_size_down": -1}, 0.1, None, "ok", "step_size_down=-1"),
    ("CyclicLR", {**CYCLIC, "step_size_up": 0}, 0.1, None, "crash", "step_size_up must be"),
    ("CyclicLR", {**CYCLIC, "mode": "exp_range", "gamma": 0.0}, 0.1, None, "ok", None),
    ("CyclicLR", {**CYCLIC, "gamma": -0.5}, 0.1, None, "ok", None),  # triangular2 ignores it
    (
        "CyclicLR",
        {**CYCLIC, "mode": "exp_range", "gamma": -0.9},
        0.1,
        None,
        "negative",
        "gamma must be >= 0 in mode 'exp_range'",
    ),
    ("CyclicLR", {**CYCLIC, "step_size_down": -2}, 0.1, None, "crash", "other than -step_size_up"),
    ("ReduceLROnPlateau", {"patience": -1}, 0.1, PLATEAU_METRICS, "ok", "patience=-1"),
    (
        "ReduceLROnPlateau",
        {"patience": 1, "cooldown": -2},
        0.1,
        PLATEAU_METRICS,
        "ok",
        "cooldown=-2",
    ),
    ("ReduceLROnPlateau", {"patience": 1, "threshold": -0.1}, 0.1, FLAT, "ok", "threshold=-0.1"),
    ("ReduceLROnPlateau", {"patience": 1, "min_lr": -0.1}, 0.1, PLATEAU_METRICS, "ok", "min_lr"),
    ("ReduceLROnPlateau", {"patience": 1, "eps": -1.0}, 0.1, PLATEAU_METRICS, "ok", "eps=-1.0"),
    ("ReduceLROnPlateau", {"patience": 1, "factor": -0.5}, 0.1, PLATEAU_METRICS, "ok", "factor"),
    ("ReduceLROnPlateau", {"patience": 1, "min_lr": 0.01}, 0.0, PLATEAU_METRICS, "ok", None),
    ("ReduceLROnPlateau", {"patience": 1.5}, 0.1, PLATEAU_METRICS, "ok", "as patience=1 would"),
    ("ReduceLROnPlateau", {"patience": 2.0, "cooldown": 1.0}, 0.1, PLATEAU_METRICS, "ok", None),
    (
        "ReduceLROnPlateau",
        {"patience": 0, "cooldown": 1.5},
        0.1,
        PLATEAU_METRICS,
        "ok",
        "as cooldown=2 would",
    ),
    ("ReduceLROnPlateau", {"factor": 1.0}, 0.1, PLATEAU_METRICS, "crash", "factor must be"),
    (
        "ReduceLROnPlateau",
        {"patience": 1, "factor": -0.5, "min_lr": -0.1},
        0.1,
        PLATEAU_METRICS,
        "negative",
        "factor must be in [0, 1) when min_lr < 0",
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "lr", "metrics", "outcome", "text"), TORCH_DECIDES)
def test_lr_curve_accepts_what_torch_accepts_and_refuses_the_rest(
    name, kwargs, lr, metrics, outcome, text
):
    steps = None if metrics else 12
    if outcome != "ok":
        with pytest.raises(ValueError, match=re.escape(text)) as from_curve:
            lc.lr_curve(name, steps, lr=lr, metrics=metrics, **kwargs)
        with pytest.raises(ValueError) as from_builder:
            lc.make_scheduler(name, lc.make_optimizer(lr), **kwargs)
        assert str(from_builder.value) == str(from_curve.value)
        if outcome == "crash":
            with pytest.raises((ValueError, ZeroDivisionError)):
                lc.torch_lr_curve(name, steps, lr=lr, metrics=metrics, **kwargs)
        else:
            assert np.min(lc.torch_lr_curve(name, steps, lr=lr, metrics=metrics, **kwargs)) < 0
        return
    for build in (
        lambda: lc.make_scheduler(name, lc.make_optimizer(lr), **kwargs),
        lambda: assert_matches_torch(name, steps, lr=lr, metrics=metrics, **kwargs),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            build()
        mine = [str(w.message) for w in caught if "lr_curve reproduces it" in str(w.message)]
        if text is None:
            assert mine == []
        else:
            assert len(mine) == 1 and text in mine[0] and name in mine[0], mine


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="StepLR") as err:
        lc.lr_curve("StepLr", 10, step_size=2)
    assert "warmup_stable_decay" in str(err.value)


def test_unexpected_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="step_size"):
        lc.lr_curve("StepLR", 10, step_size=2, T_max=3)
    with pytest.raises(TypeError, match="T_max"):
        lc.lr_curve("CosineAnnealingLR", 10)
    with pytest.raises(TypeError):
        lc.torch_lr_curve("ExponentialLR", 10, gamma=0.9, warmup=3)


def test_zero_steps_is_an_empty_curve():
    assert lc.lr_curve("StepLR", 0, step_size=3).shape == (0,)
    assert lc.torch_lr_curve("StepLR", 0, step_size=3).shape == (0,)


def test_check_schedule_normalises_numpy_and_torch_scalars():
    kw = lc.check_schedule("StepLR", {"step_size": np.int64(3), "gamma": torch.tensor(0.5)})
    assert kw == {"step_size": 3, "gamma": 0.5} and type(kw["step_size"]) is int
    np.testing.assert_array_equal(
        lc.lr_curve("StepLR", np.int64(10), step_size=np.int64(3)),
        lc.lr_curve("StepLR", 10, step_size=3),
    )


def test_misspelt_names_get_a_suggestion():
    with pytest.raises(ValueError, match="did you mean 'StepLR'"):
        lc.lr_curve("StepLr", 10, step_size=2)
    with pytest.raises(TypeError, match="did you mean 'gamma'"):
        lc.lr_curve("StepLR", 10, step_size=2, gama=0.5)
    with pytest.raises(TypeError, match="did you mean 'gamma'"):
        lc.check_schedule(
            "SequentialLR",
            {"schedulers": [["StepLR", {"step_size": 2, "gama": 1}]], "milestones": []},
        )


def test_a_spec_given_as_lists_works():
    as_tuples = lc.lr_curve("SequentialLR", 30, **lc.SCHEDULES["SequentialLR"].example)
    example = lc.SCHEDULES["SequentialLR"].example
    as_lists = lc.lr_curve(
        "SequentialLR",
        30,
        schedulers=[[n, kw] for n, kw in example["schedulers"]],
        milestones=example["milestones"],
    )
    np.testing.assert_array_equal(as_tuples, as_lists)
    assert schedules.schedule_spec(["StepLR", {"step_size": 3}]) == ("StepLR", {"step_size": 3})
    with pytest.raises(ValueError, match=r"schedule must be a \(name, kwargs\) pair"):
        schedules.schedule_spec(["StepLR", 3])


@pytest.mark.parametrize(
    ("name", "kwargs", "word"),
    [
        ("ConstantLR", {"total_iters": 0}, "total_iters=0"),
        ("LinearLR", {"total_iters": 0}, "total_iters=0"),
        (
            "CyclicLR",
            {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "base_momentum": 1.5},
            "base_momentum=1.5",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 40, "max_momentum": -0.1},
            "max_momentum=-0.1",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.7, "three_phase": True},
            "overlap",
        ),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "pct_start": 0.0}, "overlap"),
        ("MultiplicativeLR", {"lr_lambda": lambda k: -0.5}, "negative learning rate"),
        (
            "ChainedScheduler",
            {
                "schedulers": [
                    ("CosineAnnealingLR", {"T_max": 1}),
                    ("CosineAnnealingLR", {"T_max": 2, "eta_min": 0.2}),
                ]
            },
            "negative learning rate",
        ),
    ],
)
def test_surprising_torch_behaviour_is_reproduced_with_a_warning(name, kwargs, word):
    n = min(12, kwargs.get("total_steps", 12) + 1)
    with pytest.warns(UserWarning, match=word):
        curve = lc.lr_curve(name, n, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(curve, lc.torch_lr_curve(name, n, **kwargs), rtol=1e-12)
        if name in ("CyclicLR", "OneCycleLR"):
            np.testing.assert_allclose(
                lc.momentum_curve(name, n, **kwargs),
                lc.momentum_curve_torch(name, n, **kwargs),
                rtol=1e-12,
            )


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("StepLR", {"step_size": 3, "gamma": 0.0}),
        ("ExponentialLR", {"gamma": 0.0}),
        ("PolynomialLR", {"total_iters": 0}),
        ("ReduceLROnPlateau", {"factor": 0.0, "patience": 1}),
        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 0}),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 3}),
        ("CyclicLR", {"base_lr": 0.0, "max_lr": 0.1, "step_size_up": 2}),
    ],
)
def test_what_torch_accepts_lr_curve_accepts(name, kwargs):
    metrics = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] if name == "ReduceLROnPlateau" else None
    steps = None if metrics else 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_matches_torch(name, steps, metrics=metrics, **kwargs)


def test_every_factor_schedule_is_registered_and_explorable():
    for name in ("linear_warmup", "untuned_linear_warmup"):
        assert name in lc.schedule_names() and name in schedules.MODERN
        panel = lc.explore(name)
        assert len(panel.curve) == lc.SCHEDULES[name].default_steps


def test_name_lists_are_derived_from_the_definitions():
    infos = lc.SCHEDULES.values()
    assert schedules.TORCH_SCHEDULERS == tuple(i.name for i in infos if i.is_torch)
    assert set(schedules.MODERN) == {i.name for i in infos if not i.is_torch}
    assert set(schedules.COMBINABLE) == {i.name for i in infos if i.combinable and i.is_torch}
    assert "CyclicLR" not in schedules.COMBINABLE and "StepLR" in schedules.COMBINABLE
    for info in infos:
        assert info.formula and info.summary
        for p in info.arguments:
            if not p.required:
                assert p.signature_default == info.signature_defaults()[p.name]


def test_a_surprise_is_warned_once_at_the_callers_line():
    spec = ("StepLR", {"step_size": -2})
    for build in (
        lambda: lc.lr_curve(spec[0], 5, **spec[1]),
        lambda: lc.make_scheduler(spec[0], lc.make_optimizer(), **spec[1]),
        lambda: lc.lr_curve("SequentialLR", 5, schedulers=[spec], milestones=[]),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            build()
        assert len(caught) == 1 and "step_size=-2" in str(caught[0].message)
        assert caught[0].filename == __file__
