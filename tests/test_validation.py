"""The one validation module: message format, scalars of every kind, suggestions."""

import numpy as np
import pytest
import torch

from lrcourse.validation import (
    ParameterError,
    as_array,
    as_bool,
    as_callable,
    as_choice,
    as_int,
    as_int_list,
    as_real,
    check_keywords,
    did_you_mean,
)


@pytest.mark.parametrize("value", [10, np.int64(10), np.int32(10), torch.tensor(10)])
def test_int_accepts_every_integer_scalar(value):
    out = as_int("steps", value, low=0)
    assert out == 10 and type(out) is int


@pytest.mark.parametrize("value", [1.5, "3", True, None, torch.tensor([1, 2]), np.float64(2.0)])
def test_int_refuses_non_integers_naming_the_parameter(value):
    with pytest.raises(ParameterError, match=r"^steps must be an integer"):
        as_int("steps", value)


def test_int_bounds_in_the_message():
    with pytest.raises(ParameterError, match=r"step_size must be an integer >= 1, got 0"):
        as_int("step_size", 0, low=1)
    with pytest.raises(ParameterError, match=r"an integer in \[0, 3\], got 4"):
        as_int("k", 4, low=0, high=3)


@pytest.mark.parametrize("value", [0.5, np.float32(0.5), np.float64(0.5), torch.tensor(0.5), 1])
def test_real_accepts_every_real_scalar(value):
    out = as_real("gamma", value, low=0.0, low_open=True)
    assert type(out) is float and out == pytest.approx(float(value))


@pytest.mark.parametrize(
    ("kwargs", "value", "pattern"),
    [
        ({"low": 0.0, "low_open": True}, 0.0, r"gamma must be a finite number > 0, got 0.0"),
        ({"low": 0.0, "high": 1.0}, 1.5, r"gamma must be a finite number in \[0, 1\], got 1.5"),
        ({"low": 0, "high": 1, "high_open": True}, 1.0, r"in \[0, 1\), got 1.0"),
        ({}, float("nan"), r"gamma must be a finite number, got nan"),
        ({}, float("inf"), r"got inf"),
        ({}, "0.1", r"got '0.1'"),
        ({}, True, r"got True"),
    ],
)
def test_real_refusals(kwargs, value, pattern):
    with pytest.raises(ParameterError, match=pattern):
        as_real("gamma", value, **kwargs)


def test_real_may_allow_infinity():
    assert as_real("max_loss", float("inf"), low=0, low_open=True, finite=False) == float("inf")


def test_error_is_value_and_type_error_and_knows_its_parameter():
    with pytest.raises(ValueError) as info:
        as_int("T_max", -1, low=1)
    assert isinstance(info.value, TypeError) and info.value.param == "T_max"


def test_choice_suggests_the_nearest_option():
    with pytest.raises(ParameterError, match=r"mode must be one of \['min', 'max'\], got 'mni'"):
        as_choice("mode", "mni", ("min", "max"))
    with pytest.raises(ParameterError, match=r"did you mean 'min'\?"):
        as_choice("mode", "mni", ("min", "max"))
    assert as_choice("mode", "max", ("min", "max")) == "max"
    with pytest.raises(ParameterError):
        as_choice("mode", ["unhashable"], ("min", "max"))


def test_did_you_mean():
    assert did_you_mean("stepLR", ["StepLR", "MultiStepLR"]) == "did you mean 'StepLR'?"
    assert did_you_mean("CosineAnealingLR", ["CosineAnnealingLR"]) == (
        "did you mean 'CosineAnnealingLR'?"
    )
    assert did_you_mean("zzz", ["StepLR"]) == ""
    assert did_you_mean(3, ["StepLR"]) == ""


def test_bool_and_callable():
    assert as_bool("three_phase", np.bool_(True)) is True
    with pytest.raises(ParameterError, match="three_phase must be True or False, got 1"):
        as_bool("three_phase", 1)
    assert as_callable("lr_lambda", abs) is abs
    with pytest.raises(ParameterError, match="lr_lambda must be a callable, got float"):
        as_callable("lr_lambda", 0.5)


def test_int_list():
    assert as_int_list("milestones", (np.int64(3), 5), low=0) == [3, 5]
    assert as_int_list("milestones", np.array([1, 2])) == [1, 2]
    with pytest.raises(ParameterError, match="milestones must be a list of integers"):
        as_int_list("milestones", 5)
    with pytest.raises(ParameterError, match="milestones must be an integer >= 0, got -1"):
        as_int_list("milestones", [3, -1], low=0)


def test_array():
    out = as_array("metrics", [1, 2.5], low=0)
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.5]
    assert as_array("x", torch.tensor([1.0])).tolist() == [1.0]
    with pytest.raises(
        ParameterError, match=r"metrics must be an array of finite numbers, got nan at index 1"
    ):
        as_array("metrics", [1.0, float("nan")])
    with pytest.raises(ParameterError, match=r"must be a 1-D array of numbers, got shape \(1, 2\)"):
        as_array("metrics", [[1.0, 2.0]])
    with pytest.raises(ParameterError, match="non-empty"):
        as_array("metrics", [])
    with pytest.raises(ParameterError, match=r"numbers >= 0, got -1.0 at index 1"):
        as_array("lrs", [1.0, -1.0], low=0)
    with pytest.raises(ParameterError, match="an array of numbers"):
        as_array("lrs", ["a"])
    for text_or_flag in (["30"], "5", [1.0, True], np.array(["1"]), np.array([True])):
        with pytest.raises(ParameterError, match="lrs must be an array of numbers, got"):
            as_array("lrs", text_or_flag)


def test_keywords_with_suggestion():
    check_keywords("StepLR", ["step_size"], ["step_size", "gamma"])
    with pytest.raises(ParameterError, match=r"StepLR takes no parameter 'gama' \(did you mean"):
        check_keywords("StepLR", ["gama"], ["step_size", "gamma"])
