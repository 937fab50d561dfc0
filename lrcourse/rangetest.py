r"""The LR range test (Smith 2017; fastai's ``lr_find``), chapter 9: the one range-test module.

Train for ``num_iter`` mini-batches while the LR grows from ``start_lr`` to ``end_lr``
(:func:`sweep_lrs`), record each batch's loss, smooth it (:func:`smooth_losses`, one
bias-corrected moving average), stop once the smoothed loss has clearly diverged
(:class:`DivergenceStop`, one stop rule), and put the model and the optimizer back exactly as
they were (:func:`lr_range_test`). :meth:`RangeTest.suggest` turns the curve into one LR by one
of :data:`SUGGESTION_RULES`. Around the test:

* :func:`smoothing_lag`: how far (in decades of LR) the smoothed curve trails the raw one;
  :func:`lag_fix`: the settings that bring it under :data:`LAG_LIMIT`, below which
  :func:`lr_range_test` runs without a :class:`SmoothingLagWarning`;
* :func:`restop`: replay a recorded test with another ``beta`` or ``diverge_factor`` (the
  trajectory does not depend on either, only where it stops);
* :func:`good_band`: the band of LRs a real sweep of full trainings finds, to hold a
  suggestion against; :func:`naive_lr_sweep`: the brute-force alternative, one short
  training per LR;
* :func:`synthetic_range_test`: a seeded test from a closed-form curve (for exercises);
* :func:`plot_rules` and :func:`explore_range_test`: a test with every rule marked, and a live
  panel replaying a recording with sliders for ``beta``, ``diverge_factor``, ``skip_start``.
"""

from __future__ import annotations

import copy
import html
import io
import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from .training import (
    OptimizerLike,
    SupervisedData,
    check_data,
    fit,
    resolve_optimizer,
    torch_threads,
)
from .validation import (
    as_array,
    as_bool,
    as_callable,
    as_choice,
    as_int,
    as_real,
    check_keywords,
    fail,
)

__all__ = [
    "LAG_LIMIT",
    "SUGGESTION_RULES",
    "Band",
    "DivergenceStop",
    "LagFix",
    "NaiveSweep",
    "RangeTest",
    "RangeTestExplorer",
    "SmoothingLagWarning",
    "explore_range_test",
    "good_band",
    "lag_fix",
    "lr_range_test",
    "naive_lr_sweep",
    "plot_rules",
    "restop",
    "smooth_losses",
    "smoothing_lag",
    "sweep_lrs",
    "synthetic_range_test",
]

Rule = Literal["steepest", "min_div_10", "valley"]
#: The suggestion rules, by name: what each one picks from the smoothed curve.
SUGGESTION_RULES: dict[str, str] = {
    "steepest": "where the smoothed loss falls fastest per unit of log LR; sensitive to noise "
    "and to where the curve is cut",
    "min_div_10": "a tenth of the LR at the smoothed loss's minimum (fastai's old default); "
    "conservative, since the minimum sits close to divergence",
    "valley": "about half way along the longest decreasing subsequence of the smoothed loss "
    "(fastai's current default; the points need not be adjacent); robust to a noisy start",
}
RULE_STYLES: dict[str, dict[str, Any]] = {
    "steepest": {"color": "#c0392b", "linestyle": ":"},
    "min_div_10": {"color": "#27ae60", "linestyle": "-."},
    "valley": {"color": "black", "linestyle": "--"},
}
assert RULE_STYLES.keys() == SUGGESTION_RULES.keys(), "a new rule needs a style"


def _beta(beta: Any) -> float:
    return as_real("beta", beta, low=0.0, high=1.0, high_open=True)


# ----------------------------------------------------------------------------- the sweep


def sweep_lrs(
    start_lr: float, end_lr: float, num_iter: int, mode: Literal["exp", "linear"] = "exp"
) -> np.ndarray:
    r"""The LRs of a range test: ``num_iter`` values from ``start_lr`` to ``end_lr`` inclusive.

    ``exp``: :math:`\eta_i = \eta_0 (\eta_{end}/\eta_0)^{i/(n-1)}`; ``linear``: equal steps.

    >>> sweep_lrs(1e-3, 1e-1, 3)
    array([0.001, 0.01 , 0.1  ])
    """
    start_lr = as_real("start_lr", start_lr, low=0.0, low_open=True)
    end_lr = as_real("end_lr", end_lr, low=0.0, low_open=True)
    if not end_lr > start_lr:
        raise fail("end_lr", f"> start_lr ({start_lr:g})", end_lr)
    num_iter = as_int("num_iter", num_iter, low=2)
    mode = as_choice("mode", mode, ("exp", "linear"))
    if mode == "exp":
        return start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / (num_iter - 1))
    return np.linspace(start_lr, end_lr, num_iter)


# ----------------------------------------------------------------------------- smoothing, stop


class _MovingAverage:
    r"""The one bias-corrected exponential moving average of the package, fed a value at a time:
    :math:`a_k = \beta a_{k-1} + (1-\beta) v_k`, :math:`a_0 = 0`,
    :math:`s_k = a_k / (1 - \beta^k)` after ``k`` values."""

    def __init__(self, beta: float) -> None:
        self.beta, self.avg, self.count = beta, 0.0, 0

    def __call__(self, value: float) -> float:
        self.avg = self.beta * self.avg + (1 - self.beta) * value
        self.count += 1
        return self.avg / (1 - self.beta**self.count)


def smooth_losses(
    losses: Sequence[float] | np.ndarray,
    beta: float,
    *,
    nonfinite: Literal["stop", "skip"] = "stop",
) -> np.ndarray:
    r"""The range test's bias-corrected exponential moving average of ``losses``.

    .. math:: a_i = \beta a_{i-1} + (1-\beta)\,\ell_i,\quad a_{-1} = 0,\qquad
              s_i = \frac{a_i}{1 - \beta^{i+1}}

    (``beta = 0``: no smoothing). A non-finite loss: ``nonfinite="stop"`` (the range test's
    reading: the test ended there) gives ``s_i = inf`` from it on; ``"skip"`` (the loss plots'
    reading) leaves a NaN there and averages over the finite losses only, :math:`i + 1` then
    counting them. The same arithmetic as :func:`lr_range_test`, bit for bit.

    Example::

        >>> smooth_losses([2.0, 1.0, 1.0], beta=0.5)
        array([2.        , 1.33333333, 1.14285714])
    """
    beta = _beta(beta)
    nonfinite = as_choice("nonfinite", nonfinite, ("stop", "skip"))
    values = as_array("losses", losses, finite=False, nonempty=False)
    out = np.full(values.shape, math.inf if nonfinite == "stop" else math.nan)
    average = _MovingAverage(beta)
    for i, value in enumerate(values.tolist()):
        if math.isfinite(value):
            out[i] = average(value)
        elif nonfinite == "stop":
            break
    return out


class DivergenceStop:
    r"""The range test's stop rule, fed one batch loss at a time: ``rule(loss)`` is ``True``
    once the test must stop.

    It smooths the losses as :func:`smooth_losses` (into ``smoothed``) and stops when
    :math:`s_i > \text{diverge\_factor} \cdot \min_{j \le i} s_j`, or at a non-finite loss
    (recorded as ``inf``). ``stopped`` says whether it fired.

    Example::

        >>> rule = DivergenceStop(beta=0.0, diverge_factor=2.0)
        >>> [rule(v) for v in (3.0, 1.0, 1.5, 2.5)]
        [False, False, False, True]
    """

    def __init__(self, beta: float = 0.98, diverge_factor: float = 4.0) -> None:
        self.beta = _beta(beta)
        self.diverge_factor = as_real(
            "diverge_factor", diverge_factor, low=1.0, low_open=True, finite=False
        )
        self._average = _MovingAverage(self.beta)
        self.best = math.inf
        self.smoothed: list[float] = []
        self.stopped = False

    def __call__(self, loss: float) -> bool:
        loss = float(loss)
        if not math.isfinite(loss):
            self.smoothed.append(math.inf)
        else:
            s = self._average(loss)
            self.smoothed.append(s)
            self.best = min(self.best, s)
            if not s > self.diverge_factor * self.best:
                return False
        self.stopped = True
        return True


def smoothing_lag(
    beta: float, start_lr: float, end_lr: float, num_iter: int, *, at: int | None = None
) -> float:
    r"""How many decades of LR the smoothed curve of an exponential sweep trails the raw one.

    The bias-corrected average at iteration :math:`i` weights the loss :math:`k` iterations
    back by :math:`\beta^k` (normalised over :math:`k = 0..i`); its mean lag is

    .. math:: \bar k_i = \frac{\beta}{1-\beta} - \frac{(i+1)\,\beta^{i+1}}{1-\beta^{i+1}}
              \ \text{iterations} \;\longrightarrow\; \frac{\beta}{1-\beta}
              \quad (i \gg 1/(1-\beta)).

    An exponential sweep moves :math:`\log_{10}(\eta_{end}/\eta_{start})/(n-1)` decades per
    iteration, so the smoothed loss drawn at LR :math:`\eta` is centred on LRs
    :math:`\bar k_i \cdot \log_{10}(\eta_{end}/\eta_{start})/(n-1)` decades lower.
    ``at=None``: the far-from-start value :math:`\beta/(1-\beta)`; ``at=i``: the exact value at
    iteration ``i`` (``at=num_iter - 1``: at the end of the sweep).

    Example (fastai's defaults: 1e-7 to 10 in 100 iterations, beta = 0.98)::

        >>> round(smoothing_lag(0.98, 1e-7, 10, 100), 2)
        3.96
        >>> round(smoothing_lag(0.98, 1e-7, 10, 100, at=99), 2)
        2.72
    """
    beta = _beta(beta)
    lrs = sweep_lrs(start_lr, end_lr, num_iter)  # validates the sweep
    decades_per_iter = math.log10(lrs[-1] / lrs[0]) / (len(lrs) - 1)
    if at is not None:
        at = as_int("at", at, low=0, high=len(lrs) - 1)
    if beta == 0:
        return 0.0
    lag = beta / (1 - beta)
    if at is not None:
        b = beta ** (at + 1)
        lag -= (at + 1) * b / (1 - b)
    return lag * decades_per_iter


#: The most lag, in decades of LR, that :func:`lr_range_test` accepts at the end of an
#: exponential sweep without a :class:`SmoothingLagWarning`: half a decade, a factor of about 3
#: in LR (:math:`10^{0.5}`), about the width of the flat top that chapter 9 measures around a
#: good pick. Chapter 9's settings (200 iterations from 1e-5 to 10, ``beta=0.9``) lag 0.27
#: decades; fastai's defaults (100 iterations from 1e-7 to 10, ``beta=0.98``) lag 2.72.
LAG_LIMIT = 0.5


class SmoothingLagWarning(UserWarning):
    """:func:`lr_range_test`'s smoothed curve will lag more than :data:`LAG_LIMIT` decades of
    LR behind the raw loss at the end of the sweep (its message says by how much, and the
    ``num_iter`` or ``beta`` that would fix it). Silence it on purpose with
    ``warnings.filterwarnings("ignore", category=SmoothingLagWarning)``."""


@dataclass(frozen=True)
class LagFix:
    """Result of :func:`lag_fix`: ``num_iter``, the fewest iterations at the given ``beta``, and
    ``beta``, the largest smoothing (two decimals) at the given ``num_iter``, whose lag at the
    end of the sweep is at most ``limit`` decades."""

    num_iter: int
    beta: float
    limit: float


def lag_fix(
    beta: float, start_lr: float, end_lr: float, num_iter: int, *, limit: float = LAG_LIMIT
) -> LagFix:
    r"""Settings whose smoothed curve lags at most ``limit`` decades at the end of the sweep.

    Two ways to bring ``smoothing_lag(beta, start_lr, end_lr, num_iter, at=num_iter - 1)``
    down to ``limit``: more iterations at the same ``beta`` (``.num_iter``, the smallest such
    count), or less smoothing at the same ``num_iter`` (``.beta``, the largest such value,
    rounded down to two decimals; 0 means no smoothing). Both are searched with
    :func:`smoothing_lag` itself, which falls as ``num_iter`` grows and rises with ``beta``.

    Example (fastai's defaults: 1e-7 to 10 in 100 iterations, beta = 0.98)::

        >>> lag_fix(0.98, 1e-7, 10, 100)
        LagFix(num_iter=785, beta=0.86, limit=0.5)
    """
    beta = _beta(beta)
    sweep_lrs(start_lr, end_lr, num_iter)  # validates the sweep
    num_iter = as_int("num_iter", num_iter, low=2)
    limit = as_real("limit", limit, low=0.0, low_open=True)

    def lag(b: float, n: int) -> float:
        return smoothing_lag(b, start_lr, end_lr, n, at=n - 1)

    # fewest iterations: double until the lag is small enough, then bisect between the last
    # count that lags too much (lo) and the first that does not (hi); settings already within
    # the limit come back as they are
    lo, hi = num_iter - 1, num_iter
    while lag(beta, hi) > limit:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if lag(beta, mid) > limit else (lo, mid)
    # most smoothing: bisect beta in [0, beta], then round down to two decimals
    if lag(beta, num_iter) <= limit:
        best = beta
    else:
        good, bad = 0.0, beta
        for _ in range(60):
            mid = (good + bad) / 2
            good, bad = (mid, bad) if lag(mid, num_iter) <= limit else (good, mid)
        best = good
    best = math.floor(best * 100 + 1e-9) / 100
    while best > 0 and lag(best, num_iter) > limit:  # guard the rounding
        best = round(best - 0.01, 2)
    return LagFix(num_iter=max(hi, 2), beta=max(best, 0.0), limit=limit)


def _lag_warning(beta: float, start_lr: float, end_lr: float, num_iter: int) -> str | None:
    """The :class:`SmoothingLagWarning` message for an exponential sweep, or ``None`` when its
    lag at the end is within :data:`LAG_LIMIT`."""
    lag = smoothing_lag(beta, start_lr, end_lr, num_iter, at=num_iter - 1)
    if lag <= LAG_LIMIT:
        return None
    fix = lag_fix(beta, start_lr, end_lr, num_iter)
    decades = math.log10(end_lr / start_lr)
    factor = 10**lag
    times = f"{factor:.2g}" if factor < 10 else f"{factor:.0f}"
    less = "turn smoothing off (beta=0)" if fix.beta == 0 else f"lower beta to at most {fix.beta:g}"
    return (
        f"lr_range_test: with beta={beta:g} and {num_iter} iterations over {decades:.3g} "
        f"decades of LR, the smoothed loss will lag {lag:.2f} decades behind the raw loss at "
        f"the end of the sweep (more than LAG_LIMIT = {LAG_LIMIT:g}): the curve drawn at an LR "
        f"averages losses from LRs about {times} times lower, and the divergence stop may fire "
        f"late or not at all. Fix: raise num_iter to at least {fix.num_iter} (at "
        f"beta={beta:g}), or {less} (at num_iter={num_iter}); "
        "lc.smoothing_lag(..., at=num_iter - 1) gives the lag of any setting."
    )


# ----------------------------------------------------------------------------- suggestions


def _valley_index(values: np.ndarray) -> int:
    r"""The index fastai's ``valley`` rule picks: about half way along the longest decreasing
    run of ``values``.

    With :math:`L` the length of the longest strictly decreasing subsequence (its points need
    not be adjacent) and :math:`e` the index where the first such subsequence ends, fastai sets
    :math:`s = e - L` and takes :math:`s + \lfloor L/3 \rfloor + \lfloor L/6 \rfloor`
    (``int(sections) + int(sections / 2)`` with ``sections = L / 3``), about :math:`e - L/2`:
    half way, not two thirds. The one departure from fastai: where that index is -1 (a run of
    two points from index 0), fastai reads the last point of the curve; this reads the first.
    """
    n = len(values)
    length = np.ones(n, dtype=int)
    start, end = 0, 0
    for i in range(1, n):
        for j in range(i):
            if values[i] < values[j] and length[i] < length[j] + 1:
                length[i] = length[j] + 1
        if length[end] < length[i]:
            end, start = i, i - int(length[i])
    sections = (end - start) / 3
    return max(start + int(sections) + int(sections / 2), 0)


@dataclass
class RangeTest:
    r"""The record of one LR range test.

    ``lrs[i]`` is the LR batch ``i`` was trained with, ``losses[i]`` that batch's loss measured
    before the update (so it reflects the LRs up to ``lrs[i-1]``, as in fastai),
    ``smoothed[i]`` the bias-corrected exponential moving average of :func:`smooth_losses`,
    :math:`a_i = \beta a_{i-1} + (1-\beta) \ell_i`, :math:`s_i = a_i / (1 - \beta^{i+1})`.
    ``stopped_early`` says the test stopped by :class:`DivergenceStop`: ``smoothed`` exceeded
    ``diverge_factor`` times its minimum (or a loss was not finite).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_early: bool
    planned_iter: int
    settings: dict[str, Any] = field(default_factory=dict)

    def suggest(self, rule: Rule = "valley", *, skip_start: int = 0) -> float:
        """One LR from the curve by ``rule`` (see :data:`SUGGESTION_RULES`).

        ``skip_start`` ignores the first points (the smoothing's warm-up). The last point
        (the one that triggered the stop) is never a candidate. ``valley`` is fastai's index:
        with ``L`` the length of the longest decreasing subsequence of the smoothed curve and
        ``e`` where it ends, ``e - L + int(L/3) + int(L/6)``, about half way along it.

        >>> import numpy as np
        >>> lrs = np.geomspace(1e-4, 1, 9)
        >>> losses = np.array([2.3, 2.3, 2.2, 1.9, 1.2, 0.8, 0.9, 3.0, 9.0])
        >>> t = RangeTest(lrs, losses, losses, True, 9)
        >>> round(t.suggest("min_div_10"), 5)  # a tenth of lrs[5], where 0.8 is the minimum
        0.00316
        """
        rule = as_choice("rule", rule, list(SUGGESTION_RULES))
        skip_start = as_int("skip_start", skip_start, low=0)
        end = len(self.lrs) - 1 if self.stopped_early else len(self.lrs)
        lrs, loss = self.lrs[skip_start:end], self.smoothed[skip_start:end]
        if len(lrs) < 3:
            raise fail(
                "skip_start",
                "small enough to leave at least 3 usable points (run more iterations or skip "
                "fewer)",
                got=f"{skip_start}, leaving {len(lrs)} usable points",
            )
        if rule == "min_div_10":
            return float(lrs[int(np.argmin(loss))] / 10)
        if rule == "steepest":
            slope = np.gradient(loss, np.log(lrs))
            return float(lrs[int(np.argmin(slope))])
        return float(lrs[_valley_index(loss)])

    def suggestions(self, skip_start: int = 0) -> dict[str, float]:
        """Every rule's suggestion."""
        return {rule: self.suggest(rule, skip_start=skip_start) for rule in SUGGESTION_RULES}

    def plot(
        self, ax: Any = None, *, rule: Rule | None = "valley", raw: bool = True, skip_start: int = 0
    ) -> Any:
        """Loss against LR (log axis), smoothed and raw, with a rule's suggestion marked."""
        from .plotting import plot_lr_vs_loss

        suggested = self.suggest(rule, skip_start=skip_start) if rule is not None else None
        ax = plot_lr_vs_loss(
            self.lrs, self.smoothed, ax=ax, suggested_lr=suggested, label="smoothed loss"
        )
        if raw:
            ax.plot(self.lrs, self.losses, alpha=0.3, lw=1, label="batch loss")
            ax.legend()
        return ax

    def __repr__(self) -> str:
        status = "stopped early (diverged)" if self.stopped_early else "ran to end_lr"
        return (
            f"RangeTest({len(self.lrs)}/{self.planned_iter} iterations, LR {self.lrs[0]:.2g} to "
            f"{self.lrs[-1]:.2g}, {status}, min smoothed loss {np.min(self.smoothed):.4g})"
        )


def _as_test(name: str, test: Any) -> RangeTest:
    if not isinstance(test, RangeTest):
        raise fail(name, "a RangeTest (from lr_range_test)", got=type(test).__name__)
    return test


# ----------------------------------------------------------------------------- the test


@contextmanager
def _restored(model: nn.Module, opt: torch.optim.Optimizer) -> Iterator[None]:
    """Run a block, then put ``model`` (weights, buffers, device, mode) and ``opt`` (state,
    param groups) back bit for bit."""
    saved_device = next(model.parameters()).device
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    saved_training = model.training
    # a scheduler patches opt.step and sets opt._opt_called (torch's check of the call order):
    # put both back too, or a later scheduler misplaced before it would not be warned
    patched = {k: opt.__dict__[k] for k in ("step", "_opt_called") if k in opt.__dict__}
    try:
        yield
    finally:
        model.load_state_dict(saved_model)
        opt.load_state_dict(saved_opt)
        model.to(saved_device)
        model.train(saved_training)
        for key in ("step", "_opt_called"):
            opt.__dict__.pop(key, None)
        opt.__dict__.update(patched)


def lr_range_test(
    model: nn.Module,
    data: SupervisedData,
    optimizer: OptimizerLike,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_iter: int = 100,
    mode: Literal["exp", "linear"] = "exp",
    beta: float = 0.98,
    diverge_factor: float = 4.0,
    batch_size: int = 32,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    cpu_threads: int | None = 1,
    progress: bool | None = None,
) -> RangeTest:
    """Run an LR range test on ``model`` and restore the model and optimizer afterwards.

    The course's one loop, :func:`lrcourse.fit`, trains batch ``i`` with LR
    ``sweep_lrs(start_lr, end_lr, num_iter, mode)[i]`` (set on every param group), full
    batches of ``batch_size`` reshuffled each epoch from ``seed``. The loss is smoothed with
    ``beta`` (0 = no smoothing) and the test stops by :class:`DivergenceStop`: when the
    smoothed loss exceeds ``diverge_factor`` times its minimum, or a loss is not finite.
    Afterwards every parameter, buffer and optimizer state is bit-identical to before, and the
    optimizer's LRs are its own again. ``optimizer`` is an optimizer on the model's parameters
    (one holding none of them is refused) or a factory ``params -> Optimizer``; the data and
    the model are checked as :func:`lrcourse.fit` checks them.

    The defaults are fastai's (100 iterations from 1e-7 to 10, ``beta=0.98``), and they
    smooth with a lag of 2.72 decades at the end of the sweep. Before it trains, an
    exponential sweep whose lag at the end, ``smoothing_lag(beta, start_lr, end_lr, num_iter,
    at=num_iter - 1)``, exceeds :data:`LAG_LIMIT` (half a decade) issues a
    :class:`SmoothingLagWarning` naming the lag and the ``num_iter`` or ``beta`` that would
    bring it under the limit (:func:`lag_fix`). Chapter 9's settings, ``start_lr=1e-5,
    end_lr=10, num_iter=200, beta=0.9``, lag 0.27 decades.

    Example::

        >>> data = lc.load_digits_data()
        >>> test = lr_range_test(lc.mlp(64, 64, 10), data,
        ...                      lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        ...                      start_lr=1e-5, end_lr=10, num_iter=200, beta=0.9)
        >>> test.suggest("valley")  # doctest: +SKIP
    """
    lrs = sweep_lrs(start_lr, end_lr, num_iter, mode)
    rule = DivergenceStop(beta, diverge_factor)
    lag_message = _lag_warning(rule.beta, lrs[0], lrs[-1], len(lrs)) if mode == "exp" else None
    with torch_threads(cpu_threads):  # the checks too: one thread is faster on these sizes
        if not isinstance(model, nn.Module):  # before its state is saved; fit checks the rest
            raise fail("model", "a torch.nn.Module", got=type(model).__name__)
        check_data(data)
        n = len(data.X_train)
        batch_size = as_int("batch_size", batch_size, low=1, high=n)
        seed = as_int("seed", seed, low=0)
        opt = resolve_optimizer(model, optimizer)
        if lag_message is not None:  # the settings are valid: say so before training
            warnings.warn(lag_message, SmoothingLagWarning, stacklevel=2)
        last = len(lrs) - 1
        with _restored(model, opt):
            history = fit(
                model,
                data,
                optimizer=opt,
                scheduler=lrs,
                step_per="batch",
                epochs=math.ceil(len(lrs) / (n // batch_size)),
                batch_size=batch_size,
                drop_last=True,
                evaluate=False,
                stop=lambda t, loss: rule(loss) or t == last,
                seed=seed,
                loss_fn=loss_fn,
                device=device,
                cpu_threads=cpu_threads,
                progress=progress,
                desc="LR test",
            )
    if history.diverged:  # fit stopped at a non-finite loss before calling the rule
        rule(history.step_loss[-1])
    k = len(history.step_loss)
    return RangeTest(
        lrs=lrs[:k],
        losses=np.asarray(history.step_loss, dtype=np.float64),
        smoothed=np.asarray(rule.smoothed),
        stopped_early=rule.stopped,
        planned_iter=len(lrs),
        settings={
            "start_lr": float(start_lr),
            "end_lr": float(end_lr),
            "mode": mode,
            "beta": rule.beta,
            "diverge_factor": rule.diverge_factor,
            "batch_size": batch_size,
            "seed": seed,
        },
    )


def restop(
    test: RangeTest, *, beta: float | None = None, diverge_factor: float | None = None
) -> RangeTest:
    """Replay a recorded range test with another smoothing ``beta`` or ``diverge_factor``.

    The batches, weights and LRs of a range test do not depend on ``beta`` or
    ``diverge_factor``; only the smoothed curve and the iteration at which the test stops do.
    So a test recorded without an early stop (e.g. ``diverge_factor=1e9``, which still stops
    at a non-finite loss) gives, exactly, the test any other setting would have run: this
    feeds ``test.losses`` to :class:`DivergenceStop`, the stop rule of :func:`lr_range_test`.
    Unset arguments keep the recorded ones. ``ValueError`` if the recording stopped (on a
    finite loss) before the new setting would.

    Example::

        >>> long = lc.lr_range_test(model, data, opt, diverge_factor=1e9)  # doctest: +SKIP
        >>> restop(long, beta=0.9, diverge_factor=4).suggest()   # doctest: +SKIP
    """
    test = _as_test("test", test)
    settings = dict(test.settings)
    rule = DivergenceStop(
        settings.get("beta", 0.98) if beta is None else beta,
        settings.get("diverge_factor", 4.0) if diverge_factor is None else diverge_factor,
    )
    for value in np.asarray(test.losses, dtype=np.float64).tolist():
        if rule(value):
            break
    k = len(rule.smoothed)
    if not rule.stopped and k < test.planned_iter:
        raise fail(
            "diverge_factor",
            "one at which the recording would have stopped (record the test with a larger "
            "diverge_factor)",
            rule.diverge_factor,
            hint=f"the recording has {k} of {test.planned_iter} iterations",
        )
    settings.update(beta=rule.beta, diverge_factor=rule.diverge_factor)
    return RangeTest(
        lrs=np.asarray(test.lrs[:k]).copy(),
        losses=np.asarray(test.losses[:k]).copy(),
        smoothed=np.asarray(rule.smoothed),
        stopped_early=rule.stopped,
        planned_iter=test.planned_iter,
        settings=settings,
    )


# ----------------------------------------------------------------------------- the band


@dataclass(frozen=True)
class Band:
    """LRs whose score is within ``tolerance`` of the best score of a sweep.

    ``lo``/``hi`` are interpolated (linearly in log LR) between grid points; ``best`` is the
    grid LR with the best score. ``lr in band`` tests ``lo <= lr <= hi``. ``clipped`` says the
    band reaches an end of the grid (widen the grid before trusting that edge).
    """

    lo: float
    hi: float
    best: float
    best_score: float
    threshold: float
    clipped: bool = False

    def __contains__(self, lr: object) -> bool:
        return isinstance(lr, numbers.Real) and self.lo <= float(lr) <= self.hi

    @property
    def width(self) -> float:
        """``hi / lo``: how many-fold the band spans."""
        return self.hi / self.lo

    def __repr__(self) -> str:
        clip = ", reaches the grid's end" if self.clipped else ""
        return (
            f"Band({self.lo:.3g} to {self.hi:.3g}, {self.width:.3g}-fold; best {self.best:.3g} "
            f"scoring {self.best_score:.4g}, threshold {self.threshold:.4g}{clip})"
        )


def _crossing(x0: float, y0: float, x1: float, y1: float, level: float) -> float:
    """log-linear interpolation: the LR between x0 (good, y0) and x1 (bad, y1) at ``level``."""
    if not math.isfinite(y1) or y1 == y0:
        return x0 if not math.isfinite(y1) else x1
    t = (level - y0) / (y1 - y0)
    return float(10 ** (math.log10(x0) + t * (math.log10(x1) - math.log10(x0))))


def _lr_grid(lrs: Any, *, increasing: bool) -> np.ndarray:
    """A 1-D grid of positive finite LRs (strictly increasing if asked)."""
    grid = as_array("lrs", lrs)
    if not np.all(grid > 0) or (increasing and not np.all(np.diff(grid) > 0)):
        order = "positive and increasing" if increasing else "positive"
        raise fail("lrs", f"an array of {order} learning rates", got=str(grid.tolist()))
    return grid


def good_band(
    lrs: Sequence[float] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    tolerance: float,
    *,
    higher_is_better: bool = True,
) -> Band:
    r"""The contiguous band of LRs around the best whose score is within ``tolerance`` of it.

    ``lrs`` is an increasing grid, ``scores[i]`` the (seed-averaged) final score of full
    trainings at ``lrs[i]``; NaN (a diverged run) counts as failing. With
    :math:`s^\star` the best score, the band holds the LRs with
    :math:`s \ge s^\star - \text{tolerance}` (accuracy) or :math:`s \le s^\star + \text{tolerance}`
    (``higher_is_better=False``, a loss), walking out from the best grid point and
    interpolating the edges in log LR.

    Example::

        >>> b = good_band([0.01, 0.1, 1.0], [0.80, 0.95, 0.85], tolerance=0.05)
        >>> round(b.lo, 4), round(b.hi, 4), b.best
        (0.0464, 0.3162, 0.1)
    """
    x = _lr_grid(lrs, increasing=True)
    if x.size < 2:
        raise fail("lrs", "of length >= 2", got=f"length {x.size}")
    y = as_array("scores", scores, finite=False)
    if y.shape != x.shape:
        raise fail("scores", f"of the same length as lrs ({x.size})", got=f"length {y.size}")
    if not np.any(np.isfinite(y)):
        raise fail("scores", "finite for at least one LR (every run diverged?)", y.tolist())
    tolerance = as_real("tolerance", tolerance, low=0.0)
    sign = 1.0 if as_bool("higher_is_better", higher_is_better) else -1.0
    g = np.where(np.isfinite(y), sign * y, -math.inf)  # higher is better from here on
    i_best = int(np.argmax(g))
    level = g[i_best] - tolerance
    lo_i = i_best
    while lo_i > 0 and g[lo_i - 1] >= level:
        lo_i -= 1
    hi_i = i_best
    while hi_i < len(x) - 1 and g[hi_i + 1] >= level:
        hi_i += 1
    lo = (
        float(x[lo_i])
        if lo_i == 0
        else _crossing(x[lo_i], g[lo_i], x[lo_i - 1], g[lo_i - 1], level)
    )
    hi = (
        float(x[hi_i])
        if hi_i == len(x) - 1
        else _crossing(x[hi_i], g[hi_i], x[hi_i + 1], g[hi_i + 1], level)
    )
    return Band(
        lo=lo,
        hi=hi,
        best=float(x[i_best]),
        best_score=float(y[i_best]),
        threshold=float(sign * level),
        clipped=lo_i == 0 or hi_i == len(x) - 1,
    )


# ----------------------------------------------------------------------------- naive sweep


@dataclass
class NaiveSweep:
    """Result of :func:`naive_lr_sweep`: ``train_loss[i]`` after ``steps`` steps at ``lrs[i]``
    (``inf`` where the run diverged); ``total_steps`` is the optimizer steps it cost."""

    lrs: np.ndarray
    train_loss: np.ndarray
    steps: int
    total_steps: int

    @property
    def best(self) -> float:
        """The LR with the lowest training loss."""
        return float(self.lrs[int(np.argmin(self.train_loss))])

    def __repr__(self) -> str:
        return (
            f"NaiveSweep({len(self.lrs)} LRs x {self.steps} steps = {self.total_steps} steps; "
            f"best {self.best:.3g}, loss {np.min(self.train_loss):.4g})"
        )


def naive_lr_sweep(
    data: Any,
    lrs: Sequence[float] | np.ndarray,
    *,
    steps: int,
    optimizer: Literal["sgd", "adam"] = "sgd",
    momentum: float = 0.9,
    hidden: int = 64,
    batch_size: int = 32,
    seed: int = 0,
    model_fn: Callable[[], nn.Module] | None = None,
) -> NaiveSweep:
    """Train a fresh model at each LR of ``lrs`` for ``steps`` mini-batches; report the loss.

    Every LR starts from the same initialisation (``lc.mlp(n_features, hidden, n_classes,
    seed=seed)`` or ``model_fn()``) and sees the same batches (shuffled from ``seed``); the
    score is the cross-entropy on the whole training split after the last step (``inf`` if a
    loss became non-finite). Cost: ``len(lrs) * steps`` optimizer steps, against a range
    test's ``num_iter``.

    Example::

        >>> sweep = naive_lr_sweep(lc.load_digits_data(), np.geomspace(1e-3, 1, 7), steps=20)
        >>> sweep.total_steps
        140
    """
    from .models import mlp

    grid = _lr_grid(lrs, increasing=False)
    steps = as_int("steps", steps, low=1)
    seed = as_int("seed", seed, low=0)
    check_data(data)
    n = len(data.X_train)
    batch_size = as_int("batch_size", batch_size, low=1, high=n)
    optimizer = as_choice("optimizer", optimizer, ("sgd", "adam"))
    momentum = as_real("momentum", momentum, low=0.0)
    hidden = as_int("hidden", hidden, low=1)
    if model_fn is not None:
        as_callable("model_fn", model_fn, "a function returning a fresh model")
    X, y = data.X_train.cpu(), data.y_train.cpu()
    n_classes = int(y.max()) + 1
    loss_fn = nn.CrossEntropyLoss()
    scores = []
    with torch_threads(1):  # the checks in fit too: one thread is faster on these sizes
        for lr in grid.tolist():
            model = model_fn() if model_fn is not None else mlp(X.shape[1], hidden, n_classes, seed)
            if optimizer == "sgd":
                opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
            else:
                opt = torch.optim.Adam(model.parameters(), lr=lr)
            history = fit(
                model,
                data,
                optimizer=opt,
                epochs=math.ceil(steps / (n // batch_size)),
                batch_size=batch_size,
                drop_last=True,
                evaluate=False,
                stop=lambda t, _loss: t == steps - 1,
                seed=seed,
                loss_fn=loss_fn,
                device="cpu",
                progress=False,
            )
            final = math.inf
            if not history.diverged:
                with torch.no_grad():
                    final = float(loss_fn(model.eval()(X), y))
            scores.append(final if math.isfinite(final) else math.inf)
    return NaiveSweep(grid, np.asarray(scores), steps, steps * len(grid))


# ----------------------------------------------------------------------------- synthetic


def synthetic_range_test(
    seed: int = 0,
    *,
    num_iter: int = 120,
    beta: float = 0.9,
    diverge_factor: float = 4.0,
    noise: float = 0.05,
) -> RangeTest:
    r"""A seeded range test from a closed-form curve: for exercises and tests, no training.

    LRs ``sweep_lrs(1e-5, 10, num_iter)``; with :math:`x = \log_{10}\eta`, the raw loss is

    .. math:: \ell(x) = \bigl(0.3 + \frac{2.0}{1 + e^{3(x + c)}} + 6\,\max(0, x - d)^2\bigr)
              (1 + \sigma \varepsilon)

    (a drop centred at :math:`10^{-c}`, a rise after :math:`10^{d}`, :math:`c, d` drawn from
    ``seed``, :math:`\varepsilon \sim N(0,1)`), smoothed and stopped as
    :func:`lr_range_test` does (by :func:`restop`).

    Example::

        >>> t = synthetic_range_test(seed=3)
        >>> t.stopped_early
        True
    """
    seed = as_int("seed", seed, low=0)
    num_iter = as_int("num_iter", num_iter, low=10)
    noise = as_real("noise", noise, low=0.0, high=0.5, high_open=True)
    rng = np.random.default_rng(seed)
    c = rng.uniform(2.3, 3.2)  # drop centred at 10^-c
    d = rng.uniform(-1.3, -0.7)  # rise after 10^d
    lrs = sweep_lrs(1e-5, 10.0, num_iter)
    x = np.log10(lrs)
    clean = 0.3 + 2.0 / (1 + np.exp(3 * (x + c))) + 6 * np.maximum(0, x - d) ** 2
    raw = clean * (1 + noise * rng.standard_normal(num_iter))
    full = RangeTest(
        lrs=lrs,
        losses=raw,
        smoothed=np.full(num_iter, math.nan),  # restop smooths
        stopped_early=False,
        planned_iter=num_iter,
        settings={"start_lr": 1e-5, "end_lr": 10.0, "mode": "exp", "seed": seed},
    )
    return restop(full, beta=beta, diverge_factor=diverge_factor)


# ----------------------------------------------------------------------------- plots


def plot_rules(
    test: RangeTest,
    ax: Any = None,
    *,
    skip_start: int = 0,
    band: Band | None = None,
    raw: bool = True,
    title: str | None = None,
) -> Any:
    """Plot a range test (smoothed and raw loss against LR) with every rule's suggestion.

    One vertical line per rule of :data:`SUGGESTION_RULES` (``skip_start`` passed on), and,
    if ``band`` is given, the band of a real sweep shaded. Returns the Axes.

    Example::

        lc.plot_rules(test, band=lc.good_band(grid, accuracy, 0.01))
    """
    from .plotting import house_style

    test = _as_test("test", test)
    if band is not None and not isinstance(band, Band):
        raise fail("band", "a Band (from good_band) or None", band)
    ax = test.plot(ax, rule=None, raw=raw)
    with house_style():
        if band is not None:
            ax.axvspan(band.lo, band.hi, color="#f1c40f", alpha=0.2, lw=0, label="good band")
        for rule, lr in test.suggestions(skip_start=skip_start).items():
            ax.axvline(lr, lw=1.3, label=f"{rule} = {lr:.3g}", **RULE_STYLES[rule])
        finite = test.smoothed[np.isfinite(test.smoothed)]
        if finite.size:
            top = max(float(test.smoothed[0]), float(np.min(finite))) * 1.6
            ax.set_ylim(0, top)
        if title is not None:
            ax.set_title(title)
        ax.legend(fontsize="small")
    return ax


# ----------------------------------------------------------------------------- explorer


class RangeTestExplorer:
    """A live panel over one recorded range test: sliders for ``beta``, ``diverge_factor``
    and ``skip_start``; each change replays the recording with :func:`restop` (no training)
    and redraws the curve with every rule's suggestion. Build it with
    :func:`explore_range_test`.

    Attributes: ``recording`` (the long test), ``current`` (the replayed test, ``None`` after
    an error), ``error``, ``widget`` (the ipywidgets box), ``beta_slider``,
    ``factor_slider``, ``skip_slider``.
    """

    def __init__(self, recording: RangeTest, *, beta: float = 0.98, diverge_factor: float = 4.0):
        import ipywidgets as widgets
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from .plotting import house_style

        self.recording = _as_test("recording", recording)
        beta = _beta(beta)
        diverge_factor = as_real(
            "diverge_factor", diverge_factor, low=1.0, low_open=True, high=100.0
        )
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="420px")

        def slider(kind: Any, description: str, **kw: Any) -> Any:
            return kind(description=description, style=style, layout=layout, **kw)

        self.beta_slider = slider(
            widgets.FloatSlider, "beta", value=beta, min=0.0, max=0.99, step=0.01
        )
        self.factor_slider = slider(
            widgets.FloatSlider,
            "diverge_factor",
            value=diverge_factor,
            min=1.5,
            max=100.0,
            step=0.5,
        )
        self.skip_slider = slider(
            widgets.IntSlider, "skip_start", value=0, min=0, max=max(len(recording.lrs) // 2, 1)
        )
        self.image = widgets.Image(format="png", layout=widgets.Layout(width="640px"))
        self.message = widgets.HTML()
        with house_style():
            self.figure = Figure(figsize=(6.4, 3.8), dpi=100)
            self._canvas = FigureCanvasAgg(self.figure)
            self.ax = self.figure.add_subplot()
        self.current: RangeTest | None = None
        self.error: str | None = None
        header = widgets.HTML(
            f"<b>LR range test replayed</b>: {len(recording.lrs)} recorded iterations, "
            f"LR {recording.lrs[0]:.3g} to {recording.lrs[-1]:.3g}"
        )
        self.widget = widgets.VBox(
            [
                header,
                self.beta_slider,
                self.factor_slider,
                self.skip_slider,
                self.image,
                self.message,
            ]
        )
        for s in (self.beta_slider, self.factor_slider, self.skip_slider):
            s.observe(lambda _change: self.redraw(), names="value")
        self.redraw()

    def _sliders(self) -> dict[str, Any]:
        return {
            "beta": self.beta_slider,
            "diverge_factor": self.factor_slider,
            "skip_start": self.skip_slider,
        }

    def redraw(self) -> None:
        """Replay the recording with the sliders' values and redraw (never raises)."""
        from .plotting import house_style

        self.error = None
        self.current = None
        try:
            self.current = restop(
                self.recording,
                beta=float(self.beta_slider.value),
                diverge_factor=float(self.factor_slider.value),
            )
            suggestions = self.current.suggestions(skip_start=int(self.skip_slider.value))
        except ValueError as err:
            self.error = str(err)
        self.ax.clear()
        if self.current is not None and self.error is None:
            plot_rules(self.current, self.ax, skip_start=int(self.skip_slider.value))
            stop = "stopped early" if self.current.stopped_early else "no stop"
            text = f"{len(self.current.lrs)} iterations, {stop}; " + ", ".join(
                f"{k} {v:.3g}" for k, v in suggestions.items()
            )
            self.message.value = f"<small>{html.escape(text)}</small>"
        else:
            self.message.value = (
                f'<span style="color:#b00020"><b>Not drawn:</b> {html.escape(str(self.error))}'
                "</span>"
            )
        with house_style():
            buf = io.BytesIO()
            self._canvas.print_png(buf)
        self.image.value = buf.getvalue()

    def set(self, **values: Any) -> RangeTestExplorer:
        """Set ``beta``, ``diverge_factor`` and/or ``skip_start`` from code; redraw; return self."""
        sliders = self._sliders()
        check_keywords("RangeTestExplorer.set", values, list(sliders))
        for key, value in values.items():
            slider = sliders[key]
            check = as_int if key == "skip_start" else as_real
            values[key] = check(key, value, low=slider.min, high=slider.max)
        for key, value in values.items():
            sliders[key].value = value  # each change redraws
        return self

    def __repr__(self) -> str:
        state = (
            f"{len(self.current.lrs)} iterations, "
            + ", ".join(
                f"{k} {v:.3g}"
                for k, v in self.current.suggestions(skip_start=int(self.skip_slider.value)).items()
            )
            if self.current is not None and self.error is None
            else f"error: {self.error}"
        )
        return (
            f"RangeTestExplorer(beta={self.beta_slider.value:.2f}, "
            f"diverge_factor={self.factor_slider.value:g}, skip_start={self.skip_slider.value}: "
            f"{state})"
        )

    #: The settings the page without a kernel offers (precomputed), besides the panel's own.
    STATIC_GRID: dict[str, tuple[float, ...]] = {
        "beta": (0.0, 0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99),
        "diverge_factor": (1.5, 2.0, 3.0, 4.0, 6.0, 10.0, 100.0),
        "skip_start": (0, 5, 10, 20, 40),
    }

    def static_state(self) -> dict[str, Any]:
        """Precomputed sweeps for the page without a kernel: the recording's ``lrs`` and raw
        ``losses``; per slider its ``values`` (:attr:`STATIC_GRID` and the panel's value);
        per beta the smoothed curve of :func:`restop` (smoothing does not depend on where the
        test stops); per ``"i,j,k"`` of slider positions the replayed test's length ``n``,
        ``stopped`` and every rule's suggestion, or its ``error``. Read by ``renderRangeTest``
        of ``lrcourse/static/explorer.js``."""

        def finite(values: Any) -> list[float | None]:
            return [float(f"{v:.6g}") if math.isfinite(v) else None for v in values]

        sliders = self._sliders()
        grids = {}
        for key, slider in sliders.items():
            grid = {v for v in self.STATIC_GRID[key] if slider.min <= v <= slider.max}
            grids[key] = sorted(grid | {slider.value})
        index = [grids[key].index(sliders[key].value) for key in sliders]
        smoothed = [
            finite(restop(self.recording, beta=b).smoothed)  # its recorded length
            for b in grids["beta"]
        ]
        cases: dict[str, Any] = {}
        for (i, beta), (j, factor) in itertools.product(
            enumerate(grids["beta"]), enumerate(grids["diverge_factor"])
        ):
            try:
                test = restop(self.recording, beta=beta, diverge_factor=factor)
            except ValueError as err:
                test, error = None, str(err)
            for k, skip in enumerate(grids["skip_start"]):
                key = f"{i},{j},{k}"
                try:
                    if test is None:
                        raise ValueError(error)
                    found = test.suggestions(skip_start=int(skip))
                    cases[key] = {
                        "n": len(test.lrs),
                        "stopped": bool(test.stopped_early),
                        "suggestions": {r: float(f"{v:.6g}") for r, v in found.items()},
                    }
                except ValueError as err:
                    cases[key] = {"error": str(err)}
        helps = {
            "beta": "the smoothing of the loss (its moving average's weight on the past)",
            "diverge_factor": "stop when the smoothed loss exceeds this times its minimum",
            "skip_start": "points left out at the start before a rule looks for its LR",
        }
        return {
            "summary": (
                f"{len(self.recording.lrs)} recorded iterations, LR "
                f"{self.recording.lrs[0]:.3g} to {self.recording.lrs[-1]:.3g} "
                "(settings precomputed for the page)"
            ),
            "lrs": [float(v) for v in self.recording.lrs],
            "losses": finite(self.recording.losses),
            "sliders": [{"name": k, "values": grids[k], "help": helps[k]} for k in sliders],
            "index": index,
            "smoothed": smoothed,
            "cases": cases,
            "rules": {rule: dict(style) for rule, style in RULE_STYLES.items()},
        }

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        from .web import static_explorer_html

        data = self.widget._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = repr(self)
        # the page without a kernel: the explorers' front end over precomputed sweeps
        data["text/html"] = static_explorer_html(
            self.static_state(), render="renderRangeTest", text=repr(self)
        )
        return data


def explore_range_test(
    recording: RangeTest, *, beta: float = 0.98, diverge_factor: float = 4.0
) -> RangeTestExplorer:
    """A live panel replaying ``recording`` with slider-chosen ``beta``, ``diverge_factor`` and
    ``skip_start`` (see :class:`RangeTestExplorer`). Record the test once with a large
    ``diverge_factor`` so every setting can be replayed.

    Example::

        long = lc.lr_range_test(model, data, opt, num_iter=200, diverge_factor=1e9)
        panel = lc.explore_range_test(long)
        panel.set(beta=0.9).current.suggest("valley")
    """
    return RangeTestExplorer(recording, beta=beta, diverge_factor=diverge_factor)
