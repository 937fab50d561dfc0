"""Chapter 12 in practice (lrcourse.practice): gradient accumulation counted right and wrong,
mixed precision's skipped steps and the fix, each a real torch loop, each diagnosed."""

from __future__ import annotations

import numpy as np
import pytest

import lrcourse as lc
from lrcourse.practice import horizon_key
from lrcourse.validation import ParameterError

STEPS, ACCUM = 20, 4
SCHEDULES = {
    "OneCycleLR": ("OneCycleLR", {"max_lr": 0.1}),
    "CosineAnnealingLR": ("CosineAnnealingLR", {}),
}
CALL_ORDER = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


def _g(schedule, horizon: int, calls: int) -> np.ndarray:
    """The LR after 0 .. calls - 1 scheduler calls on ``horizon``, stepped by torch."""
    name, kwargs = schedule
    return lc.torch_lr_curve(name, calls, lr=0.1, **kwargs, **{horizon_key(name): horizon})


@pytest.mark.parametrize("name", SCHEDULES)
def test_counted_in_optimizer_steps_is_clean(name):
    r = lc.accumulation_run(SCHEDULES[name], steps=STEPS, accum=ACCUM)
    assert r.diagnosis.ok and r.error is None and r.warnings == []
    assert np.allclose(r.lrs, _g(SCHEDULES[name], STEPS, STEPS), rtol=1e-12, atol=0)
    assert r.scheduler_calls == STEPS and len(r.losses) == STEPS
    # the LR changes only between optimizer steps: constant over each step's micro-batches
    micro = r.micro_lrs.reshape(STEPS, ACCUM)
    assert np.array_equal(micro, np.repeat(r.lrs[:, None], ACCUM, axis=1))


@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("accum", [2, ACCUM])
def test_horizon_counted_in_micro_batches_is_too_long(name, accum):
    r = lc.accumulation_run(SCHEDULES[name], steps=STEPS, accum=accum, horizon_unit="micro_batch")
    assert r.built[1][horizon_key(name)] == STEPS * accum
    assert np.allclose(r.lrs, _g(SCHEDULES[name], STEPS * accum, STEPS), rtol=1e-12, atol=0)
    assert r.diagnosis.codes == ["horizon_too_long"]
    message = r.diagnosis.findings[0].message
    assert f"={STEPS * accum}" in message and f"{accum}x the steps taken" in message


@pytest.mark.parametrize("name", SCHEDULES)
def test_stepped_per_micro_batch(name):
    """Optimizer step k uses g(k a + a - 1): the scheduler ran a - 1 calls before the first
    optimizer.step(), so torch warns; the doctor finds no single mistake it knows."""
    r = lc.accumulation_run(
        SCHEDULES[name], steps=STEPS, accum=ACCUM, horizon_unit="micro_batch",
        step_unit="micro_batch",
    )  # fmt: skip
    g = _g(SCHEDULES[name], STEPS * ACCUM, STEPS * ACCUM)
    assert np.allclose(r.lrs, g[np.arange(STEPS) * ACCUM + ACCUM - 1], rtol=1e-12, atol=0)
    assert np.allclose(r.micro_lrs, g, rtol=1e-12, atol=0)
    assert r.scheduler_calls == STEPS * ACCUM
    assert any(CALL_ORDER in w for w in r.warnings)
    assert r.diagnosis.codes == ["unexplained"]


def test_stepped_per_micro_batch_on_an_optimizer_step_horizon():
    """OneCycleLR refuses to step past total_steps: the run stops after steps / accum
    optimizer steps; CosineAnnealingLR goes on, accum times too fast."""
    one = lc.accumulation_run(
        SCHEDULES["OneCycleLR"], steps=STEPS, accum=ACCUM, step_unit="micro_batch"
    )
    assert "Tried to step" in one.error
    assert one.scheduler_calls == STEPS and len(one.lrs) == STEPS // ACCUM
    cos = lc.accumulation_run(
        SCHEDULES["CosineAnnealingLR"], steps=STEPS, accum=ACCUM, step_unit="micro_batch"
    )
    assert cos.error is None and len(cos.lrs) == STEPS
    g = _g(SCHEDULES["CosineAnnealingLR"], STEPS, STEPS * ACCUM)
    assert np.allclose(cos.lrs, g[np.arange(STEPS) * ACCUM + ACCUM - 1], rtol=1e-12, atol=1e-15)
    assert not cos.diagnosis.ok


def test_without_accumulation_the_units_agree():
    runs = [
        lc.accumulation_run(steps=STEPS, accum=1, horizon_unit=h, step_unit=s)
        for h in lc.practice.UNITS
        for s in lc.practice.UNITS
    ]
    for r in runs:
        assert np.array_equal(r.lrs, runs[0].lrs) and np.array_equal(r.losses, runs[0].losses)
        assert r.diagnosis.ok


def test_accumulation_refusals():
    for bad in [("OneCycleLR", {"max_lr": 0.1, "total_steps": 9}), ("StepLR", {}), ["OneCycleLR"]]:
        with pytest.raises(ParameterError) as err:
            lc.accumulation_run(bad)
        assert err.value.param == "schedule"
    with pytest.raises(ParameterError) as err:  # a bare name: OneCycleLR's max_lr is missing
        lc.accumulation_run("OneCycleLR")
    assert err.value.param == "max_lr"
    with pytest.raises(ParameterError) as err:
        lc.accumulation_run(accum=0)
    assert err.value.param == "accum"
    with pytest.raises(ParameterError) as err:
        lc.accumulation_run(step_unit="epoch")
    assert err.value.param == "step_unit"


# ----------------------------------------------------------------------------- mixed precision

AMP_STEPS = 30


@pytest.fixture(scope="module")
def amp():
    """Runs with a large initial scale (overflows, skipped steps), without and with the fix."""
    return {fix: lc.amp_run(steps=AMP_STEPS, init_scale=2.0**24, fix=fix) for fix in (False, True)}


def test_gradscaler_skips_steps_and_halves_its_scale(amp):
    for r in amp.values():
        assert 0 < r.n_skipped < AMP_STEPS
        assert r.skipped[0] == 0  # the first scale overflows: 2**24 is far too large
        ratio = r.scales[1:] / r.scales[:-1]
        assert np.array_equal(ratio == 0.5, ~r.updated[:-1])  # halved after each skip only
        assert np.all(ratio[r.updated[:-1]] == 1.0)  # no growth within growth_interval
        assert np.all(np.isfinite(r.losses))


def test_a_default_scale_skips_nothing_here():
    r = lc.amp_run(steps=AMP_STEPS)  # default init_scale 2**24: see the fixture; 2**16 here
    assert r.n_skipped > 0
    quiet = lc.amp_run(steps=AMP_STEPS, init_scale=2.0**16)
    assert quiet.n_skipped == 0 and quiet.warnings == [] and quiet.diagnosis.ok


def test_more_headroom_more_skips():
    counts = [lc.amp_run(steps=AMP_STEPS, init_scale=2.0**e).n_skipped for e in (16, 20, 24, 28)]
    assert counts == sorted(counts) and counts[-1] > counts[0]


def test_without_the_fix_the_schedule_runs_ahead(amp):
    r = amp[False]
    g = _g(SCHEDULES["OneCycleLR"], AMP_STEPS, AMP_STEPS)
    assert r.scheduler_calls == AMP_STEPS
    assert np.array_equal(r.lrs, g)  # one call per iteration, update or not
    assert np.array_equal(r.updated_lrs, g[r.updated])
    skipped_before = np.cumsum(~r.updated) - ~r.updated
    assert np.array_equal(r.ahead, skipped_before) and r.ahead[-1] > 0
    assert any(CALL_ORDER in w for w in r.warnings)  # the first step was skipped
    assert not r.diagnosis.ok


def test_the_fix_keeps_the_schedule_with_the_optimizer(amp):
    r = amp[True]
    updates = AMP_STEPS - r.n_skipped
    g = _g(SCHEDULES["OneCycleLR"], AMP_STEPS, AMP_STEPS)
    assert r.scheduler_calls == updates
    assert np.all(r.ahead == 0)
    assert np.array_equal(r.updated_lrs, g[:updates])  # the u-th update uses g(u)
    assert not any(CALL_ORDER in w for w in r.warnings)
    # what is left: the run ends n_skipped calls short of total_steps
    assert r.diagnosis.codes == ["horizon_too_long"]
    assert f"after {updates} steps" in r.diagnosis.findings[0].message


def test_the_warning_comes_only_from_a_skipped_first_step():
    """torch checks the first scheduler.step() only: skips later on pass silently."""
    for e in (16, 18, 20, 22, 24):
        r = lc.amp_run(steps=AMP_STEPS, init_scale=2.0**e)
        assert any(CALL_ORDER in w for w in r.warnings) == (r.n_skipped > 0 and r.skipped[0] == 0)


def test_amp_refusals():
    with pytest.raises(ParameterError) as err:
        lc.amp_run(init_scale=0)
    assert err.value.param == "init_scale"
    with pytest.raises(ParameterError) as err:
        lc.amp_run(("CosineAnnealingLR", {"T_max": 5}))
    assert err.value.param == "schedule"
