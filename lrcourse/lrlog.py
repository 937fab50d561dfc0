r"""Reading back the LR a run logged to TensorBoard: the trace the schedule doctor takes.

A training loop logs the LR each optimizer step uses with torch's ``SummaryWriter``::

    writer.add_scalar("lr", scheduler.get_last_lr()[0], step)   # before scheduler.step()

:func:`read_lr_log` reads one tag of an event file (or of every event file directly in a log
directory) back as a numpy array whose element ``k`` is the value logged at step ``k``:
the :math:`x_k` that :func:`lrcourse.diagnose` compares with the schedule.

What TensorBoard stores (measured with tensorboard 2.21 and torch 2.13; the tests hold it):

=======================================================  ============================
``add_scalar(tag, value, step, ...)``                    stored as
=======================================================  ============================
default                                                  float32: ``np.float32(value)``
``double_precision=True`` alone                          float32 (the flag is ignored)
``new_style=True``                                       float32
``new_style=True, double_precision=True``                float64: ``value`` exactly
=======================================================  ============================

So the default log of a schedule is its float32 rounding (relative error up to
:math:`2^{-24} \approx 6 \times 10^{-8}`), and :func:`read_lr_log` returns a ``float32``
array for it, a ``float64`` array for a double-precision log: the dtype says what was
stored. :func:`lrcourse.diagnose` compares a float32 trace with the float32 rounding of the
schedule, so the default log is enough for a diagnosis; for a bit-exact round trip log
with ``new_style=True, double_precision=True``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .validation import fail

__all__ = ["EVENT_FILE_MARK", "read_lr_log"]

#: The part of its name that marks a TensorBoard event file (``events.out.tfevents.*``).
EVENT_FILE_MARK = "tfevents"


def _event_files(source: str | os.PathLike, name: str) -> list[Path]:
    """The event files ``source`` names: itself, or those directly in the directory."""
    if not isinstance(source, str | os.PathLike):
        raise fail(name, "a path (str or Path) to a log directory or an event file", source)
    path = Path(source)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise fail(name, "an existing TensorBoard log directory or event file", got=repr(str(path)))
    files = sorted(p for p in path.iterdir() if p.is_file() and EVENT_FILE_MARK in p.name)
    if not files:
        runs = sorted(
            p.name
            for p in path.iterdir()
            if p.is_dir() and any(EVENT_FILE_MARK in q.name for q in p.iterdir())
        )
        hint = f"its subdirectories {runs} hold event files: pass one of them" if runs else ""
        raise fail(
            name,
            "a log directory holding TensorBoard event files (events.out.tfevents.*)",
            got=f"{str(path)!r} with none in it",
            hint=hint,
        )
    return files


def _scalars(files: list[Path]) -> dict[str, list[tuple[int, np.ndarray]]]:
    """Every scalar of ``files``: tag -> [(step, 0-d array as stored), ...]."""
    try:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
        from tensorboard.util import tensor_util
    except ImportError as err:  # a dev dependency: pip install tensorboard
        raise ImportError(
            f"reading TensorBoard logs needs the tensorboard package ({err})"
        ) from None
    found: dict[str, list[tuple[int, np.ndarray]]] = {}
    for file in files:
        # EventFileLoader turns old-style simple_value summaries into float32 tensors too
        for event in EventFileLoader(str(file)).Load():
            if not event.HasField("summary"):
                continue
            for value in event.summary.value:
                if value.WhichOneof("value") != "tensor":
                    continue
                array = tensor_util.make_ndarray(value.tensor)
                if array.size == 1 and array.dtype.kind == "f":
                    found.setdefault(value.tag, []).append((int(event.step), array.reshape(())))
    return found


def read_lr_log(source: str | Path, tag: str = "lr", *, name: str = "source") -> np.ndarray:
    r"""The values logged under ``tag``, ordered by step: element ``k`` was logged at step ``k``.

    ``source``: a TensorBoard log directory (every event file directly in it is read, as
    TensorBoard merges them into one run) or one event file. The result is ``float32`` when
    TensorBoard stored float32 (``add_scalar``'s default: ``np.float32(value)``), ``float64``
    when it stored doubles (``new_style=True, double_precision=True``: exact); see the module
    docstring.

    Refused, with a :class:`~lrcourse.validation.ParameterError` naming ``source`` or
    ``tag``: no such tag (the message lists the tags there are), steps that do not run
    :math:`0, 1, \dots, n - 1` (a gap: a step not logged, or logging that started late) and a
    step logged twice (two runs written to one directory): the trace would not say which LR
    step :math:`k` used. ``name``: the parameter the errors about ``source`` name (a caller
    passing its own argument on, as :func:`lrcourse.diagnose` does with ``lrs``).

    >>> import tempfile
    >>> from torch.utils.tensorboard import SummaryWriter
    >>> logdir = tempfile.mkdtemp()
    >>> with SummaryWriter(logdir) as writer:
    ...     for step, lr in enumerate([0.1, 0.05, 0.025]):
    ...         writer.add_scalar("lr", lr, step)
    >>> read_lr_log(logdir)
    array([0.1  , 0.05 , 0.025], dtype=float32)
    >>> read_lr_log(logdir).tolist() == [float(np.float32(v)) for v in (0.1, 0.05, 0.025)]
    True
    """
    if not isinstance(tag, str) or not tag:
        raise fail("tag", "a non-empty tag name (str)", tag)
    scalars = _scalars(_event_files(source, name))
    if tag not in scalars:
        there = sorted(scalars) or "none"
        raise fail("tag", f"one of the scalar tags logged there: {there}", tag)
    points = sorted(scalars[tag], key=lambda p: p[0])
    steps = np.array([s for s, _ in points])
    repeated = steps[1:][np.diff(steps) == 0]
    if repeated.size:
        raise fail(
            name,
            f"one value per step for tag {tag!r}",
            got=f"step {int(repeated[0])} logged {int(np.sum(steps == repeated[0]))} times",
            hint="two runs written to one log directory? give each run its own",
        )
    expected = np.arange(len(steps))
    if not np.array_equal(steps, expected):
        missing = int(expected[np.argmax(steps != expected)])
        raise fail(
            name,
            f"tag {tag!r} logged at every step 0, 1, ..., n - 1",
            got=f"steps {int(steps[0])}..{int(steps[-1])} with step {missing} missing",
        )
    dtype = np.result_type(*(v.dtype for _, v in points))
    return np.array([v for _, v in points], dtype=dtype)
