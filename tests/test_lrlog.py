"""TensorBoard logs of the LR (lrcourse.lrlog): what add_scalar stores, read back by step;
fit's on_step hook logs a real loop; the doctor reads the event file and names the mistake."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.tensorboard import SummaryWriter

import lrcourse as lc
from lrcourse.data import SplitData
from lrcourse.lrlog import EVENT_FILE_MARK
from lrcourse.validation import ParameterError

N = 24  # optimizer steps of the fit runs: 3 epochs of 8 batches
SPEC = ("OneCycleLR", {"max_lr": 0.1, "total_steps": N})
STYLES = {
    "default": {},
    "double_precision only": {"double_precision": True},
    "new_style": {"new_style": True},
    "new_style + double_precision": {"new_style": True, "double_precision": True},
}


def _write(logdir: Path, values, steps=None, **style) -> Path:
    steps = range(len(values)) if steps is None else steps
    with SummaryWriter(str(logdir)) as writer:
        for step, value in zip(steps, values, strict=True):
            writer.add_scalar("lr", float(value), step, **style)
            writer.add_scalar("loss", 1.0, step)
    return logdir


@pytest.fixture(scope="module")
def data():
    d = lc.load_digits_data(seed=0)
    return SplitData(d.X_train[:256], d.y_train[:256], d.X_val, d.y_val)  # 8 batches of 32


def _fit_logged(data, logdir: Path, order="optimizer_first", log=None, scheduler=SPEC):
    """lc.fit stepped per batch; on_step logs the LR each step used (or ``log(t, lr)``)."""
    with SummaryWriter(str(logdir)) as writer, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scheduler_first: torch's call-order warning
        hist = lc.fit(
            lc.mlp(64, 16, 10, seed=0),
            data,
            optimizer=lambda p: torch.optim.SGD(p, lr=0.1),
            scheduler=scheduler,
            epochs=3,
            batch_size=32,
            step_per="batch",
            order=order,
            evaluate=False,
            progress=False,
            on_step=lambda t, lr, loss: writer.add_scalar("lr", log(t, lr) if log else lr, t),
        )
    return hist


@pytest.mark.parametrize("style", STYLES)
def test_what_add_scalar_stores(tmp_path, style):
    """Measured: only new_style + double_precision stores float64; everything else float32,
    i.e. np.float32(value) exactly. The OneCycleLR values torch steps through are the closed
    form's bit for bit, so the double log IS lc.lr_curve."""
    curve = lc.lr_curve(*SPEC[:1], N, lr=0.1, **SPEC[1])
    torch_curve = lc.torch_lr_curve(*SPEC[:1], N, lr=0.1, **SPEC[1])
    assert np.array_equal(torch_curve, curve)
    got = lc.read_lr_log(_write(tmp_path, torch_curve, **STYLES[style]))
    if style == "new_style + double_precision":
        assert got.dtype == np.float64
        assert np.array_equal(got, curve)
    else:
        assert got.dtype == np.float32
        assert np.array_equal(got, curve.astype(np.float32))
        assert not np.array_equal(got.astype(np.float64), curve)  # rounded, not exact
        assert np.max(np.abs(got - curve) / curve) <= 2.0**-24


def test_reads_a_directory_a_path_or_the_event_file(tmp_path):
    values = [0.3, 0.2, 0.1]
    _write(tmp_path, values, **STYLES["new_style + double_precision"])
    (event_file,) = [p for p in tmp_path.iterdir() if EVENT_FILE_MARK in p.name]
    for source in (tmp_path, str(tmp_path), event_file, str(event_file)):
        assert lc.read_lr_log(source).tolist() == values
    assert lc.read_lr_log(tmp_path, tag="loss").tolist() == [1.0] * 3


def test_steps_written_out_of_order_are_sorted(tmp_path):
    _write(tmp_path, [0.2, 0.3, 0.1], steps=[1, 0, 2], **STYLES["new_style + double_precision"])
    assert lc.read_lr_log(tmp_path).tolist() == [0.3, 0.2, 0.1]


def test_refusals_name_the_parameter(tmp_path):
    _write(tmp_path / "run", [0.1, 0.2])
    with pytest.raises(ParameterError, match=r"tag must be one of .*\['loss', 'lr'\]") as err:
        lc.read_lr_log(tmp_path / "run", tag="learning_rate")
    assert err.value.param == "tag"
    with pytest.raises(ParameterError, match="subdirectories \\['run'\\]") as err:
        lc.read_lr_log(tmp_path)  # the parent of the run: no event file directly in it
    assert err.value.param == "source"
    with pytest.raises(ParameterError, match="existing") as err:
        lc.read_lr_log(tmp_path / "nowhere")
    assert err.value.param == "source"
    with pytest.raises(ParameterError) as err:
        lc.read_lr_log(5)
    assert err.value.param == "source"
    with pytest.raises(ParameterError) as err:
        lc.read_lr_log(tmp_path / "run", tag="")
    assert err.value.param == "tag"


def test_gaps_and_duplicates_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="step 2 missing") as err:
        lc.read_lr_log(_write(tmp_path / "gap", [0.1, 0.2, 0.3], steps=[0, 1, 3]))
    assert err.value.param == "source"
    with pytest.raises(ParameterError, match="step 0 missing"):
        lc.read_lr_log(_write(tmp_path / "late", [0.1, 0.2], steps=[1, 2]))
    twice = _write(tmp_path / "twice", [0.1, 0.2])
    _write(twice, [0.1, 0.2])  # a second run into the same directory: a second event file
    with pytest.raises(ParameterError, match="step 0 logged 2 times") as err:
        lc.read_lr_log(twice)
    assert err.value.param == "source"


def test_fit_on_step_logs_what_each_step_used(data, tmp_path):
    calls = []
    hist = _fit_logged(data, tmp_path, log=lambda t, lr: calls.append((t, lr)) or lr)
    assert [t for t, _ in calls] == list(range(N))
    assert [lr for _, lr in calls] == hist.lrs
    logged = lc.read_lr_log(tmp_path)
    assert np.array_equal(logged, np.float32(hist.lrs))
    assert np.array_equal(logged, lc.lr_curve(*SPEC[:1], N, lr=0.1, **SPEC[1]).astype(np.float32))


def test_fit_refuses_an_on_step_that_is_not_callable(data):
    with pytest.raises(ParameterError) as err:
        lc.fit(lc.mlp(64, 8, 10), data, optimizer=lambda p: torch.optim.SGD(p, lr=0.1),
               epochs=1, batch_size=32, on_step=5, progress=False)  # fmt: skip
    assert err.value.param == "on_step"


@pytest.mark.parametrize(
    "order, codes",
    [("optimizer_first", []), ("scheduler_first", ["stepped_before_optimizer"])],
)
def test_doctor_reads_the_event_file(data, tmp_path, order, codes):
    """The default (float32) log of a real loop is enough for a diagnosis."""
    _fit_logged(data, tmp_path, order=order)
    (event_file,) = [p for p in tmp_path.iterdir() if EVENT_FILE_MARK in p.name]
    for source in (tmp_path, str(event_file)):
        assert lc.diagnose(source, SPEC, lr=0.1).codes == codes


def test_a_float32_trace_needs_the_float32_comparison(data, tmp_path):
    """The float32 log read as float64 no longer matches the schedule to the doctor's RTOL:
    the doctor compares a float32 trace with the float32 rounding of the schedule."""
    hist = _fit_logged(data, tmp_path)
    logged = lc.read_lr_log(tmp_path)
    assert lc.diagnose(hist, SPEC, lr=0.1).ok
    assert lc.diagnose(logged, SPEC, lr=0.1).ok
    assert not lc.diagnose(logged.astype(np.float64), SPEC, lr=0.1).ok


def _fit_own_scheduler(data, logdir: Path, hook: str):
    """fit with a scheduler built here; ``hook`` logs its get_last_lr()[0] at each step."""
    model = lc.mlp(64, 16, 10, seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = lc.make_scheduler(SPEC[0], opt, **SPEC[1])
    with SummaryWriter(str(logdir)) as writer:

        def log(t, *_):
            writer.add_scalar("lr", sched.get_last_lr()[0], t)  # returns None: stop never stops

        hooks = {"on_step": log} if hook == "on_step" else {"stop": log}
        return lc.fit(model, data, optimizer=opt, scheduler=sched, epochs=3, batch_size=32,
                      step_per="batch", evaluate=False, progress=False, **hooks)  # fmt: skip


def test_get_last_lr_logged_before_scheduler_step_is_the_lr_used(data, tmp_path):
    """on_step runs between optimizer.step() and scheduler.step(): get_last_lr() there is
    the LR the step used, and the log equals lc.lr_curve (float32 rounding)."""
    hist = _fit_own_scheduler(data, tmp_path, "on_step")
    logged = lc.read_lr_log(tmp_path)
    assert np.array_equal(logged, np.float32(hist.lrs))
    assert np.array_equal(logged, lc.lr_curve(*SPEC[:1], N, lr=0.1, **SPEC[1]).astype(np.float32))
    assert lc.diagnose(tmp_path, SPEC, lr=0.1).ok


def test_get_last_lr_logged_after_scheduler_step_looks_like_a_misplaced_step(data, tmp_path):
    """A correct loop that logs scheduler.get_last_lr() after scheduler.step() (fit's stop
    hook runs there) writes the next step's LR at each step: the log looks like a scheduler
    stepped before the optimizer, though the run itself followed the schedule."""
    hist = _fit_own_scheduler(data, tmp_path, "stop")
    assert lc.diagnose(hist, SPEC, lr=0.1).ok
    assert lc.diagnose(tmp_path, SPEC, lr=0.1).codes == ["stepped_before_optimizer"]


def test_diagnose_passes_its_tag_on(tmp_path):
    _write(tmp_path, [1.0, 1.0, 1.0, 0.5], **STYLES["new_style + double_precision"])
    spec = ("StepLR", {"step_size": 3, "gamma": 0.5})
    assert lc.diagnose(tmp_path, spec, lr=1.0).ok
    with pytest.raises(ParameterError) as err:
        lc.diagnose(tmp_path, spec, lr=1.0, tag="lr/group0")
    assert err.value.param == "tag"


def test_diagnose_names_its_own_parameter_for_a_bad_log(tmp_path):
    spec = ("StepLR", {"step_size": 3, "gamma": 0.5})
    for bad in (tmp_path / "no_such_run", str(tmp_path)):  # missing; no event file in it
        with pytest.raises(ParameterError, match="^lrs must") as err:
            lc.diagnose(bad, spec, lr=1.0)
        assert err.value.param == "lrs"
