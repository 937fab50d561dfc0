r"""Per epoch or per batch: what a scheduler's parameters count, and the same schedule in batches.

A scheduler never sees an epoch or a batch: it counts calls to ``step()``. Each schedule's
definition marks the parameters that are numbers of calls (``Param.counts == "calls"``:
``step_size``, ``milestones``, ``T_max``, ``T_0``, ``total_iters``, ``total_steps``, ...) and
the factors applied at every call (``"per_call"``: ``ExponentialLR``'s ``gamma``). Moving a
schedule from one ``step()`` per epoch to one per batch, with :math:`S` batches per epoch,
multiplies the first kind by :math:`S` and takes the :math:`S`-th root of the second:

.. math:: T \to S\,T, \qquad \gamma \to \gamma^{1/S},

and the per-batch curve then passes through the per-epoch one at every epoch start
(:math:`k = jS`): exactly for torch's schedulers (``OneCycleLR`` aside), which are functions of
:math:`k/T`; within one call for the schedules that count a call ahead (``OneCycleLR``, whose
phases end at ``pct_start * total_steps - 1``, and the warmups that ramp as
:math:`(k+1)/w`), so that they shift by less than an epoch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..validation import as_int, fail
from .api import SCHEDULES, check_schedule, schedule_spec

__all__ = ["NOT_CONVERTIBLE", "per_batch", "stepping_table"]

#: Schedules whose length per batch cannot be derived from their arguments, and why.
NOT_CONVERTIBLE: dict[str, str] = {
    "ReduceLROnPlateau": (
        "patience and cooldown count metric checks: keep stepping it once per validation "
        "(chapter 5, pitfall 3)"
    ),
    "LambdaLR": "lr_lambda is your function of the call count: write it in batches",
    "MultiplicativeLR": "lr_lambda is your per-call factor: write it in batches",
    "untuned_linear_warmup": "its length, 2 / (1 - beta2), is a number of optimizer steps already",
}


def _scaled(value: Any, s: int) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [m * s for m in value]
    return value * s


def per_batch(name: str, kwargs: Mapping[str, Any], steps_per_epoch: int) -> dict[str, Any]:
    r"""The keyword arguments that make schedule ``name``, stepped once per batch, follow the
    schedule that ``kwargs`` gives when stepped once per epoch.

    Every argument counted in ``step()`` calls is multiplied by ``steps_per_epoch`` (:math:`S`),
    every per-call factor :math:`\gamma` becomes :math:`\gamma^{1/S}`; SequentialLR's and
    ChainedScheduler's schedulers are converted in turn. Schedules whose arguments cannot say
    it (:data:`NOT_CONVERTIBLE`) are refused.

    >>> per_batch("StepLR", {"step_size": 30, "gamma": 0.1}, 100)
    {'step_size': 3000, 'gamma': 0.1}
    >>> round(per_batch("ExponentialLR", {"gamma": 0.9}, 10)["gamma"], 6)
    0.989519
    >>> per_batch("ReduceLROnPlateau", {"patience": 2}, 10)
    Traceback (most recent call last):
    ...
    lrcourse.validation.ParameterError: name must be a schedule whose length its arguments
    give, got 'ReduceLROnPlateau' (patience and cooldown count metric checks: ...)
    """
    s = as_int("steps_per_epoch", steps_per_epoch, low=1)
    if not isinstance(name, str) or name not in SCHEDULES:
        check_schedule(name, {})  # the unknown name, named
    _, kw = schedule_spec((name, kwargs), "kwargs")
    if name in NOT_CONVERTIBLE:
        raise fail(
            "name", "a schedule whose length its arguments give", name, hint=NOT_CONVERTIBLE[name]
        )
    check_schedule(name, kw)
    info = SCHEDULES[name]
    out = dict(kw)
    for p in info.arguments:
        if p.name not in out:
            continue
        if p.name == "schedulers":
            out[p.name] = [(n, per_batch(n, k, s)) for n, k in map(schedule_spec, out[p.name])]
        elif p.counts == "calls":
            out[p.name] = _scaled(out[p.name], s)
        elif p.counts == "per_call" and out[p.name] is not None:
            out[p.name] = out[p.name] ** (1.0 / s)
    return out


def stepping_table(names: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    """One row per schedule: the arguments counted in ``step()`` calls, the per-call factors,
    what ``step()`` needs, and how to step it per batch (read off the definitions).

    >>> row = next(r for r in stepping_table() if r["schedule"] == "ExponentialLR")
    >>> row["per call"], row["per batch"]
    ('gamma', 'gamma ** (1 / S)')
    """
    rows = []
    for name in names or tuple(n for n, i in SCHEDULES.items() if i.is_torch):
        info = SCHEDULES[name]
        calls = [p.name for p in info.arguments if p.counts == "calls"]
        per_call = [p.name for p in info.arguments if p.counts == "per_call"]
        if name in NOT_CONVERTIBLE:
            how = NOT_CONVERTIBLE[name]
        else:
            how = ", ".join(
                [f"{c} x S" for c in calls]
                + [f"{g} ** (1 / S)" for g in per_call]
                + (["each scheduler converted"] if info.needs_schedulers else [])
            )
        rows.append(
            {
                "schedule": name,
                "counted in calls": ", ".join(calls) or "-",
                "per call": ", ".join(per_call) or "-",
                "step() needs": "the metric" if info.needs_metrics else "nothing",
                "per batch": how,
            }
        )
    return rows
