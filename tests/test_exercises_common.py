"""lrcourse.exercises._common: what every chapter's checkers share."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lrcourse.exercises._common import (
    close,
    evaluate,
    first_mismatch,
    misreading,
    number,
    number_list,
    report,
    whole,
    wrong_number,
)
from lrcourse.validation import ParameterError


@pytest.mark.parametrize(
    "value", [0.5, np.float32(0.5), np.array(0.5), np.array([0.5]), torch.tensor([[0.5]])]
)
def test_number_takes_any_single_number(value):
    assert number("answer", value) == 0.5
    assert type(number("answer", value)) is float


@pytest.mark.parametrize(
    "value, got", [("0.5", "'0.5'"), (None, "None"), (float("nan"), "nan"), ([0.1, 0.2], r"\[0\.1")]
)
def test_number_names_what_it_got(value, got):
    with pytest.raises(ParameterError, match=rf"^answer must be a finite number, got {got}"):
        number("answer", value)


def test_number_list_takes_lists_arrays_and_tensors_but_not_text():
    for value in ([0.1, 0.2], (0.1, 0.2), np.array([0.1, 0.2]), torch.tensor([0.1, 0.2])):
        assert number_list("lrs", value).tolist() == pytest.approx([0.1, 0.2])
    assert number_list("lrs", []).size == 0  # a wrong length is feedback, not an error
    for bad in ("0.1, 0.2", ["0.1"], [True, False], None, {1: 2}, 0.1, [[0.1]], [0.1, np.inf]):
        with pytest.raises(ParameterError, match="^lrs must be"):
            number_list("lrs", bad)


def test_evaluate_returns_the_values_or_the_feedback_line():
    assert evaluate(lambda t: t / 2, 3, "fn").tolist() == [0.0, 0.5, 1.0]
    assert evaluate(lambda t: torch.tensor(t), 2, "fn").tolist() == [0.0, 1.0]
    assert evaluate(lambda t: 1 / (t - 1), 3, "fn") == (
        "fn(1) raised ZeroDivisionError: division by zero"
    )
    assert evaluate(lambda t: "x", 3, "f") == "f(0) must return a finite number, got 'x'"


def test_first_mismatch():
    a = np.array([1.0, 2.0, 3.0])
    assert first_mismatch(a, a * (1 + 1e-9)) is None
    assert first_mismatch(a, np.array([1.0, 2.5, 3.5])) == 1
    assert first_mismatch(a, a[:2]) == 2  # a shorter curve differs where it ends
    assert first_mismatch(a, a, rtol=0.0, atol=0.0) is None


def test_misreading_finds_the_first_close_known_value_but_never_the_right_one():
    known = [(2.0, "doubled"), (0.5, "halved"), (1.0, "the right value again")]
    assert misreading(2.001, known, 1e-2) == "doubled"
    assert misreading(0.5, known, 1e-3) == "halved"
    assert misreading(3.0, known, 1e-3) is None
    assert misreading(1.0, known, 1e-3) == "the right value again"
    assert misreading(1.0, known, 1e-3, right=1.0) is None


def test_small_helpers(capsys):
    assert whole(3.0) == 3 and whole(2.5) is None
    assert close(1.0005, 1.0, 1e-3) and not close(1.01, 1.0, 1e-3)
    assert report(True, "fine.") is True and report(False, "hint.") is False
    assert capsys.readouterr().out == "Correct! fine.\nNot yet. hint.\n"


def test_wrong_number_names_a_misreading_or_the_direction(capsys):
    known = [(2.0, "that is twice the answer."), (1.0, "that is the answer itself.")]
    assert wrong_number(2.0, 1.0, known, 1e-6, "recompute.") is False
    assert "twice the answer" in capsys.readouterr().out
    assert wrong_number(3.0, 1.0, known, 1e-6, "recompute.") is False
    assert "3 is too high. Hint: recompute." in capsys.readouterr().out
    wrong_number(0.5, 1.0, known, 1e-6, "x", sides=("small", "large"), fmt="g")
    assert "0.5 is too small. Hint: x" in capsys.readouterr().out
    # with skip_right, a known value that equals the right one is not a misreading
    wrong_number(1.0 + 1e-9, 1.0, known, 1e-6, "x", skip_right=True)
    assert "the answer itself" not in capsys.readouterr().out
