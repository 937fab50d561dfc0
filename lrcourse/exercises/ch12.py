"""Chapter 12 (schedules in practice): checkers for the exercises."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..validation import ParameterError, as_int, fail
from ._common import first_mismatch, number, report, whole, wrong_number

__all__ = [
    "PER_EPOCH_EXERCISE",
    "check_accumulation_horizon",
    "check_checkpoint",
    "check_per_batch_kwargs",
]

#: The per-epoch schedule of the conversion exercise: a half-LR start for 2 epochs, then 10%
#: less every epoch.
PER_EPOCH_EXERCISE: tuple[str, dict[str, Any]] = (
    "ChainedScheduler",
    {
        "schedulers": [
            ("ConstantLR", {"factor": 0.5, "total_iters": 2}),
            ("ExponentialLR", {"gamma": 0.9}),
        ]
    },
)


def check_per_batch_kwargs(
    answer: Mapping[str, Any], steps_per_epoch: int = 50, epochs: int = 20
) -> bool:
    r"""Exercise: the keyword arguments of :data:`PER_EPOCH_EXERCISE` for stepping once per batch,
    ``steps_per_epoch`` batches per epoch: counts times :math:`S`, per-call factors to the power
    :math:`1/S`.

    Expected: a curve equal to ``lc.lr_curve(name, epochs * S, **lc.per_batch(name, kwargs, S))``
    at every batch (relative 1e-6).

    Example::

        >>> check_per_batch_kwargs({"schedulers": [
        ...     ("ConstantLR", {"factor": 0.5, "total_iters": 100}),
        ...     ("ExponentialLR", {"gamma": 0.9 ** (1 / 50)})]})
        Correct! ...
        True
    """
    from ..schedules import lr_curve, per_batch

    s = as_int("steps_per_epoch", steps_per_epoch, low=1)
    n = as_int("epochs", epochs, low=1) * s
    if not isinstance(answer, Mapping):
        raise fail("answer", "a dict of keyword arguments like PER_EPOCH_EXERCISE[1]", answer)
    name, kwargs = PER_EPOCH_EXERCISE
    right = lr_curve(name, n, lr=1.0, **per_batch(name, kwargs, s))
    try:
        got = lr_curve(name, n, lr=1.0, **answer)
    except ParameterError as err:
        return report(False, f"those arguments do not build the schedule: {err}")
    bad = first_mismatch(got, right)
    if bad is None:
        return report(
            True,
            f"total_iters counts calls, so 2 epochs are {2 * s} batches; gamma applies per call, "
            f"so 0.9 per epoch is 0.9 ** (1 / {s}) per batch. lc.per_batch does this for any "
            "schedule.",
        )
    subs = dict(answer.get("schedulers", [])) if isinstance(answer.get("schedulers"), list) else {}
    gamma = subs.get("ExponentialLR", {}).get("gamma")
    if gamma is not None and abs(gamma - 0.9) < 1e-12:
        hint = (
            "gamma is a factor per call: stepped per batch, 0.9 would apply 50 times an epoch. "
            "Take the S-th root."
        )
    elif gamma is not None and abs(gamma - 0.9 / s) < 1e-12:
        hint = "a factor per call compounds: take the S-th root of 0.9, not 0.9 / S."
    else:
        hint = "every number of calls times S, every per-call factor to the power 1 / S."
    return report(
        False,
        f"the curve differs from the per-epoch one from batch {bad} (epoch {bad / s:g}). "
        f"Hint: {hint}",
    )


_STATE = ("model", "optimizer", "scheduler")
_MISSING = {
    "scheduler": (
        "without the scheduler's state a fresh scheduler counts from 0 again: OneCycleLR "
        "replays its warmup (chapter 12's resume table)."
    ),
    "optimizer": (
        "without the optimizer's state Adam's moments start again from zero, so the updates "
        "after the resume differ."
    ),
    "model": "without the model's state dict there is nothing to continue training.",
}


def check_checkpoint(answer: Iterable[str]) -> bool:
    """Exercise: which state dicts (of ``"model"``, ``"optimizer"``, ``"scheduler"``) a
    checkpoint must hold so that a run of Adam with ``OneCycleLR``, stopped and resumed,
    continues bit-identically (the batches being a function of the step).

    Expected: all three.

    Example::

        >>> check_checkpoint(["model", "optimizer", "scheduler"])
        Correct! ...
        True
    """
    if isinstance(answer, str | bytes) or not isinstance(answer, Iterable):
        raise fail("answer", "a list of names such as ['model', 'optimizer']", answer)
    items = list(answer)
    chosen = set()
    for item in items:
        if not isinstance(item, str) or item.lower() not in _STATE:
            raise fail("answer", f"names from {list(_STATE)}", item)
        chosen.add(item.lower())
    missing = [s for s in _STATE if s not in chosen]
    if not missing:
        return report(
            True,
            "model, optimizer (Adam's moments, the current LR) and scheduler (its counter): "
            "lc.resume_run with save='all' is bit-identical to the straight run.",
        )
    return report(False, " ".join(_MISSING[m] for m in missing))


def check_accumulation_horizon(
    answer: float, epochs: int = 10, batches_per_epoch: int = 400, accumulate: int = 4
) -> bool:
    r"""Exercise: ``OneCycleLR``'s ``total_steps`` for ``epochs`` epochs of
    ``batches_per_epoch`` micro-batches, with an ``optimizer.step()`` (and a
    ``scheduler.step()``) after every ``accumulate`` micro-batches.

    Expected: :math:`E \lfloor B / a \rfloor` optimizer steps (a last, incomplete group per
    epoch is not stepped).

    Example::

        >>> check_accumulation_horizon(1000)
        Correct! ...
        True
    """
    e = as_int("epochs", epochs, low=1)
    b = as_int("batches_per_epoch", batches_per_epoch, low=1)
    a = as_int("accumulate", accumulate, low=1)
    right = e * (b // a)
    value = number("answer", answer)
    if whole(value) == right:
        return report(
            True,
            f"{e} x {b} // {a} = {right} optimizer steps: the scheduler counts its own step() "
            "calls, one per optimizer step, not micro-batches.",
        )
    known = [
        (float(e * b), "that counts micro-batches; the scheduler steps once per optimizer step."),
        (float(e), "that counts epochs; OneCycleLR is stepped once per optimizer step."),
        (float(b // a), "that is one epoch's optimizer steps; the run has several epochs."),
    ]
    return wrong_number(value, right, known, 1e-9, "count the calls to optimizer.step().")
