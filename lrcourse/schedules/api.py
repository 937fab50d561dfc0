"""The public entry points: the registry, one check for every path, the curves.

:func:`check_schedule` is the one validation of a schedule spec: :func:`lr_curve`,
:func:`momentum_curve`, :func:`lrcourse.torch_lr_curve` and :func:`lrcourse.make_scheduler`
(and through it the training loop) all call it, so the same bad spec gets the same message
whichever receives it, before torch sees it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..registry import REQUIRED, Param, ScheduleInfo
from ..validation import (
    ParameterError,
    as_array,
    as_choice,
    as_int,
    as_real,
    check_keywords,
    fail,
)
from .compose import chained_scheduler, sequential_lr
from .cycles import cyclic_position, cyclic_scale, one_cycle_values
from .factors import FACTOR_SCHEDULES
from .torch_schedulers import TORCH_DEFINITIONS, _milestones, one_cycle_plan

__all__ = [
    "COMBINABLE",
    "MODERN",
    "SCHEDULES",
    "TORCH_SCHEDULERS",
    "check_schedule",
    "lr_curve",
    "momentum_curve",
    "schedule_names",
    "schedule_spec",
]


def schedule_spec(value: Any, name: str = "schedule") -> tuple[str, dict[str, Any]]:
    """A ``(name, kwargs)`` pair (a tuple or a two-item list), or a bare name, as a tuple."""
    if isinstance(value, str):
        return value, {}
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], Mapping)
    ):
        return value[0], dict(value[1])
    raise fail(name, "a (name, kwargs) pair such as ('StepLR', {'step_size': 10})", value)


def _sub_schedulers(param: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
        raise fail(param, "a non-empty list of (name, kwargs) pairs", value)
    subs = []
    for item in value:
        sub, kw = schedule_spec(item, param)
        if sub in ("ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"):
            raise fail(param, "schedulers that step without a metric, not nested", sub)
        subs.append((sub, check_schedule(sub, kw)))
    return subs


def _sequential_consistency(kw: dict[str, Any]) -> None:
    n = len(kw["schedulers"])
    ms = kw["milestones"]
    if len(ms) != n - 1:
        raise fail("milestones", f"a list of len(schedulers) - 1 = {n - 1} entries", ms)
    if ms != sorted(ms):
        raise fail("milestones", "in increasing order", ms)
    for sub, sub_kw in kw["schedulers"][1:]:  # restarted at a milestone: torch divides by it
        if sub in ("LinearLR", "PolynomialLR"):
            total = (SCHEDULES[sub].signature_defaults() | sub_kw)["total_iters"]
            if total == 0:
                raise fail(
                    "total_iters",
                    f"non-zero for a {sub} that SequentialLR restarts at a milestone "
                    "(torch divides by it there)",
                    total,
                )


def _combined(closed):
    def closed_form(k, base, **kw):
        subs = []
        for sub, sub_kw in kw.pop("schedulers"):
            info = SCHEDULES[sub]
            if not info.combinable:
                raise fail(
                    "schedulers",
                    f"schedulers lr_curve can compose, one of {list(COMBINABLE)}",
                    sub,
                    hint="torch_lr_curve steps any of them",
                )
            subs.append((info, info.signature_defaults() | sub_kw))
        return closed(k, base, subs, **kw)

    return closed_form


_SCHEDULERS = Param("schedulers", None, "fixed", check=_sub_schedulers, call_default=REQUIRED)

_COMBINED: tuple[ScheduleInfo, ...] = (
    ScheduleInfo(
        "SequentialLR",
        "Run schedulers one after another, switching at the milestones.",
        r"\eta_k = \text{scheduler}_i(k - m_{i-1}) \text{ for } m_{i-1} \le k < m_i",
        extra=(
            _SCHEDULERS,
            Param(
                "milestones",
                None,
                "fixed",
                check=_milestones,
                call_default=REQUIRED,
                counts="calls",
            ),
        ),
        needs_schedulers=True,
        example={
            "schedulers": [
                ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
                ("CosineAnnealingLR", {"T_max": 90}),
            ],
            "milestones": [10],
        },
        closed_form=_combined(sequential_lr),
        consistency=_sequential_consistency,
    ),
    ScheduleInfo(
        "ChainedScheduler",
        "Apply every scheduler's update at each step: the factors multiply.",
        r"\eta_k = \eta_0 \prod_i f_i(k)",
        extra=(_SCHEDULERS,),
        needs_schedulers=True,
        example={
            "schedulers": [
                ("ConstantLR", {"factor": 0.5, "total_iters": 20}),
                ("ExponentialLR", {"gamma": 0.97}),
            ]
        },
        closed_form=_combined(chained_scheduler),
    ),
)

#: Every schedule of the course, by name: torch's schedulers, then lrcourse's own.
#: (``SCHEDULES[name]`` is its :class:`~lrcourse.registry.ScheduleInfo`.)
#:
#: :meta hide-value:
SCHEDULES: dict[str, ScheduleInfo] = {
    info.name: info for info in (*TORCH_DEFINITIONS, *_COMBINED, *FACTOR_SCHEDULES)
}
#: The schedulers SequentialLR and ChainedScheduler compose in closed form.
COMBINABLE: tuple[str, ...] = tuple(n for n, i in SCHEDULES.items() if i.combinable and i.is_torch)
#: Every class of ``torch.optim.lr_scheduler`` the course covers.
TORCH_SCHEDULERS: tuple[str, ...] = tuple(n for n, i in SCHEDULES.items() if i.is_torch)
#: lrcourse's own factor schedules (use them as ``LambdaLR``'s ``lr_lambda``).
#:
#: :meta hide-value:
MODERN: dict[str, Any] = {n: i.factory for n, i in SCHEDULES.items() if not i.is_torch}


def schedule_names() -> list[str]:
    """Every name :func:`lr_curve` accepts: torch's schedulers, then lrcourse's own."""
    return list(SCHEDULES)


def _info(name: Any) -> ScheduleInfo:
    return SCHEDULES[as_choice("name", name, schedule_names())]


def check_schedule(name: str, kwargs: Mapping[str, Any], *, values: bool = True) -> dict[str, Any]:
    """The keyword arguments of schedule ``name``, validated and normalised.

    Refuses an unknown name or keyword (with a "did you mean" suggestion), a missing required
    one, and (``values=True``) any value torch refuses or crashes on or that makes the LR
    negative or not finite; warns where torch silently does something surprising. numpy and
    0-d torch scalars become Python numbers; ``[name, kwargs]`` lists become tuples.
    ``values=False`` checks only the names (:func:`lrcourse.torch_lr_curve` shows what torch
    itself does with any value).

    >>> check_schedule("StepLR", {"step_size": np.int64(3)})
    {'step_size': 3}
    """
    info = _info(name)
    if not isinstance(kwargs, Mapping):
        raise fail("kwargs", "a dict of keyword arguments", kwargs)
    args = {p.name: p for p in info.arguments}
    check_keywords(name, kwargs, list(args))
    for p in info.arguments:
        if p.required and p.name not in kwargs:
            raise fail(p.name, f"given: {name} requires it")
    if not values:
        out = dict(kwargs)
        if "schedulers" in out:
            out["schedulers"] = [
                (sub, check_schedule(sub, kw, values=False))
                for sub, kw in (schedule_spec(s, "schedulers") for s in out["schedulers"])
            ]
        return out
    out = {key: args[key].validate(value) for key, value in kwargs.items()}
    if info.consistency is not None:
        info.consistency(info.signature_defaults() | out)
    return out


def _resolve_steps(name: str, steps: Any, metrics: Any, kwargs: dict[str, Any]) -> int:
    if steps is not None:
        return as_int("steps", steps, low=0)
    if name == "ReduceLROnPlateau" and metrics is not None:
        return len(as_array("metrics", metrics, finite=False, nonempty=False))
    if kwargs.get("total_steps") is not None:
        return kwargs["total_steps"]
    if name == "OneCycleLR" and kwargs.get("epochs") and kwargs.get("steps_per_epoch"):
        return kwargs["epochs"] * kwargs["steps_per_epoch"]
    return SCHEDULES[name].default_steps


def _metrics_array(metrics: Any, steps: int) -> np.ndarray:
    if metrics is None:
        raise fail("metrics", "given for ReduceLROnPlateau (one value per step)")
    values = as_array("metrics", metrics, finite=False, nonempty=False)
    if steps > len(values):
        raise fail("metrics", f"at least steps={steps} values long", got=f"{len(values)} values")
    return values[:steps]


def _prepare(
    name: str, steps: Any, lr: Any, metrics: Any, kwargs: dict[str, Any], values: bool = True
):
    """The definition, step count, base LR and complete kwargs of a curve request."""
    info = _info(name)
    given = check_schedule(name, kwargs, values=values)
    n = _resolve_steps(name, steps, metrics, given)
    base = as_real("lr", lr, low=0.0)  # torch's optimizers accept lr=0
    if metrics is not None and not info.needs_metrics:
        raise fail("metrics", f"left out: only ReduceLROnPlateau takes metrics, not {name}")
    return info, n, base, given, info.signature_defaults() | given


def lr_curve(
    name: str,
    steps: int | None = None,
    *,
    lr: float = 0.1,
    metrics: Sequence[float] | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """The learning rate at each of the first ``steps`` steps, in closed form.

    Element ``k`` is the LR an ``SGD(lr=lr, momentum=0.9)`` optimizer holds after ``k`` calls
    to ``scheduler.step()`` (element 0: right after construction). ``name`` is a class of
    ``torch.optim.lr_scheduler`` (``kwargs`` are its own keyword arguments) or one of
    lrcourse's schedules (:data:`MODERN`). SequentialLR and ChainedScheduler take
    ``schedulers=[(name, kwargs), ...]`` (schedulers from :data:`COMBINABLE`).
    ReduceLROnPlateau takes ``metrics``: element ``k`` is the LR in effect while
    ``metrics[k]`` is measured, then ``step(metrics[k])`` follows.

    ``steps`` defaults to ``len(metrics)``, else ``total_steps`` where the schedule has one,
    else the registry's ``default_steps``.

    >>> lr_curve("StepLR", 6, lr=1.0, step_size=2, gamma=0.5)
    array([1.  , 1.  , 0.5 , 0.5 , 0.25, 0.25])
    """
    info, n, base, _, full = _prepare(name, steps, lr, metrics, kwargs)
    k = np.arange(n, dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        if info.needs_metrics:
            curve = info.closed_form(_metrics_array(metrics, n), base, **full)
        else:
            curve = info.closed_form(k, base, **full)
    curve = np.asarray(curve, dtype=np.float64).reshape(n)
    if not np.all(np.isfinite(curve)):
        bad = int(np.argmin(np.isfinite(curve)))
        raise ParameterError(
            "kwargs",
            f"kwargs must give {name} a finite learning rate, got the non-finite "
            f"{curve[bad]} at step {bad}",
        )
    floor = -1e-12 * max(base, float(np.max(np.abs(curve), initial=0.0)))  # rounding aside
    if np.any(curve < floor):  # torch trains with it silently (a lambda, a chained cosine)
        bad = int(np.argmax(curve < floor))
        warnings.warn(
            f"{name} gives a negative learning rate ({curve[bad]:g} at step {bad}); torch "
            "trains with it as given (and lr_curve reproduces it)",
            UserWarning,
            stacklevel=2,
        )
    return curve


def momentum_curve(name: str, steps: int | None = None, *, lr: float = 0.1, **kwargs) -> np.ndarray:
    """The momentum OneCycleLR or CyclicLR sets at each step (SGD's ``momentum``, Adam's beta1).

    Both cycle momentum *against* the LR: high momentum while the LR is low. With
    ``cycle_momentum=False`` the optimizer keeps its own momentum (0.9 here).

    >>> momentum_curve("OneCycleLR", 3, max_lr=1.0, total_steps=10, anneal_strategy="linear")
    array([0.95, 0.9 , 0.85])
    """
    as_choice("name", name, ("OneCycleLR", "CyclicLR"))
    info, n, base, _, kw = _prepare(name, steps, lr, None, kwargs)
    k = np.arange(n, dtype=np.int64)
    info.closed_form(k, base, **kw)  # the LR's own checks (e.g. steps past total_steps)
    if not kw["cycle_momentum"]:
        return np.full(n, 0.9)
    if name == "OneCycleLR":
        phases = one_cycle_plan(kw)
        return one_cycle_values(k, phases.ends, phases.momenta, phases.anneal)
    lo, hi = kw["base_momentum"], kw["max_momentum"]
    up = kw["step_size_up"]
    down = up if kw["step_size_down"] is None else kw["step_size_down"]
    cycle, position = cyclic_position(k, up, down)
    amplitude = cyclic_scale(k, cycle, kw["mode"], kw["gamma"], kw["scale_fn"], kw["scale_mode"])
    return hi - (hi - lo) * (position * amplitude)
