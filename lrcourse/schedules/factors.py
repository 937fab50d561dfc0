r"""Factor schedules torch lacks: pieces of the step joined by one combinator.

A factor schedule is a multiplicative LR factor :math:`f(t)` (use it as ``LambdaLR``'s
``lr_lambda``). Each is built from pieces joined at integer boundaries by :func:`join` (as
optax's ``join_schedules``): piece ``i`` runs from boundary ``b_{i-1}`` on, on the local step
:math:`t - b_{i-1}`. The warmup ramp is :func:`ramp`, written once for all of them.

Two ramps: the course's forms (:func:`linear_with_warmup`, :func:`cosine_with_warmup`,
:func:`warmup_stable_decay`, :func:`linear_warmup`) ramp as :math:`(t+1)/w`, so no step of
the warmup uses LR 0; the ``transformers_*`` forms ramp as :math:`t/w`, as Hugging Face
transformers does (factor 0 at step 0), and equal the library's schedulers. From step
:math:`w` on the two are identical. One library form ramps as the course does:
:func:`transformers_cosine_warmup_with_min_lr` (transformers' ``"cosine_warmup_with_min_lr"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from ..registry import REQUIRED, Param, ScheduleInfo
from ..validation import as_choice, as_int, as_real, fail

__all__ = [
    "FACTOR_SCHEDULES",
    "Factor",
    "cosine_with_warmup",
    "inverse_sqrt",
    "join",
    "linear_warmup",
    "linear_with_warmup",
    "ramp",
    "transformers_constant_with_warmup",
    "transformers_cosine_warmup_with_min_lr",
    "transformers_cosine_with_hard_restarts",
    "transformers_cosine_with_warmup",
    "transformers_inverse_sqrt",
    "transformers_linear_with_warmup",
    "transformers_polynomial_decay_with_warmup",
    "transformers_warmup_stable_decay",
    "untuned_linear_warmup",
    "warmup_stable_decay",
]

Piece = Callable[[np.ndarray], np.ndarray]


def join(pieces: Sequence[Piece], boundaries: Sequence[float]) -> Piece:
    r"""One schedule from ``pieces``: :math:`f(t) = p_i(t - b_{i-1})` for
    :math:`b_{i-1} \le t < b_i` (``b_{-1} = 0``; ``len(boundaries) = len(pieces) - 1``).

    >>> f = join([ramp(4), lambda u: np.ones_like(u)], [4])
    >>> f(np.arange(6.0)).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def joined(s: np.ndarray) -> np.ndarray:
        out = pieces[0](s)
        for b, piece in zip(boundaries, pieces[1:], strict=True):
            out = np.where(s < b, out, piece(s - b))
        return out

    return joined


def ramp(length: float, *, start: float = 0.0, rise: float = 1.0, cap: bool = False) -> Piece:
    r"""The linear warmup ramp :math:`(u + \text{start})\,\text{rise}/\text{length}`
    (``cap``: at most 1).

    ``start=0`` is transformers' ramp (factor 0 at step 0); ``start=1`` does not waste the
    first step (the optimizer's step count :math:`t + 1`).
    """

    def piece(u: np.ndarray) -> np.ndarray:
        value = (u + start) * rise / length
        return np.minimum(1.0, value) if cap else value

    return piece


def _constant(u: np.ndarray) -> np.ndarray:
    return np.ones_like(u)


class Factor:
    """A multiplicative LR factor ``f(step)``; works on an int (returns float) or an array.

    Subclasses say which pieces they join (:meth:`pieces`). Instances hold only their
    parameters, so ``LambdaLR(opt, f).state_dict()`` saves them and the repr shows them.
    """

    vectorized = True
    public_name = "factor"  # the function that builds it, for the repr

    def __call__(self, step):  # noqa: ANN001 - int or ndarray
        s = np.asarray(step, dtype=np.float64)
        out = self.evaluate(s)
        return float(out) if np.ndim(step) == 0 else out

    def pieces(self) -> tuple[list[Piece], list[float]]:
        """The pieces and the boundaries :func:`join` puts together."""
        raise NotImplementedError

    def evaluate(self, s: np.ndarray) -> np.ndarray:
        """The factor at the (float) steps ``s``."""
        return join(*self.pieces())(s)

    @property
    def js_value(self) -> list:
        """Its form in the static page's JavaScript (:mod:`lrcourse.web`): ``[name, kwargs]``."""
        return [self.public_name, dict(vars(self))]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{self.public_name}({args})"


class _Warmup(Factor):
    """A factor that opens with a linear warmup over ``warmup_steps`` steps (0: none).

    ``ramp_start`` chooses the ramp, :func:`ramp` with ``start=ramp_start``: 1.0 is the
    course's :math:`(t+1)/w` (no step of the warmup uses LR 0), 0.0 is transformers'
    :math:`t/w` (step 0 uses LR 0). The ``transformers_*`` classes differ only there.
    """

    ramp_start = 1.0

    def warmup_piece(self) -> Piece:
        """The ramp of the steps :math:`t < w`."""
        return ramp(max(1, self.warmup_steps), start=self.ramp_start)

    def _set_horizon(self, warmup_steps: int, total_steps: int) -> None:
        """Check and keep ``warmup_steps`` (0 or more) and ``total_steps`` (1 or more)."""
        self.warmup_steps = _warmup_steps("warmup_steps", warmup_steps)
        self.total_steps = _positive_int("total_steps", total_steps)


def _check_total(warmup_steps: int, total_steps: int) -> None:
    if total_steps < warmup_steps:
        raise fail("total_steps", f">= warmup_steps ({warmup_steps})", total_steps)


_warmup_steps = partial(as_int, low=0)
_positive_int = partial(as_int, low=1)
_unit = partial(as_real, low=0.0, high=1.0)
_positive = partial(as_real, low=0.0, low_open=True)


def _optional(check):
    """``check``, or ``None`` left as ``None`` (the library's default applies)."""

    def optional(name: str, value):  # noqa: ANN001
        return None if value is None else check(name, value)

    return optional


class _LinearWithWarmup(_Warmup):
    public_name = "linear_with_warmup"

    def __init__(self, warmup_steps: int, total_steps: int) -> None:
        self._set_horizon(warmup_steps, total_steps)
        _check_total(self.warmup_steps, self.total_steps)

    def pieces(self):
        w, t = self.warmup_steps, self.total_steps
        span = t - w

        def decay(u):
            return np.maximum(0.0, (span - u) / max(1, span))

        return [self.warmup_piece(), decay], [w]


class _TransformersLinearWithWarmup(_LinearWithWarmup):
    public_name = "transformers_linear_with_warmup"
    ramp_start = 0.0


class _CosineWithWarmup(_Warmup):
    public_name = "cosine_with_warmup"

    def __init__(self, warmup_steps: int, total_steps: int, min_factor: float = 0.0) -> None:
        self._set_horizon(warmup_steps, total_steps)
        self.min_factor = _unit("min_factor", min_factor)
        _check_total(self.warmup_steps, self.total_steps)

    def pieces(self):
        w, t, m = self.warmup_steps, self.total_steps, self.min_factor

        def cosine(u):
            progress = np.clip(u / max(1, t - w), 0.0, 1.0)
            return 0.5 * (1.0 + np.cos(np.pi * progress)) * (1.0 - m) + m

        return [self.warmup_piece(), cosine], [w]


class _TransformersCosineWithWarmup(_CosineWithWarmup):
    public_name = "transformers_cosine_with_warmup"
    ramp_start = 0.0


class _LinearWarmup(_Warmup):
    """The ramp, then 1: the course's constant-with-warmup (``w >= 1``)."""

    public_name = "linear_warmup"
    _low = 1

    def __init__(self, warmup_steps: int) -> None:
        self.warmup_steps = as_int("warmup_steps", warmup_steps, low=self._low)

    def pieces(self):
        return [self.warmup_piece(), _constant], [self.warmup_steps]


class _TransformersConstantWithWarmup(_LinearWarmup):
    public_name = "transformers_constant_with_warmup"
    ramp_start = 0.0
    _low = 0


class _InverseSqrt(Factor):
    public_name = "inverse_sqrt"

    def __init__(self, warmup_steps: int) -> None:
        self.warmup_steps = _positive_int("warmup_steps", warmup_steps)

    def pieces(self):
        w = self.warmup_steps  # Vaswani et al. count updates n = t + 1 from 1; peak at n = w

        def decay(u):
            return np.sqrt(w / (u + w))

        return [ramp(w, start=1.0), decay], [w - 1]


#: WSD's cooldowns: the factor left (before the floor) at cooldown progress ``p`` in [0, 1]
_COOLDOWNS: dict[str, Piece] = {
    "linear": lambda p: 1.0 - p,
    "1-sqrt": lambda p: 1.0 - np.sqrt(p),
    "cosine": lambda p: 0.5 * (1.0 + np.cos(np.pi * p)),
}


class _WarmupStableDecay(_Warmup):
    public_name = "warmup_stable_decay"

    def __init__(
        self,
        warmup_steps: int,
        total_steps: int,
        decay_steps: int,
        min_factor: float = 0.0,
        cooldown: str = "linear",
    ) -> None:
        self._set_horizon(warmup_steps, total_steps)
        self.decay_steps = _positive_int("decay_steps", decay_steps)
        self.min_factor = _unit("min_factor", min_factor)
        self.cooldown = as_choice("cooldown", cooldown, tuple(_COOLDOWNS))
        if self.warmup_steps + self.decay_steps > self.total_steps:
            raise fail(
                "total_steps",
                f">= warmup_steps + decay_steps ({self.warmup_steps} + {self.decay_steps})",
                self.total_steps,
            )

    def pieces(self):
        w, t, d, m = self.warmup_steps, self.total_steps, self.decay_steps, self.min_factor
        left = _COOLDOWNS[self.cooldown]

        def cool(u):
            return left(np.clip(u / d, 0.0, 1.0)) * (1.0 - m) + m

        return [self.warmup_piece(), _constant, cool], [w, t - d]


class _TransformersWarmupStableDecay(_WarmupStableDecay):
    public_name = "transformers_warmup_stable_decay"
    ramp_start = 0.0

    def warmup_piece(self) -> Piece:
        """transformers' WSD warmup rises from ``min_factor``: :math:`m + (1-m)\\,t/w`."""
        up, m = super().warmup_piece(), self.min_factor

        def piece(u):
            return up(u) * (1.0 - m) + m

        return piece


class _TransformersCosineWithHardRestarts(_Warmup):
    public_name = "transformers_cosine_with_hard_restarts"
    ramp_start = 0.0

    def __init__(self, warmup_steps: int, total_steps: int, num_cycles: int = 1) -> None:
        self._set_horizon(warmup_steps, total_steps)
        self.num_cycles = _positive_int("num_cycles", num_cycles)
        _check_total(self.warmup_steps, self.total_steps)

    def pieces(self):
        w, t, c = self.warmup_steps, self.total_steps, self.num_cycles

        def restarts(u):
            progress = u / max(1, t - w)
            wave = 0.5 * (1.0 + np.cos(np.pi * np.mod(c * progress, 1.0)))
            return np.where(progress >= 1.0, 0.0, np.maximum(0.0, wave))

        return [self.warmup_piece(), restarts], [w]


class _TransformersPolynomialDecayWithWarmup(_Warmup):
    public_name = "transformers_polynomial_decay_with_warmup"
    ramp_start = 0.0

    def __init__(
        self, warmup_steps: int, total_steps: int, min_factor: float = 0.0, power: float = 1.0
    ) -> None:
        self._set_horizon(warmup_steps, total_steps)
        self.min_factor = _unit("min_factor", min_factor)
        self.power = _positive("power", power)
        if self.total_steps <= self.warmup_steps:  # the library divides by T - w
            raise fail("total_steps", f"> warmup_steps ({self.warmup_steps})", self.total_steps)

    def pieces(self):
        w, t, m, p = self.warmup_steps, self.total_steps, self.min_factor, self.power

        def decay(u):
            remaining = np.clip(1.0 - u / (t - w), 0.0, 1.0)  # 0 after T: the factor holds m
            return (1.0 - m) * remaining**p + m

        return [self.warmup_piece(), decay], [w]


class _TransformersInverseSqrt(_Warmup):
    public_name = "transformers_inverse_sqrt"
    ramp_start = 0.0

    def __init__(self, warmup_steps: int, timescale: int | None = None) -> None:
        self.warmup_steps = _warmup_steps("warmup_steps", warmup_steps)
        self.timescale = _optional(_positive_int)("timescale", timescale)

    def pieces(self):
        w = self.warmup_steps
        tau = self.timescale or w or 10_000  # the library's default: w, or 10000 when w = 0

        def decay(u):
            return 1.0 / np.sqrt((np.maximum(u, 0.0) + tau) / tau)

        return [self.warmup_piece(), decay], [w]


class _TransformersCosineWarmupWithMinLR(_Warmup):
    public_name = "transformers_cosine_warmup_with_min_lr"

    def __init__(
        self,
        warmup_steps: int,
        total_steps: int,
        min_factor: float = 0.0,
        warmup_factor: float | None = None,
    ) -> None:
        self._set_horizon(warmup_steps, total_steps)
        self.min_factor = _unit("min_factor", min_factor)
        self.warmup_factor = _optional(_unit)("warmup_factor", warmup_factor)
        _check_total(self.warmup_steps, self.total_steps)

    def warmup_piece(self) -> Piece:
        """:math:`(t+1)/w`, or from ``warmup_factor`` :math:`a` up: :math:`a + (1-a)\\,t/(w-1)`."""
        a, w = self.warmup_factor, self.warmup_steps
        if a is None:
            return super().warmup_piece()

        def piece(u):
            return a + (1.0 - a) * u / max(1, w - 1)

        return piece

    def pieces(self):
        w, t, m = self.warmup_steps, self.total_steps, self.min_factor

        def cosine(u):
            progress = np.clip((u + 1.0) / max(1, t - w), 0.0, 1.0)
            return 0.5 * (1.0 + np.cos(np.pi * progress)) * (1.0 - m) + m

        return [self.warmup_piece(), cosine], [w]


class _UntunedLinearWarmup(Factor):
    public_name = "untuned_linear_warmup"

    def __init__(self, beta2: float = 0.999) -> None:
        self.beta2 = as_real("beta2", beta2, low=0.0, high=1.0, low_open=True, high_open=True)

    def pieces(self):
        return [ramp(2.0, start=1.0, rise=1.0 - self.beta2, cap=True)], []


def linear_with_warmup(warmup_steps: int, total_steps: int) -> Factor:
    r"""Linear warmup that uses no step at LR 0, then linear decay to 0 at ``total_steps``.

    .. math:: f(t) = \frac{t + 1}{w} \ (t < w), \qquad
              \max\!\Big(0, \frac{T - t}{T - w}\Big) \ (t \ge w)

    Step 0 uses :math:`\eta/w`, step :math:`w-1` the full :math:`\eta`; from step :math:`w` on
    the values of transformers' ``get_linear_schedule_with_warmup``, whose ramp :math:`t/w`
    starts at 0 (:func:`transformers_linear_with_warmup`). ``w = 0``: no warmup.

    >>> f = linear_with_warmup(10, 100)
    >>> f(0), f(9), f(10), f(55), f(100)
    (0.1, 1.0, 1.0, 0.5, 0.0)
    """
    return _LinearWithWarmup(warmup_steps, total_steps)


def transformers_linear_with_warmup(warmup_steps: int, total_steps: int) -> Factor:
    r"""transformers' ``get_linear_schedule_with_warmup``: the ramp :math:`t/w` starts at 0.

    .. math:: f(t) = t/w \ (t < w), \qquad \max\!\Big(0, \frac{T - t}{T - w}\Big) \ (t \ge w)

    Its first update uses LR 0; :func:`linear_with_warmup` is the same schedule without that.

    >>> f = transformers_linear_with_warmup(10, 100)
    >>> f(0), f(5), f(10), f(100)
    (0.0, 0.5, 1.0, 0.0)
    """
    return _TransformersLinearWithWarmup(warmup_steps, total_steps)


def cosine_with_warmup(warmup_steps: int, total_steps: int, min_factor: float = 0.0) -> Factor:
    r"""Linear warmup that uses no step at LR 0, then a half cosine from 1 down to
    ``min_factor`` at ``total_steps`` (held after it).

    .. math:: f(t) = \frac{t+1}{w} \ (t < w), \qquad
              m + (1-m)\,\tfrac12\Big(1 + \cos\big(\pi\,\min(1, \tfrac{t-w}{T-w})\big)\Big)
              \ (t \ge w)

    From step :math:`w` on (and up to :math:`T`) the values of transformers'
    ``get_cosine_schedule_with_warmup`` (``min_factor=0``) and
    ``get_cosine_with_min_lr_schedule_with_warmup`` (``min_lr_rate=min_factor``); their ramp
    is :math:`t/w` (:func:`transformers_cosine_with_warmup`).

    >>> f = cosine_with_warmup(10, 110, min_factor=0.1)
    >>> f(0), round(f(60), 3), f(110), f(500)
    (0.1, 0.55, 0.1, 0.1)
    """
    return _CosineWithWarmup(warmup_steps, total_steps, min_factor)


def transformers_cosine_with_warmup(
    warmup_steps: int, total_steps: int, min_factor: float = 0.0
) -> Factor:
    r"""transformers' cosine schedule with warmup: the ramp :math:`t/w` starts at 0.

    .. math:: f(t) = t/w \ (t < w), \qquad
              m + (1-m)\,\tfrac12\Big(1 + \cos\big(\pi\,\min(1, \tfrac{t-w}{T-w})\big)\Big)
              \ (t \ge w)

    For :math:`t \le T`, ``get_cosine_schedule_with_warmup`` (``min_factor=0``) and
    ``get_cosine_with_min_lr_schedule_with_warmup(min_lr_rate=min_factor)``; after :math:`T`
    transformers' cosine climbs again, this one holds ``min_factor``.

    >>> f = transformers_cosine_with_warmup(10, 110, min_factor=0.1)
    >>> f(0), f(5), round(f(60), 3), f(110)
    (0.0, 0.5, 0.55, 0.1)
    """
    return _TransformersCosineWithWarmup(warmup_steps, total_steps, min_factor)


def transformers_constant_with_warmup(warmup_steps: int) -> Factor:
    r"""transformers' ``get_constant_schedule_with_warmup``: :math:`f(t) = \min(1, t/w)`.

    Its first update uses LR 0. The course's form, whose ramp is :math:`(t+1)/w`, is
    :func:`linear_warmup`.

    >>> f = transformers_constant_with_warmup(4)
    >>> [f(t) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    return _TransformersConstantWithWarmup(warmup_steps)


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

    The warmup is :math:`(t+1)/w` for :math:`t < w` (no step at LR 0). With
    :math:`p = \mathrm{clip}((t - (T - d))/d, 0, 1)` the cooldown is
    :math:`f = m + (1 - m)(1 - p)` (``"linear"``), :math:`m + (1-m)(1 - \sqrt{p})`
    (``"1-sqrt"``, Hägele et al. 2024) or :math:`m + (1-m)\tfrac12(1 + \cos \pi p)`
    (``"cosine"``). From step :math:`w` on the values of transformers'
    ``get_wsd_schedule`` (:func:`transformers_warmup_stable_decay`, whose warmup starts at
    ``min_factor``).

    >>> f = warmup_stable_decay(10, 100, 20)
    >>> f(0), f(50), f(90), f(100)
    (0.1, 1.0, 0.5, 0.0)
    """
    return _WarmupStableDecay(warmup_steps, total_steps, decay_steps, min_factor, cooldown)


def transformers_warmup_stable_decay(
    warmup_steps: int,
    total_steps: int,
    decay_steps: int,
    min_factor: float = 0.0,
    cooldown: str = "linear",
) -> Factor:
    r"""transformers' ``get_wsd_schedule`` (``warmup_type="linear"``, ``decay_type`` =
    ``cooldown``, ``min_lr_ratio=min_factor``): its warmup starts at ``min_factor``.

    .. math:: f(t) = m + (1 - m)\,t/w \ (t < w), \quad 1 \ \text{(stable)}, \quad
              m + (1 - m)\,c(p) \ \text{(cooldown)}

    with :math:`p = \mathrm{clip}((t - (T - d))/d, 0, 1)` and :math:`c(p)` = :math:`1 - p`
    (``"linear"``), :math:`1 - \sqrt{p}` (``"1-sqrt"``) or :math:`\tfrac12(1 + \cos \pi p)`
    (``"cosine"``, the library's default ``decay_type``). With ``min_factor=0`` its first
    update uses LR 0; :func:`warmup_stable_decay` ramps as :math:`(t+1)/w` instead.

    >>> f = transformers_warmup_stable_decay(10, 100, 20, min_factor=0.1)
    >>> f(0), f(50), round(f(90), 3), f(100)
    (0.1, 1.0, 0.55, 0.1)
    >>> transformers_warmup_stable_decay(10, 100, 20)(0)
    0.0
    """
    return _TransformersWarmupStableDecay(
        warmup_steps, total_steps, decay_steps, min_factor, cooldown
    )


def transformers_cosine_with_hard_restarts(
    warmup_steps: int, total_steps: int, num_cycles: int = 1
) -> Factor:
    r"""transformers' ``get_cosine_with_hard_restarts_schedule_with_warmup``: the ramp
    :math:`t/w`, then ``num_cycles`` half cosines from 1 to 0, each restarting at 1.

    .. math:: f(t) = t/w \ (t < w), \qquad
              \tfrac12\big(1 + \cos(\pi\,\{c\,p\})\big) \ (p < 1), \qquad 0 \ (p \ge 1)

    with :math:`p = (t - w)/(T - w)` and :math:`\{x\}` the fractional part. Its first update
    uses LR 0; after :math:`T` the factor stays 0. ``num_cycles=1`` is
    :func:`transformers_cosine_with_warmup` up to :math:`T`.

    >>> f = transformers_cosine_with_hard_restarts(10, 110, num_cycles=2)
    >>> f(0), f(10), f(35), f(60), f(110)
    (0.0, 1.0, 0.5, 1.0, 0.0)
    """
    return _TransformersCosineWithHardRestarts(warmup_steps, total_steps, num_cycles)


def transformers_polynomial_decay_with_warmup(
    warmup_steps: int, total_steps: int, min_factor: float = 0.0, power: float = 1.0
) -> Factor:
    r"""transformers' ``get_polynomial_decay_schedule_with_warmup``: the ramp :math:`t/w`,
    then a polynomial decay of degree ``power`` from 1 to ``min_factor`` at ``total_steps``.

    .. math:: f(t) = t/w \ (t < w), \qquad
              m + (1 - m)\Big(1 - \frac{t - w}{T - w}\Big)^{p} \ (w \le t \le T), \qquad
              m \ (t > T)

    The library takes the final LR itself, ``lr_end`` (default ``1e-7``, which must be below
    the optimizer's ``lr``); here it is the factor ``min_factor = lr_end / lr``, so the
    schedule does not depend on the base LR. Its first update uses LR 0; ``power=1``,
    ``min_factor=0`` is :func:`transformers_linear_with_warmup`. ``total_steps`` must exceed
    ``warmup_steps`` (the library divides by :math:`T - w`).

    >>> f = transformers_polynomial_decay_with_warmup(10, 110, min_factor=0.1, power=2.0)
    >>> f(0), f(5), f(10), round(f(60), 3), f(110), f(500)
    (0.0, 0.5, 1.0, 0.325, 0.1, 0.1)
    """
    return _TransformersPolynomialDecayWithWarmup(warmup_steps, total_steps, min_factor, power)


def transformers_inverse_sqrt(warmup_steps: int, timescale: int | None = None) -> Factor:
    r"""transformers' ``get_inverse_sqrt_schedule`` (from big_vision): the ramp :math:`t/w`,
    then :math:`1/\sqrt{\cdot}` decay with time scale :math:`\tau`.

    .. math:: f(t) = t/w \ (t < w), \qquad \sqrt{\frac{\tau}{t - w + \tau}} \ (t \ge w)

    ``timescale=None`` is the library's default, :math:`\tau = w` (10000 when :math:`w = 0`).
    Its first update uses LR 0, and the peak 1 is at step :math:`w`. :func:`inverse_sqrt` is
    Vaswani et al.'s form, which counts updates :math:`n = t + 1` from 1 and peaks at step
    :math:`w - 1`: with :math:`\tau = w` this one is that one a step later,
    :math:`f(t) = \text{inverse\_sqrt}(w)(t - 1)` for :math:`t \ge 1`.

    >>> f = transformers_inverse_sqrt(4)
    >>> f(0), f(2), f(4), f(16)
    (0.0, 0.5, 1.0, 0.5)
    >>> transformers_inverse_sqrt(4, timescale=1)(7)
    0.5
    """
    return _TransformersInverseSqrt(warmup_steps, timescale)


def transformers_cosine_warmup_with_min_lr(
    warmup_steps: int,
    total_steps: int,
    min_factor: float = 0.0,
    warmup_factor: float | None = None,
) -> Factor:
    r"""transformers' ``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``
    (``"cosine_warmup_with_min_lr"``, ``min_lr_rate=min_factor``,
    ``warmup_lr_rate=warmup_factor``): a warmup that does not start at 0, then a half cosine
    to ``min_factor`` that reaches it at step :math:`T - 1`.

    .. math:: f(t) = \frac{t + 1}{w} \ \text{or} \ a + (1 - a)\frac{t}{w - 1} \ (t < w),
              \qquad m + (1-m)\,\tfrac12\Big(1 + \cos\big(\pi\,
              \min(1, \tfrac{t - w + 1}{T - w})\big)\Big) \ (t \ge w)

    With ``warmup_factor=None`` the ramp is the course's :math:`(t+1)/w`; with
    :math:`a` = ``warmup_factor`` step 0 uses :math:`a` and step :math:`w-1` the full LR. The
    cosine runs one step ahead of :func:`cosine_with_warmup`. After the floor the library's
    cosine climbs again; this one holds ``min_factor``.

    >>> f = transformers_cosine_warmup_with_min_lr(10, 110, min_factor=0.1)
    >>> f(0), f(9), round(f(59), 3), f(109), f(500)
    (0.1, 1.0, 0.55, 0.1, 0.1)
    >>> g = transformers_cosine_warmup_with_min_lr(5, 50, warmup_factor=0.2)
    >>> g(0), round(g(2), 3), g(4)
    (0.2, 0.6, 1.0)
    """
    return _TransformersCosineWarmupWithMinLR(warmup_steps, total_steps, min_factor, warmup_factor)


def linear_warmup(warmup_steps: int) -> Factor:
    r"""Linear warmup whose first step is not wasted, then constant: the course's
    constant-with-warmup.

    .. math:: f(t) = \min\!\big(1, (t + 1)/w\big), \qquad t = 0, 1, 2, \dots

    Step 0 uses the LR :math:`\eta/w` (not 0, as :math:`t/w` would give, see
    :func:`transformers_constant_with_warmup`), step :math:`w-1` the full :math:`\eta`. The
    same values as ``LinearLR(start_factor=1/w, total_iters=w-1)``. Use it as
    ``LambdaLR(optimizer, linear_warmup(w))``; picklable, so the scheduler's ``state_dict``
    saves it.

    >>> f = linear_warmup(4)
    >>> [f(t) for t in range(6)]
    [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """
    return _LinearWarmup(warmup_steps)


def untuned_linear_warmup(beta2: float = 0.999) -> Factor:
    r"""Ma & Yarats' untuned linear warmup for Adam: over :math:`2/(1-\beta_2)` updates.

    .. math:: f(t) = \min\!\big(1, \tfrac{1-\beta_2}{2}\,(t + 1)\big)

    (:math:`t+1` is the optimizer's step count, so step 0 is not wasted.) For
    :math:`\beta_2 = 0.999` the warmup lasts 2000 steps.

    >>> f = untuned_linear_warmup(0.99)      # 200 steps
    >>> [round(f(t), 6) for t in (0, 99, 199, 500)]
    [0.005, 0.5, 1.0, 1.0]
    """
    return _UntunedLinearWarmup(beta2)


# ----------------------------------------------------------------------------- definitions


def _factor_schedule(
    factory: Callable[..., Factor],
    summary: str,
    formula: str,
    params: tuple[Param, ...],
    **extra,
) -> ScheduleInfo:
    def closed_form(k, base, **kw):
        return base * factory(**kw)(k)

    return ScheduleInfo(
        factory.__name__,
        summary,
        formula,
        params,
        is_torch=False,
        closed_form=closed_form,
        consistency=lambda kw: factory(**kw),  # the factor's own cross-parameter checks
        factory=factory,
        **extra,
    )


def _warmup(low: int = 0) -> Param:
    return Param(
        "warmup_steps",
        10,
        "int",
        low,
        200,
        help="steps of linear warmup" if low == 0 else "peak at update n = w",
        check=partial(as_int, low=low),
        call_default=REQUIRED,
        counts="calls",
    )


_TOTAL = Param(
    "total_steps",
    100,
    "int",
    10,
    1000,
    help="length of the run",
    check=_positive_int,
    call_default=REQUIRED,
    counts="calls",
)
_FLOOR = Param("min_factor", 0.0, "float", 0.0, 0.5, help="floor", check=_unit)

_DECAY_STEPS = Param(
    "decay_steps",
    20,
    "int",
    1,
    500,
    help="length of the cooldown",
    check=_positive_int,
    call_default=REQUIRED,
    counts="calls",
)
_COOLDOWN = Param("cooldown", "linear", "choice", choices=tuple(_COOLDOWNS))

FACTOR_SCHEDULES: tuple[ScheduleInfo, ...] = (
    _factor_schedule(
        linear_with_warmup,
        "Linear warmup starting at lr/w (no step at LR 0), then linear decay to 0.",
        r"f = (k+1)/w \ (k<w), \quad (T-k)/(T-w)",
        (_warmup(), _TOTAL),
    ),
    _factor_schedule(
        transformers_linear_with_warmup,
        "transformers' linear warmup + linear decay (BERT): starts at LR 0.",
        r"f = k/w \ (k<w), \quad (T-k)/(T-w)",
        (_warmup(), _TOTAL),
    ),
    _factor_schedule(
        cosine_with_warmup,
        "Linear warmup starting at lr/w, then a half cosine down to min_factor.",
        r"f = (k+1)/w \ (k<w), \quad m + (1-m)\tfrac12(1 + \cos(\pi \tfrac{k-w}{T-w}))",
        (_warmup(), _TOTAL, _FLOOR),
    ),
    _factor_schedule(
        transformers_cosine_with_warmup,
        "transformers' linear warmup + half cosine down to min_factor: starts at LR 0.",
        r"f = k/w \ (k<w), \quad m + (1-m)\tfrac12(1 + \cos(\pi \tfrac{k-w}{T-w}))",
        (_warmup(), _TOTAL, _FLOOR),
    ),
    _factor_schedule(
        transformers_constant_with_warmup,
        "transformers' linear warmup, then the base LR: starts at LR 0 (see linear_warmup).",
        r"f = \min(1, k/w)",
        (_warmup(),),
    ),
    _factor_schedule(
        inverse_sqrt,
        "Linear warmup, then decay as 1/sqrt(step) (Vaswani et al.).",
        r"f = \min(n/w, \sqrt{w/n}),\ n = k + 1",
        (_warmup(low=1),),
    ),
    _factor_schedule(
        warmup_stable_decay,
        "Warmup starting at lr/w, a long constant stretch, then a short cooldown (WSD).",
        r"f = (k+1)/w \text{, } 1 \text{, then } m + (1-m)\,c(p)",
        (_warmup(), _TOTAL, _DECAY_STEPS, _FLOOR, _COOLDOWN),
    ),
    _factor_schedule(
        transformers_warmup_stable_decay,
        "transformers' WSD: warmup from min_factor (LR 0 when it is 0), constant, cooldown.",
        r"f = m + (1-m)k/w \text{, } 1 \text{, then } m + (1-m)\,c(p)",
        (_warmup(), _TOTAL, _DECAY_STEPS, _FLOOR, _COOLDOWN),
    ),
    _factor_schedule(
        transformers_cosine_with_hard_restarts,
        "transformers' cosine with hard restarts: num_cycles cosines to 0 after a warmup "
        "from LR 0.",
        r"f = k/w \ (k<w), \quad \tfrac12(1 + \cos(\pi \{c \tfrac{k-w}{T-w}\}))",
        (
            _warmup(),
            _TOTAL,
            Param(
                "num_cycles",
                1,
                "int",
                1,
                10,
                help="cosines between w and T",
                check=_positive_int,
            ),
        ),
        default_steps=120,
    ),
    _factor_schedule(
        transformers_polynomial_decay_with_warmup,
        "transformers' polynomial decay to min_factor after a warmup: starts at LR 0.",
        r"f = k/w \ (k<w), \quad m + (1-m)(1 - \tfrac{k-w}{T-w})^p",
        (
            _warmup(),
            _TOTAL,
            _FLOOR,
            Param("power", 1.0, "float", 0.25, 4.0, help="degree of the decay", check=_positive),
        ),
    ),
    _factor_schedule(
        transformers_inverse_sqrt,
        "transformers' inverse square root (big_vision): warmup from LR 0, then "
        "sqrt(tau/(k - w + tau)).",
        r"f = k/w \ (k<w), \quad \sqrt{\tau/(k - w + \tau)}",
        (
            _warmup(),
            Param(
                "timescale",
                10,
                "int",
                1,
                200,
                help="tau (None: warmup_steps)",
                check=_optional(_positive_int),
                call_default=None,
                counts="calls",
            ),
        ),
    ),
    _factor_schedule(
        transformers_cosine_warmup_with_min_lr,
        "transformers' cosine_warmup_with_min_lr: warmup from lr/w (or warmup_factor), "
        "half cosine to min_factor.",
        r"f = (k+1)/w \ (k<w), \quad m + (1-m)\tfrac12(1 + \cos(\pi \tfrac{k-w+1}{T-w}))",
        (
            _warmup(),
            _TOTAL,
            _FLOOR,
            Param(
                "warmup_factor",
                0.1,
                "float",
                0.0,
                1.0,
                help="factor at step 0 (None: 1/w)",
                check=_optional(_unit),
                call_default=None,
            ),
        ),
    ),
    _factor_schedule(
        linear_warmup,
        "Linear warmup starting at lr/w (no step at LR 0), then the base LR.",
        r"f = \min(1, (k + 1)/w)",
        (_warmup(low=1),),
    ),
    _factor_schedule(
        untuned_linear_warmup,
        "Ma & Yarats' warmup for Adam over 2/(1 - beta2) steps, then the base LR.",
        r"f = \min(1, \tfrac{1-\beta_2}{2}(k + 1))",
        (
            Param(
                "beta2",
                0.999,
                "float",
                0.9,
                0.9999,
                help="Adam's beta2",
                check=partial(as_real, low=0.0, high=1.0, low_open=True, high_open=True),
            ),
        ),
        default_steps=2500,
    ),
)
