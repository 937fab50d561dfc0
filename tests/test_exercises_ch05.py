"""lrcourse.exercises: chapter 5's checkers accept right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from feedback import argument_tests
from feedback import says as _says

import lrcourse as lc
from lrcourse.exercises import (
    check_cut_epochs,
    check_eps_floor,
    check_lr_after_cuts,
    check_quiet_settings,
)
from lrcourse.exercises.ch05 import EX1_METRICS

# ----------------------------------------------------------------------------- cut epochs


def test_cut_epochs_accepts_the_rule_in_any_container(capsys):
    right = lc.plateau_events(EX1_METRICS, factor=0.5, patience=2, threshold=0.01, cooldown=1).cuts
    assert right == [4, 8, 12]
    for answer in (right, tuple(right), np.array(right), torch.tensor(right), [4.0, 8.0, 12.0]):
        assert check_cut_epochs(answer) is True
        _says(capsys, "Correct")


def test_cut_epochs_follows_other_metrics_and_settings(capsys):
    metrics = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert check_cut_epochs([1, 2, 3, 4, 5], metrics, patience=0, cooldown=0) is True
    assert check_cut_epochs([2, 4], [0.5] * 5, mode="max", patience=1, cooldown=0) is True
    _says(capsys, "Correct")


@pytest.mark.parametrize(
    "answer, hint",
    [
        ([3, 6, 11], "*greater*"),  # cut at bad == patience
        ([7], "threshold"),  # every small improvement counted
        ([4, 7, 12], "cooldown"),  # cooldown ignored
        ([4, 12], "reset the best"),  # best reset after a cut / compared with the previous
        ([5, 9, 13], "one too late"),  # 1-based, or the first epoch at the new LR
        ([4, 8], "goes wrong"),
        ([], "goes wrong from the start"),
        ([20], "only 13 epochs"),
    ],
)
def test_cut_epochs_rejects_with_specific_hint(capsys, answer, hint):
    assert check_cut_epochs(answer) is False
    out = _says(capsys, "Not yet", hint)
    assert "Correct" not in out


# ----------------------------------------------------------------------------- quiet settings


def test_quiet_settings_accepts_settings_that_pass(capsys):
    for settings in ({"patience": 4}, {"patience": 5, "threshold": 0.03}):
        assert check_quiet_settings(settings) is True
        _says(capsys, "Correct", "False cuts on 0 of the 50")


@pytest.mark.parametrize(
    "settings, hint",
    [
        ({"patience": 2}, "raise patience"),
        ({"patience": 4, "threshold": 0.03}, "still improving"),
        ({"patience": 5}, "too slow"),
        ({"patience": 4, "min_lr": 0.1}, "never cut"),
    ],
)
def test_quiet_settings_rejects_with_specific_hint(capsys, settings, hint):
    assert check_quiet_settings(settings) is False
    _says(capsys, "Not yet", hint)


def test_quiet_settings_depends_on_the_delay_bound(capsys):
    assert check_quiet_settings({"patience": 5}, max_delay=9.5) is True
    assert check_quiet_settings({"patience": 4}, max_delay=7.0) is False
    _says(capsys, "too slow")


# ----------------------------------------------------------------------------- lr after cuts


def test_lr_after_cuts_accepts_the_floor(capsys):
    assert check_lr_after_cuts(1e-3) is True
    assert check_lr_after_cuts(np.float32(1e-3)) is True
    _says(capsys, "Correct")
    # without the floor in the way the answer is lr * factor**cuts
    assert check_lr_after_cuts(0.05 * 0.5**3, cuts=3) is True
    assert check_lr_after_cuts(0.1 * 0.1**2, lr=0.1, factor=0.1, cuts=2, min_lr=0.0) is True


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.05 * 0.5**6, "without the floor"),
        (0.05 * 0.5**5, "One cut short"),
        (5e-4, "below min_lr"),
        (0.02, "not it"),
    ],
)
def test_lr_after_cuts_rejects_with_specific_hint(capsys, answer, hint):
    assert check_lr_after_cuts(answer) is False
    _says(capsys, "Not yet", hint)


def test_lr_after_cuts_matches_the_scheduler():
    trace = lc.plateau_events(np.ones(8), lr=0.05, factor=0.5, patience=0, min_lr=1e-3)
    assert check_lr_after_cuts(trace.lrs[7]) is True  # after 6 triggers


# ----------------------------------------------------------------------------- eps floor


def test_eps_floor_accepts_where_torch_stops(capsys):
    stop = lc.plateau_events(np.ones(40), lr=1e-3, factor=0.5, patience=0).final_lr
    assert stop == pytest.approx(1e-3 * 0.5**16)
    assert check_eps_floor(stop) is True
    _says(capsys, "Correct", "16 cuts")
    default = lc.plateau_events(np.ones(20), lr=0.1, patience=0).final_lr
    assert check_eps_floor(default, lr=0.1, factor=0.1) is True


@pytest.mark.parametrize(
    "answer, hint",
    [
        (1e-8, "change"),
        (2e-8, "bar"),
        (1e-3 * 0.5**17, "One cut too many"),
        (1e-3 * 0.5**15, "One cut short"),
        (0.0, "eps stops"),
        (1e-5, "not it"),
    ],
)
def test_eps_floor_rejects_with_specific_hint(capsys, answer, hint):
    assert check_eps_floor(answer) is False
    _says(capsys, "Not yet", hint)


# ----------------------------------------------------------------------------- arguments


def test_plateau_settings_are_refused_by_name():
    with pytest.raises(ValueError, match=r"no parameter 'patients' \(did you mean 'patience'\?\)"):
        check_quiet_settings({"patients": 5})
    with pytest.raises(ValueError, match="patience"):  # checked where the rule lives
        check_quiet_settings({"patience": "5"})
    with pytest.raises(ValueError, match="patience"):
        check_cut_epochs([4], patience="5")


CALLS = [
    (check_cut_epochs, {"answer": [4, 8, 12]}),
    (check_lr_after_cuts, {"answer": 1e-3, "lr": 0.05, "factor": 0.5, "cuts": 6, "min_lr": 1e-3}),
    (check_eps_floor, {"answer": 1e-3 * 0.5**16, "lr": 1e-3, "factor": 0.5, "eps": 1e-8}),
]

BAD = [
    (check_cut_epochs, {}, "answer", "4, 8, 12"),
    (check_cut_epochs, {}, "answer", 4),
    (check_cut_epochs, {}, "answer", {4: 1}),
    (check_cut_epochs, {}, "answer", [[4, 8]]),
    (check_quiet_settings, {}, "settings", 5),
    (check_lr_after_cuts, {}, "answer", float("inf")),
    (check_lr_after_cuts, {"answer": 1e-3}, "cuts", -1),
    (check_lr_after_cuts, {"answer": 1e-3}, "factor", 1.5),
    (check_eps_floor, {}, "answer", None),
    (check_eps_floor, {"answer": 1e-8}, "factor", 1.0),
    (check_cut_epochs, {}, "answer", "4, 8"),
    (check_cut_epochs, {}, "answer", [4.5]),
    (check_cut_epochs, {}, "answer", [-1]),
    (check_quiet_settings, {}, "settings", [("patience", 5)]),
    (check_quiet_settings, {"settings": {}}, "max_delay", -1.0),
    (check_lr_after_cuts, {}, "answer", "0.001"),
    (check_lr_after_cuts, {"answer": 0.001}, "lr", -0.05),
    (check_lr_after_cuts, {"answer": 0.001}, "factor", 1.0),
    (check_lr_after_cuts, {"answer": 0.001}, "cuts", -1),
    (check_lr_after_cuts, {"answer": 0.001}, "min_lr", -1e-3),
    (check_eps_floor, {}, "answer", float("nan")),
    (check_eps_floor, {"answer": 1e-8}, "eps", 0.0),
    (check_eps_floor, {"answer": 1e-8}, "factor", 0.0),
]


test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)
