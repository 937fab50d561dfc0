"""lrcourse.adamw: constant inputs, AdamW's and Adam + L2's traces, the (LR, wd) grid."""

from __future__ import annotations

import math
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
import torch

import lrcourse as lc
from lrcourse.adamw import DecayGrid

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def digits():
    return lc.load_digits_data(seed=0)


def test_the_traced_inputs_are_the_zero_columns(digits):
    cols = lc.zero_input_features(digits)  # what trace_constant_inputs traces
    assert len(cols) > 0
    assert torch.all(digits.X_train[:, cols] == 0)
    others = np.setdiff1d(np.arange(64), cols)
    assert torch.all((digits.X_train[:, others] != 0).any(dim=0))
    assert lc.zero_input_features(SimpleNamespace(X_train=torch.ones(3, 2))) == []


def test_zero_input_features_bad_input():
    with pytest.raises(ValueError, match="^data must be"):
        lc.zero_input_features(SimpleNamespace(X_train=torch.zeros(4)))


@pytest.mark.parametrize("wd", [0.5, 2.0])
def test_adamw_trace_is_the_cumulative_shrink_under_a_schedule(digits, wd):
    steps = 2 * math.ceil(len(digits.X_train) / 32)
    tr = lc.trace_constant_inputs(
        digits,
        optimizer="adamw",
        lr=1e-3,
        weight_decay=wd,
        epochs=2,
        schedule=("CosineAnnealingLR", {"T_max": steps}),
        step_per="batch",
        progress=False,
    )
    assert tr.weights.shape == (steps + 1, 64 * tr.columns.size)
    np.testing.assert_allclose(
        tr.lrs, lc.lr_curve("CosineAnnealingLR", steps, lr=1e-3, T_max=steps)
    )
    gap = np.abs(tr.weights[1:] - tr.weights[0] * tr.predicted()[:, None]).max()
    assert gap < 1e-6
    np.testing.assert_allclose(tr.decay_per_step(), tr.lrs * wd, atol=1e-6)
    assert "adamw" in repr(tr)


def test_adam_l2_trace_moves_about_the_lr_whatever_the_decay(digits):
    traces = [
        lc.trace_constant_inputs(
            digits, optimizer="adam", lr=1e-3, weight_decay=wd, epochs=1, progress=False
        )
        for wd in (0.01, 1.0)
    ]
    for tr in traces:
        start = np.abs(tr.weights[0])
        far = start > 0.02
        moved = (start[far] - np.abs(tr.weights[10, far])) / tr.lrs[:10].sum()
        assert np.all((moved > 0.8) & (moved <= 1.0 + 1e-6))
    np.testing.assert_allclose(traces[0].mean_abs(), traces[1].mean_abs(), rtol=0.05)


def test_trace_needs_a_constant_input():
    data = lc.make_classification_data(seed=0, n_samples=64)
    with pytest.raises(ValueError, match="^data.X_train must be"):
        lc.trace_constant_inputs(data, optimizer="adamw", lr=1e-3, weight_decay=0.1, epochs=1)


def _fake_run(seed, lr, weight_decay):
    """A made-up loss whose minimum over wd sits at wd = lr ** 2 (a ridge of slope 2)."""
    return {"val_loss": (math.log10(weight_decay) - 2 * math.log10(lr)) ** 2 + 0.01 * seed}


def test_decay_grid_shapes_best_and_slope():
    grid = lc.decay_grid(_fake_run, [1e-2, 1e-1], [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], seeds=[0, 1])
    assert isinstance(grid, DecayGrid)
    assert grid.values.shape == (2, 5, 2)
    np.testing.assert_allclose(grid.best_wd(), [1e-4, 1e-2])
    np.testing.assert_allclose(grid.best_wd(seed=1), [1e-4, 1e-2])
    assert math.isclose(grid.ridge_slope(), 2.0)
    assert "ridge slope 2.00" in str(grid)
    ax = grid.plot(title="fake")
    assert ax.get_title() == "fake"


def test_decay_grid_on_real_runs(digits):
    grid = lc.decay_grid(
        lambda seed, **kw: lc.train_classifier(
            digits, optimizer="adamw", epochs=1, seed=seed, progress=False, **kw
        ),
        [1e-3, 1e-2],
        [0.01, 1.0],
        seeds=[0],
    )
    assert np.all(np.isfinite(grid.values))
    assert grid.best_wd().shape == (2,)


@pytest.mark.parametrize(
    "lrs, wds, name",
    [
        ([1e-2], [0.1, 1.0], "lrs"),
        ([1e-2, 1e-3], [0.1, 1.0], "lrs"),
        ([1e-3, 1e-2], [0.0, 1.0], "weight_decays"),
    ],
)
def test_decay_grid_bad_input(lrs, wds, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        lc.decay_grid(_fake_run, lrs, wds, seeds=[0])
