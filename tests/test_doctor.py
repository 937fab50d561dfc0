"""The schedule doctor: each mistake reproduced in a real torch loop is named, at the step
where it shows; each correct loop gets a clean bill; bad input gets one clear error."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.optim import lr_scheduler as S

import lrcourse as lc
from lrcourse.doctor import CODES, Diagnosis
from lrcourse.training import History
from lrcourse.validation import ParameterError

EPOCHS, SPE, LR = 5, 6, 0.1  # 30 optimizer steps
N = EPOCHS * SPE


def run_loop(
    make,
    *,
    per="batch",
    before=False,
    prestep=0,
    restart_at=None,
    accum=1,
    metrics=None,
    feed_metric=True,
    epochs=EPOCHS,
    seed=0,
):
    """Train a tiny model with SGD and the real scheduler ``make(optimizer)``; return the LR
    read before each ``optimizer.step()`` and the per-epoch loss (the plateau's metric).

    ``per``: where the scheduler is stepped (after each optimizer step, or once per epoch);
    ``before``: stepped before the optimizer instead; ``prestep``: calls made before training
    (a plotting cell); ``restart_at``: the step at which a resumed run rebuilds optimizer and
    scheduler from scratch; ``accum``: micro-batches per optimizer step; ``metrics``: fed to
    a ReduceLROnPlateau instead of the measured loss; ``feed_metric=False``: never stepped.
    """
    torch.manual_seed(seed)
    model = nn.Linear(3, 1)
    x = torch.randn(SPE * accum * 4, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(len(x), 1)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    sched = make(opt)
    plateau = isinstance(sched, S.ReduceLROnPlateau)
    lrs, losses = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's call-order warning: the mistakes are on purpose
        for _ in range(prestep):
            sched.step()
        for epoch in range(epochs):
            if per == "epoch" and before:
                sched.step()
            total = 0.0
            for b in range(SPE * accum):
                if restart_at is not None and len(lrs) == restart_at and b % accum == 0:
                    opt = torch.optim.SGD(model.parameters(), lr=LR)
                    sched = make(opt)
                xb, yb = x[b * 4 : b * 4 + 4], y[b * 4 : b * 4 + 4]
                loss = nn.functional.mse_loss(model(xb), yb) / accum
                loss.backward()
                total += loss.item()
                if (b + 1) % accum:
                    continue
                if per == "batch" and before:
                    sched.step()
                lrs.append(opt.param_groups[0]["lr"])
                opt.step()
                opt.zero_grad()
                if per == "batch" and not before and not plateau:
                    sched.step()
            losses.append(total)
            if plateau and feed_metric:
                sched.step(losses[-1] if metrics is None else metrics[epoch])
            elif per == "epoch" and not before and not plateau:
                sched.step()
    return lrs, losses


# ----------------------------------------------------------------------------- correct loops

WARM = 5
PLATEAU_KW = {"mode": "min", "factor": 0.5, "patience": 0, "threshold": 0.5}

CORRECT = {  # name: (factory, (name, kwargs), step_per)
    "StepLR per epoch": (
        lambda o: S.StepLR(o, step_size=2, gamma=0.5),
        ("StepLR", {"step_size": 2, "gamma": 0.5}),
        "epoch",
    ),
    "cosine per batch": (
        lambda o: S.CosineAnnealingLR(o, T_max=N),
        ("CosineAnnealingLR", {"T_max": N}),
        "batch",
    ),
    "cosine per epoch": (
        lambda o: S.CosineAnnealingLR(o, T_max=EPOCHS, eta_min=0.001),
        ("CosineAnnealingLR", {"T_max": EPOCHS, "eta_min": 0.001}),
        "epoch",
    ),
    "OneCycleLR": (
        lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=N),
        ("OneCycleLR", {"max_lr": 1.0, "total_steps": N}),
        "batch",
    ),
    "LinearLR then cosine": (
        lambda o: S.SequentialLR(
            o,
            [S.LinearLR(o, 0.1, total_iters=WARM), S.CosineAnnealingLR(o, T_max=N - WARM)],
            milestones=[WARM],
        ),
        (
            "SequentialLR",
            {
                "schedulers": [
                    ("LinearLR", {"start_factor": 0.1, "total_iters": WARM}),
                    ("CosineAnnealingLR", {"T_max": N - WARM}),
                ],
                "milestones": [WARM],
            },
        ),
        "batch",
    ),
    "linear_warmup via LambdaLR": (
        lambda o: S.LambdaLR(o, lc.linear_warmup(WARM)),
        ("LambdaLR", {"lr_lambda": lc.linear_warmup(WARM)}),
        "batch",
    ),
}


@pytest.mark.parametrize("case", list(CORRECT))
@pytest.mark.parametrize("form", ["spec", "factory"])
def test_correct_loops_get_a_clean_bill(case, form):
    factory, spec, per = CORRECT[case]
    lrs, _ = run_loop(factory, per=per)
    assert len(lrs) == N and len(set(np.round(lrs, 12))) > 1  # the LR really moved
    intended = spec if form == "spec" else factory
    d = lc.diagnose(lrs, intended, lr=LR, step_per=per, steps_per_epoch=SPE)
    assert d.ok, str(d)
    assert str(d) == "clean bill: the run followed the schedule"
    np.testing.assert_allclose(d.expected, lrs, rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plateau_fed_its_metric_gets_a_clean_bill_and_really_cut(seed):
    make = lambda o: S.ReduceLROnPlateau(o, **PLATEAU_KW)  # noqa: E731
    lrs, losses = run_loop(make, per="epoch", epochs=8, seed=seed)
    assert min(lrs) < LR  # the metric cut the LR at least once
    d = lc.diagnose(
        lrs,
        ("ReduceLROnPlateau", PLATEAU_KW),
        lr=LR,
        step_per="epoch",
        steps_per_epoch=SPE,
        metrics=losses,
    )
    assert d.ok, str(d)
    d = lc.diagnose(
        lrs,
        lambda o: S.ReduceLROnPlateau(o, **PLATEAU_KW),
        lr=LR,
        step_per="epoch",
        steps_per_epoch=SPE,
        metrics=losses,
    )
    assert d.ok, str(d)


def test_a_history_supplies_the_trace_and_steps_per_epoch():
    factory, spec, _ = CORRECT["StepLR per epoch"]
    lrs, _ = run_loop(factory, per="epoch")
    history = History(steps_per_epoch=SPE, lrs=lrs)
    assert lc.diagnose(history, spec, lr=LR, step_per="epoch").ok
    assert not lc.diagnose(history, spec, lr=LR, step_per="batch").ok


# ----------------------------------------------------------------------------- mistakes


def _only(d: Diagnosis, code: str):
    assert d.codes == [code], str(d)
    assert code in CODES
    return d.findings[0]


@pytest.mark.parametrize("form", ["spec", "factory"])
def test_stepped_before_the_optimizer_per_batch(form):
    factory = lambda o: S.StepLR(o, step_size=4, gamma=0.5)  # noqa: E731
    spec = ("StepLR", {"step_size": 4, "gamma": 0.5})
    lrs, _ = run_loop(factory, before=True)
    d = lc.diagnose(lrs, spec if form == "spec" else factory, lr=LR)
    f = _only(d, "stepped_before_optimizer")
    assert f.step == 3  # a StepLR of 4 steps: the first cut comes one step early
    assert "before optimizer.step()" in f.message and "step 3" in str(d)


def test_stepped_before_the_optimizer_per_epoch():
    lrs, _ = run_loop(lambda o: S.StepLR(o, step_size=2, gamma=0.5), per="epoch", before=True)
    d = lc.diagnose(
        lrs,
        ("StepLR", {"step_size": 2, "gamma": 0.5}),
        lr=LR,
        step_per="epoch",
        steps_per_epoch=SPE,
    )
    assert _only(d, "stepped_before_optimizer").step == SPE  # epoch 1 already cut


@pytest.mark.parametrize("shift", [2, 7])
def test_stepped_before_training_names_the_calls(shift):
    lrs, _ = run_loop(lambda o: S.CosineAnnealingLR(o, T_max=N), prestep=shift)
    d = lc.diagnose(lrs, ("CosineAnnealingLR", {"T_max": N}), lr=LR)
    f = _only(d, "stepped_before_training")
    assert f.step == 0 and f"starts {shift} scheduler calls" in f.message


def test_epoch_schedule_stepped_per_batch_runs_too_fast():
    lrs, _ = run_loop(lambda o: S.StepLR(o, step_size=2, gamma=0.5), per="batch")
    d = lc.diagnose(
        lrs,
        ("StepLR", {"step_size": 2, "gamma": 0.5}),
        lr=LR,
        step_per="epoch",
        steps_per_epoch=SPE,
    )
    f = _only(d, "wrong_unit")
    assert f.step == 2 and f"{SPE} times too fast" in f.message


def test_batch_schedule_stepped_per_epoch_barely_moves():
    lrs, _ = run_loop(lambda o: S.CosineAnnealingLR(o, T_max=N), per="epoch")
    spec = ("CosineAnnealingLR", {"T_max": N})
    f = _only(lc.diagnose(lrs, spec, lr=LR, steps_per_epoch=SPE), "wrong_unit")
    assert f.step == 1 and "barely moves" in f.message
    # without steps_per_epoch the doctor cannot name the unit, and says so honestly
    assert lc.diagnose(lrs, spec, lr=LR).codes == ["unexplained"]


def test_cosine_horizon_too_short_is_found():
    lrs, _ = run_loop(lambda o: S.CosineAnnealingLR(o, T_max=N // 3))
    # the horizon the run should have had: found by search
    d = lc.diagnose(lrs, ("CosineAnnealingLR", {"T_max": N}), lr=LR)
    f = _only(d, "horizon_too_short")
    assert f.step == 1 and f"T_max={N // 3}" in f.message and f"T_max={N}" in f.message
    # the horizon the loop was given: the run goes past it (the cosine climbs back)
    d = lc.diagnose(lrs, ("CosineAnnealingLR", {"T_max": N // 3}), lr=LR)
    f = _only(d, "horizon_too_short")
    assert f.step == N // 3 + 1 and lrs[f.step] > lrs[f.step - 1]


@pytest.mark.parametrize("accum", [2, 4])
def test_one_cycle_counting_micro_batches_is_a_horizon_accum_times_too_long(accum):
    lrs, _ = run_loop(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=N * accum), accum=accum)
    assert len(lrs) == N
    meant = ("OneCycleLR", {"max_lr": 1.0, "total_steps": N})
    f = _only(lc.diagnose(lrs, meant), "horizon_too_long")
    assert f"total_steps={N * accum}" in f.message and f"{accum}x" in f.message
    written = ("OneCycleLR", {"max_lr": 1.0, "epochs": EPOCHS, "steps_per_epoch": SPE * accum})
    f = _only(lc.diagnose(lrs, written), "horizon_too_long")
    assert f.step == N - 1 and f"{accum}x" in f.message and f"{100 // accum}%" in f.message


def test_a_factory_too_long_horizon_is_read_off_the_scheduler():
    factory = lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=3 * N)  # noqa: E731
    lrs, _ = run_loop(factory)
    assert _only(lc.diagnose(lrs, factory, lr=LR), "horizon_too_long").step == N - 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plateau_that_never_saw_its_metric(seed):
    make = lambda o: S.ReduceLROnPlateau(o, **PLATEAU_KW)  # noqa: E731
    lrs, losses = run_loop(make, feed_metric=False, epochs=8, seed=seed)
    assert len(set(lrs)) == 1
    should = lc.lr_curve("ReduceLROnPlateau", lr=LR, metrics=losses, **PLATEAU_KW)
    first_cut = int(np.argmax(should < LR))
    assert first_cut > 0  # the metric does call for a cut
    d = lc.diagnose(
        lrs,
        ("ReduceLROnPlateau", PLATEAU_KW),
        lr=LR,
        step_per="epoch",
        steps_per_epoch=SPE,
        metrics=losses,
    )
    f = _only(d, "plateau_without_metric")
    assert f.step == first_cut * SPE and "scheduler.step(metric)" in f.message


@pytest.mark.parametrize(
    ("make", "spec", "per", "restart"),
    [
        (
            lambda o: S.CosineAnnealingLR(o, T_max=N),
            ("CosineAnnealingLR", {"T_max": N}),
            "batch",
            17,
        ),
        (
            lambda o: S.StepLR(o, step_size=2, gamma=0.5),
            ("StepLR", {"step_size": 2, "gamma": 0.5}),
            "epoch",
            3 * SPE,
        ),
    ],
)
def test_a_resumed_run_whose_schedule_restarted(make, spec, per, restart):
    lrs, _ = run_loop(make, per=per, restart_at=restart)
    d = lc.diagnose(lrs, spec, lr=LR, step_per=per, steps_per_epoch=SPE)
    f = _only(d, "restarted_schedule")
    assert f.step == restart and "state_dict" in f.message


def test_warmup_from_zero_names_the_course_forms():
    lrs, _ = run_loop(lambda o: S.LambdaLR(o, lambda t: min(1.0, t / WARM)))
    assert lrs[0] == 0.0
    d = lc.diagnose(lrs, ("transformers_constant_with_warmup", {"warmup_steps": WARM}), lr=LR)
    f = _only(d, "warmup_from_zero")  # the loop followed its schedule: only the ramp is wrong
    assert f.step == 0 and "lc.linear_warmup" in f.message and "lc.linear_with_warmup" in f.message


# ----------------------------------------------------------------------------- tolerance


def test_rounding_passes_but_a_real_difference_does_not():
    factory, spec, _ = CORRECT["cosine per batch"]
    lrs = np.array(run_loop(factory)[0])
    assert lc.diagnose(lrs * (1 + 1e-12), spec, lr=LR).ok
    bumped = lrs.copy()
    bumped[11] *= 1 + 1e-6
    d = lc.diagnose(bumped, spec, lr=LR)
    assert d.codes == ["unexplained"] and d.findings[0].step == 11


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"lrs": "0.1"}, "lrs"),
        ({"lrs": []}, "lrs"),
        ({"lrs": [0.1, float("nan")]}, "lrs"),
        ({"intended": 42}, "intended"),
        ({"intended": ("StepRL", {"step_size": 2})}, "intended"),
        ({"intended": lambda o: o}, "intended"),
        ({"intended": S.CosineAnnealingLR}, "intended"),  # the class: T_max missing
        ({"step_per": "epochs"}, "step_per"),
        ({"step_per": "epoch"}, "steps_per_epoch"),
        ({"steps_per_epoch": 0}, "steps_per_epoch"),
        ({"lr": None}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"metrics": [1.0, 2.0]}, "metrics"),
        ({"intended": ("ReduceLROnPlateau", {})}, "metrics"),
        ({"intended": ("ReduceLROnPlateau", {}), "metrics": [1.0]}, "metrics"),  # too short
        ({"intended": ("OneCycleLR", {"max_lr": 1.0})}, "total_steps"),
        ({"intended": ("StepLR", {"lr": 0.1, "step_size": 2})}, "lr"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, param):
    args = {"lrs": [0.1, 0.1, 0.05], "intended": ("StepLR", {"step_size": 2}), "lr": 0.1}
    args |= kwargs
    with pytest.raises(ParameterError) as err:
        lc.diagnose(args.pop("lrs"), args.pop("intended"), **args)
    assert err.value.param == param
    assert str(err.value).startswith(param) or f"{param} must" in str(err.value)


# ----------------------------------------------------------------------------- lc.fit's runs


@pytest.mark.parametrize(
    ("step_per", "order", "prestep", "codes"),
    [
        ("epoch", "optimizer_first", 0, []),
        ("batch", "optimizer_first", 0, []),
        ("epoch", "scheduler_first", 0, ["stepped_before_optimizer"]),
        ("batch", "scheduler_first", 0, ["stepped_before_optimizer"]),
        ("batch", "optimizer_first", 3, ["stepped_before_training"]),
    ],
)
def test_the_course_loop_placements_read_from_a_history(step_per, order, prestep, codes):
    """lc.fit's own placements (chapter 2's mistakes on purpose): the History is enough."""
    spec = ("StepLR", {"step_size": 2, "gamma": 0.5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        history = lc.fit(
            lc.mlp(20, 16, 4, seed=0),
            lc.make_classification_data(seed=0, n_samples=240),
            optimizer=lambda p: torch.optim.SGD(p, lr=LR),
            scheduler=spec,
            epochs=4,
            batch_size=30,
            step_per=step_per,
            order=order,
            prestep=prestep,
            progress=False,
        )
    d = lc.diagnose(history, spec, lr=LR, step_per=step_per)
    assert d.codes == codes, str(d)
    if prestep:
        assert f"starts {prestep} scheduler calls" in d.findings[0].message


def test_a_run_stopped_on_purpose_is_not_blamed_on_the_horizon():
    factory, spec, _ = CORRECT["OneCycleLR"]
    lrs = run_loop(factory)[0][:12]
    assert lc.diagnose(lrs, spec).codes == ["horizon_too_long"]
    assert lc.diagnose(History(steps_per_epoch=SPE, lrs=lrs, stopped_at=11), spec).ok
    assert lc.diagnose(History(steps_per_epoch=SPE, lrs=lrs, diverged=True), spec).ok


def test_a_factor_schedule_with_a_short_horizon():
    lrs, _ = run_loop(lambda o: S.LambdaLR(o, lc.linear_with_warmup(WARM, N // 2)))
    spec = ("linear_with_warmup", {"warmup_steps": WARM, "total_steps": N})
    f = _only(lc.diagnose(lrs, spec, lr=LR), "horizon_too_short")
    assert f"total_steps={N // 2}" in f.message and f.step == WARM + 1  # the decay starts


def test_a_prestep_past_a_flat_end_is_a_lower_bound():
    """Stepped 8 times, a 5-step warmup is over: any count >= 5 gives the same trace."""
    make = lambda o: S.LinearLR(o, start_factor=0.1, total_iters=WARM)  # noqa: E731
    lrs, _ = run_loop(make, prestep=8)
    d = lc.diagnose(lrs, ("LinearLR", {"start_factor": 0.1, "total_iters": WARM}), lr=LR)
    assert "starts at least 5 scheduler calls" in _only(d, "stepped_before_training").message


# ----------------------------------------------------------------------------- the book's own


def test_never_stepped_and_a_ramp_from_zero_are_both_named():
    for factor, codes in [
        (lc.linear_warmup(WARM), ["never_stepped"]),
        (lambda t: min(1.0, t / WARM), ["never_stepped", "warmup_from_zero"]),
    ]:
        lrs, _ = run_loop(lambda o, f=factor: S.LambdaLR(o, f), per="never")
        assert len(set(lrs)) == 1
        d = lc.diagnose(
            lrs, ("LambdaLR", {"lr_lambda": factor}), lr=LR, step_per="epoch", steps_per_epoch=SPE
        )
        assert d.codes == codes, str(d)
        assert d.findings[0].step == SPE  # where a correct loop's first step shows


def test_a_shifted_run_that_starts_at_zero_is_not_called_a_warmup_from_zero():
    lrs, _ = run_loop(lambda o: S.CosineAnnealingLR(o, T_max=N), prestep=N)
    assert lrs[0] == 0.0
    d = lc.diagnose(lrs, ("CosineAnnealingLR", {"T_max": N}), lr=LR)
    assert _only(d, "stepped_before_training").step == 0


@pytest.mark.parametrize(
    ("make", "spec", "code", "step"),
    [
        (
            lambda o: S.StepLR(o, step_size=2, gamma=2.0),
            ("StepLR", {"step_size": 2, "gamma": 0.5}),
            "gamma_upside_down",
            2 * SPE,
        ),
        (
            lambda o: S.MultiStepLR(o, [1, 2], gamma=0.5),
            ("MultiStepLR", {"milestones": [2, 4], "gamma": 0.5}),
            "decayed_too_early",
            SPE,
        ),
        (
            lambda o: S.MultiStepLR(o, [2, 3.5], gamma=0.5),
            ("MultiStepLR", {"milestones": [2, 3], "gamma": 0.5}),
            "decayed_too_late",
            3 * SPE,
        ),
    ],
)
def test_a_step_decay_with_a_setting_misread(make, spec, code, step):
    lrs, _ = run_loop(make, per="epoch")
    d = lc.diagnose(lrs, spec, lr=LR, step_per="epoch", steps_per_epoch=SPE)
    assert _only(d, code).step == step


def test_a_continuous_decay_is_never_called_early_or_late():
    """The level check needs a step decay: a cosine at another pace stays unexplained."""
    lrs, _ = run_loop(lambda o: S.CosineAnnealingLR(o, T_max=N), per="epoch")
    assert lc.diagnose(lrs, ("CosineAnnealingLR", {"T_max": N}), lr=LR).codes == ["unexplained"]


def test_cyclic_bounds_swapped_and_eta_min_above_the_lr():
    lrs, _ = run_loop(lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=0.01, step_size_up=4))
    spec = ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4})
    f = _only(lc.diagnose(lrs, spec), "bounds_swapped")
    assert f.step == 0 and "momentum" in f.message
    lrs, _ = run_loop(lambda o: S.CosineAnnealingLR(o, T_max=N, eta_min=0.5))
    spec = ("CosineAnnealingLR", {"T_max": N, "eta_min": 0.5 * LR})
    assert lrs[-1] > lrs[0]  # it rises
    f = _only(lc.diagnose(lrs, spec, lr=LR), "eta_min_above_lr")
    assert f.step == 1 and "eta_min=0.5" in f.message


def test_a_plateau_in_the_wrong_mode_and_one_stepped_per_batch():
    acc = [0.5, 0.6, 0.7, 0.72, 0.71, 0.7, 0.69, 0.68]
    kw = {"factor": 0.5, "patience": 1}
    lrs, _ = run_loop(
        lambda o: S.ReduceLROnPlateau(o, mode="min", **kw), per="epoch", metrics=acc, epochs=8
    )
    d = lc.diagnose(
        lrs,
        ("ReduceLROnPlateau", kw | {"mode": "max"}),
        lr=LR,
        step_per="epoch",
        steps_per_epoch=SPE,
        metrics=acc,
    )
    # epochs 1 and 2 look worse than epoch 0 (patience 1): the cut shows in epoch 3
    assert _only(d, "plateau_mode_flipped").step == 3 * SPE
    lrs = lc.casebook.real_loop(
        lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2), metric=lambda e, loss: loss
    )
    d = lc.diagnose(
        lrs,
        ("ReduceLROnPlateau", kw),
        lr=LR,
        step_per="epoch",
        steps_per_epoch=lc.casebook.SPE,
        metrics=lc.casebook.VAL,
    )
    assert "per batch" in _only(d, "wrong_unit").message


@pytest.mark.parametrize("order", ["warmup first", "cosine first"])
def test_two_schedulers_on_one_optimizer(order):
    def both(o):
        pair = (S.LambdaLR(o, lc.linear_warmup(WARM)), S.CosineAnnealingLR(o, T_max=N))
        return pair if order == "warmup first" else pair[::-1]

    lrs = lc.casebook.real_loop(both, epochs=EPOCHS, steps_per_epoch=SPE)
    subs = [
        ("LambdaLR", {"lr_lambda": lc.linear_warmup(WARM)}),
        ("CosineAnnealingLR", {"T_max": N - WARM}),
    ]
    spec = ("SequentialLR", {"schedulers": subs, "milestones": [WARM]})
    assert "SequentialLR" in _only(lc.diagnose(lrs, spec, lr=LR), "two_schedulers").message


def test_a_lambda_returning_the_lr_and_milestones_in_epochs():
    lrs, _ = run_loop(lambda o: S.LambdaLR(o, lambda k: LR * 0.9**k))
    spec = ("LambdaLR", {"lr_lambda": lambda k: 0.9**k})
    assert _only(lc.diagnose(lrs, spec, lr=LR), "factor_is_lr").step == 0

    def sequential(milestone):
        return (
            "SequentialLR",
            {
                "schedulers": [
                    ("LinearLR", {"start_factor": 0.1, "total_iters": 2 * SPE}),
                    ("CosineAnnealingLR", {"T_max": N - 2 * SPE}),
                ],
                "milestones": [milestone],
            },
        )

    lrs, _ = run_loop(lambda o: lc.scheduler_from_spec(sequential(2), o))
    d = lc.diagnose(lrs, sequential(2 * SPE), lr=LR, steps_per_epoch=SPE)
    assert "milestones=[2]" in _only(d, "wrong_unit").message
