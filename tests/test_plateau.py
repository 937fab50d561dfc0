"""lrcourse.plateau: the step-by-step replay of ReduceLROnPlateau, its figure, the noise study."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lrcourse as lc

PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

plateau_kwargs = st.fixed_dictionaries(
    {
        "mode": st.sampled_from(["min", "max"]),
        "factor": st.sampled_from([0.05, 0.1, 0.5, 0.9]),
        "patience": st.integers(0, 5),
        "threshold": st.sampled_from([0.0, 1e-4, 0.01, 0.1]),
        "threshold_mode": st.sampled_from(["rel", "abs"]),
        "cooldown": st.integers(0, 4),
        "min_lr": st.sampled_from([0.0, 1e-3, 0.02]),
        "eps": st.sampled_from([1e-8, 1e-3, 0.0]),
    }
)
# repeated values make ties; the mix of signs exercises the relative threshold on negatives
metric_lists = st.lists(
    st.sampled_from([1.0, 0.9, 0.9, 0.5, 0.49995, 0.2, -0.5, -0.49995, 2.0]) | st.floats(-3, 3),
    min_size=1,
    max_size=80,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def torch_trace(metrics, lr, **kwargs):
    """The LR before each call and after the last one, stepping torch's class directly."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    out = []
    for m in metrics:
        out.append(opt.param_groups[0]["lr"])
        sched.step(m)
    return out, opt.param_groups[0]["lr"], sched


@PROPERTY
@given(kwargs=plateau_kwargs, metrics=metric_lists, lr=st.sampled_from([1e-3, 0.1, 1.0]))
def test_replay_matches_torch_and_lr_curve_exactly(kwargs, metrics, lr):
    trace = lc.plateau_events(metrics, lr=lr, **kwargs)
    lrs, final, sched = torch_trace(metrics, lr, **kwargs)
    assert trace.lrs.tolist() == lrs  # bit for bit, ties and rounding included
    assert trace.final_lr == final
    np.testing.assert_array_equal(
        trace.lrs, lc.lr_curve("ReduceLROnPlateau", metrics=metrics, lr=lr, **kwargs)
    )
    # the state after the last call is torch's state
    last = trace[-1]
    assert last.bad == sched.num_bad_epochs and last.cooldown == sched.cooldown_counter
    assert last.best == sched.best or (math.isinf(last.best) and math.isinf(sched.best))
    # cuts are exactly the calls that lowered the LR; skips are triggers that could not
    for s in trace:
        assert (s.action == "cut") == (s.new_lr < s.lr)
        if s.action in ("cut", "skipped"):
            assert s.bad == 0 and s.cooldown == kwargs["cooldown"]
    assert trace.cuts == [s.epoch for s in trace if s.new_lr < s.lr]


def test_a_cut_needs_more_than_patience_bad_epochs_and_cooldown_is_not_counted():
    metrics = [1.0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
    trace = lc.plateau_events(metrics, lr=1.0, patience=2, factor=0.5, cooldown=1)
    # bad epochs 2, 3, 4 -> cut at 4 (3 > 2); cooldown swallows 5; 6, 7, 8 -> cut at 8
    assert trace.cuts == [4, 8]
    assert [s.bad for s in trace] == [0, 0, 1, 2, 0, 0, 1, 2, 0, 0, 1]
    assert trace[5].action == "cooldown" and trace[9].action == "cooldown"
    assert trace.lrs.tolist() == [1.0] * 5 + [0.5] * 4 + [0.25] * 2
    assert trace.best.tolist() == [1.0] + [0.8] * 10  # a cut does not reset the best
    assert "CUT 1 -> 0.5" in trace[4].note and "cooldown 1" in trace[4].note
    assert "not counted" in trace.explain(5)


def test_ties_are_bad_epochs_even_with_zero_threshold():
    trace = lc.plateau_events([0.95, 0.96, 0.96, 0.96], mode="max", threshold=0.0, patience=1)
    assert [s.improved for s in trace] == [True, True, False, False]
    assert trace.cuts == [3]


def test_threshold_modes_define_the_bar():
    rel = lc.plateau_events([1.0, 0.995, 0.98], threshold=0.01, patience=5)
    assert rel[1].bar == pytest.approx(0.99) and not rel[1].improved and rel[2].improved
    absolute = lc.plateau_events([1.0, 0.95, 0.85], threshold=0.1, threshold_mode="abs")
    assert absolute[1].bar == pytest.approx(0.9) and not absolute[1].improved
    assert absolute[2].improved
    up = lc.plateau_events([0.5, 0.504, 0.51], mode="max", threshold=0.01)
    assert up[1].bar == pytest.approx(0.505) and not up[1].improved and up[2].improved


def test_relative_threshold_on_a_negative_metric_rewards_getting_worse():
    rising = [-2.0, -1.99, -1.985, -1.98, -1.975]
    rel = lc.plateau_events(rising, patience=1, threshold=0.01)
    assert all(s.improved for s in rel) and rel.cuts == []
    assert lc.plateau_events(rising, patience=1, threshold=0.01, threshold_mode="abs").cuts == [
        2,
        4,
    ]


def test_eps_stops_the_lr_near_1e8_and_min_lr_is_a_floor():
    flat = np.ones(30)
    trace = lc.plateau_events(flat, lr=0.1, patience=0)
    assert len(trace.cuts) == 7 and trace.final_lr == pytest.approx(1e-8, rel=1e-9)
    assert trace.skipped == list(range(8, 30))
    assert "<= eps" in trace.explain(8) and "no cut" in trace[8].note
    floor = lc.plateau_events(flat, lr=0.1, patience=0, min_lr=0.05)
    assert floor.cuts == [1] and floor.final_lr == 0.05 and "min_lr" in floor[1].note
    assert "already at min_lr" in floor.explain(2)
    blocked = lc.plateau_events(flat, lr=1e-3, patience=0, eps=1e-3)
    assert blocked.cuts == [] and len(blocked.skipped) == 29


def test_nan_is_a_bad_epoch_as_in_torch():
    metrics = [1.0, float("nan"), float("nan"), 0.5]
    trace = lc.plateau_events(metrics, patience=1)
    lrs, _, _ = torch_trace(metrics, 0.1, patience=1)
    assert trace.lrs.tolist() == lrs and trace.cuts == [2] and "NaN" in trace.explain(1)


def test_accepts_tensors_and_arrays_and_prints_a_table():
    a = lc.plateau_events(torch.tensor([1.0, 0.9, 0.95]), patience=0)
    b = lc.plateau_events(np.array([1.0, 0.9, 0.95]), patience=0)
    assert a.lrs.tolist() == b.lrs.tolist() and a.cuts == [2]
    text = str(b)
    assert text.splitlines()[0].split()[:3] == ["epoch", "metric", "bar"]
    assert len(text.splitlines()) == 4
    assert b.table(only_events=True).count("\n") == 1
    assert "cuts after epochs [2]" in repr(b) and "patience=0" in repr(b)
    assert [s.epoch for s in b] == [0, 1, 2] and len(b) == 3


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"metrics": []}, "metrics"),
        ({"metrics": [[1.0, 2.0]]}, "metrics"),
        ({"metrics": "abc"}, "metrics"),
        ({"metrics": [1.0], "lr": -0.1}, "lr"),
        ({"metrics": [1.0], "factor": 1.0}, "factor"),
        ({"metrics": [1.0], "patience": "2"}, "patience"),
        ({"metrics": [1.0], "mode": "up"}, "mode"),
        ({"metrics": [1.0], "threshold_mode": "relative"}, "threshold_mode"),
        ({"metrics": [1.0], "eps": float("nan")}, "eps"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, word):
    kwargs = dict(kwargs)
    metrics = kwargs.pop("metrics")
    with pytest.raises(ValueError, match=word):
        lc.plateau_events(metrics, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": -1},
        {"patience": 1, "cooldown": -2},
        {"patience": 1, "threshold": -0.1},
        {"patience": 1, "min_lr": -1.0},
        {"patience": 1, "eps": -1.0},
        {"patience": 1, "factor": -0.5},
    ],
)
def test_what_torch_accepts_is_narrated_with_the_same_warning(kwargs):
    metrics = [1.0, 0.9, 1.2, 1.3, 0.95, 1.4, 1.5]
    with pytest.warns(UserWarning, match=next(iter(kwargs.keys() - {"patience"}), "patience")):
        trace = lc.plateau_events(metrics, **kwargs)
    torch_lrs = lc.torch_lr_curve("ReduceLROnPlateau", lr=0.1, metrics=metrics, **kwargs)
    assert trace.lrs.tolist() == torch_lrs.tolist() and len(trace.cuts) > 0


def test_explain_checks_its_index():
    trace = lc.plateau_events([1.0, 0.9])
    assert trace.explain(-1).startswith("epoch 1:")
    with pytest.raises(ValueError, match="k"):
        trace.explain(2)
    with pytest.raises(ValueError, match="k"):
        trace.explain("1")


def test_plot_marks_every_cut_on_both_panels():
    trace = lc.plateau_events(lc.synthetic_metric(60, seed=0), patience=4, factor=0.5, cooldown=2)
    top, bottom = lc.plot_plateau(trace, title="t")
    assert top.figure is bottom.figure and top.get_title() == "t"
    for ax in (top, bottom):
        cut_lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert [ln.get_xdata()[0] for ln in cut_lines] == trace.cuts
    assert bottom.get_yscale() == "log"
    labels = top.get_legend_handles_labels()[1]
    assert {"metric", "best so far", "bar to beat", "cut"} <= set(labels)
    plt.close(top.figure)
    skipped = lc.plateau_events(np.ones(12), patience=0, min_lr=0.05)
    fig, axes = plt.subplots(2, 1)
    lc.plot_plateau(skipped, axes=axes)
    assert "cut skipped" in axes[0].get_legend_handles_labels()[1]
    plt.close(fig)
    with pytest.raises(ValueError, match="trace"):
        lc.plot_plateau([1.0, 2.0])
    with pytest.raises(ValueError, match="axes"):
        lc.plot_plateau(trace, axes=[axes[0]])


def test_noisy_plateau_metric_has_a_linear_trend_then_a_flat_floor():
    clean = lc.noisy_plateau_metric(60, onset=40, noise=0.0)
    np.testing.assert_allclose(np.diff(clean[:41]), -0.7 / 40)
    assert np.all(clean[40:] == 0.3) and clean[0] == 1.0
    a = lc.noisy_plateau_metric(60, onset=40, seed=3)
    assert np.array_equal(a, lc.noisy_plateau_metric(60, onset=40, seed=3))
    assert not np.array_equal(a, lc.noisy_plateau_metric(60, onset=40, seed=4))
    assert 0.01 < np.std(a - clean) < 0.03
    for bad, word in (({"steps": 0}, "steps"), ({"onset": 0}, "onset"), ({"noise": -1}, "noise")):
        kw = {"steps": 10, "onset": 5, **bad}
        with pytest.raises(ValueError, match=word):
            lc.noisy_plateau_metric(kw.pop("steps"), **kw)


@pytest.mark.parametrize("patience", [0, 2, 5])
def test_without_noise_the_delay_is_exactly_patience_plus_one(patience):
    table = lc.detection_tradeoff(
        {"p": {"patience": patience}}, seeds=range(3), noise=0.0, steps=60, onset=30
    )
    row = table["p"]
    assert row.false_rate == 0 and row.missed_rate == 0 and row.mean_delay == patience + 1


def test_noise_makes_small_patience_cut_early_and_large_patience_late():
    table = lc.detection_tradeoff(
        {
            "p=1": {"patience": 1},
            "p=8": {"patience": 8},
            "p=8 abs": {"patience": 8, "threshold": 0.02, "threshold_mode": "abs"},
        },
        seeds=range(40),
    )
    assert table["p=1"].false_rate > 0.5 and table["p=8"].false_rate == 0
    assert table["p=8"].mean_delay > 8 + 1  # noise records on the plateau reset the counter
    assert table["p=8 abs"].mean_delay < table["p=8"].mean_delay  # a threshold ignores them
    text = str(table)
    assert "false cut" in text and "40 seeded curves" in text and "p=8 abs" in text
    with pytest.raises(KeyError):
        table["nope"]


def test_detection_tradeoff_reports_missed_cuts_and_checks_input():
    table = lc.detection_tradeoff({"blocked": {"patience": 2, "min_lr": 0.1}}, seeds=range(5))
    assert table["blocked"].missed_rate == 1.0 and math.isnan(table["blocked"].mean_delay)
    with pytest.raises(ValueError, match="settings"):
        lc.detection_tradeoff({})
    with pytest.raises(ValueError, match="seeds"):
        lc.detection_tradeoff({"a": {}}, seeds=[])
    with pytest.raises(ValueError, match="onset"):
        lc.detection_tradeoff({"a": {}}, steps=40, onset=40)
    with pytest.raises(ValueError, match="settings"):
        lc.detection_tradeoff({"a": 3})
    with pytest.raises(TypeError):
        lc.detection_tradeoff({"a": {"patience_epochs": 3}})
