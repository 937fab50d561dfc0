"""lrcourse.online: the one streaming SGD loop (run_online, sgd_stream, online_history)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import StepLR

from lrcourse.data import teacher_student_stream
from lrcourse.online import online_history, run_online, sgd_stream


@pytest.fixture(scope="module")
def task():
    return teacher_student_stream(dim=20, batch_size=20, noise=1.0, seed=0)


def test_online_shapes_and_start(task):
    h = run_online(task, 0.01, steps=50)
    assert h.lrs.shape == h.batch_loss.shape == (50,)
    assert h.loss.shape == (51,)
    assert h.loss[0] == pytest.approx(float((task.teacher**2).sum()) + 1.0)
    assert h.optimal_loss == 1.0 and np.all(h.excess > 0)
    assert np.all(h.lrs == 0.01)


def test_online_deterministic(task):
    a = run_online(task, np.linspace(0.05, 0.0, 200))
    b = run_online(task, np.linspace(0.05, 0.0, 200))
    np.testing.assert_array_equal(a.loss, b.loss)
    other = teacher_student_stream(dim=20, batch_size=20, noise=1.0, seed=1)
    assert not np.array_equal(a.loss, run_online(other, np.linspace(0.05, 0.0, 200)).loss)


def test_online_array_and_scheduler_agree(task):
    k = np.arange(300)
    arr = 0.05 * 0.1 ** (k // 100)
    a = run_online(task, arr)
    b = run_online(task, lambda o: StepLR(o, step_size=100, gamma=0.1), steps=300, lr=0.05)
    np.testing.assert_allclose(a.lrs, b.lrs, rtol=1e-12)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-5)


def test_online_floor_scales_with_lr_and_decay_beats_both(task):
    hi, lo = run_online(task, 0.04, steps=1500), run_online(task, 0.01, steps=1500)
    ratio = (hi.tail_loss(0.5) - 1.0) / (lo.tail_loss(0.5) - 1.0)
    assert 3.0 < ratio < 5.5  # first order: proportional to the LR (4x)
    # first-order formula lr * noise^2 * dim / batch_size = lr here
    assert hi.tail_loss(0.5) - 1.0 == pytest.approx(0.04, rel=0.25)
    crawl = run_online(task, 0.001, steps=1500)
    decayed = run_online(task, 0.04 * 0.5 * (1 + np.cos(np.pi * np.arange(1500) / 1500)))
    assert decayed.final_loss < hi.final_loss and decayed.final_loss < crawl.final_loss
    assert crawl.loss[-1] < crawl.loss[-500]  # still falling: slow, not stuck


def test_online_divergence_caught(task):
    h = run_online(task, 2.0, steps=500)
    assert h.diverged and h.diverged_at is not None
    assert h.final_loss == math.inf and h.tail_loss() == math.inf
    assert np.isnan(h.lrs[h.diverged_at :]).all()


def test_online_bad_input(task):
    with pytest.raises(ValueError, match="steps"):
        run_online(task, [0.1, 0.1], steps=3)
    with pytest.raises(ValueError, match="steps"):
        run_online(task, 0.1)
    with pytest.raises(ValueError, match="schedule"):
        run_online(task, [0.1, -0.1])
    with pytest.raises(ValueError, match="schedule"):
        run_online(task, np.ones((2, 2)))
    with pytest.raises(ValueError, match="lr"):
        run_online(task, lambda o: StepLR(o, 1), steps=3)
    with pytest.raises(ValueError, match="task"):
        run_online("task", 0.1, steps=3)
    with pytest.raises(ValueError, match="momentum"):
        run_online(task, 0.1, steps=3, momentum=1.0)
    with pytest.raises(ValueError, match="fraction"):
        run_online(task, 0.1, steps=3).tail_loss(0)


def test_online_accepts_numpy_scalars(task):
    a = run_online(task, np.float64(0.01), steps=np.int64(20))
    b = run_online(task, 0.01, steps=20)
    np.testing.assert_array_equal(a.loss, b.loss)


def test_online_refuses_a_factory_on_another_optimizer(task):
    other = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="scheduler must be a scheduler on the optimizer"):
        run_online(task, lambda o: StepLR(other, 1), steps=3, lr=0.1)


def test_sgd_stream_stops_at_a_non_finite_loss_and_history_pads(task):
    w = torch.zeros(task.dim, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    lrs = np.array([0.01, 0.01, 1e30, 0.01, 0.01])
    used, batch_loss, weights = sgd_stream(task, task.batches(), w, opt, lrs)
    # step 2 explodes the weights, step 3's loss is inf: four steps taken, three kept
    assert len(used) == len(batch_loss) == 4 and len(weights) == 3
    assert not math.isfinite(batch_loss[-1])
    h = online_history(task, used, batch_loss, torch.cat([torch.zeros(1, task.dim), weights]), 5)
    assert h.diverged and h.diverged_at == 3
    assert h.lrs.shape == (5,) and np.isnan(h.lrs[3:]).all() and h.lrs[2] == 1e30
    assert len(h.loss) == 4
