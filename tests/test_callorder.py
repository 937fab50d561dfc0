"""lrcourse.callorder: the loop with switchable call order, LR traces, get_lr vs get_last_lr."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import lrcourse as lc  # noqa: E402
from lrcourse.callorder import (  # noqa: E402
    LoopHistory,
    LRTrace,
    get_lr_vs_last,
    intended_lrs,
    plot_traces,
    record_lrs,
    run_loop,
)

STEP = ("StepLR", {"step_size": 2, "gamma": 0.5})
WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


# --------------------------------------------------------------------------- hand-computed


def test_correct_loop_per_epoch_by_hand():
    # StepLR(2, 0.5) from 1.0: epochs use 1, 1, 0.5, 0.5; two steps per epoch.
    t = record_lrs(*STEP, epochs=4, steps_per_epoch=2, lr=1.0)
    assert t.lrs.tolist() == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]
    assert t.warnings == [] and t.scheduler_calls == 4
    assert t.per_epoch.tolist() == [1, 1, 0.5, 0.5]


def test_scheduler_first_skips_the_first_value_by_hand():
    # stepped at the start of each epoch: epoch e uses eta_{e+1} = 1, 0.5, 0.5, 0.25
    t = record_lrs(*STEP, epochs=4, steps_per_epoch=2, lr=1.0, order="scheduler_first")
    assert t.lrs.tolist() == [1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert len(t.warnings) == 1 and WARNING in t.warnings[0]
    assert t.warnings[0].startswith("UserWarning: ")


def test_scheduler_first_per_batch_by_hand():
    t = record_lrs(
        *STEP, epochs=2, steps_per_epoch=3, lr=1.0, order="scheduler_first", step_per="batch"
    )
    # batch t uses eta_{t+1}: 1, .5, .5, .25, .25, .125
    assert t.lrs.tolist() == [1, 0.5, 0.5, 0.25, 0.25, 0.125]
    assert t.scheduler_calls == 6


def test_prestep_by_hand_and_plotting_warns():
    # a plotting cell stepped it 3 times: epochs use eta_3.. = 0.5, 0.25, 0.25
    t = record_lrs(*STEP, epochs=3, steps_per_epoch=1, lr=1.0, prestep=3)
    assert t.lrs.tolist() == [0.5, 0.25, 0.25]
    assert t.scheduler_calls == 6
    assert len(t.warnings) == 1 and WARNING in t.warnings[0]  # the plotting loop warns


def test_one_cycle_per_epoch_barely_leaves_its_start():
    kw = {"max_lr": 1.0, "total_steps": 100}
    per_epoch = record_lrs("OneCycleLR", kw, epochs=10, steps_per_epoch=10, step_per="epoch")
    per_batch = record_lrs("OneCycleLR", kw, epochs=10, steps_per_epoch=10, step_per="batch")
    start = 1.0 / 25
    assert per_batch.lrs[0] == pytest.approx(start) and per_batch.lrs.max() == pytest.approx(1.0)
    assert per_epoch.lrs[0] == pytest.approx(start)
    # 10 scheduler steps of 100: the LR stops at step 9 of a 29-step cosine warmup
    peak_reached = start + (1.0 - start) * (1 - np.cos(np.pi * 9 / 29)) / 2
    assert per_epoch.lrs.max() == pytest.approx(peak_reached) and peak_reached < 0.26
    assert np.unique(per_epoch.lrs).size == 10  # held for whole epochs


def test_one_cycle_past_total_steps_raises_torch_error():
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        record_lrs(
            "OneCycleLR",
            {"max_lr": 1.0, "total_steps": 10},
            epochs=3,
            steps_per_epoch=4,
            step_per="batch",
        )
    with pytest.raises(ValueError, match="total_steps"):
        intended_lrs(
            "OneCycleLR",
            {"max_lr": 1.0, "total_steps": 10},
            epochs=3,
            steps_per_epoch=4,
            step_per="batch",
        )


# --------------------------------------------------------------------------- the shift law


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("StepLR", {"step_size": 3, "gamma": 0.3}),
        ("CosineAnnealingLR", {"T_max": 9}),
        ("ExponentialLR", {"gamma": 0.8}),
        ("LinearLR", {"start_factor": 0.1, "total_iters": 4}),
        ("OneCycleLR", {"max_lr": 0.5, "total_steps": 60}),
        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5}),
    ],
)
@pytest.mark.parametrize("order", ["optimizer_first", "scheduler_first"])
@pytest.mark.parametrize("step_per", ["epoch", "batch"])
@pytest.mark.parametrize("prestep", [0, 2])
def test_recorded_equals_intended_with_predicted_offset(name, kwargs, order, step_per, prestep):
    args = dict(epochs=6, steps_per_epoch=3, lr=0.2)
    t = record_lrs(name, kwargs, order=order, step_per=step_per, prestep=prestep, **args)
    p = prestep + (order == "scheduler_first")
    want = intended_lrs(name, kwargs, step_per=step_per, offset=p, **args)
    assert t.lrs.shape == (18,)
    np.testing.assert_allclose(t.lrs, want, rtol=1e-12, atol=1e-15)
    assert len(t.warnings) == (1 if p else 0)
    calls = 6 if step_per == "epoch" else 18
    assert t.scheduler_calls == calls + prestep


def test_shift_between_two_recorded_traces_is_exact():
    kw = {"T_max": 8}
    right = record_lrs("CosineAnnealingLR", kw, epochs=8, steps_per_epoch=5)
    wrong = record_lrs(
        "CosineAnnealingLR", kw, epochs=8, steps_per_epoch=5, order="scheduler_first"
    )
    assert np.array_equal(wrong.lrs[:-5], right.lrs[5:])  # bitwise: one epoch earlier
    assert wrong.lrs[-1] == 0.0 and right.lrs[-1] > 0  # the last epoch at eta_min


def test_plateau_with_metrics():
    metrics = [1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    kw = {"patience": 1, "factor": 0.5}
    t = record_lrs("ReduceLROnPlateau", kw, epochs=6, steps_per_epoch=2, metrics=metrics)
    want = intended_lrs("ReduceLROnPlateau", kw, epochs=6, steps_per_epoch=2, metrics=metrics)
    np.testing.assert_allclose(t.lrs, want)
    assert t.lrs[-1] < t.lrs[0]  # it did reduce
    with pytest.raises(ValueError, match="metrics"):
        record_lrs("ReduceLROnPlateau", kw, epochs=6, steps_per_epoch=2)


def test_intended_lrs_repeats_per_epoch():
    got = intended_lrs(*STEP, epochs=3, steps_per_epoch=2, lr=1.0)
    assert got.tolist() == [1, 1, 1, 1, 0.5, 0.5]
    got = intended_lrs(*STEP, epochs=3, steps_per_epoch=2, lr=1.0, step_per="batch")
    assert got.tolist() == [1, 1, 0.5, 0.5, 0.25, 0.25]


# --------------------------------------------------------------------------- run_loop


def _fit_args(seed: int = 1):
    return dict(
        optimizer=lambda p: torch.optim.SGD(p, lr=0.3, momentum=0.9),
        epochs=3,
        batch_size=64,
        seed=seed,
    )


def test_run_loop_keeps_the_warnings_fit_would_show(recwarn):
    # run_loop is fit with the warnings recorded instead of shown: same numbers, one warning
    common = dict(device="cpu", order="scheduler_first", **_fit_args())
    sched = lambda o: torch.optim.lr_scheduler.StepLR(o, 1, 0.5)  # noqa: E731
    data = lc.load_digits_data(seed=1)
    got = run_loop(lc.mlp(64, 16, 10, seed=1), data, scheduler=sched, **common)
    assert len(recwarn) == 0
    assert isinstance(got, LoopHistory) and len(got.warnings) == 1 and WARNING in got.warnings[0]
    with pytest.warns(UserWarning, match="Detected call"):
        ref = lc.fit(lc.mlp(64, 16, 10, seed=1), data, scheduler=sched, progress=False, **common)
    assert got.lrs == ref.lrs and got.step_loss == ref.step_loss


def test_run_loop_scheduler_first_and_lr_zero_epoch_is_frozen():
    data = lc.load_digits_data(seed=0)
    h = run_loop(
        lc.mlp(64, 16, 10, seed=0),
        data,
        order="scheduler_first",
        device="cpu",
        scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=3),
        **_fit_args(0),
    )
    assert any(WARNING in w for w in h.warnings)
    assert h.lrs[-1] == 0.0
    # the last epoch runs at LR 0: the parameters do not move, the losses repeat exactly
    assert h.train_loss[-1] == h.train_loss[-2] and h.val_loss[-1] == h.val_loss[-2]
    assert h.scheduler_calls == 3


def test_run_loop_without_scheduler_and_diverging():
    data = lc.load_digits_data(seed=0)
    calls = []

    def blows_up(out, y):  # the fifth training batch's loss is NaN
        loss = torch.nn.functional.cross_entropy(out, y)
        if not torch.is_grad_enabled():  # fit's wiring check, before training
            return loss
        calls.append(1)
        return loss * float("nan") if len(calls) == 5 else loss

    h = run_loop(lc.mlp(64, 16, 10, seed=0), data, device="cpu", loss_fn=blows_up, **_fit_args(0))
    assert h.diverged and h.diverged_at == 4 and h.lrs == [0.3] * 5 and len(h.step_loss) == 5
    assert h.epochs_run == 0
    assert h.scheduler_calls == 0


def test_run_loop_bad_input():
    data = lc.load_digits_data(seed=0)
    model = lc.mlp(64, 8, 10)
    args = _fit_args()
    with pytest.raises(ValueError, match="order"):
        run_loop(model, data, order="before", **args)
    with pytest.raises(ValueError, match="step_per"):
        run_loop(model, data, step_per="step", **args)
    with pytest.raises(ValueError, match="prestep"):
        run_loop(model, data, prestep=-1, **args)
    with pytest.raises(ValueError, match="epochs"):
        run_loop(model, data, **{**args, "epochs": 0})
    with pytest.raises(ValueError, match="model"):
        run_loop("mlp", data, **args)
    with pytest.raises(ValueError, match="X_train"):
        run_loop(model, object(), **args)
    with pytest.raises(ValueError, match="metrics"):
        run_loop(model, data, metrics=[[1.0]], **args)
    other = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="scheduler must be a scheduler on the optimizer"):
        run_loop(model, data, scheduler=torch.optim.lr_scheduler.StepLR(other, 1), **args)
    plateau = lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o)  # noqa: E731
    with pytest.raises(ValueError, match="metrics"):
        run_loop(model, data, scheduler=plateau, order="scheduler_first", **args)


def test_record_and_intended_bad_input():
    with pytest.raises(ValueError, match="epochs"):
        record_lrs(*STEP, epochs=0, steps_per_epoch=2)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        intended_lrs(*STEP, epochs=2, steps_per_epoch=1.5)
    with pytest.raises(ValueError, match="offset"):
        intended_lrs(*STEP, epochs=2, steps_per_epoch=2, offset=-1)
    with pytest.raises(ValueError, match="lr"):
        record_lrs(*STEP, epochs=2, steps_per_epoch=2, lr=0)
    with pytest.raises(ValueError, match="name"):
        record_lrs("NoSuchLR", {}, epochs=2, steps_per_epoch=2)


# --------------------------------------------------------------------------- get_lr


def test_get_lr_outside_step_chainable_vs_closed_form():
    exp = get_lr_vs_last("ExponentialLR", 4, lr=1.0, gamma=0.5)
    np.testing.assert_allclose(exp.last, [1, 0.5, 0.25, 0.125])
    np.testing.assert_allclose(exp.get_lr, exp.last * 0.5)  # one update too many
    assert "get_last_lr()" in exp.warning and exp.warning.startswith("UserWarning")
    step = get_lr_vs_last("StepLR", 5, lr=1.0, step_size=2, gamma=0.5)
    assert step.get_lr[2] == 0.25 and step.last[2] == 0.5 and step.next[2] == 0.5  # neither
    cos = get_lr_vs_last("CosineAnnealingLR", 3, lr=1.0, T_max=4)
    assert cos.get_lr[0] > 1.0  # above the peak, a value the schedule never takes
    for name, kw in [
        ("OneCycleLR", {"max_lr": 1.0, "total_steps": 6}),
        ("LambdaLR", {"lr_lambda": lambda k: 0.9**k}),
    ]:
        c = get_lr_vs_last(name, 5, lr=1.0, **kw)
        np.testing.assert_allclose(c.get_lr, c.last)  # closed form: the current LR
        np.testing.assert_allclose(c.last, lc.lr_curve(name, 5, lr=1.0, **kw))
    assert "get_last_lr" in repr(exp)


def test_get_lr_vs_last_rejects():
    with pytest.raises(ValueError, match="steps"):
        get_lr_vs_last("StepLR", 0, step_size=2)
    with pytest.raises(ValueError, match="name"):
        get_lr_vs_last("ReduceLROnPlateau", 3)


# --------------------------------------------------------------------------- plotting


def test_plot_traces_by_step_and_epoch():
    t = record_lrs(*STEP, epochs=3, steps_per_epoch=4)
    ax = plot_traces(
        {"recorded": t, "intended": intended_lrs(*STEP, epochs=3, steps_per_epoch=4)},
        x="epoch",
        steps_per_epoch=4,
        title="t",
    )
    lines = ax.get_lines()
    assert len(lines) == 2 and lines[1].get_linestyle() == "--"
    assert lines[0].get_xdata()[-1] == pytest.approx(3.0)  # 12 steps / 4 per epoch
    assert ax.get_xlabel() == "epoch" and ax.get_title() == "t"
    ax2 = plot_traces({"a": [0.1, 0.2]})
    assert ax2.get_lines()[0].get_xdata()[-1] == 2
    plt.close("all")


def test_plot_traces_rejects():
    with pytest.raises(ValueError, match="traces"):
        plot_traces({})
    with pytest.raises(ValueError, match="steps_per_epoch"):
        plot_traces({"a": [0.1, 0.2]}, x="epoch")
    with pytest.raises(ValueError, match="x"):
        plot_traces({"a": [0.1]}, x="time")
    with pytest.raises(ValueError, match="trace"):
        plot_traces({"a": np.zeros((2, 2))})
    plt.close("all")


def test_lrtrace_repr():
    t = LRTrace(lrs=np.array([0.1, 0.05]), steps_per_epoch=1)
    assert "2 steps" in repr(t)
