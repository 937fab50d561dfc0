"""lrcourse.training: the device switch, fit() and run_online()."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, ReduceLROnPlateau, StepLR

from lrcourse.data import load_digits_data, teacher_student_stream
from lrcourse.models import mlp
from lrcourse.training import device, fit, run_online, scaled, torch_threads


@pytest.fixture(scope="module")
def digits():
    return load_digits_data(seed=0)


def _sgd(lr, **kw):
    return lambda params: torch.optim.SGD(params, lr=lr, **kw)


# ----------------------------------------------------------------------------- device


def test_device_env_switch(monkeypatch):
    monkeypatch.setenv("LRCOURSE_DEVICE", "cpu")
    assert device() == torch.device("cpu")
    assert scaled(cpu=3, cuda=30) == 3
    monkeypatch.setenv("LRCOURSE_DEVICE", "tpu")
    with pytest.raises(ValueError, match="LRCOURSE_DEVICE"):
        device()
    monkeypatch.delenv("LRCOURSE_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert device().type == expected
    assert scaled(cpu="small", cuda="big") == ("big" if expected == "cuda" else "small")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_device_cuda_requested_but_absent(monkeypatch):
    monkeypatch.setenv("LRCOURSE_DEVICE", "cuda")
    with pytest.raises(ValueError, match="LRCOURSE_DEVICE"):
        device()


def test_torch_threads_restores():
    old = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == old
    with pytest.raises(ValueError, match="n must"):
        with torch_threads(0):
            pass


# ----------------------------------------------------------------------------- fit


def _fit(data, seed=0, lr=0.1, epochs=3, **kw):
    net = mlp(64, 32, 10, seed=seed)
    kw.setdefault("optimizer", _sgd(lr))
    return fit(net, data, epochs=epochs, batch_size=64, seed=seed, progress=False, **kw), net


def test_fit_learns_and_records_everything(digits):
    h, _ = _fit(digits, epochs=5, device="cpu", optimizer=_sgd(0.1, momentum=0.9))
    spe = math.ceil(len(digits.X_train) / 64)
    assert h.steps_per_epoch == spe
    assert len(h.lrs) == len(h.step_loss) == 5 * spe
    assert h.epochs_run == 5 and len(h.val_acc) == 5
    assert h.val_acc[-1] > 0.85
    assert h.train_loss[-1] < h.train_loss[0]
    assert not h.diverged and h.diverged_at is None
    assert set(h.final()) == {"train_loss", "train_acc", "val_loss", "val_acc"}


def test_fit_same_seed_same_numbers(digits):
    a, net_a = _fit(digits, seed=1)
    b, net_b = _fit(digits, seed=1)
    c, _ = _fit(digits, seed=2)
    assert a.step_loss == b.step_loss and a.val_loss == b.val_loss
    for p, q in zip(net_a.parameters(), net_b.parameters(), strict=True):
        assert torch.equal(p, q)
    assert a.step_loss != c.step_loss


def test_fit_does_not_touch_global_rng(digits):
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    _fit(digits, epochs=1)
    assert torch.equal(torch.rand(3), expected)


def test_fit_per_epoch_lr_trace(digits):
    net = mlp(64, 16, 10, seed=0)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    h = fit(net, digits, optimizer=opt, scheduler=sched, epochs=5, batch_size=128, progress=False)
    per_epoch = np.array(h.lrs).reshape(5, h.steps_per_epoch)
    assert np.all(per_epoch == per_epoch[:, :1])  # constant within an epoch
    np.testing.assert_allclose(per_epoch[:, 0], [0.1, 0.1, 0.05, 0.05, 0.025])


def test_fit_per_batch_lr_trace_matches_cosine_formula(digits):
    net = mlp(64, 16, 10, seed=0)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    h = fit(
        net,
        digits,
        optimizer=opt,
        scheduler=lambda o: CosineAnnealingLR(o, T_max=40),
        epochs=2,
        batch_size=128,
        step_per="batch",
        progress=False,
    )
    k = np.arange(len(h.lrs))
    assert len(h.lrs) == 2 * 11 and np.all(k <= 40)
    np.testing.assert_allclose(h.lrs, 0.05 * (1 + np.cos(np.pi * k / 40)), rtol=1e-12)


def test_fit_factories_equal_instances(digits):
    a, _ = _fit(digits, seed=3, scheduler=lambda o: StepLR(o, 1, 0.5))
    net = mlp(64, 32, 10, seed=3)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    b = fit(
        net,
        digits,
        optimizer=opt,
        scheduler=StepLR(opt, 1, 0.5),
        epochs=3,
        batch_size=64,
        seed=3,
        progress=False,
    )
    assert a.lrs == b.lrs and a.step_loss == b.step_loss


def test_fit_feeds_plateau_its_metric(digits):
    # mode="max" on a falling loss: "no improvement" every epoch, so the LR halves each epoch
    # after the first (patience 0). Without the metric, step() would raise a TypeError.
    h, _ = _fit(
        digits,
        lr=0.05,
        epochs=4,
        scheduler=lambda o: ReduceLROnPlateau(o, mode="max", factor=0.5, patience=0),
        monitor="train_loss",
    )
    assert all(np.diff(h.train_loss) < 0)
    per_epoch = np.array(h.lrs).reshape(4, h.steps_per_epoch)[:, 0]
    np.testing.assert_allclose(per_epoch, [0.05, 0.05, 0.025, 0.0125])


class Reg:
    X_train = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    y_train = X_train @ torch.tensor([[1.0], [2.0], [-1.0]])


def test_fit_catches_divergence():
    net = mlp(3, 8, 1, seed=0)
    h = fit(
        net,
        Reg(),
        optimizer=_sgd(10.0),
        epochs=50,
        batch_size=16,
        loss_fn=torch.nn.MSELoss(),
        progress=False,
    )
    assert h.diverged and h.diverged_at is not None
    assert not math.isfinite(h.step_loss[h.diverged_at])
    assert len(h.lrs) == h.diverged_at + 1 < 50 * h.steps_per_epoch
    assert all(math.isnan(v) for v in h.final().values())
    assert "diverged" in repr(h)


def test_fit_max_loss_flags_a_finite_blowup(digits):
    # cross-entropy on a ReLU net grows only linearly with the weights: a huge LR gives a
    # huge but finite loss, which max_loss turns into a divergence
    h, _ = _fit(digits, lr=1e6, epochs=3)
    assert not h.diverged and h.train_loss[-1] > 1e3
    h2, _ = _fit(digits, lr=1e6, epochs=3, max_loss=100.0)
    assert h2.diverged and h2.step_loss[h2.diverged_at] > 100.0


def test_fit_regression_has_no_accuracy():
    net = mlp(3, 8, 1, seed=0)
    h = fit(
        net,
        Reg(),
        optimizer=_sgd(0.05),
        epochs=20,
        batch_size=16,
        loss_fn=torch.nn.MSELoss(),
        progress=False,
    )
    assert math.isnan(h.train_acc[-1]) and math.isnan(h.val_loss[-1])
    assert h.train_loss[-1] < 0.5 * h.train_loss[0]


def test_fit_progress_bar_silent_under_ci(digits, monkeypatch, capsys):
    monkeypatch.setenv("CI", "1")
    fit(
        mlp(64, 8, 10, seed=0), digits, optimizer=_sgd(0.1), epochs=1, batch_size=256, progress=True
    )
    assert capsys.readouterr().err == ""
    monkeypatch.delenv("CI")
    net = mlp(64, 8, 10, seed=0)
    fit(net, digits, optimizer=_sgd(0.1), epochs=1, batch_size=256, progress=True, desc="demo")
    assert "demo" in capsys.readouterr().err


def test_fit_bad_input(digits):
    net = mlp(64, 8, 10, seed=0)
    other = torch.optim.SGD(mlp(64, 8, 10, seed=1).parameters(), lr=0.1)
    good = {"optimizer": _sgd(0.1), "epochs": 1, "batch_size": 32, "progress": False}
    cases = [
        ({"epochs": 0}, "epochs"),
        ({"batch_size": 1.5}, "batch_size"),
        ({"step_per": "step"}, "step_per"),
        ({"seed": -1}, "seed"),
        ({"monitor": "acc"}, "monitor"),
        ({"max_loss": 0.0}, "max_loss"),
        ({"optimizer": other}, "optimizer"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"scheduler": StepLR(other, 1)}, "scheduler"),
    ]
    for kwargs, name in cases:
        with pytest.raises(ValueError, match=name):
            fit(net, digits, **(good | kwargs))
    with pytest.raises(ValueError, match="data"):
        fit(net, object(), **good)
    with pytest.raises(ValueError, match="model"):
        fit("net", digits, **good)


# ----------------------------------------------------------------------------- run_online


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
