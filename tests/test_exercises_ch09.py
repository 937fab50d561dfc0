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


def _lags(beta=0.98, start=1e-7, end=10.0, n=100):
    return lc.smoothing_lag(beta, start, end, n), lc.smoothing_lag(beta, start, end, n, at=n - 1)


def test_smoothing_lag_answers(capsys):
    far, end = _lags()
    assert far > 1.4 * end  # fastai's defaults: the end of the sweep is not far from the start
    by_hand = 0.98 / 0.02 * 8 / 99
    k = np.arange(100)
    mean_k = np.sum(k * 0.98**k) / np.sum(0.98**k)  # the normalised weights at i = 99
    assert lc.check_smoothing_lag(by_hand, mean_k * 8 / 99)
    said = _said(capsys)
    assert f"{end:.3g} decades" in said and f"{far:.3g} decades" in said
    assert lc.check_smoothing_lag(1 / 0.02 * 8 / 99, end)  # the 1/(1-beta) window rule of thumb
    k = np.arange(101)  # one weight too many: near enough
    assert lc.check_smoothing_lag(far, np.sum(k * 0.98**k) / np.sum(0.98**k) * 8 / 99)
    # another sweep: chapter 9's own settings, where the end is nearly far from the start
    far9, end9 = _lags(0.9, 1e-5, 10.0, 200)
    assert lc.check_smoothing_lag(far9, end9, beta=0.9, start_lr=1e-5, num_iter=200)
    assert end9 > 0.9 * far9


def test_smoothing_lag_end_is_not_the_far_value(capsys):
    far, end = _lags()
    _said(capsys)
    assert lc.check_smoothing_lag(far, far) is False
    assert "far-from-start value again" in _said(capsys)
    assert lc.check_smoothing_lag(end, end) is False
    assert "lag at the end of this sweep" in _said(capsys)
    k = np.arange(100)
    unnormalised = np.sum(k * 0.02 * 0.98**k) * 8 / 99
    for answer, phrase in [
        (end * 99 / 8, "iterations"),
        (end * np.log(10), "natural-log"),
        (unnormalised, "bias correction"),
        (10**end, "log10"),
        (0.5, "too low"),
    ]:
        assert lc.check_smoothing_lag(far, answer) is False
        assert phrase in _said(capsys), phrase


def test_smoothing_lag_far_mistakes(capsys):
    far, end = _lags()
    for answer, phrase in [
        (49.0, "iterations"),
        (far * np.log(10), "natural-log"),
        (8 / 99, "multiply"),
        (10**far, "log10"),
        (8.0, "whole sweep"),
        (0.001, "too low"),
    ]:
        assert lc.check_smoothing_lag(answer, end) is False
        assert phrase in _said(capsys), phrase


def test_smoothing_lag_nonsense():
    with pytest.raises(TypeError):
        lc.check_smoothing_lag([3.96], 2.72)
    with pytest.raises(TypeError):
        lc.check_smoothing_lag(3.96)  # both numbers are asked for
    with pytest.raises(ValueError, match="^lag_end must be"):
        lc.check_smoothing_lag(3.96, float("nan"))
    with pytest.raises(ValueError, match=r"^beta must be a finite number in \(0, 1\)"):
        lc.check_smoothing_lag(1.0, 1.0, beta=1.0)
    with pytest.raises(ValueError, match="^num_iter must be an integer >= 2"):
        lc.check_smoothing_lag(1.0, 1.0, num_iter=1)


# ----------------------------------------------------------------------------- settings

# the band is the caller's (the chapter passes the one its real sweep measured); any pair serves
BAND = (0.016, 0.22)


def test_range_test_settings(capsys, recwarn):
    assert lc.check_range_test_settings(num_iter=200, beta=0.9, band=BAND)
    assert "inside the band" in _said(capsys)
    # fastai's defaults (from 1e-7): no stop within 100 iterations on this task
    assert lc.check_range_test_settings(100, 0.98, BAND, start_lr=1e-7) is False
    assert "without stopping" in _said(capsys)
    assert lc.check_range_test_settings(num_iter=5000, beta=0.9, band=BAND) is False
    assert "at most 1000" in _said(capsys)
    assert lc.check_range_test_settings(num_iter=5, beta=0.9, band=BAND) is False
    assert "too few" in _said(capsys)
    # the checker explains the lag itself: lr_range_test's warning is not shown on top
    assert not [w for w in recwarn if issubclass(w.category, lc.rangetest.SmoothingLagWarning)]


def test_range_test_settings_reads_the_band_it_is_given(capsys):
    """The same test, judged against the band passed in: the chapter and the checker share it."""
    pick = lc.lr_range_test(
        lc.mlp(64, 64, 10, seed=0),
        lc.load_digits_data(seed=0),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        start_lr=1e-5,
        end_lr=10.0,
        num_iter=200,
        beta=0.9,
        seed=0,
    ).suggest("min_div_10")
    assert lc.check_range_test_settings(200, 0.9, (pick / 2, pick * 2))
    assert lc.check_range_test_settings(200, 0.9, (pick * 1.5, pick * 10)) is False
    assert "below the band" in _said(capsys)
    assert lc.check_range_test_settings(200, 0.9, (pick / 10, pick / 1.5)) is False
    assert "above the band" in _said(capsys)
    band = lc.good_band([pick / 4, pick, pick * 4], [0.5, 0.9, 0.5], tolerance=0.1)
    assert lc.check_range_test_settings(200, 0.9, band)
    assert f"{band.lo:.3g} to {band.hi:.3g}" in _said(capsys)


def test_range_test_settings_lag_and_rule(capsys):
    # a test that stops but lags more than LAG_LIMIT at the end
    assert lc.check_range_test_settings(100, 0.95, BAND, start_lr=1e-7, end_lr=100.0) is False
    said = _said(capsys)
    assert "lags" in said or "without stopping" in said
    # the valley rule suggests below the band (the chapter measured it as cautious)
    assert lc.check_range_test_settings(num_iter=200, beta=0.9, band=BAND, rule="valley") is False
    assert "below the band" in _said(capsys)


def test_range_test_settings_nonsense():
    with pytest.raises(ValueError, match="^beta must be"):
        lc.check_range_test_settings(num_iter=200, beta=1.5, band=BAND)
    with pytest.raises(ValueError, match="did you mean 'valley'"):
        lc.check_range_test_settings(num_iter=200, beta=0.9, band=BAND, rule="Valley")
    with pytest.raises(ValueError):
        lc.check_range_test_settings(num_iter=200.5, beta=0.9, band=BAND)
    with pytest.raises(TypeError):
        lc.check_range_test_settings(num_iter="200", beta=0.9, band=BAND)
    for bad in [(0.2, 0.02), (0.02,), "0.02-0.2", (0.0, 0.2), None]:
        with pytest.raises(ValueError, match="^band must be"):
            lc.check_range_test_settings(num_iter=200, beta=0.9, band=bad)
    with pytest.raises(TypeError):
        lc.check_range_test_settings(num_iter=200, beta=0.9)  # the band is required
