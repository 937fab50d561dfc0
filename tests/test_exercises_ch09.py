"""Chapter 9's checkers: right answers pass, typical mistakes get specific feedback."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lrcourse as lc
from lrcourse.exercises import ch09


def _said(capsys) -> str:
    return capsys.readouterr().out


def test_all_checkers_are_exported():
    for name in ch09.__all__:
        assert getattr(lc, name) is getattr(ch09, name)


# ----------------------------------------------------------------------------- sweep LRs


def test_sweep_lrs_right_answers(capsys):
    assert lc.check_sweep_lrs(np.geomspace(1e-7, 10, 100))
    assert "12.4 iterations per decade" in _said(capsys)
    assert lc.check_sweep_lrs(lc.sweep_lrs(1e-3, 1.0, 7), start_lr=1e-3, end_lr=1.0, num_iter=7)
    assert lc.check_sweep_lrs(torch.tensor(np.geomspace(1e-5, 10, 50)), 1e-5, 10, 50)


@pytest.mark.parametrize(
    ("lrs", "phrase"),
    [
        (np.linspace(1e-7, 10, 100), "linear sweep"),
        (np.geomspace(1e-7, 10, 100)[::-1], "reversed"),
        (1e-7 * 1e8 ** (np.arange(100) / 100), "off by one"),
        (np.geomspace(1e-7, 10, 99), "100 LRs"),
        (np.geomspace(1e-6, 10, 100), "must start at 1e-07"),
        (np.sort(np.concatenate([[1e-7, 10], np.geomspace(1e-5, 1, 98)])), "not geometric"),
        (np.concatenate([np.geomspace(1e-7, 10, 99), [5.0]]), "increase"),
    ],
)
def test_sweep_lrs_mistakes(capsys, lrs, phrase):
    assert lc.check_sweep_lrs(lrs) is False
    assert phrase in _said(capsys)


def test_sweep_lrs_nonsense():
    with pytest.raises(TypeError):
        lc.check_sweep_lrs("geomspace")
    with pytest.raises(TypeError):
        lc.check_sweep_lrs(0.1)
    with pytest.raises(ValueError):
        lc.check_sweep_lrs(np.ones((10, 10)))
    with pytest.raises(ValueError):
        lc.check_sweep_lrs([0.1, np.nan])
    with pytest.raises(ValueError, match=r"^end_lr must be > start_lr \(1\)"):
        lc.check_sweep_lrs([0.1, 1.0], start_lr=1.0, end_lr=0.1, num_iter=2)


# ----------------------------------------------------------------------------- rule by hand


@pytest.mark.parametrize("seed", [0, 3, 7])
def test_rule_suggestion_right_answers(capsys, seed):
    t = lc.synthetic_range_test(seed)
    assert lc.check_rule_suggestion(t.suggest("min_div_10"), "min_div_10", seed)
    assert lc.check_rule_suggestion(t.suggest("steepest"), "steepest", seed)
    end = len(t.lrs) - 1 if t.stopped_early else len(t.lrs)
    forward = np.diff(t.smoothed[:end]) / np.diff(np.log(t.lrs[:end]))
    assert lc.check_rule_suggestion(float(t.lrs[int(np.argmin(forward))]), "steepest", seed)
    assert "Correct" in _said(capsys)


def test_rule_suggestion_mistakes(capsys):
    seed = 3
    t = lc.synthetic_range_test(seed)
    end = len(t.lrs) - 1
    i_min = int(np.argmin(t.smoothed[:end]))
    cases = [
        (float(t.lrs[i_min]), "the LR at the minimum itself"),
        (float(t.lrs[i_min]) * 10, "not by ten"),
        (float(i_min), "index"),
        (-1.0, "positive"),
        (t.suggest("min_div_10") * 50, "too high"),
    ]
    raw = float(t.lrs[int(np.argmin(t.losses[:end]))]) / 10
    if not np.isclose(raw, t.suggest("min_div_10")):
        cases.append((raw, "raw batch losses"))
    for answer, phrase in cases:
        assert lc.check_rule_suggestion(answer, "min_div_10", seed) is False
        assert phrase in _said(capsys), phrase
    grad = np.gradient(t.smoothed[:end], np.log(t.lrs[:end]))
    assert lc.check_rule_suggestion(float(t.lrs[int(np.argmax(grad))]), "steepest", seed) is False
    assert "rise" in _said(capsys)


def test_rule_suggestion_nonsense():
    with pytest.raises(ValueError, match=r"^rule must be one of \['min_div_10', 'steepest'\]"):
        lc.check_rule_suggestion(0.01, "valley")
    with pytest.raises(TypeError):
        lc.check_rule_suggestion("0.01")
    with pytest.raises(ValueError):
        lc.check_rule_suggestion(float("nan"))
    with pytest.raises(ValueError, match="^seed must be an integer >= 0"):
        lc.check_rule_suggestion(0.01, seed=-1)
    right = lc.synthetic_range_test(3).suggest("min_div_10")
    assert lc.check_rule_suggestion(np.float64(right), seed=np.int64(3))  # numpy scalars


# ----------------------------------------------------------------------------- lag


def test_smoothing_lag_answers(capsys):
    exact = 0.98 / 0.02 * 8 / 99
    assert lc.check_smoothing_lag(exact)
    assert lc.check_smoothing_lag(lc.smoothing_lag(0.98, 1e-7, 10, 100, at=99))
    assert lc.check_smoothing_lag(1 / 0.02 * 8 / 99)  # the 1/(1-beta) window rule of thumb
    _said(capsys)
    for answer, phrase in [
        (49.0, "iterations"),
        (exact * np.log(10), "natural-log"),
        (8 / 99, "multiply"),
        (10**exact, "log10"),
        (8.0, "whole sweep"),
        (0.001, "too low"),
    ]:
        assert lc.check_smoothing_lag(answer) is False
        assert phrase in _said(capsys), phrase
    assert lc.check_smoothing_lag(0.9 / 0.1 * 6 / 199, beta=0.9, start_lr=1e-5, num_iter=200)


def test_smoothing_lag_nonsense():
    with pytest.raises(TypeError):
        lc.check_smoothing_lag([3.96])
    with pytest.raises(ValueError, match=r"^beta must be a finite number in \(0, 1\)"):
        lc.check_smoothing_lag(1.0, beta=1.0)
    with pytest.raises(ValueError, match="^num_iter must be an integer >= 2"):
        lc.check_smoothing_lag(1.0, num_iter=1)


# ----------------------------------------------------------------------------- settings


def test_range_test_settings(capsys):
    assert lc.check_range_test_settings(num_iter=200, beta=0.9)
    assert "inside the band" in _said(capsys)
    # fastai's defaults (from 1e-7): no stop within 100 iterations on this task
    assert lc.check_range_test_settings(num_iter=100, beta=0.98, start_lr=1e-7) is False
    assert "without stopping" in _said(capsys)
    assert lc.check_range_test_settings(num_iter=5000, beta=0.9) is False
    assert "at most 1000" in _said(capsys)
    assert lc.check_range_test_settings(num_iter=5, beta=0.9) is False
    assert "too few" in _said(capsys)


def test_range_test_settings_lag_and_band(capsys, monkeypatch):
    # a test that stops but lags more than half a decade at the end
    assert lc.check_range_test_settings(num_iter=100, beta=0.95, start_lr=1e-7, end_lr=100.0) in (
        False,
    )
    said = _said(capsys)
    assert "lags" in said or "without stopping" in said
    # the valley rule suggests below the band (the chapter measured it as cautious)
    assert lc.check_range_test_settings(num_iter=200, beta=0.9, rule="valley") is False
    assert "below the band" in _said(capsys)


def test_range_test_settings_nonsense():
    with pytest.raises(ValueError, match="^beta must be"):
        lc.check_range_test_settings(num_iter=200, beta=1.5)
    with pytest.raises(ValueError, match="did you mean 'valley'"):
        lc.check_range_test_settings(num_iter=200, beta=0.9, rule="Valley")
    with pytest.raises(ValueError):
        lc.check_range_test_settings(num_iter=200.5, beta=0.9)
    with pytest.raises(TypeError):
        lc.check_range_test_settings(num_iter="200", beta=0.9)
