"""lrcourse.weightdecay: chapter 10's traces of weight decay under a schedule."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from feedback import assert_named

import lrcourse as lc
from lrcourse.weightdecay import NormRun


def test_l2_is_decoupled_decay_for_plain_sgd_only():
    plain = lc.l2_vs_decoupled(lr=0.1, weight_decay=5e-3, momentum=0.0, steps=50)
    heavy = lc.l2_vs_decoupled(lr=0.1, weight_decay=5e-3, momentum=0.9, steps=50)
    assert plain.shape == (50,) and plain.max() < 1e-13
    assert heavy[-1] > 1e-3 and heavy[-1] > heavy[5]  # drifts apart, growing
    assert lc.l2_vs_decoupled(lr=0.1, weight_decay=0.0, momentum=0.9, steps=5).max() == 0


def test_zero_input_weights_shrink_by_decay_alone():
    data = lc.load_digits_data(seed=0)
    cols = lc.zero_input_features(data)
    assert cols and all(bool((data.X_train[:, c] == 0).all()) for c in cols)
    net = lc.mlp(64, 16, 10, seed=0)
    before = lc.untouched_norm(net, cols)
    h = lc.fit(
        net,
        data,
        optimizer=lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01),
        epochs=2,
        batch_size=64,
        progress=False,
        record={"u": lambda m: lc.untouched_norm(m, cols)},
    )
    steps = h.steps_per_epoch * np.arange(1, 3)
    assert np.allclose(np.array(h.records["u"]) / before, (1 - 0.1 * 0.01) ** steps, rtol=1e-5)


def test_decay_share_adds_up_and_follows_the_schedule():
    lrs = lc.lr_curve("CosineAnnealingLR", 400, lr=0.1, T_max=400)
    quarters = [lc.decay_share(lrs, 5e-3, k * 100, (k + 1) * 100) for k in range(4)]
    assert sum(quarters) == pytest.approx(1.0)
    assert quarters == sorted(quarters, reverse=True) and quarters[-1] < 0.05
    assert lc.decay_share(np.full(10, 0.1), 1e-2, 0, 5) == pytest.approx(0.5)


def test_effective_lr_and_scale_invariance():
    assert lc.effective_lr(0.1, [2.0]).tolist() == [0.025]
    assert lc.effective_lr([0.1, 0.2], [1.0, 1.0]).tolist() == [0.1, 0.2]
    d = lc.load_digits_data()
    for norm in ("batch", "layer"):
        change, ratio = lc.scale_invariance(lc.norm_mlp(norm), d.X_train[:64], d.y_train[:64], 4.0)
        assert change < 1e-2 and ratio == pytest.approx(0.25, rel=1e-2)


def test_norm_mlp_names_its_norm_layer_like_common_code():
    bn, ln = lc.norm_mlp("batch"), lc.norm_mlp("layer")
    assert isinstance(bn.bn1, torch.nn.BatchNorm1d) and isinstance(ln.ln_1, torch.nn.LayerNorm)
    assert bn.fc1.bias is None
    same = lc.norm_mlp("layer", seed=3), lc.norm_mlp("layer", seed=3)
    assert torch.equal(same[0].fc1.weight, same[1].fc1.weight)


def test_train_norm_mlp_traces_the_scale_invariant_weight():
    data = lc.load_digits_data()
    run = lc.train_norm_mlp(data, lr=0.1, weight_decay=0.05, epochs=3)
    none = lc.train_norm_mlp(data, lr=0.1, weight_decay=0.0, epochs=3)
    assert isinstance(run, NormRun) and len(run.norms) == 4
    assert len(run.step_w2) == len(run.step_g2) == 3 * run.history.steps_per_epoch
    assert run.norms[-1] < run.norms[0] and none.norms[-1] > none.norms[0]
    assert run.effective_lrs[-1] > run.effective_lrs[0]
    assert run.norms[-1] ** 2 == pytest.approx(run.step_w2[-1], rel=1e-5)
    assert math.isfinite(run.equilibrium_ratio())


def test_plot_decay_budget_draws_both_panels():
    lrs = {"c": np.full(50, 0.1), "cos": lc.lr_curve("CosineAnnealingLR", 50, T_max=50)}
    axes = lc.plot_decay_budget(lrs, 1e-2, steps_per_epoch=10)
    assert len(axes[0].lines) == len(axes[1].lines) == 2
    assert np.allclose(axes[1].lines[1].get_ydata(), lc.cumulative_shrink(lrs["cos"], 1e-2))


@pytest.mark.parametrize(
    "fn, kwargs, name, bad",
    [
        (lc.l2_vs_decoupled, {"lr": 0.1, "weight_decay": 1e-3}, "momentum", 1.0),
        (lc.l2_vs_decoupled, {"lr": 0.1, "weight_decay": 1e-3}, "weight_decay", 20.0),
        (lc.l2_vs_decoupled, {"lr": 0.1, "weight_decay": 1e-3}, "steps", 0),
        (lc.zero_input_features, {}, "data", object()),
        (lc.untouched_norm, {"model": torch.nn.Linear(3, 1)}, "features", [5]),
        (lc.untouched_norm, {"model": torch.nn.Linear(3, 1)}, "features", []),
        (lc.decay_share, {"lrs": [0.1] * 4, "weight_decay": 0.1, "start": 0}, "stop", 0),
        (lc.decay_share, {"lrs": [0.1] * 4, "weight_decay": 0.1, "stop": 2}, "start", 9),
        (lc.effective_lr, {"lr": 0.1}, "norms", [0.0]),
        (lc.norm_mlp, {}, "norm", "group"),
        (lc.scale_invariance, {"X": None, "y": None}, "model", torch.nn.Linear(2, 2)),
        (lc.plot_decay_budget, {"weight_decay": 0.1}, "curves", {}),
    ],
)
def test_bad_input_is_refused_by_name(fn, kwargs, name, bad):
    assert_named(fn, kwargs, name, bad)
