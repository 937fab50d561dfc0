r"""torch's schedulers, one definition each: parameters (default, valid range, slider), the
closed form, and for the ones SequentialLR/ChainedScheduler compose, the update map.

A closed form takes the step array ``k``, the base LR and the complete, validated keyword
arguments. An update map gives torch's *recursive* update at local epochs ``j >= 1`` as an
affine map ``lr -> a lr + b`` (see :mod:`lrcourse.schedules.compose`).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ..registry import REQUIRED, Param, ScheduleInfo
from ..validation import (
    ParameterError,
    as_callable,
    as_choice,
    as_int,
    as_int_list,
    as_real,
    fail,
)
from .cycles import (
    call_per_step,
    cyclic_position,
    cyclic_scale,
    one_cycle_phases,
    one_cycle_values,
    restart_phase,
    warn_momentum,
)
from .factors import _optional, cosine_with_warmup
from .plateau import plateau_rule

__all__ = ["TORCH_DEFINITIONS", "absolute", "scale", "one_cycle_plan"]

Map = tuple[np.ndarray, np.ndarray]


def absolute(values: np.ndarray) -> Map:
    """The map ``lr -> values`` (a scheduler that computes the LR from scratch)."""
    return np.zeros_like(values), values


def scale(factors: np.ndarray) -> Map:
    """The map ``lr -> factors * lr`` (a recursive multiplicative update)."""
    return factors, np.zeros_like(factors)


def _ones(j: np.ndarray) -> np.ndarray:
    return np.ones(j.shape)


# ----------------------------------------------------------------------------- checks

_fraction = partial(as_real, low=0.0, high=1.0, low_open=True)  # (0, 1]
_unit = partial(as_real, low=0.0, high=1.0)  # [0, 1]
_below_1 = partial(as_real, high=1.0, high_open=True)  # < 1 (torch refuses factor >= 1)
_int1 = partial(as_int, low=1)
_nonneg = partial(as_real, low=0.0)
_positive = partial(as_real, low=0.0, low_open=True)
_real = as_real


def _scale_mode(name: str, value: Any) -> str:
    return as_choice(name, value, ("cycle", "iterations"))


def _fn(name: str, value: Any) -> Any:
    return as_callable(name, value, "a callable of the step")


def _nonzero(check):
    """``check``, then refuse 0: torch divides by it (a negative value it accepts)."""

    def nonzero(name: str, value: Any) -> Any:
        value = check(name, value)
        if value == 0:
            raise fail(name, "non-zero (torch divides by it)", value)
        return value

    return nonzero


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _warn(message: str) -> None:
    """Torch silently does something surprising with a value it accepts: say what, at the
    caller's line (the first frame outside lrcourse, whichever entry point it called)."""
    frame, level = sys._getframe(0), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message + " (lr_curve reproduces it)", UserWarning, stacklevel=level)


def _warn_negative(name: str, key: str, kw: dict[str, Any], what: str) -> None:
    if kw[key] < 0:
        _warn(f"{name}({key}={kw[key]}): torch accepts a negative {key} and {what}")


def _whole_or_real(name: str, value: Any) -> int | float:
    """An integer stays an ``int``; any other finite number becomes a ``float`` (torch accepts
    floats for its integer parameters and computes with them as given)."""
    try:
        return as_int(name, value)
    except ParameterError:
        return as_real(name, value)


def _real_list(name: str, value: Any) -> list[int | float]:
    """A list or tuple (or 1-D array) of finite numbers, each as :func:`_whole_or_real`."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise fail(name, "a list of numbers", value)
    return [_whole_or_real(name, v) for v in value]


def _fractional(value: float) -> bool:
    return not float(value).is_integer()


def _never_reached(total: int | float) -> bool:
    """torch's ``last_epoch == total_iters`` never holds: ``total_iters <= 0`` or fractional."""
    return total <= 0 or _fractional(total)


def _last_step(total: int | float) -> int:
    """The last step ``j`` with torch's ``j <= total_iters`` (floor of a fractional one)."""
    return math.floor(total)


def _warn_fractional(name: str, key: str, kw: dict[str, Any], what: Callable[[float], str]):
    """Warn for a positive fractional ``kw[key]``: ``what(value)`` says what torch does."""
    if kw[key] > 0 and _fractional(kw[key]):
        _warn(f"{name}({key}={kw[key]}): {key} is not a whole number: {what(kw[key])}")


def _milestones(name: str, value: Any) -> list[int]:
    """Integers (torch compares them with the integer epoch: 22.5 would never fire), >= 0."""
    ms = as_int_list(name, value)
    if any(m < 0 for m in ms):
        raise fail(name, "a list of integers >= 0", value)
    return ms


def _any(name: str, value: Any) -> Any:
    """No check here (CyclicLR's mode is checked with scale_fn, in its consistency check)."""
    return value


def _param(name, default, kind="fixed", low=None, high=None, help="", check=None, **kw) -> Param:
    return Param(name, default, kind, low, high, help=help, check=check, **kw)


def _required(*args, **kw) -> Param:
    """A parameter torch requires; its ``default`` is the explorer's starting value."""
    return _param(*args, call_default=REQUIRED, **kw)


_ETA_MIN = _param("eta_min", 0.0, "float", 0.0, 0.05, "floor of the cosine", _nonneg)
_GAMMA_STEP = _param("gamma", 0.1, "float", 0.05, 0.95, "multiplier at each drop", _nonneg)
_LAMBDA = _required("lr_lambda", None, check=_fn)


# ----------------------------------------------------------------------------- closed forms


def _lambda_lr(k, base, *, lr_lambda):
    return base * call_per_step(lr_lambda, k, "lr_lambda")


def _multiplicative_lr(k, base, *, lr_lambda):
    factors = call_per_step(lr_lambda, k[1:], "lr_lambda")
    return base * np.concatenate(([1.0], np.cumprod(factors)))[: len(k)]


def _multiplicative_update(j, base, kw):
    return scale(call_per_step(kw["lr_lambda"], j, "lr_lambda"))


def _multiplicative_restart(base, kw):  # no closed form in torch: its update at epoch 0
    return _multiplicative_update(np.zeros(1, dtype=np.int64), base, kw)


def _step_hits(j: np.ndarray, step_size: int | float) -> np.ndarray:
    """Where torch's recursive StepLR drops at step ``j >= 1``: ``j % step_size == 0`` (for a
    fractional step_size, only where that float remainder is exactly 0: 2.5 drops at 5, 10...)."""
    return np.mod(j.astype(np.float64), step_size) == 0


def _step_lr(k, base, *, step_size, gamma):
    j = np.arange(int(k.max()) + 1 if len(k) else 0)
    drops = np.cumsum((j >= 1) & _step_hits(j, step_size))
    return base * gamma ** drops[k].astype(np.float64)


def _step_update(j, base, kw):
    return scale(np.where(_step_hits(j, kw["step_size"]), kw["gamma"], 1.0))


def _step_check(kw):
    s = kw["step_size"]
    if _fractional(s):
        j = np.arange(1, 10_001)
        hits = j[_step_hits(j, s)][:3]
        when = f"at steps {', '.join(map(str, hits))}, ..." if len(hits) else "never (in 10000)"
        _warn(
            f"StepLR(step_size={s}): step_size is not a whole number: torch drops the LR "
            f"where step % step_size == 0, {when}"
        )
        return
    _warn_negative(
        "StepLR", "step_size", kw, f"drops the LR every {-s} steps, as step_size={-s} would"
    )


def _reached(milestones) -> np.ndarray:
    """The milestones torch's ``last_epoch in milestones`` can hit: whole numbers >= 0."""
    return np.sort([float(m) for m in milestones if m >= 0 and not _fractional(m)])


def _multistep_lr(k, base, *, milestones, gamma):
    return base * gamma ** np.searchsorted(_reached(milestones), k, side="right")


def _multistep_update(j, base, kw):
    ms = _reached(kw["milestones"])
    hits = np.searchsorted(ms, j, side="right") - np.searchsorted(ms, j, side="left")
    return scale(kw["gamma"] ** hits.astype(np.float64))


def _multistep_check(kw):
    negative = [m for m in kw["milestones"] if m < 0]
    if negative:
        _warn(
            f"MultiStepLR(milestones={kw['milestones']}): torch never reaches the negative "
            f"milestones {negative} and ignores them"
        )
    for m in kw["milestones"]:
        if m >= 0 and _fractional(m):
            _warn(
                f"MultiStepLR milestones: {m} is not a whole number: torch compares it with "
                "the integer step count, so this drop never happens"
            )


def _multistep_restart(base, kw):  # torch's closed form counts every milestone <= 0
    return absolute(np.ones(1) * base * kw["gamma"] ** sum(m <= 0 for m in kw["milestones"]))


def _multistep_initial(base, kw):
    return scale(np.ones(1) * kw["gamma"] ** list(kw["milestones"]).count(0))


def _constant_lr(k, base, *, factor, total_iters):
    if _never_reached(total_iters):  # torch applies the factor at step 0, never undoes it
        return base * np.full(len(k), factor)
    return base * np.where(k < total_iters, factor, 1.0)


def _constant_update(j, base, kw):
    if _never_reached(kw["total_iters"]):  # never undone (factor may be 0 then)
        return scale(_ones(j))
    return scale(np.where(j == kw["total_iters"], 1.0 / kw["factor"], 1.0))


def _constant_restart(base, kw):  # torch's closed form: the factor only while 0 < total_iters
    return absolute(np.ones(1) * base * (kw["factor"] if kw["total_iters"] > 0 else 1.0))


def _constant_check(kw):
    if kw["factor"] == 0 and not _never_reached(kw["total_iters"]):
        raise fail(
            "factor",
            f"in (0, 1] when total_iters > 0 (torch divides by it at step {kw['total_iters']})",
            kw["factor"],
        )
    if kw["total_iters"] <= 0:
        _warn(
            f"ConstantLR(total_iters={kw['total_iters']}): torch applies factor at step 0 and "
            "never restores the base LR, so the LR stays at factor * lr for ever"
        )
    _warn_fractional(
        "ConstantLR",
        "total_iters",
        kw,
        lambda total: (
            "torch compares it with the integer step count, so it never restores "
            "the base LR: the LR stays at factor * lr for ever"
        ),
    )


def _linear_lr(k, base, *, start_factor, end_factor, total_iters):
    s, e = start_factor, end_factor
    if total_iters <= 0:  # torch: start_factor at step 0, then no further change
        return base * np.full(len(k), s)
    return base * (s + (e - s) * np.minimum(k, _last_step(total_iters)) / total_iters)


def _linear_update(j, base, kw):
    s, e, total = kw["start_factor"], kw["end_factor"], kw["total_iters"]
    if total <= 0:
        return scale(_ones(j))
    ramp = 1.0 + (e - s) / (total * s + (np.minimum(j, total) - 1) * (e - s))
    return scale(np.where(j > total, 1.0, ramp))


def _linear_restart(base, kw):  # torch's closed form at epoch 0 (divides by total_iters)
    s, e, total = kw["start_factor"], kw["end_factor"], kw["total_iters"]
    return absolute(np.ones(1) * base * (s + (e - s) * min(total, 0) / total))


def _linear_check(kw):
    if kw["total_iters"] <= 0:
        _warn(
            f"LinearLR(total_iters={kw['total_iters']}): torch applies start_factor at step 0 "
            "and never moves to end_factor"
        )
    s, e = kw["start_factor"], kw["end_factor"]
    _warn_fractional(
        "LinearLR",
        "total_iters",
        kw,
        lambda t: (
            f"torch moves the factor by (end_factor - start_factor) / {t} for "
            f"{_last_step(t)} steps and stops at {s + (e - s) * _last_step(t) / t:g}, short of "
            f"end_factor={e:g}"
        ),
    )


def _exponential_lr(k, base, *, gamma):
    return base * gamma ** k.astype(np.float64)


def _exponential_update(j, base, kw):
    return scale(np.full(j.shape, float(kw["gamma"])))


def _polynomial_lr(k, base, *, total_iters, power):
    if total_iters <= 0:  # torch never changes the LR
        return np.full(len(k), float(base))
    return base * (1.0 - np.minimum(k, _last_step(total_iters)) / total_iters) ** power


def _polynomial_update(j, base, kw):
    total, power = kw["total_iters"], kw["power"]
    if total <= 0:
        return scale(_ones(j))
    jj = np.minimum(j, total)
    ratio = ((1.0 - jj / total) / (1.0 - (jj - 1) / total)) ** power
    return scale(np.where(j > total, 1.0, ratio))


def _polynomial_restart(base, kw):  # torch's closed form at epoch 0 (divides by total_iters)
    total = kw["total_iters"]
    return absolute(np.ones(1) * base * (1.0 - min(total, 0) / total) ** kw["power"])


def _polynomial_check(kw):
    if kw["total_iters"] <= 0:
        _warn(
            f"PolynomialLR(total_iters={kw['total_iters']}): torch never changes the LR "
            "(no decay at all, not a drop to 0)"
        )
    _warn_fractional(
        "PolynomialLR",
        "total_iters",
        kw,
        lambda t: (
            f"torch decays for {_last_step(t)} steps and stops at "
            f"(1 - {_last_step(t)}/{t})**power = {(1 - _last_step(t) / t) ** kw['power']:g} "
            "times the LR, not at 0"
        ),
    )


_HORIZON = 10_000  # steps the check runs a fractional T_max's recursion ahead


def _cosine_recursive(steps: int, base: float, t: float, eta: float) -> np.ndarray:
    """torch's recursive CosineAnnealingLR, float operation for float operation. At a fractional
    T_max its special case ``(k - 1 - T_max) % (2 T_max) == 0`` never applies, so the ratio
    update divides by ``1 + cos(pi (k - 1) / T_max)``: near 0 it amplifies rounding (torch's
    curve then leaves the cosine), and where it rounds to exactly 0 (T_max = 2/3 at step 3)
    torch raises ZeroDivisionError."""
    lrs = [float(base)]
    for k in range(1, steps):
        lr = lrs[-1]
        if (k - 1 - t) % (2 * t) == 0:
            lrs.append(lr + (base - eta) * (1 - math.cos(math.pi / t)) / 2)
            continue
        below = 1 + math.cos(math.pi * (k - 1) / t)
        if below == 0:
            raise fail(
                "T_max",
                "a length at which 1 + cos(pi (k - 1) / T_max) is never 0 (torch divides by "
                f"it, and it is 0 at step {k})",
                t,
            )
        lrs.append((1 + math.cos(math.pi * k / t)) / below * (lr - eta) + eta)
    return np.array(lrs)


def _cosine_check(kw):
    t = kw["T_max"]
    if _fractional(t):
        _cosine_recursive(_HORIZON, 1.0, t, 0.0)  # refuses a division by zero early on
    _warn_negative("CosineAnnealingLR", "T_max", kw, f"anneals as T_max={-t} would")


def _cosine_lr(k, base, *, T_max, eta_min):
    if _fractional(T_max) and len(k):
        return _cosine_recursive(int(k.max()) + 1, base, T_max, eta_min)[k]
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * k / T_max)) / 2


def _cosine_update(j, base, kw):
    t, eta = kw["T_max"], kw["eta_min"]
    turn = (j - 1 - t) % (2 * t) == 0  # torch's special case at the bottom of the cosine
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (1 + np.cos(np.pi * j / t)) / (1 + np.cos(np.pi * (j - 1) / t))
    r = np.where(turn, 1.0, r)
    bump = (base - eta) * (1 - math.cos(math.pi / t)) / 2
    return r, np.where(turn, bump, eta - r * eta)


def _warm_restarts_lr(k, base, *, T_0, T_mult, eta_min):
    _, t_cur, t_i = restart_phase(k, T_0, T_mult)
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * t_cur / t_i)) / 2


def _cyclic_lr(k, base, **kw):
    up = kw["step_size_up"]
    down = up if kw["step_size_down"] is None else kw["step_size_down"]
    cycle, position = cyclic_position(k, up, down)
    amplitude = cyclic_scale(k, cycle, kw["mode"], kw["gamma"], kw["scale_fn"], kw["scale_mode"])
    lo, hi = kw["base_lr"], kw["max_lr"]
    return lo + (hi - lo) * (position * amplitude)


_CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def _cyclic_check(kw):
    if kw["scale_fn"] is None:
        as_choice("mode", kw["mode"], _CYCLIC_MODES)
        if kw["mode"] == "exp_range" and kw["gamma"] < 0:  # other modes ignore gamma
            raise fail(
                "gamma",
                ">= 0 in mode 'exp_range' (gamma**k alternates in sign: the LR turns negative)",
                kw["gamma"],
            )
    up, down = kw["step_size_up"], kw["step_size_down"]
    down = up if down is None else down
    if up + down == 0:
        raise fail(
            "step_size_down",
            f"other than -step_size_up = {-up} (torch divides by their sum)",
            kw["step_size_down"],
        )
    if up < 0 or down < 0:
        _warn(
            f"CyclicLR(step_size_up={up}, step_size_down={down}): torch accepts negative "
            f"step sizes and cycles over their sum, {up + down} steps, rising for the fraction "
            f"{up / (up + down):g} of each (a negative sum counts the cycles down, so "
            "triangular2's amplitude grows)"
        )
    if kw["cycle_momentum"]:
        warn_momentum("CyclicLR", kw["base_momentum"], kw["max_momentum"])


def one_cycle_plan(kw: dict[str, Any]):
    """OneCycleLR's phases for complete, validated keyword arguments."""
    if kw["total_steps"] is not None:
        total = kw["total_steps"]
    elif kw["epochs"] is not None and kw["steps_per_epoch"] is not None:
        total = kw["epochs"] * kw["steps_per_epoch"]
    else:
        raise fail("total_steps", "given, or both epochs and steps_per_epoch", None)
    return one_cycle_phases(
        kw["max_lr"],
        total,
        kw["pct_start"],
        kw["div_factor"],
        kw["final_div_factor"],
        kw["three_phase"],
        (kw["base_momentum"], kw["max_momentum"]),
        kw["anneal_strategy"],
    )


def _one_cycle_lr(k, base, **kw):
    phases = one_cycle_plan(kw)
    if len(k) and k[-1] > phases.total_steps:
        raise fail(
            "steps",
            f"<= total_steps + 1 = {phases.total_steps + 1} for OneCycleLR "
            "(torch raises 'Tried to step ... times' past total_steps)",
            int(k[-1]) + 1,
        )
    return one_cycle_values(k, phases.ends, phases.lrs, phases.anneal)


def _one_cycle_check(kw):
    phases = one_cycle_plan(kw)
    if phases.overlap:
        _warn(
            f"OneCycleLR(pct_start={kw['pct_start']}, total_steps={phases.total_steps}, "
            f"three_phase={kw['three_phase']}): the phases overlap (a phase ends before it "
            "starts); torch runs them anyway, but the curve is not a one-cycle shape"
        )
    if kw["cycle_momentum"]:
        warn_momentum("OneCycleLR", kw["base_momentum"], kw["max_momentum"])


def _plateau_check(kw):
    name = "ReduceLROnPlateau"
    if kw["factor"] < 0 and kw["min_lr"] < 0:  # max(lr * factor, min_lr) < 0
        raise fail("factor", "in [0, 1) when min_lr < 0 (the LR would turn negative)", kw["factor"])
    _warn_negative(name, "patience", kw, "cuts the LR at every step, better or not")
    _warn_negative(name, "cooldown", kw, "never cools down, as cooldown=0")
    _warn_negative(name, "threshold", kw, "counts a slightly worse metric as an improvement")
    _warn_negative(name, "min_lr", kw, "never reaches that floor, as min_lr=0")
    _warn_negative(name, "eps", kw, "applies even a cut that leaves the LR unchanged")
    _warn_fractional(
        name,
        "patience",
        kw,
        lambda p: (
            f"torch cuts when the bad-step count exceeds it, as patience={math.floor(p)} would"
        ),
    )
    _warn_fractional(
        name,
        "cooldown",
        kw,
        lambda c: f"torch counts it down by 1 while it is > 0, as cooldown={math.ceil(c)} would",
    )
    if kw["factor"] < 0:
        _warn(
            f"ReduceLROnPlateau(factor={kw['factor']}): torch accepts a negative factor and "
            "cuts the LR straight to min_lr"
        )


def _plateau_lr(metrics, base, **kw):
    return np.array([state.lr for state in plateau_rule(metrics, base, **kw)])


def _from_scratch(name):
    def update(j, base, kw):
        return absolute(_CLOSED[name](j, base, **kw))

    return update


def _initial_factor(key):
    def initial(base, kw):
        return scale(np.ones(1) * kw[key])

    return initial


_CLOSED = {
    "LambdaLR": _lambda_lr,
    "CosineAnnealingWarmRestarts": _warm_restarts_lr,
}


def _from_scratch_initial(name):
    def initial(base, kw):
        return absolute(_CLOSED[name](np.zeros(1, dtype=np.int64), base, **kw))

    return initial


# ----------------------------------------------------------------------------- definitions


def _decay_97(step: int) -> float:
    """Multiply the LR by 0.97 at every step (MultiplicativeLR's example)."""
    return 0.97


_decay_97.js_value = 0.97  # its form in the static page's JavaScript (lrcourse.web)


_MOMENTUM_CHECK = _real  # torch accepts any momentum bounds (a warning outside [0, 1])

TORCH_DEFINITIONS: tuple[ScheduleInfo, ...] = (
    ScheduleInfo(
        "LambdaLR",
        "LR = base LR times any function of the step.",
        r"\eta_k = \eta_0 f(k)",
        extra=(_LAMBDA,),
        example={"lr_lambda": cosine_with_warmup(10, 100)},
        closed_form=_lambda_lr,
        update_map=_from_scratch("LambdaLR"),
        initial_map=_from_scratch_initial("LambdaLR"),
    ),
    ScheduleInfo(
        "MultiplicativeLR",
        "Multiply the current LR by f(k) at every step.",
        r"\eta_k = \eta_{k-1} f(k)",
        extra=(_LAMBDA,),
        example={"lr_lambda": _decay_97},
        closed_form=_multiplicative_lr,
        update_map=_multiplicative_update,
        restart_map=_multiplicative_restart,
    ),
    ScheduleInfo(
        "StepLR",
        "Multiply the LR by gamma every step_size steps.",
        r"\eta_k = \eta_0 \gamma^{\lfloor k/s \rfloor}",
        (
            _required(
                "step_size",
                30,
                "int",
                1,
                100,
                "steps between drops",
                _nonzero(_whole_or_real),
                counts="calls",
            ),
            _GAMMA_STEP,
        ),
        closed_form=_step_lr,
        update_map=_step_update,
        consistency=_step_check,
    ),
    ScheduleInfo(
        "MultiStepLR",
        "Multiply the LR by gamma at each milestone.",
        r"\eta_k = \eta_0 \gamma^{\#\{m \le k\}}",
        (_GAMMA_STEP,),
        extra=(_required("milestones", None, check=_real_list, counts="calls"),),
        example={"milestones": [30, 80]},
        closed_form=_multistep_lr,
        update_map=_multistep_update,
        initial_map=_multistep_initial,
        restart_map=_multistep_restart,
        consistency=_multistep_check,
    ),
    ScheduleInfo(
        "ConstantLR",
        "Hold the LR at factor times base for total_iters steps, then at base.",
        r"\eta_k = \eta_0 \cdot (\text{factor if } k < T \text{ else } 1)",
        (
            _param("factor", 1.0 / 3, "float", 0.05, 1.0, "multiplier at first", _unit),
            _param(
                "total_iters",
                5,
                "int",
                1,
                100,
                "steps at the lower LR",
                _whole_or_real,
                counts="calls",
            ),
        ),
        example={"total_iters": 20},
        closed_form=_constant_lr,
        update_map=_constant_update,
        initial_map=_initial_factor("factor"),
        restart_map=_constant_restart,
        consistency=_constant_check,
    ),
    ScheduleInfo(
        "LinearLR",
        "Move the factor linearly from start_factor to end_factor over total_iters.",
        r"\eta_k = \eta_0 (s + (e - s)\min(k, T)/T)",
        (
            _param("start_factor", 1.0 / 3, "float", 0.01, 1.0, "factor at step 0", _fraction),
            _param("end_factor", 1.0, "float", 0.0, 1.0, "factor from step T on", _unit),
            _param(
                "total_iters",
                5,
                "int",
                1,
                200,
                "length of the ramp T",
                _whole_or_real,
                counts="calls",
            ),
        ),
        example={"start_factor": 0.1, "total_iters": 30},
        closed_form=_linear_lr,
        update_map=_linear_update,
        initial_map=_initial_factor("start_factor"),
        restart_map=_linear_restart,
        consistency=_linear_check,
    ),
    ScheduleInfo(
        "ExponentialLR",
        "Multiply the LR by gamma at every step.",
        r"\eta_k = \eta_0 \gamma^k",
        (
            _required(
                "gamma", 0.95, "float", 0.8, 1.0, "multiplier per step", _nonneg, counts="per_call"
            ),
        ),
        closed_form=_exponential_lr,
        update_map=_exponential_update,
    ),
    ScheduleInfo(
        "PolynomialLR",
        "Decay to 0 as a power of the remaining fraction, over total_iters steps.",
        r"\eta_k = \eta_0 (1 - \min(k, T)/T)^p",
        (
            _param(
                "total_iters",
                5,
                "int",
                1,
                200,
                "steps to reach 0",
                _whole_or_real,
                counts="calls",
            ),
            _param("power", 1.0, "float", 0.1, 5.0, "1 = linear decay", _nonneg),
        ),
        example={"total_iters": 80},
        closed_form=_polynomial_lr,
        update_map=_polynomial_update,
        restart_map=_polynomial_restart,
        consistency=_polynomial_check,
    ),
    ScheduleInfo(
        "CosineAnnealingLR",
        "Half a cosine from the base LR down to eta_min over T_max steps.",
        r"\eta_k = \eta_{min} + (\eta_0 - \eta_{min}) \tfrac12 (1 + \cos(\pi k/T_{max}))",
        (
            _required(
                "T_max",
                100,
                "int",
                1,
                500,
                "steps of the half cosine",
                _nonzero(_whole_or_real),
                counts="calls",
            ),
            _ETA_MIN,
        ),
        closed_form=_cosine_lr,
        update_map=_cosine_update,
        consistency=_cosine_check,
    ),
    ScheduleInfo(
        "CosineAnnealingWarmRestarts",
        "Cosine annealing restarted every cycle; cycles grow by T_mult (SGDR).",
        r"\eta_k = \eta_{min} + (\eta_0 - \eta_{min}) \tfrac12 (1 + \cos(\pi T_{cur}/T_i))",
        (
            _required("T_0", 20, "int", 1, 200, "length of the first cycle", _int1, counts="calls"),
            _param("T_mult", 1, "int", 1, 4, "each cycle is T_mult times longer", _int1),
            _ETA_MIN,
        ),
        default_steps=150,
        example={"T_mult": 2},
        closed_form=_warm_restarts_lr,
        update_map=_from_scratch("CosineAnnealingWarmRestarts"),
        initial_map=_from_scratch_initial("CosineAnnealingWarmRestarts"),
    ),
    ScheduleInfo(
        "CyclicLR",
        "Triangle waves between base_lr and max_lr (Smith's cyclical learning rates).",
        r"\eta_k = \eta_{base} + (\eta_{max} - \eta_{base})\, x_k\, s(\cdot)",
        (
            _required("base_lr", 0.001, "log", 1e-4, 1e-1, "bottom of the cycle", _nonneg),
            _required("max_lr", 0.1, "log", 1e-3, 1.0, "top of the cycle", _nonneg),
            _param(
                "step_size_up",
                2000,
                "int",
                1,
                200,
                "steps from bottom to top",
                _nonzero(as_real),
                counts="calls",
            ),
            Param("mode", "triangular", "choice", choices=_CYCLIC_MODES, check=_any),
            _param(
                "gamma",
                1.0,
                "float",
                0.9,
                1.0,
                "exp_range decay per step",
                _real,
                counts="per_call",
            ),
            _param("cycle_momentum", True, "bool"),
            _param("base_momentum", 0.8, "float", 0.5, 0.99, check=_MOMENTUM_CHECK),
            _param("max_momentum", 0.9, "float", 0.5, 0.99, check=_MOMENTUM_CHECK),
        ),
        extra=(
            _param("step_size_down", None, check=_optional(_real), counts="calls"),
            _param("scale_fn", None, check=_optional(_fn)),
            Param(
                "scale_mode", "cycle", "fixed", choices=("cycle", "iterations"), check=_scale_mode
            ),
        ),
        default_steps=200,
        example={"step_size_up": 25},
        closed_form=_cyclic_lr,
        consistency=_cyclic_check,
    ),
    ScheduleInfo(
        "OneCycleLR",
        "One warmup to max_lr, then a long anneal far below the start (super-convergence).",
        r"\eta: \tfrac{\eta_{max}}{d} \nearrow \eta_{max} \searrow \tfrac{\eta_{max}}{d\,f}",
        (
            _required("max_lr", 0.1, "log", 1e-3, 1.0, "peak LR", _nonneg),
            _param(
                "total_steps",
                100,
                "int",
                10,
                1000,
                "length of the run",
                _optional(_int1),
                call_default=None,
                counts="calls",
            ),
            _param("pct_start", 0.3, "float", 0.05, 0.95, "fraction spent warming up", _unit),
            Param("anneal_strategy", "cos", "choice", choices=("cos", "linear")),
            _param("div_factor", 25.0, "log", 1.0, 1000.0, "start = max_lr / div", _positive),
            _param("final_div_factor", 1e4, "log", 1.0, 1e5, "end = start / final", _positive),
            _param("three_phase", False, "bool", help="Smith's symmetric version"),
            _param("cycle_momentum", True, "bool"),
            _param("base_momentum", 0.85, "float", 0.5, 0.99, check=_MOMENTUM_CHECK),
            _param("max_momentum", 0.95, "float", 0.5, 0.99, check=_MOMENTUM_CHECK),
        ),
        extra=(
            _param("epochs", None, check=_optional(_int1)),
            _param("steps_per_epoch", None, check=_optional(_int1), counts="calls"),
        ),
        closed_form=_one_cycle_lr,
        consistency=_one_cycle_check,
    ),
    ScheduleInfo(
        "ReduceLROnPlateau",
        "Cut the LR by factor when the metric stops improving for patience steps.",
        r"\eta \leftarrow \max(\eta \cdot \text{factor}, \eta_{min}) \text{ after a plateau}",
        (
            Param("mode", "min", "choice", choices=("min", "max")),
            _param("factor", 0.1, "float", 0.05, 0.95, "multiplier at each cut", _below_1),
            _param(
                "patience",
                10,
                "int",
                0,
                30,
                "bad steps tolerated",
                _whole_or_real,
                counts="calls",
            ),
            _param("threshold", 1e-4, "log", 1e-6, 1e-1, "what counts as better", _real),
            Param("threshold_mode", "rel", "choice", choices=("rel", "abs")),
            _param(
                "cooldown",
                0,
                "int",
                0,
                20,
                "steps ignored after a cut",
                _whole_or_real,
                counts="calls",
            ),
            _param("min_lr", 0.0, "float", 0.0, 0.01, "floor", _real),
        ),
        extra=(_param("eps", 1e-8, check=_real),),
        needs_metrics=True,
        closed_form=_plateau_lr,
        consistency=_plateau_check,
    ),
)
