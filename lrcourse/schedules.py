"""Learning-rate curves in closed form: pure numpy functions of the step.

One function, :func:`lr_curve`, gives the learning rate that a torch optimizer holds after
``k`` calls to ``scheduler.step()``, for every scheduler class of ``torch.optim.lr_scheduler``
and for the modern schedules torch lacks (warmup + cosine, inverse square root,
warmup-stable-decay, ...). The curves are computed from formulas, vectorised over the steps;
:mod:`lrcourse.reference` computes the same curves by stepping torch, and the tests hold the
two equal.

Contract: element ``k`` of ``lr_curve(name, steps, lr=lr, **kwargs)`` is
``optimizer.param_groups[0]["lr"]`` after ``k`` calls to ``scheduler.step()`` on
``torch.optim.SGD(params, lr=lr, momentum=0.9)`` (element 0: right after construction).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from .registry import Param, ScheduleInfo

__all__ = [
    "SCHEDULES",
    "constant_with_warmup",
    "cosine_with_warmup",
    "inverse_sqrt",
    "linear_with_warmup",
    "lr_curve",
    "momentum_curve",
    "schedule_names",
    "warmup_stable_decay",
]

# ---------------------------------------------------------------------------------------------
# Validation: every bad input is a ValueError that names the parameter.
# ---------------------------------------------------------------------------------------------


def _int(name: str, value: Any, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value


def _real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def _choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def _callable(name: str, value: Any) -> Callable[[int], float]:
    if not callable(value):
        raise ValueError(f"{name} must be a callable of the step, got {type(value).__name__}")
    return value


def _call_per_step(fn: Callable[[int], float], k: np.ndarray, name: str) -> np.ndarray:
    """``fn`` at each step, called with a Python int as torch does (vectorised when it can be)."""
    if getattr(fn, "vectorized", False):
        return np.asarray(fn(k), dtype=np.float64)
    try:
        return np.fromiter((float(fn(int(i))) for i in k), dtype=np.float64, count=len(k))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must return a number for every step: {err}") from err


# ---------------------------------------------------------------------------------------------
# Modern schedules torch lacks: factor functions of the step, usable as a LambdaLR lr_lambda.
# ---------------------------------------------------------------------------------------------


class Factor:
    """A multiplicative LR factor ``f(step)``; works on an int (returns float) or an array.

    Instances are plain objects, so ``LambdaLR(opt, f).state_dict()`` saves their parameters.
    """

    vectorized = True
    public_name = "factor"  # the function that builds it, for the repr

    def __call__(self, step):  # noqa: ANN001 - int or ndarray
        s = np.asarray(step, dtype=np.float64)
        out = self.evaluate(s)
        return float(out) if np.ndim(step) == 0 else out

    def evaluate(self, s: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{self.public_name}({args})"


def _warmup(s: np.ndarray, warmup_steps: int) -> np.ndarray:
    """Linear ramp ``s / warmup_steps`` (transformers' convention: factor 0 at step 0)."""
    return s / max(1, warmup_steps)


class _LinearWithWarmup(Factor):
    public_name = "linear_with_warmup"

    def __init__(self, warmup_steps: int, total_steps: int) -> None:
        self.warmup_steps = _int("warmup_steps", warmup_steps, low=0)
        self.total_steps = _int("total_steps", total_steps, low=1)
        if self.total_steps < self.warmup_steps:
            raise ValueError(
                f"total_steps ({total_steps}) must be >= warmup_steps ({warmup_steps})"
            )

    def evaluate(self, s):
        w, t = self.warmup_steps, self.total_steps
        decay = np.maximum(0.0, (t - s) / max(1, t - w))
        return np.where(s < w, _warmup(s, w), decay)


class _CosineWithWarmup(Factor):
    public_name = "cosine_with_warmup"

    def __init__(self, warmup_steps: int, total_steps: int, min_factor: float = 0.0) -> None:
        self.warmup_steps = _int("warmup_steps", warmup_steps, low=0)
        self.total_steps = _int("total_steps", total_steps, low=1)
        self.min_factor = _real("min_factor", min_factor, low=0.0, high=1.0)
        if self.total_steps < self.warmup_steps:
            raise ValueError(
                f"total_steps ({total_steps}) must be >= warmup_steps ({warmup_steps})"
            )

    def evaluate(self, s):
        w, t, m = self.warmup_steps, self.total_steps, self.min_factor
        progress = np.clip((s - w) / max(1, t - w), 0.0, 1.0)
        cosine = m + (1.0 - m) * 0.5 * (1.0 + np.cos(np.pi * progress))
        return np.where(s < w, _warmup(s, w), cosine)


class _ConstantWithWarmup(Factor):
    public_name = "constant_with_warmup"

    def __init__(self, warmup_steps: int) -> None:
        self.warmup_steps = _int("warmup_steps", warmup_steps, low=0)

    def evaluate(self, s):
        w = self.warmup_steps
        return np.where(s < w, _warmup(s, w), 1.0)


class _InverseSqrt(Factor):
    public_name = "inverse_sqrt"

    def __init__(self, warmup_steps: int) -> None:
        self.warmup_steps = _int("warmup_steps", warmup_steps, low=1)

    def evaluate(self, s):
        n, w = s + 1.0, self.warmup_steps  # Vaswani et al. count updates from 1
        return np.minimum(n / w, np.sqrt(w / n))


class _WarmupStableDecay(Factor):
    public_name = "warmup_stable_decay"

    def __init__(
        self,
        warmup_steps: int,
        total_steps: int,
        decay_steps: int,
        min_factor: float = 0.0,
        cooldown: str = "linear",
    ) -> None:
        self.warmup_steps = _int("warmup_steps", warmup_steps, low=0)
        self.total_steps = _int("total_steps", total_steps, low=1)
        self.decay_steps = _int("decay_steps", decay_steps, low=1)
        self.min_factor = _real("min_factor", min_factor, low=0.0, high=1.0)
        self.cooldown = _choice("cooldown", cooldown, ("linear", "1-sqrt"))
        if self.warmup_steps + self.decay_steps > self.total_steps:
            raise ValueError(
                f"warmup_steps + decay_steps ({warmup_steps} + {decay_steps}) must be "
                f"<= total_steps ({total_steps})"
            )

    def evaluate(self, s):
        w, t, d, m = self.warmup_steps, self.total_steps, self.decay_steps, self.min_factor
        p = np.clip((s - (t - d)) / d, 0.0, 1.0)
        shape = p if self.cooldown == "linear" else np.sqrt(p)
        return np.where(s < w, _warmup(s, w), m + (1.0 - m) * (1.0 - shape))


def linear_with_warmup(warmup_steps: int, total_steps: int) -> Factor:
    r"""Linear warmup, then linear decay to 0 at ``total_steps``.

    .. math:: f(t) = t/w \ (t < w), \qquad \max\!\big(0, (T - t)/(T - w)\big) \ (t \ge w)

    The same values as transformers' ``get_linear_schedule_with_warmup``.

    >>> f = linear_with_warmup(10, 100)
    >>> f(0), f(5), f(10), f(100)
    (0.0, 0.5, 1.0, 0.0)
    """
    return _LinearWithWarmup(warmup_steps, total_steps)


def cosine_with_warmup(warmup_steps: int, total_steps: int, min_factor: float = 0.0) -> Factor:
    r"""Linear warmup, then a half cosine from 1 down to ``min_factor`` (held after ``T``).

    .. math:: f(t) = m + (1-m)\,\tfrac12\big(1 + \cos(\pi\,\min(1, \tfrac{t-w}{T-w}))\big)

    With ``min_factor=0`` and ``t <= T`` the same values as transformers'
    ``get_cosine_schedule_with_warmup``.

    >>> f = cosine_with_warmup(10, 110, min_factor=0.1)
    >>> round(f(60), 3), f(110), f(500)
    (0.55, 0.1, 0.1)
    """
    return _CosineWithWarmup(warmup_steps, total_steps, min_factor)


def constant_with_warmup(warmup_steps: int) -> Factor:
    r"""Linear warmup, then constant: :math:`f(t) = \min(1, t/w)`.

    >>> f = constant_with_warmup(4)
    >>> [f(t) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    return _ConstantWithWarmup(warmup_steps)


def inverse_sqrt(warmup_steps: int) -> Factor:
    r"""Vaswani et al.'s schedule, normalised to a peak of 1 at update ``n = w``.

    .. math:: f(t) = \min\!\big(n/w,\ \sqrt{w/n}\big), \qquad n = t + 1

    The paper's learning rate is :math:`d_{model}^{-1/2}\min(n^{-1/2}, n\,w^{-3/2})`, which is
    this factor times ``lr = (d_model * w) ** -0.5``.

    >>> f = inverse_sqrt(4)
    >>> f(0), f(3), f(15)
    (0.25, 1.0, 0.5)
    """
    return _InverseSqrt(warmup_steps)


def warmup_stable_decay(
    warmup_steps: int,
    total_steps: int,
    decay_steps: int,
    min_factor: float = 0.0,
    cooldown: str = "linear",
) -> Factor:
    r"""Warmup-stable-decay (WSD): ramp up, hold at 1, cool down over the last ``decay_steps``.

    With :math:`p = \mathrm{clip}((t - (T - d))/d, 0, 1)` the cooldown is
    :math:`f = m + (1 - m)(1 - p)` (``"linear"``) or :math:`m + (1-m)(1 - \sqrt{p})`
    (``"1-sqrt"``, Hägele et al. 2024).

    >>> f = warmup_stable_decay(10, 100, 20)
    >>> f(50), f(90), f(100)
    (1.0, 0.5, 0.0)
    """
    return _WarmupStableDecay(warmup_steps, total_steps, decay_steps, min_factor, cooldown)


MODERN: dict[str, Callable[..., Factor]] = {
    "linear_with_warmup": linear_with_warmup,
    "cosine_with_warmup": cosine_with_warmup,
    "constant_with_warmup": constant_with_warmup,
    "inverse_sqrt": inverse_sqrt,
    "warmup_stable_decay": warmup_stable_decay,
}

# ---------------------------------------------------------------------------------------------
# Closed forms of torch's schedulers. Each takes the step array k and the base lr.
# ---------------------------------------------------------------------------------------------

_CLOSED: dict[str, Callable[..., np.ndarray]] = {}


def _closed(name: str):
    def register(fn):
        _CLOSED[name] = fn
        return fn

    return register


@_closed("LambdaLR")
def _lambda_lr(k, base, *, lr_lambda):
    r""":math:`\eta_k = \eta_0\, f(k)`."""
    return base * _call_per_step(_callable("lr_lambda", lr_lambda), k, "lr_lambda")


@_closed("MultiplicativeLR")
def _multiplicative_lr(k, base, *, lr_lambda):
    r""":math:`\eta_k = \eta_0 \prod_{i=1}^{k} f(i)`."""
    factors = _call_per_step(_callable("lr_lambda", lr_lambda), k[1:], "lr_lambda")
    return base * np.concatenate(([1.0], np.cumprod(factors)))[: len(k)]


@_closed("StepLR")
def _step_lr(k, base, *, step_size, gamma=0.1):
    r""":math:`\eta_k = \eta_0\,\gamma^{\lfloor k/s \rfloor}`."""
    step_size = _int("step_size", step_size, low=1)
    gamma = _real("gamma", gamma, low=0.0, low_open=True)
    return base * gamma ** (k // step_size)


def _milestone_list(milestones: Any) -> list[int]:
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence):
        raise ValueError(f"milestones must be a list of integers, got {milestones!r}")
    return [_int("milestones", m, low=0) for m in milestones]


@_closed("MultiStepLR")
def _multistep_lr(k, base, *, milestones, gamma=0.1):
    r""":math:`\eta_k = \eta_0\,\gamma^{\#\{m \in M : m \le k\}}` (a repeated milestone counts
    twice)."""
    ms = np.sort(np.asarray(_milestone_list(milestones), dtype=np.int64))
    gamma = _real("gamma", gamma, low=0.0, low_open=True)
    return base * gamma ** np.searchsorted(ms, k, side="right")


@_closed("ConstantLR")
def _constant_lr(k, base, *, factor=1.0 / 3, total_iters=5):
    r""":math:`\eta_k = \eta_0\,(\text{factor} \text{ if } k < T \text{ else } 1)`."""
    factor = _real("factor", factor, low=0.0, high=1.0, low_open=True)
    total_iters = _int("total_iters", total_iters, low=1)
    return base * np.where(k < total_iters, factor, 1.0)


@_closed("LinearLR")
def _linear_lr(k, base, *, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    r""":math:`\eta_k = \eta_0\,(s + (e - s)\min(k, T)/T)`."""
    s = _real("start_factor", start_factor, low=0.0, high=1.0, low_open=True)
    e = _real("end_factor", end_factor, low=0.0, high=1.0)
    total_iters = _int("total_iters", total_iters, low=1)
    return base * (s + (e - s) * np.minimum(k, total_iters) / total_iters)


@_closed("ExponentialLR")
def _exponential_lr(k, base, *, gamma):
    r""":math:`\eta_k = \eta_0\,\gamma^k`."""
    gamma = _real("gamma", gamma, low=0.0, low_open=True)
    return base * gamma ** k.astype(np.float64)


@_closed("PolynomialLR")
def _polynomial_lr(k, base, *, total_iters=5, power=1.0):
    r""":math:`\eta_k = \eta_0\,(1 - \min(k, T)/T)^p`."""
    total_iters = _int("total_iters", total_iters, low=1)
    power = _real("power", power, low=0.0)
    return base * (1.0 - np.minimum(k, total_iters) / total_iters) ** power


@_closed("CosineAnnealingLR")
def _cosine_annealing_lr(k, base, *, T_max, eta_min=0.0):
    r""":math:`\eta_k = \eta_{min} + (\eta_0 - \eta_{min})\,\tfrac12(1 + \cos(\pi k / T))`.

    Past ``T_max`` the cosine keeps going: the LR climbs back to ``eta_0`` at ``2 T_max``.
    """
    T_max = _int("T_max", T_max, low=1)
    eta_min = _real("eta_min", eta_min, low=0.0)
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * k / T_max)) / 2


def _restart_phase(k: np.ndarray, T_0: int, T_mult: int) -> tuple[np.ndarray, np.ndarray]:
    """Position in the current cycle ``T_cur`` and the cycle's length ``T_i`` at each step."""
    if T_mult == 1:
        return k % T_0, np.full_like(k, T_0)
    starts, lengths = [0], [T_0]  # exact integer cycle boundaries (no floating log)
    top = int(k.max(initial=0))
    while starts[-1] + lengths[-1] <= top:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * T_mult)
    cycle = np.searchsorted(np.asarray(starts, dtype=np.int64), k, side="right") - 1
    return k - np.asarray(starts, dtype=np.int64)[cycle], np.asarray(lengths)[cycle]


@_closed("CosineAnnealingWarmRestarts")
def _cosine_warm_restarts(k, base, *, T_0, T_mult=1, eta_min=0.0):
    r""":math:`\eta_k = \eta_{min} + (\eta_0 - \eta_{min})\,\tfrac12(1 + \cos(\pi T_{cur}/T_i))`.

    Cycle ``i`` lasts :math:`T_i = T_0\,T_{mult}^i` steps; ``T_cur`` counts steps since the
    last restart.
    """
    T_0 = _int("T_0", T_0, low=1)
    T_mult = _int("T_mult", T_mult, low=1)
    eta_min = _real("eta_min", eta_min, low=0.0)
    t_cur, t_i = _restart_phase(k, T_0, T_mult)
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * t_cur / t_i)) / 2


def _cyclic_shape(
    k: np.ndarray,
    step_size_up: float,
    step_size_down: float | None,
    mode: str,
    gamma: float,
    scale_fn: Callable[[float], float] | None,
    scale_mode: str,
) -> np.ndarray:
    """CyclicLR's position in [0, 1] times its amplitude scale, at each step."""
    up = _real("step_size_up", step_size_up, low=0.0, low_open=True)
    down = up if step_size_down is None else _real("step_size_down", step_size_down, low=0.0)
    gamma = _real("gamma", gamma, low=0.0, low_open=True)
    total = up + down
    ratio = up / total
    cycle = np.floor(1 + k / total)
    x = 1.0 + k / total - cycle
    rising = x <= ratio
    position = np.where(rising, x / ratio, (x - 1) / (ratio - 1 if ratio < 1 else 1.0))
    if scale_fn is None:
        _choice("mode", mode, ("triangular", "triangular2", "exp_range"))
        if mode == "triangular":
            return position
        if mode == "triangular2":
            return position * (1 / (2.0 ** (cycle - 1)))
        return position * gamma ** k.astype(np.float64)
    _choice("scale_mode", scale_mode, ("cycle", "iterations"))
    arg = cycle.astype(np.int64) if scale_mode == "cycle" else k
    return position * _call_per_step(_callable("scale_fn", scale_fn), arg, "scale_fn")


@_closed("CyclicLR")
def _cyclic_lr(
    k,
    base,
    *,
    base_lr,
    max_lr,
    step_size_up=2000,
    step_size_down=None,
    mode="triangular",
    gamma=1.0,
    scale_fn=None,
    scale_mode="cycle",
    cycle_momentum=True,
    base_momentum=0.8,
    max_momentum=0.9,
):
    r""":math:`\eta_k = \eta_{base} + (\eta_{max} - \eta_{base})\,x_k\,s(\cdot)`.

    :math:`x_k` rises linearly 0 to 1 over ``step_size_up`` steps and falls back over
    ``step_size_down``; the scale ``s`` is 1 (triangular), :math:`2^{1-c}` in cycle ``c``
    (triangular2) or :math:`\gamma^k` (exp_range). CyclicLR sets the optimizer's LR to
    ``base_lr``, so the ``lr`` argument has no effect.
    """
    lo = _real("base_lr", base_lr, low=0.0, low_open=True)
    hi = _real("max_lr", max_lr, low=0.0, low_open=True)
    _cyclic_momentum_args(cycle_momentum, base_momentum, max_momentum)
    shape = _cyclic_shape(k, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode)
    return lo + (hi - lo) * shape


def _cyclic_momentum_args(cycle_momentum, base_momentum, max_momentum) -> tuple[float, float]:
    if not isinstance(cycle_momentum, bool):
        raise ValueError(f"cycle_momentum must be True or False, got {cycle_momentum!r}")
    lo = _real("base_momentum", base_momentum, low=0.0, high=1.0)
    hi = _real("max_momentum", max_momentum, low=0.0, high=1.0)
    return lo, hi


@dataclass(frozen=True)
class _OneCyclePhases:
    ends: tuple[float, ...]
    lrs: tuple[tuple[float, float], ...]
    momenta: tuple[tuple[float, float], ...]
    total_steps: int
    anneal: str


def _one_cycle_phases(
    max_lr,
    total_steps=None,
    epochs=None,
    steps_per_epoch=None,
    pct_start=0.3,
    anneal_strategy="cos",
    cycle_momentum=True,
    base_momentum=0.85,
    max_momentum=0.95,
    div_factor=25.0,
    final_div_factor=1e4,
    three_phase=False,
) -> _OneCyclePhases:
    peak = _real("max_lr", max_lr, low=0.0, low_open=True)
    if total_steps is not None:
        total = _int("total_steps", total_steps, low=1)
    elif epochs is not None and steps_per_epoch is not None:
        total = _int("epochs", epochs, low=1) * _int("steps_per_epoch", steps_per_epoch, low=1)
    else:
        raise ValueError("total_steps must be given, or both epochs and steps_per_epoch")
    pct = _real("pct_start", pct_start, low=0.0, high=1.0, low_open=True, high_open=True)
    anneal = _choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    div = _real("div_factor", div_factor, low=0.0, low_open=True)
    final_div = _real("final_div_factor", final_div_factor, low=0.0, low_open=True)
    m_lo, m_hi = _cyclic_momentum_args(cycle_momentum, base_momentum, max_momentum)
    if not isinstance(three_phase, bool):
        raise ValueError(f"three_phase must be True or False, got {three_phase!r}")
    initial = peak / div
    floor = initial / final_div
    if three_phase:
        ends = (float(pct * total) - 1, float(2 * pct * total) - 2, float(total - 1))
        lrs = ((initial, peak), (peak, initial), (initial, floor))
        momenta = ((m_hi, m_lo), (m_lo, m_hi), (m_hi, m_hi))
    else:
        ends = (float(pct * total) - 1, float(total - 1))
        lrs = ((initial, peak), (peak, floor))
        momenta = ((m_hi, m_lo), (m_lo, m_hi))
    starts = (0.0, *ends[:-1])
    if any(end <= start for start, end in zip(starts, ends, strict=True)):
        raise ValueError(
            f"pct_start={pct} with total_steps={total} leaves a phase with no steps: "
            "every phase needs pct_start * total_steps > 1"
            + (" and pct_start < (total_steps + 1) / (2 total_steps)" if three_phase else "")
        )
    return _OneCyclePhases(ends, lrs, momenta, total, anneal)


def _one_cycle_values(k: np.ndarray, phases: _OneCyclePhases, which: str) -> np.ndarray:
    if len(k) and k[-1] > phases.total_steps:
        raise ValueError(
            f"steps must be <= total_steps + 1 = {phases.total_steps + 1} for OneCycleLR "
            "(torch raises 'Tried to step ... times' past total_steps)"
        )
    pairs = phases.lrs if which == "lr" else phases.momenta
    ends = np.asarray(phases.ends)
    phase = np.minimum(np.searchsorted(ends, k, side="left"), len(ends) - 1)
    start_step = np.concatenate(([0.0], ends[:-1]))[phase]
    pct = (k - start_step) / (ends[phase] - start_step)
    begin = np.asarray([p[0] for p in pairs])[phase]
    end = np.asarray([p[1] for p in pairs])[phase]
    if phases.anneal == "cos":
        return end + (begin - end) / 2.0 * (np.cos(np.pi * pct) + 1)
    return (end - begin) * pct + begin


@_closed("OneCycleLR")
def _one_cycle_lr(k, base, **kwargs):
    r"""Warm up from ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of the steps, then
    anneal (cosine or linear) to ``max_lr / (div_factor * final_div_factor)``.

    Each phase anneals :math:`\eta = e + (b - e)\,\tfrac12(1 + \cos \pi p)` with ``p`` the
    fraction of the phase done. ``three_phase=True`` (Smith's paper) comes back down to the
    initial LR symmetrically before the final annihilation. OneCycleLR sets the optimizer's
    LR itself, so the ``lr`` argument has no effect.
    """
    return _one_cycle_values(k, _one_cycle_phases(**kwargs), "lr")


def _plateau_curve(
    metrics: Sequence[float],
    base: float,
    *,
    mode="min",
    factor=0.1,
    patience=10,
    threshold=1e-4,
    threshold_mode="rel",
    cooldown=0,
    min_lr=0.0,
    eps=1e-8,
) -> np.ndarray:
    r"""ReduceLROnPlateau's rule, as a recursion over the metric sequence.

    A metric ``a`` improves on the best ``b`` when :math:`a < b(1 - \text{threshold})` (``rel``)
    or :math:`a < b - \text{threshold}` (``abs``) in ``min`` mode, mirrored in ``max`` mode.
    After more than ``patience`` steps without improvement the LR becomes
    :math:`\max(\eta\,\text{factor}, \text{min\_lr})` (skipped if it would change by less than
    ``eps``) and ``cooldown`` steps follow during which bad steps are not counted.
    The state carries across steps, so this one curve is a loop rather than a formula.
    """
    _choice("mode", mode, ("min", "max"))
    factor = _real("factor", factor, low=0.0, high=1.0, low_open=True, high_open=True)
    patience = _int("patience", patience, low=0)
    threshold = _real("threshold", threshold, low=0.0)
    _choice("threshold_mode", threshold_mode, ("rel", "abs"))
    cooldown = _int("cooldown", cooldown, low=0)
    min_lr = _real("min_lr", min_lr, low=0.0)
    eps = _real("eps", eps, low=0.0)
    sign = 1.0 if mode == "min" else -1.0
    scale = 1.0 - sign * threshold
    best = math.inf * sign
    bad = cool = 0
    lr = base
    out = np.empty(len(metrics))
    for i, metric in enumerate(metrics):
        out[i] = lr
        a = float(metric)
        if threshold_mode == "rel":
            better = a < best * scale if mode == "min" else a > best * scale
        else:
            better = a < best - threshold if mode == "min" else a > best + threshold
        if better:
            best, bad = a, 0
        else:
            bad += 1
        if cool > 0:
            cool, bad = cool - 1, 0
        if bad > patience:
            new = max(lr * factor, min_lr)
            if lr - new > eps:
                lr = new
            cool, bad = cooldown, 0
    return out


# ---------------------------------------------------------------------------------------------
# SequentialLR and ChainedScheduler: torch composes its schedulers' *recursive* updates on the
# optimizer's current LR. Each update is an affine map lr -> a * lr + b; a prefix composition
# of the maps (a vectorised scan, log2(steps) numpy passes) reproduces torch exactly.
# ---------------------------------------------------------------------------------------------

_Map = tuple[np.ndarray, np.ndarray]
COMBINABLE = (
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
)


def _absolute(values: np.ndarray) -> _Map:
    return np.zeros_like(values), values


def _scale(factors: np.ndarray) -> _Map:
    return factors, np.zeros_like(factors)


def _update_maps(name: str, j: np.ndarray, base: float, kw: dict[str, Any]) -> _Map:
    """Torch's recursive update at local epochs ``j >= 1`` of one scheduler, as affine maps."""
    j = j.astype(np.int64)
    if name in ("LambdaLR", "CosineAnnealingWarmRestarts"):
        return _absolute(_CLOSED[name](j, base, **kw))  # these compute from scratch
    if name == "MultiplicativeLR":
        return _scale(_call_per_step(kw["lr_lambda"], j, "lr_lambda"))
    if name == "StepLR":
        return _scale(np.where(j % kw["step_size"] == 0, kw.get("gamma", 0.1), 1.0))
    if name == "MultiStepLR":
        ms = np.sort(np.asarray(kw["milestones"], dtype=np.int64))
        hits = np.searchsorted(ms, j, side="right") - np.searchsorted(ms, j, side="left")
        return _scale(kw.get("gamma", 0.1) ** hits.astype(np.float64))
    if name == "ConstantLR":
        factor, total = kw.get("factor", 1.0 / 3), kw.get("total_iters", 5)
        return _scale(np.where(j == total, 1.0 / factor, 1.0))
    if name == "LinearLR":
        s, e = kw.get("start_factor", 1.0 / 3), kw.get("end_factor", 1.0)
        total = kw.get("total_iters", 5)
        ramp = 1.0 + (e - s) / (total * s + (np.minimum(j, total) - 1) * (e - s))
        return _scale(np.where(j > total, 1.0, ramp))
    if name == "ExponentialLR":
        return _scale(np.full(j.shape, float(kw["gamma"])))
    if name == "PolynomialLR":
        total, power = kw.get("total_iters", 5), kw.get("power", 1.0)
        jj = np.minimum(j, total)
        ratio = ((1.0 - jj / total) / (1.0 - (jj - 1) / total)) ** power
        return _scale(np.where(j > total, 1.0, ratio))
    if name == "CosineAnnealingLR":
        t, eta = kw["T_max"], kw.get("eta_min", 0.0)
        turn = (j - 1 - t) % (2 * t) == 0  # torch's special case at the bottom of the cosine
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (1 + np.cos(np.pi * j / t)) / (1 + np.cos(np.pi * (j - 1) / t))
        r = np.where(turn, 1.0, r)
        bump = (base - eta) * (1 - math.cos(math.pi / t)) / 2
        return r, np.where(turn, bump, eta - r * eta)
    raise AssertionError(name)  # pragma: no cover - guarded by COMBINABLE


def _initial_map(name: str, base: float, kw: dict[str, Any]) -> _Map:
    """What constructing the scheduler does to the optimizer's current LR."""
    one = np.ones(1)
    if name in ("LambdaLR", "CosineAnnealingWarmRestarts"):
        return _absolute(_CLOSED[name](np.zeros(1, dtype=np.int64), base, **kw))
    if name in ("ConstantLR",):
        return _scale(one * kw.get("factor", 1.0 / 3))
    if name == "LinearLR":
        return _scale(one * kw.get("start_factor", 1.0 / 3))
    if name == "MultiStepLR":
        hits = list(kw["milestones"]).count(0)
        return _scale(one * kw.get("gamma", 0.1) ** hits)
    return _scale(one)


def _restart_map(name: str, base: float, kw: dict[str, Any]) -> _Map:
    """What SequentialLR does at a milestone: ``scheduler._update_lr(0)``."""
    if name == "MultiplicativeLR":
        return _scale(_call_per_step(kw["lr_lambda"], np.zeros(1, dtype=np.int64), "lr_lambda"))
    return _absolute(_CLOSED[name](np.zeros(1, dtype=np.int64), base, **kw))


def _compose(a: np.ndarray, b: np.ndarray, x0: float) -> np.ndarray:
    """``x_k = a_k x_{k-1} + b_k`` from ``x_{-1} = x0``, by a log-depth prefix scan."""
    a, b = a.astype(np.float64).copy(), b.astype(np.float64).copy()
    shift = 1
    while shift < len(a):
        b[shift:] = a[shift:] * b[:-shift] + b[shift:]
        a[shift:] = a[shift:] * a[:-shift]
        shift *= 2
    return a * x0 + b


def _sub_schedulers(schedulers: Any, base: float) -> list[tuple[str, dict[str, Any]]]:
    if isinstance(schedulers, (str, bytes)) or not isinstance(schedulers, Sequence):
        raise ValueError("schedulers must be a list of (name, kwargs) pairs")
    if not schedulers:
        raise ValueError("schedulers must hold at least one (name, kwargs) pair")
    subs = []
    for item in schedulers:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[1], dict)):
            raise ValueError(f"schedulers must be (name, kwargs) pairs, got {item!r}")
        name, kw = item
        if name not in COMBINABLE:
            raise ValueError(
                f"schedulers: {name!r} cannot be combined here; use one of {list(COMBINABLE)}"
            )
        _bind(name, kw)
        _CLOSED[name](np.zeros(1, dtype=np.int64), base, **kw)  # validates kw
        subs.append((name, kw))
    return subs


def _sequential_lr(k, base, *, schedulers, milestones):
    """SequentialLR: scheduler ``i`` runs from ``milestones[i-1]``, restarted at its epoch 0."""
    subs = _sub_schedulers(schedulers, base)
    ms = _milestone_list(milestones)
    if len(ms) != len(subs) - 1:
        raise ValueError(
            f"milestones must have len(schedulers) - 1 = {len(subs) - 1} entries, got {len(ms)}"
        )
    if ms != sorted(ms):
        raise ValueError(f"milestones must be in increasing order, got {ms}")
    which = np.searchsorted(np.asarray(ms, dtype=np.int64), k, side="right")
    first = int(which[0]) if len(k) else 0
    a, b = np.empty(len(k)), np.empty(len(k))
    for i, (name, kw) in enumerate(subs):
        sel = np.nonzero(which[1:] == i)[0] + 1  # steps k >= 1 in this scheduler's segment
        if not len(sel):
            continue
        start = ms[i - 1] if i > 0 else 0
        local = k[sel] - start
        a[sel], b[sel] = _update_maps(name, np.maximum(local, 1), base, kw)
        at_start = sel[local == 0]
        if len(at_start):
            a[at_start], b[at_start] = _restart_map(name, base, kw)
    if len(k):
        a[:1], b[:1] = _initial_map(subs[first][0], base, subs[first][1])
    return _compose(a, b, base)


def _chained_scheduler(k, base, *, schedulers):
    """ChainedScheduler: every scheduler's update, in order, on the same LR at every step."""
    subs = _sub_schedulers(schedulers, base)
    a, b = np.ones(len(k)), np.zeros(len(k))
    steps = k[1:]
    for name, kw in subs:
        a0, b0 = _initial_map(name, base, kw)
        ai, bi = _update_maps(name, steps, base, kw)
        ai, bi = np.concatenate((a0, ai)), np.concatenate((b0, bi))
        a, b = ai * a, ai * b + bi  # this scheduler's update after the earlier ones
    return _compose(a[: len(k)], b[: len(k)], base)


_CLOSED["SequentialLR"] = _sequential_lr
_CLOSED["ChainedScheduler"] = _chained_scheduler

TORCH_SCHEDULERS = (
    *COMBINABLE,
    "CyclicLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "ChainedScheduler",
)

# ---------------------------------------------------------------------------------------------
# The public entry points.
# ---------------------------------------------------------------------------------------------


def schedule_names() -> list[str]:
    """Every name :func:`lr_curve` accepts: torch's schedulers, then lrcourse's own."""
    return [*TORCH_SCHEDULERS, *MODERN]


def _check_name(name: Any) -> str:
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule name {name!r}; valid names: {schedule_names()}")
    return name


def _signature_of(name: str) -> inspect.Signature:
    if name in MODERN:
        return inspect.signature(MODERN[name])
    if name == "OneCycleLR":
        return inspect.signature(_one_cycle_phases)
    if name == "ReduceLROnPlateau":
        params = list(inspect.signature(_plateau_curve).parameters.values())[2:]
        return inspect.Signature(params)
    params = list(inspect.signature(_CLOSED[name]).parameters.values())[2:]
    return inspect.Signature(params)


def _bind(name: str, kwargs: dict[str, Any]) -> None:
    """TypeError for an unexpected or missing keyword, listing the valid ones."""
    sig = _signature_of(name)
    try:
        sig.bind(**kwargs)
    except TypeError as err:
        valid = ", ".join(sig.parameters)
        raise TypeError(f"{name}: {err}; its keyword arguments are: {valid}") from None


def _resolve_steps(name: str, steps: Any, metrics: Any, kwargs: dict[str, Any]) -> int:
    if steps is not None:
        return _int("steps", steps, low=0)
    if name == "ReduceLROnPlateau" and metrics is not None:
        return len(metrics)
    if "total_steps" in kwargs and kwargs["total_steps"] is not None:
        return _int("total_steps", kwargs["total_steps"], low=1)
    if name == "OneCycleLR" and kwargs.get("epochs") and kwargs.get("steps_per_epoch"):
        return _int("epochs", kwargs["epochs"], low=1) * _int(
            "steps_per_epoch", kwargs["steps_per_epoch"], low=1
        )
    return SCHEDULES[name].default_steps


def _metrics_array(metrics: Any, steps: int) -> np.ndarray:
    if metrics is None:
        raise ValueError("metrics must be given for ReduceLROnPlateau (one value per step)")
    values = np.asarray(metrics, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"metrics must be a 1-D sequence of numbers, got shape {values.shape}")
    if steps > len(values):
        raise ValueError(f"metrics has {len(values)} values but steps={steps} were asked for")
    return values[:steps]


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
    _check_name(name)
    _bind(name, kwargs)
    n = _resolve_steps(name, steps, metrics, kwargs)
    base = _real("lr", lr, low=0.0, low_open=True)
    k = np.arange(n, dtype=np.int64)
    if metrics is not None and name != "ReduceLROnPlateau":
        raise ValueError(f"metrics is only for ReduceLROnPlateau, not {name}")
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
        if name == "ReduceLROnPlateau":
            curve = _plateau_curve(_metrics_array(metrics, n), base, **kwargs)
        elif name in MODERN:
            curve = base * MODERN[name](**kwargs)(k)
        else:
            curve = _CLOSED[name](k, base, **kwargs)
    curve = np.asarray(curve, dtype=np.float64).reshape(n)
    if not np.all(np.isfinite(curve)):
        bad = int(np.argmin(np.isfinite(curve)))
        raise ValueError(f"{name} gives a non-finite learning rate at step {bad}: check kwargs")
    return curve


def momentum_curve(name: str, steps: int | None = None, *, lr: float = 0.1, **kwargs) -> np.ndarray:
    """The momentum OneCycleLR or CyclicLR sets at each step (SGD's ``momentum``, Adam's beta1).

    Both cycle momentum *against* the LR: high momentum while the LR is low. With
    ``cycle_momentum=False`` the optimizer keeps its own momentum (0.9 here).

    >>> momentum_curve("OneCycleLR", 3, max_lr=1.0, total_steps=10, anneal_strategy="linear")[0]
    0.95
    """
    _choice("name", name, ("OneCycleLR", "CyclicLR"))
    _bind(name, kwargs)
    n = _resolve_steps(name, steps, None, kwargs)
    _real("lr", lr, low=0.0, low_open=True)
    k = np.arange(n, dtype=np.int64)
    lr_curve(name, n, lr=lr, **kwargs)  # validates everything, including steps
    if not kwargs.get("cycle_momentum", True):
        return np.full(n, 0.9)
    if name == "OneCycleLR":
        return _one_cycle_values(k, _one_cycle_phases(**kwargs), "momentum")
    lo, hi = _cyclic_momentum_args(
        True, kwargs.get("base_momentum", 0.8), kwargs.get("max_momentum", 0.9)
    )
    shape = _cyclic_shape(
        k,
        kwargs.get("step_size_up", 2000),
        kwargs.get("step_size_down"),
        kwargs.get("mode", "triangular"),
        kwargs.get("gamma", 1.0),
        kwargs.get("scale_fn"),
        kwargs.get("scale_mode", "cycle"),
    )
    return hi - (hi - lo) * shape


# ---------------------------------------------------------------------------------------------
# The registry: parameters, defaults (torch's where it has them) and sensible slider ranges.
# ---------------------------------------------------------------------------------------------


def _decay_97(step: int) -> float:
    """Multiply the LR by 0.97 at every step (MultiplicativeLR's example)."""
    return 0.97


_ETA_MIN = Param("eta_min", 0.0, "float", 0.0, 0.05, help="floor of the cosine")
_GAMMA_STEP = Param("gamma", 0.1, "float", 0.05, 0.95, help="multiplier at each drop")
_WARMUP = Param("warmup_steps", 10, "int", 0, 200, help="steps of linear warmup")
_TOTAL = Param("total_steps", 100, "int", 10, 1000, help="length of the run")

SCHEDULES: dict[str, ScheduleInfo] = {
    s.name: s
    for s in [
        ScheduleInfo(
            "LambdaLR",
            "custom",
            "LR = base LR times any function of the step.",
            r"\eta_k = \eta_0 f(k)",
            needs_callable=True,
            example={"lr_lambda": cosine_with_warmup(10, 100)},
        ),
        ScheduleInfo(
            "MultiplicativeLR",
            "custom",
            "Multiply the current LR by f(k) at every step.",
            r"\eta_k = \eta_{k-1} f(k)",
            needs_callable=True,
            example={"lr_lambda": _decay_97},
        ),
        ScheduleInfo(
            "StepLR",
            "step",
            "Multiply the LR by gamma every step_size steps.",
            r"\eta_k = \eta_0 \gamma^{\lfloor k/s \rfloor}",
            (Param("step_size", 30, "int", 1, 100, help="steps between drops"), _GAMMA_STEP),
        ),
        ScheduleInfo(
            "MultiStepLR",
            "step",
            "Multiply the LR by gamma at each milestone.",
            r"\eta_k = \eta_0 \gamma^{\#\{m \le k\}}",
            (_GAMMA_STEP,),
            example={"milestones": [30, 80]},
        ),
        ScheduleInfo(
            "ConstantLR",
            "constant",
            "Hold the LR at factor times base for total_iters steps, then at base.",
            r"\eta_k = \eta_0 \cdot (\text{factor if } k < T \text{ else } 1)",
            (
                Param("factor", 1.0 / 3, "float", 0.05, 1.0, help="multiplier at first"),
                Param("total_iters", 5, "int", 1, 100, help="steps at the lower LR"),
            ),
            example={"total_iters": 20},
        ),
        ScheduleInfo(
            "LinearLR",
            "warmup",
            "Move the factor linearly from start_factor to end_factor over total_iters.",
            r"\eta_k = \eta_0 (s + (e - s)\min(k, T)/T)",
            (
                Param("start_factor", 1.0 / 3, "float", 0.01, 1.0, help="factor at step 0"),
                Param("end_factor", 1.0, "float", 0.0, 1.0, help="factor from step T on"),
                Param("total_iters", 5, "int", 1, 200, help="length of the ramp T"),
            ),
            example={"start_factor": 0.1, "total_iters": 30},
        ),
        ScheduleInfo(
            "ExponentialLR",
            "smooth decay",
            "Multiply the LR by gamma at every step.",
            r"\eta_k = \eta_0 \gamma^k",
            (Param("gamma", 0.95, "float", 0.8, 1.0, help="multiplier per step"),),
        ),
        ScheduleInfo(
            "PolynomialLR",
            "smooth decay",
            "Decay to 0 as a power of the remaining fraction, over total_iters steps.",
            r"\eta_k = \eta_0 (1 - \min(k, T)/T)^p",
            (
                Param("total_iters", 5, "int", 1, 200, help="steps to reach 0"),
                Param("power", 1.0, "float", 0.1, 5.0, help="1 = linear decay"),
            ),
            example={"total_iters": 80},
        ),
        ScheduleInfo(
            "CosineAnnealingLR",
            "smooth decay",
            "Half a cosine from the base LR down to eta_min over T_max steps.",
            r"\eta_k = \eta_{min} + (\eta_0 - \eta_{min}) \tfrac12 (1 + \cos(\pi k/T_{max}))",
            (Param("T_max", 100, "int", 1, 500, help="steps of the half cosine"), _ETA_MIN),
        ),
        ScheduleInfo(
            "CosineAnnealingWarmRestarts",
            "cyclic",
            "Cosine annealing restarted every cycle; cycles grow by T_mult (SGDR).",
            r"\eta_k = \eta_{min} + (\eta_0 - \eta_{min}) \tfrac12 (1 + \cos(\pi T_{cur}/T_i))",
            (
                Param("T_0", 20, "int", 1, 200, help="length of the first cycle"),
                Param("T_mult", 1, "int", 1, 4, help="each cycle is T_mult times longer"),
                _ETA_MIN,
            ),
            default_steps=150,
            example={"T_mult": 2},
        ),
        ScheduleInfo(
            "CyclicLR",
            "cyclic",
            "Triangle waves between base_lr and max_lr (Smith's cyclical learning rates).",
            r"\eta_k = \eta_{base} + (\eta_{max} - \eta_{base})\, x_k\, s(\cdot)",
            (
                Param("base_lr", 0.001, "log", 1e-4, 1e-1, help="bottom of the cycle"),
                Param("max_lr", 0.1, "log", 1e-3, 1.0, help="top of the cycle"),
                Param("step_size_up", 2000, "int", 1, 200, help="steps from bottom to top"),
                Param(
                    "mode",
                    "triangular",
                    "choice",
                    choices=("triangular", "triangular2", "exp_range"),
                ),
                Param("gamma", 1.0, "float", 0.9, 1.0, help="exp_range decay per step"),
                Param("cycle_momentum", True, "bool"),
                Param("base_momentum", 0.8, "float", 0.5, 0.99),
                Param("max_momentum", 0.9, "float", 0.5, 0.99),
            ),
            default_steps=200,
            example={"step_size_up": 25},
        ),
        ScheduleInfo(
            "OneCycleLR",
            "cyclic",
            "One warmup to max_lr, then a long anneal far below the start (super-convergence).",
            r"\eta: \tfrac{\eta_{max}}{d} \nearrow \eta_{max} \searrow \tfrac{\eta_{max}}{d\,f}",
            (
                Param("max_lr", 0.1, "log", 1e-3, 1.0, help="peak LR"),
                _TOTAL,
                Param("pct_start", 0.3, "float", 0.05, 0.95, help="fraction spent warming up"),
                Param("anneal_strategy", "cos", "choice", choices=("cos", "linear")),
                Param("div_factor", 25.0, "log", 1.0, 1000.0, help="start = max_lr / div"),
                Param("final_div_factor", 1e4, "log", 1.0, 1e5, help="end = start / final"),
                Param("three_phase", False, "bool", help="Smith's symmetric version"),
                Param("cycle_momentum", True, "bool"),
                Param("base_momentum", 0.85, "float", 0.5, 0.99),
                Param("max_momentum", 0.95, "float", 0.5, 0.99),
            ),
        ),
        ScheduleInfo(
            "ReduceLROnPlateau",
            "adaptive",
            "Cut the LR by factor when the metric stops improving for patience steps.",
            r"\eta \leftarrow \max(\eta \cdot \text{factor}, \eta_{min}) \text{ after a plateau}",
            (
                Param("mode", "min", "choice", choices=("min", "max")),
                Param("factor", 0.1, "float", 0.05, 0.95, help="multiplier at each cut"),
                Param("patience", 10, "int", 0, 30, help="bad steps tolerated"),
                Param("threshold", 1e-4, "log", 1e-6, 1e-1, help="what counts as better"),
                Param("threshold_mode", "rel", "choice", choices=("rel", "abs")),
                Param("cooldown", 0, "int", 0, 20, help="steps ignored after a cut"),
                Param("min_lr", 0.0, "float", 0.0, 0.01, help="floor"),
            ),
            needs_metrics=True,
        ),
        ScheduleInfo(
            "SequentialLR",
            "combined",
            "Run schedulers one after another, switching at the milestones.",
            r"\eta_k = \text{scheduler}_i(k - m_{i-1}) \text{ for } m_{i-1} \le k < m_i",
            needs_schedulers=True,
            example={
                "schedulers": [
                    ("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
                    ("CosineAnnealingLR", {"T_max": 90}),
                ],
                "milestones": [10],
            },
        ),
        ScheduleInfo(
            "ChainedScheduler",
            "combined",
            "Apply every scheduler's update at each step: the factors multiply.",
            r"\eta_k = \eta_0 \prod_i f_i(k)",
            needs_schedulers=True,
            example={
                "schedulers": [
                    ("ConstantLR", {"factor": 0.5, "total_iters": 20}),
                    ("ExponentialLR", {"gamma": 0.97}),
                ]
            },
        ),
        ScheduleInfo(
            "linear_with_warmup",
            "warmup",
            "Linear warmup to the base LR, then linear decay to 0 (BERT, transformers).",
            r"f = k/w \ (k<w), \quad (T-k)/(T-w)",
            (_WARMUP, _TOTAL),
            is_torch=False,
        ),
        ScheduleInfo(
            "cosine_with_warmup",
            "warmup",
            "Linear warmup, then a half cosine down to min_factor.",
            r"f = m + (1-m)\tfrac12(1 + \cos(\pi \tfrac{k-w}{T-w}))",
            (_WARMUP, _TOTAL, Param("min_factor", 0.0, "float", 0.0, 0.5, help="floor")),
            is_torch=False,
        ),
        ScheduleInfo(
            "constant_with_warmup",
            "warmup",
            "Linear warmup, then the base LR.",
            r"f = \min(1, k/w)",
            (_WARMUP,),
            is_torch=False,
        ),
        ScheduleInfo(
            "inverse_sqrt",
            "warmup",
            "Linear warmup, then decay as 1/sqrt(step) (Vaswani et al.).",
            r"f = \min(n/w, \sqrt{w/n}),\ n = k + 1",
            (Param("warmup_steps", 10, "int", 1, 200, help="peak at update n = w"),),
            is_torch=False,
        ),
        ScheduleInfo(
            "warmup_stable_decay",
            "warmup",
            "Warmup, a long constant stretch, then a short cooldown (WSD).",
            r"f = 1 \text{ then } m + (1-m)(1 - p) \text{ or } (1 - \sqrt{p})",
            (
                _WARMUP,
                _TOTAL,
                Param("decay_steps", 20, "int", 1, 500, help="length of the cooldown"),
                Param("min_factor", 0.0, "float", 0.0, 0.5, help="floor"),
                Param("cooldown", "linear", "choice", choices=("linear", "1-sqrt")),
            ),
            is_torch=False,
        ),
    ]
}
