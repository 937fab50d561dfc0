"""The LR range test: the sweep, smoothing, early stop, restoration, and suggestion rules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lrcourse as lc
from lrcourse.finder import RangeTest, lr_range_test, sweep_lrs


@pytest.fixture(scope="module")
def digits():
    return lc.load_digits_data(seed=0)


def test_sweep_endpoints_and_spacing():
    exp = sweep_lrs(1e-6, 1.0, 7)
    np.testing.assert_allclose(exp, np.geomspace(1e-6, 1.0, 7), rtol=1e-12)
    lin = sweep_lrs(0.1, 1.0, 10, "linear")
    np.testing.assert_allclose(np.diff(lin), 0.1, rtol=1e-9)


@pytest.mark.parametrize(
    ("args", "word"),
    [
        ((0.0, 1.0, 10), "start_lr"),
        ((1.0, 0.5, 10), "end_lr"),
        ((1e-3, 1.0, 1), "num_iter"),
        ((1e-3, float("inf"), 10), "end_lr"),
    ],
)
def test_sweep_bad_input(args, word):
    with pytest.raises(ValueError, match=word):
        sweep_lrs(*args)
    with pytest.raises(ValueError, match="mode"):
        sweep_lrs(1e-3, 1.0, 10, "cosine")


def test_model_and_optimizer_restored_bit_identically(digits):
    model = lc.mlp(64, 32, 10, seed=1)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    lc.fit(model, digits, optimizer=opt, epochs=1, batch_size=64, progress=False)
    before_params = {k: v.clone() for k, v in model.state_dict().items()}
    before_bufs = [opt.state[p]["momentum_buffer"].clone() for p in model.parameters()]
    test = lr_range_test(model, digits, opt, start_lr=1e-4, end_lr=100.0, num_iter=60)
    assert len(test.lrs) > 3
    for k, v in model.state_dict().items():
        assert torch.equal(v, before_params[k]), k
    for p, buf in zip(model.parameters(), before_bufs, strict=True):
        assert torch.equal(opt.state[p]["momentum_buffer"], buf)
    assert all(g["lr"] == 0.05 for g in opt.param_groups)


def test_a_divergent_sweep_stops_early_and_records_what_it_ran(digits):
    test = lr_range_test(
        lc.mlp(64, 32, 10),
        digits,
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        start_lr=1e-3,
        end_lr=1e4,
        num_iter=200,
        beta=0.9,
    )
    assert test.stopped_early and len(test.lrs) < 200
    assert len(test.lrs) == len(test.losses) == len(test.smoothed)
    last = test.smoothed[-1]
    assert not np.isfinite(last) or last > 4 * test.smoothed[:-1].min()
    np.testing.assert_allclose(test.lrs, sweep_lrs(1e-3, 1e4, 200)[: len(test.lrs)])
    assert "stopped early" in repr(test)


def test_smoothing_is_the_bias_corrected_average(digits):
    test = lr_range_test(
        lc.mlp(64, 16, 10),
        digits,
        lambda p: torch.optim.SGD(p, lr=0.1),
        start_lr=1e-4,
        end_lr=1e-2,
        num_iter=20,
        beta=0.7,
    )
    avg, expected = 0.0, []
    for i, loss in enumerate(test.losses):
        avg = 0.7 * avg + 0.3 * loss
        expected.append(avg / (1 - 0.7 ** (i + 1)))
    np.testing.assert_allclose(test.smoothed, expected, rtol=1e-12)
    assert not test.stopped_early


def test_same_seed_same_curve(digits):
    runs = [
        lr_range_test(
            lc.mlp(64, 16, 10, seed=0),
            digits,
            lambda p: torch.optim.SGD(p, lr=0.1),
            num_iter=30,
            seed=3,
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)


def _synthetic(stopped=True):
    lrs = np.geomspace(1e-5, 10, 61)
    x = np.log10(lrs)
    loss = 2.3 - 1.5 / (1 + np.exp(-(x + 2.5) * 3)) + np.where(x > -0.5, (x + 0.5) ** 2 * 8, 0)
    return RangeTest(lrs, loss, loss, stopped, 61)


def test_rules_on_a_known_curve():
    t = _synthetic()
    steepest = t.suggest("steepest")
    assert 10**-2.7 < steepest < 10**-2.3  # the logistic's midpoint at 10^-2.5
    minimum = t.lrs[np.argmin(t.smoothed[:-1])]
    assert t.suggest("min_div_10") == pytest.approx(minimum / 10)
    assert t.lrs[0] < t.suggest("valley") < minimum
    assert set(t.suggestions()) == {"steepest", "min_div_10", "valley"}


def test_suggest_bad_input():
    t = _synthetic()
    with pytest.raises(ValueError, match="rule"):
        t.suggest("median")
    with pytest.raises(ValueError, match="skip_start"):
        t.suggest("valley", skip_start=-1)
    with pytest.raises(ValueError, match="usable points"):
        t.suggest("valley", skip_start=59)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"beta": 1.0}, "beta"),
        ({"diverge_factor": 1.0}, "diverge_factor"),
        ({"batch_size": 0}, "batch_size"),
        ({"seed": -2}, "seed"),
        ({"optimizer": 3}, "optimizer"),
    ],
)
def test_range_test_bad_input(digits, kwargs, word):
    args = {"optimizer": lambda p: torch.optim.SGD(p, lr=0.1)} | kwargs
    with pytest.raises(ValueError, match=word):
        lr_range_test(lc.mlp(64, 8, 10), digits, **args)


def test_plot_marks_the_suggestion():
    import matplotlib

    matplotlib.use("Agg")
    ax = _synthetic().plot(rule="valley")
    assert len(ax.lines) >= 2
