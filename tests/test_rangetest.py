"""lrcourse.rangetest: the sweep, smoothing and its lag, the stop rule, restoration, suggestion
rules, replaying a test, the band, naive sweeps, the synthetic test, plots and the explorer."""

from __future__ import annotations

import math
import warnings

import matplotlib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcourse as lc
from lrcourse.rangetest import (
    LAG_LIMIT,
    Band,
    DivergenceStop,
    RangeTest,
    SmoothingLagWarning,
    good_band,
    lag_fix,
    lr_range_test,
    naive_lr_sweep,
    plot_rules,
    restop,
    smooth_losses,
    smoothing_lag,
    sweep_lrs,
    synthetic_range_test,
)
from lrcourse.validation import ParameterError

matplotlib.use("Agg")

# tests whose sweeps lag on purpose or by the way (short, cheap sweeps): the warning is tested
# on its own below
lagging = pytest.mark.filterwarnings("ignore::lrcourse.rangetest.SmoothingLagWarning")


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
    with pytest.raises(ParameterError, match=f"^{word} must be"):
        sweep_lrs(*args)
    with pytest.raises(ValueError, match="^mode must be one of .*'cosine'"):
        sweep_lrs(1e-3, 1.0, 10, "cosine")
    with pytest.raises(ValueError, match="did you mean 'linear'"):
        sweep_lrs(1e-3, 1.0, 10, "Linear")


def test_sweep_accepts_numpy_and_torch_scalars():
    exact = sweep_lrs(1e-3, 1.0, 10)
    np.testing.assert_array_equal(
        sweep_lrs(np.float64(1e-3), torch.tensor(1.0), np.int64(10)), exact
    )


@lagging
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
    assert all("initial_lr" not in g for g in opt.param_groups)
    # torch's call-order check still fires for a scheduler stepped before the optimizer
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        sched.step()


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


@lagging
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


def _valley(losses):
    """The valley suggestion on a hand-made curve, as an index (lrs are 0, 1, 2, ... scaled)."""
    losses = np.asarray(losses, dtype=float)
    lrs = 10.0 ** np.arange(len(losses))
    return int(round(np.log10(RangeTest(lrs, losses, losses, False, len(losses)).suggest())))


def test_valley_is_fastai_index_half_way_down_the_longest_descent():
    # a noisy flat start, then a descent: the longest decreasing subsequence is 2.1 (index 1),
    # 2.0 (2), 1.8, 1.5, 1.2, 0.9, 0.7, 0.6 (8): L = 8 ending at e = 8. fastai: s = e - L = 0
    # (one before its first point), sections = 8/3, index s + int(8/3) + int(8/6) = 0 + 2 + 1
    # = 3: half way from s to e (4) rounded down, not two thirds (5 or 6)
    curve = [2.0, 2.1, 2.0, 1.8, 1.5, 1.2, 0.9, 0.7, 0.6, 0.9, 3.0]
    assert _valley(curve) == 3
    # a descent from the very first point: L = 6 ends at e = 5, s = e - L = -1 (fastai does
    # not clamp it), index -1 + 2 + 1 = 2
    assert _valley([6, 5, 4, 3, 2, 1, 2, 3, 4]) == 2
    # twelve falling points from index 3, and the 1.2 and 1.1 before them join the run:
    # L = 14, e = 14, s = 0, index 0 + int(14/3) + int(14/6) = 4 + 2 = 6
    assert _valley([1.0, 1.2, 1.1, *np.linspace(1.0, 0.1, 12), 0.5, 4.0]) == 6
    # fastai's one slip: two falling points from index 0 give index -1, the curve's *last*
    # point; here the first
    assert _valley([2.0, 1.0, 5.0, 5.0]) == 0
    # no descent at all: the first point
    assert _valley([1.0, 1.0, 2.0, 3.0]) == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=3, max_size=14))
def test_valley_matches_fastai_loop_order(values):
    """fastai updates the best end inside its inner loop; the index is the same."""
    n = len(values)
    lds, best_start, best_end = [1] * n, 0, 0
    for i in range(1, n):
        for j in range(i):
            if values[i] < values[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[best_end] < lds[i]:
                best_end, best_start = i, i - lds[i]
    third = (best_end - best_start) / 3
    expected = best_start + int(third) + int(third / 2)
    assert _valley(values) == max(expected, 0)


def test_suggest_bad_input():
    t = _synthetic()
    with pytest.raises(ValueError, match="^rule must be one of"):
        t.suggest("median")
    with pytest.raises(ValueError, match="did you mean 'valley'"):
        t.suggest("vally")
    with pytest.raises(ValueError, match="^skip_start must be an integer >= 0"):
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
    with pytest.raises(ValueError, match=f"^{word} must"):
        lr_range_test(lc.mlp(64, 8, 10), digits, **args)


def test_an_optimizer_on_another_model_is_refused_and_nothing_trains(digits):
    model, other = lc.mlp(64, 8, 10, seed=0), lc.mlp(64, 8, 10, seed=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    wrong = torch.optim.SGD(other.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="^optimizer must be an optimizer on the model's param"):
        lr_range_test(model, digits, wrong, num_iter=10)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])
    with pytest.raises(ValueError, match="optimizer"):  # a factory that ignores its params
        lr_range_test(model, digits, lambda _p: wrong, num_iter=10)
    with pytest.raises(ValueError, match="^model must be a torch.nn.Module, got str"):
        lr_range_test("mlp", digits, wrong, num_iter=10)


def test_range_test_accepts_numpy_and_torch_scalars(digits):
    def run(**kw):
        return lr_range_test(
            lc.mlp(64, 8, 10, seed=0),
            digits,
            lambda p: torch.optim.SGD(p, lr=0.1),
            start_lr=1e-3,
            end_lr=1.0,
            progress=False,
            **kw,
        )

    plain = run(num_iter=15, beta=0.5, batch_size=16, seed=1)
    numpy = run(
        num_iter=np.int64(15), beta=torch.tensor(0.5), batch_size=np.int32(16), seed=np.int64(1)
    )
    assert np.array_equal(plain.smoothed, numpy.smoothed) and len(plain.lrs) > 3
    assert numpy.settings["beta"] == 0.5 and type(numpy.settings["seed"]) is int


@lagging
def test_a_non_finite_loss_ends_the_test_and_is_recorded(digits):
    calls = []

    def loss_fn(out, y):  # NaN from the 10th call on (fit's wiring check may call it once)
        calls.append(1)
        loss = torch.nn.functional.cross_entropy(out, y)
        return loss * math.nan if len(calls) >= 10 else loss

    model = lc.mlp(64, 8, 10, seed=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    test = lr_range_test(
        model, digits, lambda p: torch.optim.SGD(p, lr=0.1), num_iter=50, loss_fn=loss_fn
    )
    assert test.stopped_early and len(test.lrs) == len(test.losses) == len(test.smoothed) < 10
    assert np.isnan(test.losses[-1]) and np.isinf(test.smoothed[-1])
    assert np.isfinite(test.smoothed[:-1]).all()
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())


def test_nan_in_the_data_is_refused_not_reported_as_divergence(digits):
    import dataclasses

    X = digits.X_train.clone()
    X[5, 3] = math.nan
    bad = dataclasses.replace(digits, X_train=X)
    with pytest.raises(ValueError, match="^data.X_train must be a tensor of finite numbers"):
        lr_range_test(lc.mlp(64, 8, 10), bad, lambda p: torch.optim.SGD(p, lr=0.1))


def test_divergence_stop_by_hand():
    rule = DivergenceStop(beta=0.5, diverge_factor=1.5)
    fired = [rule(v) for v in (4.0, 1.0, 1.0)]
    # s = 4, (0.5*2 + 0.5)/0.75 = 2, (0.5*1.5 + 0.5)/0.875 = 10/7; minimum 10/7
    np.testing.assert_allclose(rule.smoothed, [4.0, 2.0, 10 / 7])
    assert fired == [False, False, False] and not rule.stopped
    assert rule(20.0) and rule.stopped and rule.smoothed[-1] > 1.5 * rule.best
    assert DivergenceStop()(float("nan")) is True
    nan_rule = DivergenceStop()
    nan_rule(float("inf"))
    assert nan_rule.smoothed == [math.inf]
    with pytest.raises(ValueError, match="^diverge_factor must be a number > 1"):
        DivergenceStop(0.9, 1.0)
    never = DivergenceStop(0.0, math.inf)  # an infinite factor: only a non-finite loss stops
    assert not any(never(v) for v in (1.0, 1e30)) and never(math.inf)


def test_plot_marks_the_suggestion():
    ax = _synthetic().plot(rule="valley")
    assert len(ax.lines) >= 2


def _sgd(p):
    return torch.optim.SGD(p, lr=0.1, momentum=0.9)


@pytest.fixture(scope="module")
def recording(digits):
    """A test recorded without a stop (up to a non-finite loss or the end)."""
    return lc.lr_range_test(
        lc.mlp(64, 16, 10, seed=1),
        digits,
        _sgd,
        start_lr=1e-4,
        end_lr=10.0,
        num_iter=80,
        beta=0.9,
        diverge_factor=1e9,
        seed=1,
        progress=False,
    )


# ----------------------------------------------------------------------------- smoothing


@lagging
def test_smooth_losses_is_the_finders_average_bit_for_bit(recording):
    assert np.array_equal(smooth_losses(recording.losses, 0.9), recording.smoothed)


def test_smooth_losses_by_hand_and_edge_cases():
    np.testing.assert_allclose(smooth_losses([2.0, 1.0, 1.0], 0.5), [2.0, 4 / 3, 8 / 7])
    raw = np.array([3.0, 1.0, 2.0])
    assert np.array_equal(smooth_losses(raw, 0.0), raw)  # beta = 0: no smoothing
    out = smooth_losses([1.0, 2.0, np.nan, 1.0], 0.9)
    assert np.isfinite(out[:2]).all() and np.isinf(out[2:]).all()
    # bias correction: a constant loss is reproduced exactly from the first point on
    np.testing.assert_allclose(smooth_losses(np.full(30, 1.7), 0.98), 1.7, rtol=1e-12)
    for bad in (1.0, -0.1, float("nan"), True):
        with pytest.raises(ValueError, match="beta"):
            smooth_losses([1.0], bad)
    with pytest.raises(ValueError, match="1-D"):
        smooth_losses(np.ones((2, 2)), 0.5)


def test_smooth_losses_skip_leaves_gaps_and_counts_only_finite_values():
    out = smooth_losses([1.0, 0.0, np.nan, 3.0, np.inf], 0.5, nonfinite="skip")
    # the third finite value is the third of the average: s = (0.125 + 1.5) / (1 - 0.5**3)
    np.testing.assert_allclose(out[[0, 1, 3]], [1.0, 1 / 3, 1.625 / 0.875])
    assert np.isnan(out[[2, 4]]).all()
    stopped = smooth_losses([1.0, 0.0, np.nan, 3.0], 0.5)
    assert np.array_equal(stopped[:2], out[:2]) and np.isinf(stopped[2:]).all()
    assert smooth_losses([], 0.5).shape == (0,)
    with pytest.raises(ValueError, match="did you mean 'skip'"):
        smooth_losses([1.0], 0.5, nonfinite="Skip")


@settings(max_examples=40, deadline=None)
@given(
    beta=st.floats(0.05, 0.99),
    n=st.integers(5, 300),
    decades=st.floats(0.5, 10.0),
    slope=st.floats(0.1, 3.0),
)
def test_lag_is_exact_on_a_loss_straight_in_log_lr(beta, n, decades, slope):
    """A loss linear in log10(lr) is reproduced by the smoothed curve shifted by the lag."""
    lrs = lc.sweep_lrs(1e-6, 1e-6 * 10**decades, n)
    x = np.log10(lrs)
    smoothed = smooth_losses(5.0 - slope * x, beta)
    for i in {0, n // 2, n - 1}:
        lag = smoothing_lag(beta, lrs[0], lrs[-1], n, at=i)
        assert smoothed[i] == pytest.approx(5.0 - slope * (x[i] - lag), rel=1e-9, abs=1e-9)


def test_smoothing_lag_values():
    assert smoothing_lag(0.98, 1e-7, 10, 100) == pytest.approx(49 * 8 / 99)
    assert smoothing_lag(0.98, 1e-7, 10, 100, at=99) < smoothing_lag(0.98, 1e-7, 10, 100)
    assert smoothing_lag(0.9, 1e-5, 10, 200, at=0) == 0.0  # one point: nothing to lag
    assert smoothing_lag(0.0, 1e-5, 10, 200) == 0.0
    # far from the start the exact value approaches the asymptote
    far = smoothing_lag(0.9, 1e-5, 10, 2000, at=1999)
    assert far == pytest.approx(smoothing_lag(0.9, 1e-5, 10, 2000), rel=1e-9)
    with pytest.raises(ValueError, match="at"):
        smoothing_lag(0.9, 1e-5, 10, 100, at=100)
    with pytest.raises(ValueError, match="end_lr"):
        smoothing_lag(0.9, 1e-5, 1e-6, 100)
    with pytest.raises(ValueError, match="beta"):
        smoothing_lag(1.0, 1e-5, 10, 100)


# ----------------------------------------------------------------------------- lag warning


def _quick_test(digits, **settings):
    return lr_range_test(
        lc.mlp(64, 8, 10, seed=0), digits, lambda p: torch.optim.SGD(p, lr=0.1), **settings
    )


def test_the_defaults_on_four_decades_warn_with_the_lag_and_the_fix(digits):
    """fastai's num_iter and beta over four decades: 1.36 decades of lag at the end."""
    settings = {"start_lr": 1e-3, "end_lr": 10.0, "num_iter": 100}  # beta: the default 0.98
    lag = smoothing_lag(0.98, 1e-3, 10.0, 100, at=99)
    assert lag > LAG_LIMIT
    fix = lag_fix(0.98, 1e-3, 10.0, 100)
    with pytest.warns(SmoothingLagWarning) as record:
        _quick_test(digits, **settings)
    assert len(record) == 1 and issubclass(record[0].category, UserWarning)
    message = str(record[0].message)
    assert f"lag {lag:.2f} decades" in message and f"LAG_LIMIT = {LAG_LIMIT:g}" in message
    assert f"raise num_iter to at least {fix.num_iter} (at beta=0.98)" in message
    assert f"lower beta to at most {fix.beta:g} (at num_iter=100)" in message
    assert record[0].filename == __file__  # attributed to the caller, not to lrcourse
    # the fix it names is a fix: either change alone brings the lag under the limit
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmoothingLagWarning)
        _quick_test(digits, **settings, beta=fix.beta)
        _quick_test(digits, **(settings | {"num_iter": fix.num_iter}))
    # fastai's own defaults warn too
    with pytest.warns(SmoothingLagWarning, match="lag 2.72 decades"):
        _quick_test(digits)


@pytest.mark.parametrize(
    "settings",
    [
        {"start_lr": 1e-5, "end_lr": 10.0, "num_iter": 200, "beta": 0.9},  # chapters 7 and 9
        {"start_lr": 1e-7, "end_lr": 10.0, "num_iter": 1000},  # fastai's beta, enough iterations
        {"start_lr": 1e-7, "end_lr": 10.0, "num_iter": 100, "beta": 0.8},  # less smoothing
        {"start_lr": 1e-7, "end_lr": 10.0, "num_iter": 100, "beta": 0.0},  # none
        {"start_lr": 1e-3, "end_lr": 10.0, "num_iter": 100, "mode": "linear"},  # no decades
    ],
)
def test_endorsed_settings_are_silent(digits, settings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _quick_test(digits, **settings)


def test_bad_settings_are_refused_before_any_warning(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="^beta must be"):
            _quick_test(digits, beta=1.0)
        with pytest.raises(ValueError, match="^batch_size must be"):
            _quick_test(digits, batch_size=0)  # a lagging sweep, refused before it warns


@settings(max_examples=60, deadline=None)
@given(
    beta=st.floats(0.0, 0.995),
    n=st.integers(2, 400),
    decades=st.floats(0.3, 10.0),
    limit=st.sampled_from([0.1, 0.25, LAG_LIMIT, 1.0]),
)
def test_lag_fix_is_the_edge_of_the_limit(beta, n, decades, limit):
    """num_iter: the fewest iterations within the limit; beta: the most smoothing (two
    decimals) within it; both measured by smoothing_lag itself."""
    start, end = 1e-6, 1e-6 * 10**decades

    def lag(b, k):
        return smoothing_lag(b, start, end, k, at=k - 1)

    fix = lag_fix(beta, start, end, n, limit=limit)
    assert lag(beta, fix.num_iter) <= limit and fix.limit == limit
    if fix.num_iter > n:
        assert lag(beta, fix.num_iter - 1) > limit
    else:
        assert fix.num_iter == n and lag(beta, n) <= limit
    assert 0.0 <= fix.beta <= beta and lag(fix.beta, n) <= limit
    if fix.beta + 0.01 <= beta:
        assert lag(fix.beta + 0.01, n) > limit - 1e-12
    assert fix.beta == round(fix.beta, 2) or fix.beta == beta


def test_lag_fix_values_and_bad_input():
    assert lag_fix(0.98, 1e-7, 10, 100) == lag_fix(0.98, 1e-7, 10.0, np.int64(100))
    fix = lag_fix(0.98, 1e-7, 10, 100)
    assert smoothing_lag(0.98, 1e-7, 10, fix.num_iter, at=fix.num_iter - 1) <= LAG_LIMIT
    assert lag_fix(0.9, 1e-5, 10, 200) == lc.rangetest.LagFix(200, 0.9, LAG_LIMIT)  # fine already
    with pytest.raises(ValueError, match="^limit must be a finite number > 0"):
        lag_fix(0.9, 1e-5, 10, 200, limit=0)
    with pytest.raises(ValueError, match="^beta must be"):
        lag_fix(1.0, 1e-5, 10, 200)
    with pytest.raises(ValueError, match="^end_lr must be"):
        lag_fix(0.9, 1e-5, 1e-6, 200)


# ----------------------------------------------------------------------------- restop


@lagging
@pytest.mark.parametrize(("beta", "factor"), [(0.9, 4.0), (0.0, 4.0), (0.98, 2.0), (0.5, 1.5)])
def test_restop_equals_running_the_test(digits, recording, beta, factor):
    direct = lc.lr_range_test(
        lc.mlp(64, 16, 10, seed=1),
        digits,
        _sgd,
        start_lr=1e-4,
        end_lr=10.0,
        num_iter=80,
        beta=beta,
        diverge_factor=factor,
        seed=1,
        progress=False,
    )
    replay = restop(recording, beta=beta, diverge_factor=factor)
    assert np.array_equal(replay.lrs, direct.lrs)
    assert np.array_equal(replay.losses, direct.losses)
    assert np.array_equal(replay.smoothed, direct.smoothed)
    assert replay.stopped_early == direct.stopped_early
    assert replay.settings["beta"] == beta and replay.settings["diverge_factor"] == factor
    assert replay.suggestions() == direct.suggestions()


@lagging
def test_restop_keeps_recorded_settings_and_refuses_to_extrapolate(recording):
    same = restop(recording)
    assert np.array_equal(same.smoothed, recording.smoothed)
    stopped = restop(recording, diverge_factor=1.5)
    assert stopped.stopped_early and len(stopped.lrs) < len(recording.lrs)
    # the short recording stopped on a finite loss: a laxer stop cannot be replayed from it
    if not np.isfinite(stopped.losses[-1]) or len(stopped.lrs) == stopped.planned_iter:
        pytest.skip("the short test ended on a non-finite loss")
    with pytest.raises(ValueError, match="diverge_factor"):
        restop(stopped, diverge_factor=1e9)
    with pytest.raises(ValueError, match="beta"):
        restop(recording, beta=1.2)
    with pytest.raises(ValueError, match="diverge_factor"):
        restop(recording, diverge_factor=1.0)
    with pytest.raises(ValueError, match="RangeTest"):
        restop("not a test")


def test_restop_stops_at_a_non_finite_loss():
    lrs = lc.sweep_lrs(1e-3, 1.0, 6)
    rec = RangeTest(lrs, np.array([2.0, 1.5, 1.0, np.inf, 5.0, 5.0]), np.zeros(6), True, 6)
    t = restop(rec, beta=0.5, diverge_factor=100.0)
    assert t.stopped_early and len(t.lrs) == 4 and np.isinf(t.smoothed[-1])


# ----------------------------------------------------------------------------- band


def test_good_band_interpolates_in_log_lr():
    b = good_band([0.01, 0.1, 1.0], [0.80, 0.95, 0.85], tolerance=0.05)
    assert b.best == 0.1 and b.best_score == 0.95 and b.threshold == pytest.approx(0.90)
    assert b.lo == pytest.approx(10 ** (-1 - 1 / 3))  # a third of the way from 0.1 to 0.01
    assert b.hi == pytest.approx(10 ** (-1 + 0.5))
    assert 0.1 in b and 0.02 not in b and "x" not in b
    assert b.width == pytest.approx(b.hi / b.lo) and not b.clipped
    assert "0.0464" in repr(b)


def test_good_band_losses_nan_and_edges():
    lrs = np.geomspace(1e-3, 1, 7)
    loss = np.array([2.0, 1.0, 0.5, 0.45, 0.6, np.nan, np.nan])  # NaN = diverged
    b = good_band(lrs, loss, 0.1, higher_is_better=False)
    assert b.best == lrs[3] and lrs[2] in b and lrs[4] not in b
    assert b.threshold == pytest.approx(0.55)
    # a diverged neighbour ends the band at the last good grid point
    b2 = good_band(lrs, [0.5, 0.6, 0.9, 0.9, np.nan, 0.9, 0.9], 0.01)
    assert b2.hi == pytest.approx(lrs[3]) and b2.lo < lrs[2]
    with pytest.raises(ValueError, match="^higher_is_better must be True or False"):
        good_band(lrs, loss, 0.1, higher_is_better="no")
    edge = good_band(lrs, np.linspace(0.9, 0.5, 7), 0.2)
    assert edge.clipped and edge.lo == lrs[0]


@pytest.mark.parametrize(
    ("lrs", "scores", "tol", "word"),
    [
        ([0.1], [1.0], 0.1, "length"),
        ([0.1, 0.01], [1.0, 2.0], 0.1, "increasing"),
        ([0.1, 1.0], [np.nan, np.nan], 0.1, "finite"),
        ([0.1, 1.0], [1.0, 2.0], -1, "tolerance"),
        ([-0.1, 1.0], [1.0, 2.0], 0.1, "positive"),
        ([0.1, 1.0], [1.0, 2.0, 3.0], 0.1, "same length"),
    ],
)
def test_good_band_bad_input(lrs, scores, tol, word):
    with pytest.raises(ValueError, match=word):
        good_band(lrs, scores, tol)


# ----------------------------------------------------------------------------- naive sweep


def test_naive_lr_sweep(digits):
    grid = np.array([1e-6, 0.1, 1e4])
    sweep = naive_lr_sweep(digits, grid, steps=12, seed=2)
    assert sweep.total_steps == 36 and sweep.steps == 12
    assert sweep.best == 0.1 and sweep.train_loss[2] > 10 * sweep.train_loss[1]  # 1e4 blows up
    assert np.isinf(naive_lr_sweep(digits, [1e30], steps=5, hidden=8).train_loss[0])  # NaN
    # LR 1e-6 barely moves the fresh initialisation: its loss is the initial loss
    net = lc.mlp(64, 64, 10, seed=2)
    with torch.no_grad():
        initial = float(torch.nn.functional.cross_entropy(net(digits.X_train), digits.y_train))
    assert sweep.train_loss[0] == pytest.approx(initial, abs=1e-3)
    again = naive_lr_sweep(digits, grid, steps=12, seed=2)
    assert np.array_equal(again.train_loss, sweep.train_loss)
    adam = naive_lr_sweep(digits, [1e-3, 1e-2], steps=5, optimizer="adam", hidden=8)
    assert adam.train_loss.shape == (2,) and np.all(np.isfinite(adam.train_loss))
    assert "2 LRs x 5 steps" in repr(adam)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"lrs": []}, "lrs"),
        ({"lrs": [0.1, -1.0]}, "lrs"),
        ({"steps": 0}, "steps"),
        ({"optimizer": "rmsprop"}, "optimizer"),
        ({"batch_size": 10**6}, "batch_size"),
        ({"seed": -1}, "seed"),
    ],
)
def test_naive_lr_sweep_bad_input(digits, kwargs, word):
    args = {"lrs": [0.1], "steps": 2} | kwargs
    lrs = args.pop("lrs")
    with pytest.raises(ValueError, match=word):
        naive_lr_sweep(digits, lrs, **args)


# ----------------------------------------------------------------------------- synthetic, plots


def test_synthetic_range_test_is_seeded_and_readable():
    a, b = synthetic_range_test(4), synthetic_range_test(4)
    assert np.array_equal(a.losses, b.losses) and a.stopped_early
    assert not np.array_equal(a.losses, synthetic_range_test(5).losses)
    s = a.suggestions()
    assert s["valley"] < s["min_div_10"] * 10  # every rule sits before the minimum's LR
    assert 1e-4 < s["min_div_10"] < 0.1
    smoother = synthetic_range_test(4, beta=0.98)
    assert np.array_equal(smoother.smoothed, smooth_losses(smoother.losses, 0.98))
    with pytest.raises(ValueError, match="noise"):
        synthetic_range_test(0, noise=0.9)
    with pytest.raises(ValueError, match="seed"):
        synthetic_range_test(-1)


def test_plot_rules_marks_every_rule_and_the_band():
    t = synthetic_range_test(1)
    band = Band(lo=1e-3, hi=1e-2, best=3e-3, best_score=0.9, threshold=0.89)
    ax = plot_rules(t, band=band, title="x")
    labels = [h.get_label() for h in ax.get_legend().legend_handles]
    for rule, lr in t.suggestions().items():
        assert f"{rule} = {lr:.3g}" in labels
    assert "good band" in labels and ax.get_title() == "x"
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="band"):
        plot_rules(t, band=(1e-3, 1e-2))
    with pytest.raises(ValueError, match="RangeTest"):
        plot_rules([1, 2, 3])


@lagging
def test_explorer_static_form_holds_the_replays_of_its_grid(recording):
    panel = lc.explore_range_test(recording, beta=0.9)
    state = panel.static_state()
    grids = {s["name"]: s["values"] for s in state["sliders"]}
    assert list(grids) == ["beta", "diverge_factor", "skip_start"]
    assert [grids[k][i] for k, i in zip(grids, state["index"], strict=True)] == [0.9, 4.0, 0]
    assert len(state["cases"]) == np.prod([len(v) for v in grids.values()])
    for key in ("0,0,0", "3,2,1", ",".join(str(i) for i in state["index"])):
        i, j, k = map(int, key.split(","))
        beta, factor, skip = grids["beta"][i], grids["diverge_factor"][j], grids["skip_start"][k]
        case = state["cases"][key]
        test = restop(recording, beta=beta, diverge_factor=factor)
        assert case["n"] == len(test.lrs) and case["stopped"] == test.stopped_early
        want = test.suggestions(skip_start=skip)
        assert case["suggestions"] == pytest.approx(want, rel=1e-5)
        np.testing.assert_allclose(
            state["smoothed"][i][: case["n"]], test.smoothed, rtol=1e-5, equal_nan=True
        )
    page = panel._repr_mimebundle_()["text/html"]
    assert page.startswith('<div class="lrc-explorer" id=')  # no data-schedule: not a schedule
    assert "explorerModule.renderRangeTest({model: localModel(" in page


def test_explorer_replays_without_training(recording):
    panel = lc.explore_range_test(recording, beta=0.9)
    assert panel.current is not None and panel.error is None
    before = panel.current.suggest("valley")
    panel.set(beta=0.0, diverge_factor=2.0)
    assert panel.current.settings["beta"] == 0.0
    expected = restop(recording, beta=0.0, diverge_factor=2.0)
    assert np.array_equal(panel.current.smoothed, expected.smoothed)
    assert panel.current.suggest("valley") == expected.suggest("valley")
    assert isinstance(before, float) and "beta=0.00" in repr(panel)
    assert len(panel.image.value) > 1000  # a PNG was drawn
    bundle = panel._repr_mimebundle_()
    assert bundle["text/plain"].startswith("RangeTestExplorer(")
    panel.set(skip_start=len(recording.lrs) // 2)  # too few points left: shown, not raised
    if panel.error is not None:
        assert "Not drawn" in panel.message.value
    with pytest.raises(ValueError, match="takes no parameter 'gamma'"):
        panel.set(gamma=0.5)
    with pytest.raises(ValueError, match="did you mean 'beta'"):
        panel.set(bta=0.5)
    with pytest.raises(ValueError, match="beta"):
        panel.set(beta=1.5)
    with pytest.raises(ValueError, match="recording"):
        lc.explore_range_test([1, 2])
    with pytest.raises(ValueError, match="diverge_factor"):
        lc.explore_range_test(recording, diverge_factor=math.inf)
