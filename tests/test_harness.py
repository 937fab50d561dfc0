"""The shared experiment harness: synthetic data, the CNN, schedule specs, train_classifier,
compare."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lrcourse as lc
from lrcourse.training import History

# --- data and models ------------------------------------------------------------------------------


# --- schedule specs and train_classifier ------------------------------------------------------


@pytest.fixture(scope="module")
def small_data():
    return lc.make_classification_data(seed=0, n_samples=256)


def test_scheduler_from_spec_kinds():
    opt = lc.make_optimizer(0.1)
    assert lc.scheduler_from_spec(None, opt) is None
    assert type(lc.scheduler_from_spec(("StepLR", {"step_size": 3}), opt)).__name__ == "StepLR"
    opt = lc.make_optimizer(0.1)
    assert type(lc.scheduler_from_spec(("inverse_sqrt", {"warmup_steps": 3}), opt)).__name__ == (
        "LambdaLR"
    )
    with pytest.raises(ValueError, match="schedule"):
        lc.scheduler_from_spec("StepLR", lc.make_optimizer())
    with pytest.raises(ValueError, match="array"):
        lc.scheduler_from_spec(np.array([0.1, np.nan]), lc.make_optimizer())
    with pytest.raises(ValueError, match=r"schedule must be a \(name, kwargs\) pair"):
        lc.scheduler_from_spec(("StepLR", [3]), lc.make_optimizer())


def test_a_list_spec_works_like_the_tuple(small_data):
    common = {"lr": 0.1, "epochs": 3, "batch_size": 64, "progress": False}
    a = lc.train_classifier(small_data, schedule=("StepLR", {"step_size": 1}), **common)
    b = lc.train_classifier(small_data, schedule=["StepLR", {"step_size": 1}], **common)
    assert a.lrs == b.lrs and a.step_loss == b.step_loss and a.lrs[-1] < a.lrs[0]


def _message(call):
    with pytest.raises((ValueError, TypeError)) as err:
        call()
    return str(err.value)


def _entry_points(spec, small_data):
    """The same spec through every function that takes one."""
    net = lc.mlp(20, 8, 4, seed=0)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    args = {"epochs": 1, "batch_size": 64, "progress": False}
    return {
        "scheduler_from_spec": lambda: lc.scheduler_from_spec(spec, lc.make_optimizer()),
        "fit": lambda: lc.fit(net, small_data, optimizer=opt, scheduler=spec, **args),
        "train_classifier": lambda: lc.train_classifier(small_data, lr=0.1, schedule=spec, **args),
    }


@pytest.mark.parametrize(
    "spec",
    [("StepLr", {"step_size": 2}), ("StepLR", {}), ["StepLR", {"step_size": 2, "gama": 0.5}]],
)
def test_a_bad_spec_gets_make_schedulers_message_from_every_entry_point(spec, small_data):
    expected = _message(lambda: lc.make_scheduler(spec[0], lc.make_optimizer(), **spec[1]))
    for name, call in _entry_points(spec, small_data).items():
        assert _message(call) == expected, name


@pytest.mark.parametrize(
    "spec",
    [
        ("ExponentialLR", {"gamma": -1.0}),
        ("StepLR", {"step_size": 0}),
        ("CosineAnnealingLR", {"T_max": 0}),
    ],
)
def test_a_bad_spec_gets_lr_curves_message_before_torch_sees_it(spec, small_data):
    expected = _message(lambda: lc.lr_curve(spec[0], 5, **spec[1]))
    for name, call in _entry_points(spec, small_data).items():
        assert _message(call) == expected, name


def test_train_classifier_accepts_numpy_scalars(small_data):
    a = lc.train_classifier(
        small_data,
        lr=np.float64(0.1),
        epochs=np.int64(2),
        progress=False,
        batch_size=np.int64(64),
        seed=np.int64(1),
    )
    b = lc.train_classifier(small_data, lr=0.1, epochs=2, progress=False, batch_size=64, seed=1)
    assert a.step_loss == b.step_loss


def test_per_epoch_schedule_is_held_for_a_whole_epoch(small_data):
    h = lc.train_classifier(
        small_data,
        lr=0.1,
        epochs=4,
        schedule=("StepLR", {"step_size": 2, "gamma": 0.5}),
        batch_size=64,
        progress=False,
    )
    per_epoch = np.repeat(lc.lr_curve("StepLR", 4, lr=0.1, step_size=2, gamma=0.5), 3)
    np.testing.assert_allclose(h.lrs, per_epoch, rtol=1e-12)
    assert h.steps_per_epoch == 3 and h.epochs_run == 4


def test_array_schedule_per_batch_is_followed_step_by_step(small_data):
    lrs = lc.lr_curve("OneCycleLR", 12, max_lr=0.2, total_steps=12)
    h = lc.train_classifier(
        small_data,
        lr=float(lrs[0]),
        epochs=4,
        schedule=lrs,
        step_per="batch",
        batch_size=64,
        progress=False,
    )
    np.testing.assert_allclose(h.lrs, lrs, rtol=1e-12)


def test_plateau_spec_cuts_on_the_validation_loss(small_data):
    h = lc.train_classifier(
        small_data,
        lr=0.5,
        epochs=12,
        model=lc.mlp(20, 8, 4, seed=0),
        schedule=("ReduceLROnPlateau", {"patience": 0, "factor": 0.5}),
        batch_size=64,
        progress=False,
    )
    epoch_lrs = np.asarray(h.lrs)[:: h.steps_per_epoch]
    expected = lc.lr_curve("ReduceLROnPlateau", lr=0.5, metrics=h.val_loss, patience=0, factor=0.5)
    np.testing.assert_allclose(epoch_lrs, expected, rtol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_train_classifier_is_deterministic_and_learns(small_data, optimizer):
    lr = 0.1 if optimizer == "sgd" else 0.01
    runs = [
        lc.train_classifier(
            small_data, lr=lr, epochs=5, optimizer=optimizer, seed=2, progress=False
        )
        for _ in range(2)
    ]
    assert runs[0].train_loss == runs[1].train_loss
    assert runs[0].train_loss[-1] < runs[0].train_loss[0]


def _zero_loss(out, y):
    """A loss whose gradient is 0 everywhere: only the weight decay moves the parameters."""
    return (out * 0.0).sum()


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_decay_on_weights_leaves_biases_alone(small_data, optimizer):
    runs = {}
    for decay_on in ("all", "weights"):
        net = lc.mlp(small_data.X_train.shape[1], 16, int(small_data.y_train.max()) + 1, seed=0)
        start = {n: p.detach().clone() for n, p in net.named_parameters()}
        h = lc.train_classifier(
            small_data,
            model=net,
            lr=0.1,
            epochs=2,
            optimizer=optimizer,
            momentum=0.0,
            weight_decay=0.5,
            decay_on=decay_on,
            loss_fn=_zero_loss,
            progress=False,
        )
        shrink = float(lc.cumulative_shrink(h.lrs, 0.5)[-1])
        runs[decay_on] = shrink
        for name, p in net.named_parameters():
            factor = shrink if (decay_on == "all" or p.ndim > 1) else 1.0
            torch.testing.assert_close(p.detach(), start[name] * factor, rtol=1e-5, atol=1e-7)
    assert runs["all"] < 0.95  # the decay did act


def test_decay_on_is_validated(small_data):
    with pytest.raises(ValueError, match="^decay_on must be one of"):
        lc.train_classifier(small_data, lr=0.1, epochs=1, decay_on="bias", progress=False)


def test_train_classifier_cnn_on_digits():
    h = lc.train_classifier(lc.load_digits_data(), lr=0.05, epochs=1, model="cnn", progress=False)
    assert h.final()["val_acc"] > 0.5


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"lr": 0.0}, "lr"),
        ({"lr": math.inf}, "lr"),
        ({"model": "resnet"}, "model must be one of"),
        ({"model": "cnn"}, "cnn"),
        ({"optimizer": "lbfgs"}, "optimizer must be one of"),
        ({"optimizer": "adm"}, "did you mean 'adam'"),
        ({"momentum": -0.1}, "momentum must be"),
    ],
)
def test_train_classifier_bad_input(small_data, kwargs, word):
    args = {"lr": 0.1, "epochs": 1, "progress": False} | kwargs
    with pytest.raises(ValueError, match=word):
        lc.train_classifier(small_data, **args)


# --- compare ---------------------------------------------------------------------------------


def _fake_run(seed, offset, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"loss": offset + scale * rng.random(), "acc": 1 - offset}


def test_compare_tables_and_statistics():
    table = lc.compare(
        _fake_run,
        {"a": {"offset": 0.0}, "b": {"offset": 0.5}},
        seeds=[0, 1, 2],
        metrics=("loss", "acc"),
    )
    va, vb = table.values("a", "loss"), table.values("b", "loss")
    np.testing.assert_allclose(vb - va, 0.5)
    assert table.mean("a", "loss") == pytest.approx(va.mean())
    assert table.spread("a", "loss") == pytest.approx(np.std(va, ddof=1))
    assert table.wins("a", "b", "loss") == 3 and table.wins("b", "a", "loss") == 0
    assert table.best("loss") == "a" and table.best("acc") == "a"  # accuracy: higher is better
    assert table.wins("a", "b", "acc") == 3 and table.wins("b", "a", "acc") == 0
    assert table.best("acc", lower_is_better=True) == "b"  # an explicit flag still wins
    assert table.wins("b", "a", "acc", lower_is_better=True) == 3
    assert len(table.rows()) == 6 and {r["seed"] for r in table.rows()} == {0, 1, 2}
    summary = table.summary()
    assert summary[1]["config"] == "b" and summary[1]["loss"] == pytest.approx(vb.mean())
    text = str(table)
    assert "±" in text and "3 seeds" in text and text.splitlines()[1].startswith("a")
    assert "<table>" in table._repr_html_()


def test_compare_with_histories_reports_divergence_as_nan(small_data):
    table = lc.compare(
        lambda seed, lr: lc.train_classifier(
            small_data, lr=lr, epochs=2, seed=seed, max_loss=1e3, progress=False
        ),
        {"fine": {"lr": 0.1}, "huge": {"lr": 1e6}},
        seeds=[0, 1],
        metrics=("val_acc", "diverged"),
    )
    assert np.all(table.values("huge", "diverged") == 1.0)
    assert np.all(np.isnan(table.values("huge", "val_acc")))
    assert table.best("val_acc") == "fine"  # higher is better, and a diverged run never wins
    assert isinstance(table.runs["fine"][0], History)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"configs": {}}, "configs"),
        ({"seeds": []}, "seeds"),
        ({"seeds": [-1]}, "seed"),
        ({"metrics": ()}, "metrics"),
        ({"metrics": ("nope",)}, "nope"),
        ({"configs": {"a": 3}}, "configs"),
    ],
)
def test_compare_bad_input(kwargs, word):
    args = {"configs": {"a": {"offset": 0.0}}, "seeds": [0], "metrics": ("loss",)} | kwargs
    with pytest.raises(ValueError, match=word):
        lc.compare(_fake_run, **args)
    table = lc.compare(_fake_run, {"a": {"offset": 0.0}}, seeds=[0], metrics=("loss",))
    with pytest.raises(ValueError, match="label"):
        table.values("z", "loss")


# --- one knob at a time ----------------------------------------------------------------------


def _knob_run(calls):
    """A run whose loss is a known function of its settings: (lr - 1)^2 + 1 + width / 100 + seed."""

    def run(seed, lr, width):
        calls.append((seed, lr, width))
        return {"loss": (lr - 1.0) ** 2 + 1.0 + width / 100 + seed, "acc": 0.5}

    return run


def test_knob_sweep_runs_each_setting_once_and_shares_the_default():
    calls = []
    sweep = lc.knob_sweep(
        _knob_run(calls),
        {"lr": 1.0, "width": 10},
        {"lr": [0.25, 1.0, 4.0], "width": [10, 40]},
        seeds=[0, 2],
        metrics=("loss",),
    )
    settings = [(lr, w) for _, lr, w in calls]
    assert len(calls) == 2 * 4  # default, lr 0.25, lr 4, width 40; each for two seeds
    assert settings.count((1.0, 10)) == 2  # the default ran once per seed, not once per knob
    assert sweep.knobs == ("lr", "width") and sweep.seeds == (0, 2)
    lr = sweep.values("lr", "loss")
    expected = np.array([[(v - 1) ** 2 + 1.1 + s for s in (0, 2)] for v in (0.25, 1.0, 4.0)])
    np.testing.assert_allclose(lr, expected)
    np.testing.assert_array_equal(lr[1], sweep.values("width", "loss")[0])  # the shared default
    means = expected.mean(axis=1)
    assert sweep.ratio("lr", "loss") == pytest.approx(means.max() / means.min())
    np.testing.assert_allclose(
        sweep.seed_ratios("lr", "loss"), expected.max(axis=0) / expected.min(axis=0)
    )
    assert sweep.range_factor("lr") == 16.0 and sweep.range_factor("width") == 4.0
    assert sweep.ranking("loss") == ["lr", "width"]
    text = str(sweep)
    assert "max/min" in text and f"{sweep.ratio('lr', 'loss'):.2f}" in text
    assert text.count("value") == 2 and "[0, 2]" in text


def test_knob_sweep_ratio_is_infinite_where_a_run_diverged():
    def run(seed, lr):
        return {"loss": math.nan if lr > 1 else 1.0 / lr}

    sweep = lc.knob_sweep(run, {"lr": 0.5}, {"lr": [0.1, 0.5, 2.0]}, seeds=[0], metrics=["loss"])
    assert math.isinf(sweep.ratio("lr", "loss"))
    assert np.isinf(sweep.seed_ratios("lr", "loss")).all()


def test_knob_sweep_on_real_runs_moves_the_loss_and_plots(small_data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep = lc.knob_sweep(
        lambda seed, **kw: lc.train_classifier(
            small_data, epochs=2, batch_size=64, seed=seed, progress=False, **kw
        ),
        {"lr": 0.05, "hidden": 16},
        {"lr": [0.001, 0.05], "hidden": [4, 16]},
        seeds=[0, 1],
    )
    train = sweep.values("lr", "train_loss")
    assert np.all(train[0] > train[1])  # a 50 times lower LR learns less in two epochs
    assert np.all(sweep.seed_ratios("lr", "train_loss") > 1.0)
    assert isinstance(sweep.comparison.runs["default"][0], History)
    ax = sweep.plot("val_loss", title="two knobs")
    assert [line.get_label() for line in ax.get_lines()][:1] == ["lr"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1/50", "1/4", "1"]  # x default
    plt.close("all")


@pytest.mark.parametrize(
    ("defaults", "grids", "word"),
    [
        ({}, {"lr": [0.1, 1.0]}, "defaults"),
        ({"lr": 1.0}, {}, "grids"),
        ({"lr": 1.0}, {"lrr": [0.1, 1.0]}, "did you mean 'lr'"),
        (
            {"lr": 1.0},
            {"lr": [0.1, 0.5]},
            r"grids\['lr'\] must be a list that includes the default",
        ),
        ({"lr": 1.0}, {"lr": [1.0, 0.1]}, r"grids\['lr'\] must be an increasing list"),
        ({"lr": 1.0}, {"lr": [1.0]}, "at least 2"),
        ({"lr": 1.0}, {"lr": [-1.0, 1.0]}, r"grids\['lr'\]"),
        ({"lr": 1.0}, {"lr": "1.0"}, r"grids\['lr'\] must be a list of numbers"),
        ({"lr": 0.0}, {"lr": [0.0, 1.0]}, r"defaults\['lr'\] must be a finite number > 0"),
    ],
)
def test_knob_sweep_bad_input(defaults, grids, word):
    with pytest.raises(ValueError, match=word):
        lc.knob_sweep(_knob_run([]), defaults, grids, seeds=[0], metrics=("loss",))
    sweep = lc.knob_sweep(
        lambda seed, lr: {"loss": lr}, {"lr": 1.0}, {"lr": [0.5, 1.0]}, seeds=[0], metrics=["loss"]
    )
    with pytest.raises(ValueError, match="knob must be one of"):
        sweep.values("width", "loss")
    with pytest.raises(ValueError, match="metric"):
        sweep.ratio("lr", "acc")


# --- sequence task and the tiny transformer ----------------------------------------------------


def test_fit_learns_a_sequence_task_and_reports_token_accuracy():
    d = lc.make_sequence_data("reverse", length=6, vocab=6, n_samples=1200, seed=0)
    net = lc.tiny_transformer(vocab=6, max_len=6, norm="pre", seed=0)
    h = lc.fit(
        net,
        d,
        optimizer=torch.optim.Adam(net.parameters(), lr=0.01),
        epochs=4,
        batch_size=64,
        loss_fn=lc.sequence_cross_entropy,
        progress=False,
    )
    with torch.no_grad():
        manual = (net(d.X_val).argmax(-1) == d.y_val).float().mean().item()
    assert h.val_acc[-1] == pytest.approx(manual, abs=1e-6)
    assert h.val_acc[-1] > 2 / 6  # twice chance: it learns
