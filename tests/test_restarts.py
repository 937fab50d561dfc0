"""lrcourse.restarts: exact restart positions, held to lr_curve and to torch; snapshots."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcourse as lc
from lrcourse.restarts import (
    at_cycle_ends,
    cycle_ends,
    cycle_lengths,
    cycle_position,
    evaluate_snapshots,
    first_cycle_for,
    fit_snapshots,
    restart_step,
    restart_steps,
    snapshot_predictions,
)

PEAK = 0.1


def _curve(T_0, T_mult, steps, eta_min=0.0):
    return lc.lr_curve(
        "CosineAnnealingWarmRestarts", steps, lr=PEAK, T_0=T_0, T_mult=T_mult, eta_min=eta_min
    )


# ----------------------------------------------------------------------------- positions


def test_known_positions():
    assert cycle_lengths(10, 2, 4) == [10, 20, 40, 80]
    assert cycle_lengths(7, 1, 3) == [7, 7, 7]
    assert [restart_step(n, 10, 2) for n in range(5)] == [0, 10, 30, 70, 150]
    assert [restart_step(n, 5, 3) for n in range(4)] == [0, 5, 20, 65]
    assert [restart_step(n, 25) for n in range(4)] == [0, 25, 50, 75]
    assert restart_steps(10, 2, 150).tolist() == [10, 30, 70]
    assert cycle_ends(10, 2, 150).tolist() == [10, 30, 70, 150]
    assert cycle_ends(10, 2, 149).tolist() == [10, 30, 70]
    assert restart_steps(1, 1, 1).size == 0


@settings(max_examples=60, deadline=None)
@given(
    T_0=st.integers(1, 40),
    T_mult=st.integers(1, 4),
    steps=st.integers(1, 1500),
)
def test_restart_steps_are_exactly_where_the_curve_returns_to_the_peak(T_0, T_mult, steps):
    curve = _curve(T_0, T_mult, steps)
    at_peak = np.flatnonzero(curve == PEAK)
    assert at_peak[0] == 0
    assert restart_steps(T_0, T_mult, steps).tolist() == at_peak[1:].tolist()
    for k in restart_steps(T_0, T_mult, steps):
        if cycle_position(k - 1, T_0, T_mult)[2] > 1:  # a cycle of 1 step is flat at the peak
            assert curve[k - 1] < curve[k]  # the jump
    ends = cycle_ends(T_0, T_mult, steps)
    assert set(ends.tolist()) - set(at_peak.tolist()) <= {steps}
    assert (steps in ends) == (steps in {restart_step(n, T_0, T_mult) for n in range(1, steps + 1)})


@settings(max_examples=60, deadline=None)
@given(T_0=st.integers(1, 30), T_mult=st.integers(1, 4), k=st.integers(0, 3000))
def test_cycle_position_reproduces_the_curve(T_0, T_mult, k):
    i, t_cur, t_i = cycle_position(k, T_0, T_mult)
    assert 0 <= t_cur < t_i == T_0 * T_mult**i
    assert k == restart_step(i, T_0, T_mult) + t_cur
    expected = 0.01 + (PEAK - 0.01) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
    assert math.isclose(_curve(T_0, T_mult, k + 1, eta_min=0.01)[k], expected, rel_tol=1e-12)


@pytest.mark.parametrize("T_0, T_mult", [(3, 1), (4, 2), (2, 3), (1, 4)])
def test_positions_match_torch(T_0, T_mult):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=PEAK)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult)
    steps = 200
    for k in range(steps):
        i, t_cur, t_i = cycle_position(k, T_0, T_mult)
        assert (sched.T_cur, sched.T_i) == (t_cur, t_i), k
        sched.step()
    torch_curve = lc.torch_lr_curve(
        "CosineAnnealingWarmRestarts", steps, lr=PEAK, T_0=T_0, T_mult=T_mult
    )
    assert (
        np.flatnonzero(torch_curve == PEAK)[1:].tolist()
        == restart_steps(T_0, T_mult, steps).tolist()
    )


def test_long_run_positions_are_exact():
    # 30 doublings: integer arithmetic, no floating log
    s = restart_step(30, 3, 2)
    assert s == 3 * (2**30 - 1)
    assert cycle_position(s, 3, 2) == (30, 0, 3 * 2**30)
    assert cycle_position(s - 1, 3, 2) == (29, 3 * 2**29 - 1, 3 * 2**29)


@settings(max_examples=60, deadline=None)
@given(T_0=st.integers(1, 50), T_mult=st.integers(1, 5), cycles=st.integers(1, 6))
def test_first_cycle_for_inverts_restart_step(T_0, T_mult, cycles):
    total = restart_step(cycles, T_0, T_mult)
    assert first_cycle_for(total, cycles, T_mult) == T_0
    assert cycle_ends(T_0, T_mult, total)[-1] == total
    assert len(cycle_ends(T_0, T_mult, total)) == cycles


def test_first_cycle_for_rejects_impossible_totals():
    assert first_cycle_for(700, 3, 2) == 100
    with pytest.raises(ValueError, match="total must be a multiple of 7"):
        first_cycle_for(701, 3, 2)


def test_at_cycle_ends():
    ends, v = at_cycle_ends(np.arange(151.0), 10, 2)
    assert ends.tolist() == [10, 30, 70, 150] and v.tolist() == [10.0, 30.0, 70.0, 150.0]
    per_epoch = [0.5, 0.4, 0.3, 0.2, 0.1, 0.05]  # after epochs 1..6
    ends, v = at_cycle_ends(per_epoch, 2, 2, first=1)
    assert ends.tolist() == [2, 6] and v.tolist() == [0.4, 0.05]
    ends, v = at_cycle_ends([1.0, 2.0], 5)
    assert ends.size == 0 and v.size == 0


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: restart_step(1, 0, 2), "T_0"),
        (lambda: restart_step(1, 10, 1.5), "T_mult"),
        (lambda: restart_step(-1, 10, 2), "n"),
        (lambda: restart_steps(10, 0, 100), "T_mult"),
        (lambda: restart_steps(10.0, 2, 100), "T_0"),
        (lambda: cycle_ends(10, 2, 0), "steps"),
        (lambda: cycle_position(-3, 10, 2), "k"),
        (lambda: cycle_lengths(10, 2, -1), "n"),
        (lambda: first_cycle_for(0, 3, 2), "total"),
        (lambda: first_cycle_for(70, 0, 2), "cycles"),
        (lambda: at_cycle_ends(np.zeros((2, 2)), 10), "values"),
        (lambda: at_cycle_ends([1.0], 10, first=-1), "first"),
    ],
)
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# ----------------------------------------------------------------------------- torch facts


def test_documented_fractional_epoch_recipe_lags_one_batch():
    """torch's docstring recipe: scheduler.step(epoch + i / iters) after optimizer.step()."""
    T_0, T_mult, iters, epochs = 2, 2, 7, 6
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=PEAK)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult)
    used = []
    for epoch in range(epochs):
        for i in range(iters):
            used.append(opt.param_groups[0]["lr"])
            sched.step(epoch + i / iters)
    per_batch = _curve(T_0 * iters, T_mult, epochs * iters)
    used = np.array(used)
    assert used[0] == used[1] == PEAK  # batch 1 repeats batch 0's LR
    np.testing.assert_allclose(used[1:], per_batch[:-1], rtol=1e-9, atol=1e-15)
    assert not np.allclose(used, per_batch)


def test_torch_fractional_epoch_rounds_at_some_boundaries():
    """torch finds the cycle with a floating log; at step 121 of T_0=1, T_mult=3 it rounds down."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=PEAK)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=1, T_mult=3)
    assert restart_step(5, 1, 3) == 121 and cycle_position(121, 1, 3)[1] == 0
    sched.step(121)
    assert sched.get_last_lr()[0] == 0.0  # the bottom of the cycle, not the restart
    assert _curve(1, 3, 122)[121] == PEAK


# ----------------------------------------------------------------------------- snapshots


def _small_run(seed=0, epochs=4, marks=(2, 4)):
    data = lc.load_digits_data(seed=seed)
    net = lc.mlp(64, 16, 10, seed=seed)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    spe = math.ceil(len(data.X_train) / 32)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2 * spe)
    run = fit_snapshots(
        net, data, optimizer=opt, scheduler=sched, epochs=epochs, snapshot_at=list(marks), seed=seed
    )
    return data, run, spe


def test_fit_snapshots_carries_the_schedule_across_segments():
    data, run, spe = _small_run()
    assert sorted(run.snapshots) == [2, 4]
    h = run.history
    assert len(h.lrs) == 4 * spe and h.epochs_run == 4 and not h.diverged
    np.testing.assert_allclose(h.lrs, _curve(2 * spe, 1, 4 * spe), rtol=1e-12)
    final = run.snapshots[4]
    for k, v in run.model.state_dict().items():
        assert torch.equal(final[k], v)
    assert not all(torch.equal(run.snapshots[2][k], final[k]) for k in final)


def test_fit_snapshots_is_deterministic_and_pads_the_last_segment():
    _, a, _ = _small_run(seed=1, epochs=3, marks=(2,))
    _, b, _ = _small_run(seed=1, epochs=3, marks=(2,))
    assert sorted(a.snapshots) == [2] and a.history.epochs_run == 3
    assert a.history.val_loss == b.history.val_loss


def test_evaluate_snapshots_agrees_with_fit_and_ensembles():
    data, run, _ = _small_run()
    scores = evaluate_snapshots(run.model, run.snapshots, data)
    assert math.isclose(scores[4]["val_loss"], run.history.val_loss[-1], rel_tol=1e-5)
    assert math.isclose(scores[4]["val_acc"], run.history.val_acc[-1])
    assert math.isclose(scores[2]["val_loss"], run.history.val_loss[1], rel_tol=1e-5)
    solo = evaluate_snapshots(run.model, run.snapshots, data, ensemble=[4])["ensemble"]
    assert solo == scores[4]
    probs = snapshot_predictions(run.model, run.snapshots, data.X_val)
    mean = (probs[2] + probs[4]) / 2
    nll = float(torch.nn.functional.nll_loss(mean.log(), data.y_val))
    assert math.isclose(scores["ensemble"]["val_loss"], nll, rel_tol=1e-9)
    # by convexity of -log, the ensemble's loss is at most the members' mean loss
    assert scores["ensemble"]["val_loss"] <= (scores[2]["val_loss"] + scores[4]["val_loss"]) / 2
    # the model's own weights were restored
    for k, v in run.model.state_dict().items():
        assert torch.equal(run.snapshots[4][k], v)


def test_snapshot_bad_input():
    data, run, _ = _small_run(epochs=2, marks=(2,))
    with pytest.raises(ValueError, match="snapshot_at"):
        fit_snapshots(
            run.model,
            data,
            optimizer=torch.optim.SGD(run.model.parameters(), lr=0.1),
            scheduler=None,
            epochs=2,
            snapshot_at=[3],
        )
    with pytest.raises(ValueError, match="snapshot_at"):
        fit_snapshots(
            run.model,
            data,
            optimizer=torch.optim.SGD(run.model.parameters(), lr=0.1),
            scheduler=None,
            epochs=2,
            snapshot_at="2",
        )
    with pytest.raises(ValueError, match="ensemble"):
        evaluate_snapshots(run.model, run.snapshots, data, ensemble=[7])
    with pytest.raises(ValueError, match="snapshots"):
        snapshot_predictions(run.model, {}, data.X_val)
    with pytest.raises(ValueError, match="X_val"):
        evaluate_snapshots(run.model, run.snapshots, object())
