"""lrcourse.training: the device switch, the one loop fit() and its wiring checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, ReduceLROnPlateau, StepLR

from lrcourse.data import load_digits_data
from lrcourse.models import mlp
from lrcourse.training import (
    ArrayLR,
    check_optimizer,
    device,
    fit,
    resolve_optimizer,
    scaled,
    scheduler_from_spec,
    torch_threads,
)
from lrcourse.validation import ParameterError


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


def _fit_reg(lr, epochs):
    net = mlp(3, 8, 1, seed=0)
    return fit(
        net,
        Reg(),
        optimizer=_sgd(lr),
        epochs=epochs,
        batch_size=16,
        loss_fn=torch.nn.MSELoss(),
        progress=False,
    )


def test_fit_catches_divergence():
    h = _fit_reg(10.0, 50)
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
    h = _fit_reg(0.05, 20)
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


# ------------------------------------------------------------------------ the scheduler's place


class Tiny:
    """Six examples, two classes: three batches of two per epoch."""

    X_train = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    y_train = torch.tensor([0, 1, 0, 1, 1, 0])


def _tiny_fit(**kw):
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    kw.setdefault("epochs", 2)
    return fit(
        net,
        Tiny(),
        optimizer=opt,
        scheduler=StepLR(opt, step_size=1, gamma=0.5),
        batch_size=2,
        progress=False,
        **kw,
    )


@pytest.mark.filterwarnings("ignore:Detected call")
@pytest.mark.parametrize(
    ("kw", "lrs", "calls"),
    [
        ({}, [1, 1, 1, 0.5, 0.5, 0.5], 2),
        ({"order": "scheduler_first"}, [0.5, 0.5, 0.5, 0.25, 0.25, 0.25], 2),
        ({"step_per": "batch"}, [1, 0.5, 0.25, 0.125, 0.0625, 0.03125], 6),
        ({"step_per": "batch", "order": "scheduler_first"}, [0.5 ** (t + 1) for t in range(6)], 6),
        ({"prestep": 2}, [0.25, 0.25, 0.25, 0.125, 0.125, 0.125], 4),
    ],
)
def test_fit_places_the_scheduler_by_hand(kw, lrs, calls):
    h = _tiny_fit(**kw)
    assert h.lrs == lrs and h.scheduler_calls == calls


def test_fit_plateau_on_given_metrics_and_refused_before_measuring():
    net = torch.nn.Linear(3, 2)
    plateau = lambda o: ReduceLROnPlateau(o, factor=0.5, patience=0)  # noqa: E731
    h = fit(
        net,
        Tiny(),
        optimizer=_sgd(1.0),
        scheduler=plateau,
        epochs=3,
        batch_size=2,
        metrics=[1.0, 2.0, 3.0],
        progress=False,
    )
    assert h.lrs[::3] == [1.0, 1.0, 0.5]  # 2.0 did not improve on 1.0
    with pytest.raises(ParameterError, match="metrics must be given"):
        fit(
            net,
            Tiny(),
            optimizer=_sgd(1.0),
            scheduler=plateau,
            epochs=1,
            batch_size=2,
            prestep=1,
            progress=False,
        )
    with pytest.raises(ParameterError, match="metrics must be one value per"):
        fit(
            net,
            Tiny(),
            optimizer=_sgd(1.0),
            scheduler=plateau,
            epochs=3,
            batch_size=2,
            metrics=[1.0],
            progress=False,
        )


def test_fit_stop_hook_gets_every_step_and_ends_training(digits):
    seen = []

    def stop(t, loss):
        seen.append((t, loss))
        return t == 6

    full, _ = _fit(digits, epochs=1)
    h, _ = _fit(digits, epochs=3, stop=stop)
    assert h.stopped_at == 6 and len(h.lrs) == len(h.step_loss) == 7
    assert [t for t, _ in seen] == list(range(7))
    assert [v for _, v in seen] == h.step_loss == full.step_loss[:7]  # raw per-step losses
    assert h.epochs_run == 0 and not h.diverged and "stopped after step 6" in repr(h)


def test_fit_array_schedule_is_exact_on_every_group_with_drop_last_and_no_evaluation(digits):
    net = mlp(64, 8, 10, seed=0)
    groups = [{"params": [p], "lr": 1.0 + i} for i, p in enumerate(net.parameters())]
    opt = torch.optim.SGD(groups)
    lrs = np.geomspace(1e-4, 0.3, 40) / 3  # values no base * factor reproduces bit for bit
    seen = []
    opt.register_step_pre_hook(lambda o, a, k: seen.append([g["lr"] for g in o.param_groups]))
    h = fit(
        net,
        digits,
        optimizer=opt,
        scheduler=lrs,
        step_per="batch",
        epochs=3,
        batch_size=100,
        drop_last=True,
        evaluate=False,
        progress=False,
    )
    spe = len(digits.X_train) // 100
    assert h.steps_per_epoch == spe and len(h.lrs) == 3 * spe < 40
    assert h.lrs == lrs[: 3 * spe].tolist()
    assert all(row == [lr] * len(groups) for row, lr in zip(seen, h.lrs, strict=True))
    assert h.train_loss == [] and h.epochs_run == 0


def test_array_lr_holds_its_last_value():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=5.0)
    s = ArrayLR(opt, [0.3, 0.2])
    out = []
    for _ in range(4):
        out.append(s.get_last_lr()[0])
        opt.step()
        s.step()
    assert out == [0.3, 0.2, 0.2, 0.2]
    with pytest.raises(ParameterError, match="schedule must be an array of numbers >= 0"):
        ArrayLR(opt, [0.1, -0.1])


# ----------------------------------------------------------------------------- wiring checks


def test_a_scheduler_factory_on_another_optimizer_is_refused(digits):
    stray = torch.optim.SGD(mlp(64, 8, 10, seed=1).parameters(), lr=0.1)
    msg = "scheduler must be a scheduler on the optimizer that is trained"
    with pytest.raises(ParameterError, match=msg):
        _fit(digits, scheduler=lambda o: StepLR(stray, 1))
    with pytest.raises(ParameterError, match=msg):
        scheduler_from_spec(lambda o: StepLR(stray, 1), torch.optim.SGD(mlp(2, 2, 2).parameters()))


def test_an_optimizer_on_another_model_is_refused(digits):
    net = mlp(64, 8, 10, seed=0)
    msg = "optimizer must be an optimizer on the model's parameters"
    stray = torch.optim.SGD(mlp(64, 8, 10, seed=0).parameters(), lr=0.1)
    with pytest.raises(ParameterError, match=msg):
        check_optimizer(net, stray)
    with pytest.raises(ParameterError, match=msg):  # a factory ignoring its parameters
        resolve_optimizer(net, lambda p: stray)
    with pytest.raises(ParameterError, match="factory returning a torch.optim.Optimizer"):
        resolve_optimizer(net, lambda p: "sgd")
    assert resolve_optimizer(net, _sgd(0.1)).param_groups[0]["params"][0] is net[0].weight


class Digits:
    def __init__(self, d, **changes):
        self.X_train, self.y_train = d.X_train.clone(), d.y_train.clone()
        self.X_val, self.y_val = d.X_val.clone(), d.y_val.clone()
        for k, (i, v) in changes.items():
            getattr(self, k)[i] = v


@pytest.mark.parametrize("name", ["X_train", "X_val"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_data_is_refused_by_name_before_training(digits, name, bad):
    data = Digits(digits, **{name: ((5, 3), bad)})
    with pytest.raises(ParameterError, match=rf"data\.{name} must be a tensor of finite numbers"):
        _fit(data)


@pytest.mark.parametrize(("name", "label"), [("y_train", 12), ("y_val", 10), ("y_train", -1)])
def test_labels_outside_the_models_outputs_are_refused(digits, name, label):
    data = Digits(digits, **{name: (7, label)})
    with pytest.raises(ParameterError, match=rf"data\.{name} must be class labels in \[0, 9\]"):
        _fit(data)


def test_a_sequence_model_with_the_default_loss_is_refused():
    from lrcourse.data import make_sequence_data
    from lrcourse.models import sequence_cross_entropy, tiny_transformer

    data = make_sequence_data("reverse", length=6, vocab=6, n_samples=200, seed=0)
    net = tiny_transformer(vocab=6, max_len=6, seed=0)
    common = {"optimizer": _sgd(0.01), "epochs": 1, "batch_size": 64, "progress": False}
    with pytest.raises(ParameterError, match="sequence_cross_entropy") as err:
        fit(net, data, **common)
    assert "loss_fn must be given for this model" in str(err.value)
    h = fit(net, data, loss_fn=sequence_cross_entropy, **common)
    assert not h.diverged


def test_a_model_that_cannot_take_the_rows_is_refused(digits):
    with pytest.raises(ParameterError, match=r"model must be a model that takes data\.X_train"):
        fit(mlp(30, 8, 10), digits, optimizer=_sgd(0.1), epochs=1, batch_size=32)


def test_fit_accepts_numpy_and_torch_scalars(digits):
    a, _ = _fit(digits, epochs=np.int64(2), max_loss=np.float64(1e9))
    b, _ = _fit(digits, epochs=torch.tensor(2))
    assert a.step_loss == b.step_loss and len(a.val_loss) == 2


# ----------------------------------------------------------------------------- record


def test_fit_records_functions_of_the_model_after_each_epoch(digits):
    from lrcourse.decay import weight_norm

    net = mlp(64, 8, 10, seed=0)
    seen = []

    def spy(model):
        seen.append((model.training, torch.is_grad_enabled(), weight_norm(model)))
        return weight_norm(model)

    h = fit(
        net,
        digits,
        optimizer=_sgd(0.1, weight_decay=0.05),
        epochs=3,
        batch_size=64,
        record={"norm": spy, "all": lambda m: weight_norm(m, "all")},
        progress=False,
    )
    assert list(h.records) == ["norm", "all"] and len(h.records["norm"]) == h.epochs_run == 3
    assert h.records["norm"][-1] == weight_norm(net)  # the last one is the model as it ended
    assert all(a < b for a, b in zip(h.records["norm"], h.records["all"], strict=True))
    assert seen and all(not training and not grad for training, grad, _ in seen)
    # without evaluation too, and nothing recorded unless asked
    h2 = fit(
        net,
        digits,
        optimizer=_sgd(0.1),
        epochs=2,
        batch_size=64,
        evaluate=False,
        record={"norm": weight_norm},
        progress=False,
    )
    assert len(h2.records["norm"]) == 2
    assert (
        fit(net, digits, optimizer=_sgd(0.1), epochs=1, batch_size=64, progress=False).records == {}
    )


def test_fit_record_stops_with_a_diverged_run():
    class Blowup:
        X_train = torch.full((4, 2), 1e30)
        y_train = torch.tensor([0, 1, 0, 1])

    net = torch.nn.Linear(2, 2)
    h = fit(
        net,
        Blowup(),
        optimizer=_sgd(1e10),
        epochs=3,
        batch_size=2,
        record={"n": lambda m: 1.0},
        progress=False,
    )
    assert h.diverged and len(h.records["n"]) == h.epochs_run


@pytest.mark.parametrize(
    ("record", "name"),
    [
        ([("norm", len)], "record"),
        ({"": len}, "record"),
        ({3: len}, "record"),
        ({"norm": 1.0}, "record['norm']"),
        ({"norm": lambda m: "big"}, "record['norm']'s value"),
    ],
)
def test_fit_bad_record_is_refused_by_name(digits, record, name):
    with pytest.raises(ParameterError) as err:
        fit(
            mlp(64, 8, 10, seed=0),
            digits,
            optimizer=_sgd(0.1),
            epochs=1,
            batch_size=64,
            record=record,
            progress=False,
        )
    assert err.value.param == name and str(err.value).startswith(f"{name} must be ")
