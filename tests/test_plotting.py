"""lrcourse.plotting: labels, axes, the house style and bad input."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from feedback import argument_tests, same
from matplotlib.colors import to_hex

import lrcourse as lc
from lrcourse import plotting
from lrcourse.plotting import format_value
from lrcourse.validation import ParameterError


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("plotting functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def my_warmup(step: int) -> float:
    return min(1.0, (step + 1) / 10)


# ----------------------------------------------------------------------------- plot_curves


def test_curves_are_lr_curve_and_labelled_by_their_kwargs():
    specs = [("StepLR", {"gamma": 0.5, "step_size": 30}), ("CosineAnnealingLR", {"T_max": 50})]
    ax = lc.plot_curves(specs, 80, lr=0.3)
    assert legend_texts(ax) == ["StepLR(step_size=30, gamma=0.5)", "CosineAnnealingLR(T_max=50)"]
    for line, (name, kwargs) in zip(ax.get_lines(), specs, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), lc.lr_curve(name, 80, lr=0.3, **kwargs))
        np.testing.assert_array_equal(line.get_xdata(), np.arange(80))
    assert ax.get_xlabel() == "step"
    assert ax.get_ylabel() == "learning rate"


def test_label_shows_only_the_kwargs_given_and_callables_by_name():
    assert plotting.schedule_label("ExponentialLR", {}) == "ExponentialLR()"
    ax = lc.plot_curves(("LambdaLR", {"lr_lambda": my_warmup}), 20)
    assert legend_texts(ax) == ["LambdaLR(lr_lambda=my_warmup)"]
    np.testing.assert_array_equal(
        ax.get_lines()[0].get_ydata(), lc.lr_curve("LambdaLR", 20, lr_lambda=my_warmup)
    )


def test_label_of_combined_schedules_is_nested():
    subs = [("ConstantLR", {"factor": 0.5, "total_iters": 5}), ("ExponentialLR", {"gamma": 0.9})]
    label = plotting.schedule_label("ChainedScheduler", {"schedulers": subs})
    assert label == (
        "ChainedScheduler(schedulers=[ConstantLR(factor=0.5, total_iters=5), "
        "ExponentialLR(gamma=0.9)])"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.1 + 0.2, "0.3"), (0.0, "0.0"), (2.0, "2.0"), (1e-5, "1e-05"), (7, "7"), (True, "True")],
)
def test_format_value_is_short(value, text):
    assert format_value(value) == text


def test_default_steps_come_from_the_registry():
    ax = lc.plot_curves(("CosineAnnealingWarmRestarts", {"T_0": 10}))
    assert (
        len(ax.get_lines()[0].get_ydata())
        == lc.SCHEDULES["CosineAnnealingWarmRestarts"].default_steps
    )


def test_dict_of_arrays_keeps_labels_and_values():
    a, b = np.linspace(1, 0, 7), np.full(5, 0.2)
    ax = lc.plot_curves({"mine": a, "flat": b})
    assert legend_texts(ax) == ["mine", "flat"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), a)
    np.testing.assert_array_equal(ax.get_lines()[1].get_xdata(), np.arange(5))


def test_log_option_sets_a_log_y_axis():
    assert lc.plot_curves(("ExponentialLR", {"gamma": 0.9}), 30, log=True).get_yscale() == "log"
    assert lc.plot_curves(("ExponentialLR", {"gamma": 0.9}), 30).get_yscale() == "linear"


def test_epoch_axis_divides_the_step_by_steps_per_epoch():
    ax = lc.plot_curves(("StepLR", {"step_size": 8}), 40, steps_per_epoch=8)
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), np.arange(40) / 8)
    assert ax.get_xlabel() == "epoch"


def test_draws_on_the_given_axes_without_a_new_figure():
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    out = lc.plot_curves(("StepLR", {"step_size": 3}), 10, ax=ax, title="t", linestyle=":")
    assert out is ax
    assert plt.get_fignums() == before
    assert ax.get_title() == "t"
    assert ax.get_lines()[0].get_linestyle() == ":"


def test_house_style_colours_and_spines_without_leaking_rcparams():
    before = dict(mpl.rcParams)
    ax = lc.plot_curves([("StepLR", {"step_size": 3}), ("StepLR", {"step_size": 5})], 10)
    colors = [to_hex(line.get_color()) for line in ax.get_lines()]
    assert colors == [c.lower() for c in plotting.HOUSE_COLORS[:2]]
    assert not ax.spines["top"].get_visible() and not ax.spines["right"].get_visible()
    assert dict(mpl.rcParams) == before


# ----------------------------------------------------------------------------- plot_losses


def test_losses_from_dict_of_histories_and_arrays():
    hist = {"loss": [3.0, 2.0, 1.0], "lr": [0.1, 0.1, 0.1]}
    ax = lc.plot_losses({"a": hist, "b": np.array([4.0, 1.0])})
    assert legend_texts(ax) == ["a", "b"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [3.0, 2.0, 1.0])
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "loss"


def test_losses_list_gets_run_labels_and_key_selects_the_series():
    runs = [{"val_loss": [1.0, 0.5]}, {"val_loss": [2.0, 0.1]}]
    ax = lc.plot_losses(runs, key="val_loss", log=False)
    assert legend_texts(ax) == ["run 0", "run 1"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), [2.0, 0.1])
    assert ax.get_yscale() == "linear"


def test_losses_smoothing_is_bias_corrected_ema_and_skips_nan():
    ax = lc.plot_losses([1.0, 0.0, np.nan, 3.0], smooth=0.5, log=False)
    y = ax.get_lines()[0].get_ydata()
    # s1 = .5 -> 1; s2 = .25 -> .25/.75; nan skipped; s3 = .125 + 1.5 = 1.625 -> /(1 - .125)
    np.testing.assert_allclose(y[[0, 1, 3]], [1.0, 1 / 3, 1.625 / 0.875])
    assert np.isnan(y[2])


def test_divergent_losses_leave_a_gap():
    ax = lc.plot_losses({"diverged": [1.0, 2.0, np.inf, np.nan]})
    y = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
    assert np.isnan(y[2:]).all() and (y[:2] == [1.0, 2.0]).all()


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ([1.0, 2.0], {"smooth": 1.0}, "smooth"),
    ],
)
def test_bad_losses(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lc.plot_losses(args, **kwargs)


# ----------------------------------------------------------------------------- plot_lr_vs_loss


def test_lr_vs_loss_uses_a_log_lr_axis_and_marks_the_suggestion():
    lrs = np.logspace(-4, 0, 9)
    losses = np.array([2.0, 1.9, 1.7, 1.2, 0.8, 0.7, 1.5, np.inf, np.nan])
    ax = lc.plot_lr_vs_loss(lrs, losses, suggested_lr=1e-2)
    assert ax.get_xscale() == "log"
    line, vline = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), lrs)
    assert np.isnan(line.get_ydata()[-2:]).all()
    assert vline.get_xdata()[0] == pytest.approx(1e-2)
    assert legend_texts(ax) == ["suggested lr = 0.01"]


@pytest.mark.parametrize(
    ("lrs", "losses", "kwargs", "match"),
    [
        ([0.1, 0.2], [1.0, 1.0], {"smooth": -0.1}, "smooth"),
    ],
)
def test_bad_lr_vs_loss(lrs, losses, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lc.plot_lr_vs_loss(lrs, losses, **kwargs)


def test_given_empty_axes_get_the_house_colours():
    _fig, ax = plt.subplots()
    lc.plot_curves({"a": [1.0, 2.0], "b": [2.0, 1.0]}, ax=ax)
    colors = [to_hex(line.get_color()) for line in ax.get_lines()]
    assert colors == [c.lower() for c in plotting.HOUSE_COLORS[:2]]


# ----------------------------------------------------------------------------- arguments


def lines(ax) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(ln.get_xdata()), np.asarray(ln.get_ydata())) for ln in ax.get_lines()]


def curves(**kwargs):
    return lines(lc.plot_curves(("StepLR", {"step_size": 3}), **kwargs))


def losses(**kwargs):
    return lines(lc.plot_losses([3.0, 2.0, 1.5, 1.0], **kwargs))


def lr_vs_loss(**kwargs):
    return lines(lc.plot_lr_vs_loss([1e-3, 1e-2, 1e-1], [2.0, 1.0, 3.0], **kwargs))


CALLS = [
    (curves, {"steps": 10, "lr": 0.5, "steps_per_epoch": 4}),
    (losses, {"steps_per_epoch": 2}),
    (lr_vs_loss, {"suggested_lr": 0.01}),
]


def test_a_spec_given_as_a_list_is_a_spec():
    assert same(curves(steps=10), lines(lc.plot_curves(["StepLR", {"step_size": 3}], 10)))
    ax = lc.plot_curves([["StepLR", {"step_size": 3}], ["ExponentialLR", {"gamma": 0.9}]], 10)
    assert legend_texts(ax) == ["StepLR(step_size=3)", "ExponentialLR(gamma=0.9)"]


STEP = {"specs": ("StepLR", {"step_size": 3}), "steps": 10}
LOSSES = {"histories": [1.0, 2.0]}
LR_LOSS = {"lrs": [0.1, 0.2], "losses": [1.0, 1.0]}


BAD = [
    (lc.plot_curves, STEP, "steps_per_epoch", 0),
    (lc.plot_curves, STEP, "steps_per_epoch", -2),
    (lc.plot_curves, STEP, "steps_per_epoch", 2.5),
    (lc.plot_curves, STEP, "steps_per_epoch", True),
    (lc.plot_curves, STEP, "specs", 42),
    (lc.plot_curves, STEP, "specs", []),
    (lc.plot_curves, STEP, "specs", {}),
    (lc.plot_curves, STEP, "steps", 0),
    (lc.plot_curves, STEP, "lr", -1.0),
    (lc.plot_curves, STEP, "lr", float("nan")),
    (lc.plot_curves, STEP, "ax", "here"),
    (lc.plot_curves, STEP, "title", 3),
    (lc.plot_losses, LOSSES, "histories", []),
    (lc.plot_losses, LOSSES, "steps_per_epoch", 0),
    (lc.plot_losses, LOSSES, "key", 3),
    (lc.plot_losses, LOSSES, "ax", plt),
    (lc.plot_lr_vs_loss, LR_LOSS, "losses", [1.0]),
    (lc.plot_lr_vs_loss, LR_LOSS, "lrs", [0.0, 0.1]),
    (lc.plot_lr_vs_loss, LR_LOSS, "lrs", [-1.0, 0.1]),
    (lc.plot_lr_vs_loss, LR_LOSS, "lrs", [np.inf, 0.1]),
    (lc.plot_lr_vs_loss, LR_LOSS, "suggested_lr", -1.0),
    (lc.style_axes, {}, "ax", None),
]

test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)


@pytest.mark.parametrize(
    "specs, name",
    [
        ([("StepLR", {"step_size": 3}), 7], "specs[1]"),
        ({"a": np.ones((2, 2))}, "specs['a']"),
        ({"a": []}, "specs['a']"),
    ],
)
def test_a_bad_entry_of_specs_is_named(specs, name):
    with pytest.raises(ParameterError) as err:
        lc.plot_curves(specs, 10)
    assert err.value.param == name and str(err.value).startswith(f"{name} must be ")


def test_a_history_without_the_key_is_named_with_its_keys():
    with pytest.raises(
        ValueError, match=r"histories\['a'\] must be a history with key 'acc', got keys \['loss'\]"
    ):
        lc.plot_losses({"a": {"loss": [1.0]}}, key="acc")
