"""Per epoch or per batch: the parameters each definition marks as counted in calls, and
``per_batch``'s conversion, checked against the curves."""

import numpy as np
import pytest

import lrcourse as lc
from lrcourse.schedules import NOT_CONVERTIBLE, SCHEDULES
from lrcourse.validation import ParameterError

S, EPOCHS = 7, 12
CONVERTIBLE = [n for n in SCHEDULES if n not in NOT_CONVERTIBLE]
# functions of k / T: the per-batch curve passes exactly through the per-epoch one
EXACT = [n for n in CONVERTIBLE if SCHEDULES[n].is_torch and n != "OneCycleLR"]


def _demo(name):
    return SCHEDULES[name].defaults() | SCHEDULES[name].example


def _curves(name, kw):
    per_epoch = lc.lr_curve(name, EPOCHS, lr=0.1, **kw)
    per_batch = lc.lr_curve(name, EPOCHS * S, lr=0.1, **lc.per_batch(name, kw, S))
    return per_epoch, per_batch


@pytest.mark.parametrize("name", EXACT)
def test_per_batch_passes_through_the_per_epoch_curve_at_epoch_starts(name):
    per_epoch, per_batch = _curves(name, _demo(name))
    np.testing.assert_allclose(per_batch[::S], per_epoch, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", CONVERTIBLE)
def test_per_batch_is_within_an_epoch_of_the_per_epoch_curve(name):
    """At each epoch start the per-batch LR lies between the per-epoch LRs of the epochs on
    either side: a shift of less than one epoch, whatever the schedule."""
    per_epoch, per_batch = _curves(name, _demo(name))
    padded = np.concatenate([[0.0], per_epoch, per_epoch[-1:]])  # a warmup rises from 0
    low = np.minimum.reduce([padded[:-2], padded[1:-1], padded[2:]])
    high = np.maximum.reduce([padded[:-2], padded[1:-1], padded[2:]])
    at = per_batch[::S]
    assert np.all(at >= low * (1 - 1e-12)) and np.all(at <= high * (1 + 1e-12))


def test_one_cycle_is_not_exact_at_epoch_starts():
    """The one-call shift of OneCycleLR's phase ends is real (why it is not in EXACT)."""
    per_epoch, per_batch = _curves("OneCycleLR", {"max_lr": 0.1, "total_steps": EPOCHS})
    assert not np.allclose(per_batch[::S], per_epoch, rtol=1e-6)


def test_per_call_factor_is_the_root_and_lengths_scale():
    assert lc.per_batch("ExponentialLR", {"gamma": 0.5}, 4)["gamma"] ** 4 == pytest.approx(0.5)
    kw = lc.per_batch("MultiStepLR", {"milestones": [3, 8], "gamma": 0.1}, 10)
    assert kw == {"milestones": [30, 80], "gamma": 0.1}
    kw = lc.per_batch("OneCycleLR", {"max_lr": 0.1, "epochs": 30, "steps_per_epoch": 1}, 43)
    assert kw["epochs"] * kw["steps_per_epoch"] == 30 * 43
    seq = lc.per_batch(
        "SequentialLR",
        {
            "schedulers": [("LinearLR", {"total_iters": 2}), ["CosineAnnealingLR", {"T_max": 8}]],
            "milestones": [2],
        },
        5,
    )
    assert seq["milestones"] == [10]
    assert seq["schedulers"] == [
        ("LinearLR", {"total_iters": 10}),
        ("CosineAnnealingLR", {"T_max": 40}),
    ]


def test_the_learners_kwargs_are_not_changed():
    kw = {"step_size": 3}
    lc.per_batch("StepLR", kw, 10)
    assert kw == {"step_size": 3}


@pytest.mark.parametrize("name", sorted(NOT_CONVERTIBLE))
def test_schedules_whose_arguments_cannot_say_are_refused(name):
    with pytest.raises(ParameterError, match=f"name must be .*, got '{name}'"):
        lc.per_batch(name, _demo(name), 5)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("StepLR", {"step_size": 3}, 0), "steps_per_epoch"),
        (("StepLR", {"step_size": 3}, 2.5), "steps_per_epoch"),
        (("NoSuchLR", {}, 5), "NoSuchLR"),
        (("StepLR", [1, 2], 5), "kwargs"),
        (("StepLR", {"step_size": "3"}, 5), "step_size"),
    ],
)
def test_bad_input_names_the_parameter(args, match):
    with pytest.raises(ParameterError, match=match):
        lc.per_batch(*args)


def test_stepping_table_reads_the_definitions():
    rows = {r["schedule"]: r for r in lc.stepping_table()}
    assert set(rows) == {n for n, i in SCHEDULES.items() if i.is_torch}
    for name, row in rows.items():
        counted = [p.name for p in SCHEDULES[name].arguments if p.counts == "calls"]
        assert row["counted in calls"] == (", ".join(counted) or "-")
        assert (row["step() needs"] == "the metric") == SCHEDULES[name].needs_metrics
    assert rows["ReduceLROnPlateau"]["per batch"] == NOT_CONVERTIBLE["ReduceLROnPlateau"]
    assert rows["CosineAnnealingLR"]["per batch"] == "T_max x S"
