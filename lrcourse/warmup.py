r"""Warmup: the schedules, RAdam's built-in warmup, and the measurements behind chapter 6.

* :func:`linear_warmup`: a linear warmup factor for ``LambdaLR`` that does not waste the first
  step, :math:`f(t) = \min(1, (t+1)/w)`; :func:`untuned_linear_warmup` is Ma & Yarats' rule of
  thumb for Adam, a linear warmup over :math:`2/(1-\beta_2)` updates.
* RAdam's variance rectification (Liu et al. 2020): :func:`radam_rho`, :func:`radam_rectifier`,
  :func:`radam_sgd_steps`, and :func:`radam_updates`, a float64 reference of
  ``torch.optim.RAdam``'s update that the tests hold against torch.
* :func:`adaptive_lr_spread`: how widely Adam's adaptive factor :math:`1/\sqrt{\hat v_t}` spreads
  when :math:`\hat v_t` is built from a few squared gradients.
* :func:`stability_scan`: the largest stable LR of a grid, scanning upwards.
* :func:`layer_grad_norms`: the gradient norm of each layer of a :class:`TinyTransformer` at
  its initialisation (post-LN against pre-LN, Xiong et al. 2020).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .models import TinyTransformer, sequence_cross_entropy
from .schedules import linear_warmup, untuned_linear_warmup
from .validation import as_array, as_callable, as_int, as_real, fail

__all__ = [
    "GradNorms",
    "StabilityScan",
    "adaptive_lr_spread",
    "layer_grad_norms",
    "linear_warmup",
    "radam_rectifier",
    "radam_rho",
    "radam_sgd_steps",
    "radam_updates",
    "stability_scan",
    "untuned_linear_warmup",
]

TORCH_RADAM_THRESHOLD = 5.0  # torch.optim.RAdam rectifies when rho_t > 5 (the paper says > 4)


# --------------------------------------------------------------------------- argument checks


def _beta(name: str, value: Any) -> float:
    """A decay rate: a number in the open interval (0, 1)."""
    return as_real(name, value, low=0.0, high=1.0, low_open=True, high_open=True)


_STEP_COUNTS = "a step count >= 1 (whole number, counted from 1) or a 1-D array of them"


def _steps(name: str, t: Any) -> np.ndarray:
    """Optimizer step counts (1-based, like the papers): whole numbers >= 1, scalar or 1-D."""
    kind = np.asarray(t.detach().cpu() if hasattr(t, "detach") else t).dtype.kind
    if kind not in "iuf":  # bools, strings, objects
        raise fail(name, _STEP_COUNTS, t)
    arr = as_array(name, t, ndim=None, low=1.0, nonempty=False)
    if arr.ndim > 1 or np.any(arr != np.round(arr)):
        raise fail(name, _STEP_COUNTS, t)
    return arr


# --------------------------------------------------------------------------- warmup factors


# linear_warmup and untuned_linear_warmup live with the other factor schedules in the core
# (lrcourse.schedules.factors, one warmup ramp for all); they are re-exported here.


# --------------------------------------------------------------------------- RAdam


def radam_rho(t: Any, beta2: float = 0.999) -> Any:
    r"""RAdam's :math:`\rho_t`, the length of the simple moving average that Adam's
    :math:`\hat v_t` approximates after ``t`` updates (``t`` counts from 1).

    .. math::
        \rho_\infty = \frac{2}{1-\beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}

    :math:`\rho_1 = 1`, and :math:`\rho_t \approx t` while :math:`t \ll 1/(1-\beta_2)`: early on
    the second-moment estimate rests on about ``t`` squared gradients.

    >>> float(radam_rho(1)), round(float(radam_rho(10)), 2), round(radam_rho(10**6), 1)
    (1.0, 9.98, 1999.0)
    """
    beta2 = _beta("beta2", beta2)
    s = _steps("t", t)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    with np.errstate(over="ignore", under="ignore"):
        b = beta2**s
        out = rho_inf - 2.0 * s * b / (1.0 - b)
    return float(out) if np.ndim(t) == 0 else out


def radam_rectifier(t: Any, beta2: float = 0.999, threshold: float = TORCH_RADAM_THRESHOLD) -> Any:
    r"""RAdam's variance rectification term :math:`r_t` (Liu et al. 2020); NaN where
    :math:`\rho_t \le` ``threshold``, where RAdam takes no adaptive step at all.

    .. math::
        r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\,\rho_\infty}
                         {(\rho_\infty - 4)(\rho_\infty - 2)\,\rho_t}}
        \quad (\rho_t > \text{threshold})

    The paper's Algorithm 2 rectifies when :math:`\rho_t > 4`; ``torch.optim.RAdam`` (and the
    authors' code) when :math:`\rho_t > 5`, the default here. Below the threshold RAdam steps
    with the bias-corrected momentum alone, :math:`\theta \leftarrow \theta - \eta\,\hat m_t`.
    :math:`r_t` rises from about 0.02 towards 1: a warmup built into the optimizer.

    >>> r = radam_rectifier([1, 5, 6, 100, 10**5])
    >>> np.isnan(r[:2]).all(), round(float(r[2]), 4), round(float(r[3]), 3), round(float(r[4]), 3)
    (np.True_, 0.0258, 0.215, 1.0)
    """
    threshold = as_real("threshold", threshold, low=4.0)  # r_t is defined for rho_t > 4
    beta2 = _beta("beta2", beta2)
    rho = np.asarray(radam_rho(t, beta2), dtype=np.float64)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    ok = rho > threshold
    safe = np.where(ok, rho, 5.0)
    r = np.sqrt((safe - 4.0) * (safe - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * safe))
    out = np.where(ok, r, np.nan)
    return float(out) if np.ndim(t) == 0 else out


def radam_sgd_steps(beta2: float = 0.999, threshold: float = TORCH_RADAM_THRESHOLD) -> int:
    r"""How many of RAdam's first updates skip the adaptive term (:math:`\rho_t \le`
    ``threshold``), i.e. are plain bias-corrected momentum steps :math:`\eta\,\hat m_t`.

    :math:`\rho_t` increases with ``t``, so these are steps ``1 .. n``. Raises ``ValueError``
    when :math:`\rho_\infty \le` ``threshold`` (then RAdam never adapts).

    >>> radam_sgd_steps(0.999), radam_sgd_steps(0.999, threshold=4.0), radam_sgd_steps(0.8)
    (5, 4, 6)
    """
    beta2 = _beta("beta2", beta2)
    threshold = as_real("threshold", threshold, low=0.0, low_open=True)
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    if rho_inf <= threshold:
        raise fail(
            "threshold",
            f"< rho_inf = {rho_inf:.3g} (beta2={beta2:g}), or RAdam never takes an adaptive step",
            threshold,
        )
    t = 1
    while radam_rho(t, beta2) <= threshold:
        t += 1
    return t - 1


def radam_updates(
    grads: Any,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    threshold: float = TORCH_RADAM_THRESHOLD,
) -> np.ndarray:
    r"""The steps RAdam takes on a given gradient sequence, in float64 (no weight decay).

    ``grads`` has shape ``(T, ...)``: the gradient of update ``t = 1..T``. Returns the amount
    each update subtracts from the parameters, same shape:

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
        \quad \hat m_t = \frac{m_t}{1-\beta_1^t}

    .. math::
        \Delta_t = \eta\,\hat m_t\, r_t\,\frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon}
        \ \ (\rho_t > \text{threshold}), \qquad
        \Delta_t = \eta\,\hat m_t \ \ \text{(otherwise)}

    This is ``torch.optim.RAdam``'s rule (its threshold is 5); the tests hold the two together.

    >>> d = radam_updates(np.ones((7, 1)), lr=0.1)
    >>> np.round(d[:5, 0], 12).tolist()  # momentum steps: m_hat = 1
    [0.1, 0.1, 0.1, 0.1, 0.1]
    >>> round(float(d[5, 0]), 4)   # then lr * r_6 * m_hat / sqrt(v_hat)
    0.0026
    """
    if not (isinstance(betas, tuple | list) and len(betas) == 2):
        raise fail("betas", "a pair (beta1, beta2)", betas)
    b1 = as_real("betas[0]", betas[0], low=0.0, high=1.0, high_open=True)
    b2 = _beta("betas[1]", betas[1])
    lr, eps = as_real("lr", lr, low=0.0), as_real("eps", eps, low=0.0)
    threshold = as_real("threshold", threshold, low=4.0)
    g = as_array("grads", grads, ndim=None)
    if g.ndim < 1:
        raise fail("grads", "an array of shape (T, ...), T >= 1", got=f"shape {g.shape}")
    m, v = np.zeros(g.shape[1:]), np.zeros(g.shape[1:])
    out = np.empty_like(g)
    rect = np.atleast_1d(radam_rectifier(np.arange(1, len(g) + 1), b2, threshold))
    for i, gt in enumerate(g):
        t = i + 1
        m = b1 * m + (1 - b1) * gt
        v = b2 * v + (1 - b2) * gt * gt
        m_hat = m / (1 - b1**t)
        if np.isnan(rect[i]):
            out[i] = lr * m_hat
        else:
            out[i] = lr * m_hat * rect[i] * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
    return out


# --------------------------------------------------------------------------- Adam's early noise


def adaptive_lr_spread(
    steps: Sequence[int] | np.ndarray,
    beta2: float = 0.999,
    *,
    n: int = 20000,
    q: float = 0.1,
    seed: int = 0,
) -> np.ndarray:
    r"""How widely Adam's adaptive factor :math:`\psi_t = 1/\sqrt{\hat v_t}` spreads after
    ``t`` updates, for gradients that are pure noise, :math:`g \sim N(0, 1)` i.i.d.

    .. math::
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad \hat v_t = \frac{v_t}{1-\beta_2^t},
        \quad \text{spread}_t = \frac{Q_{1-q}(\psi_t)}{Q_q(\psi_t)}

    estimated from ``n`` seeded draws (the ratio of the upper to the lower ``q`` quantile; 1
    means every weight gets the same factor). At ``t = 1``, :math:`\psi = 1/|g|` and the
    spread is :math:`\Phi^{-1}(1-q/2)/\Phi^{-1}(1/2+q/2)` (13.1 for ``q = 0.1``); it shrinks
    as :math:`\hat v_t` averages more squared gradients. (The variance of :math:`\psi_t` itself
    is infinite for the first few steps, which is why a quantile ratio is used.)

    >>> s = adaptive_lr_spread([1, 1000], n=20000)
    >>> bool(12 < s[0] < 14.5), bool(s[1] < 1.2)
    (True, True)
    """
    t = _steps("steps", steps)
    if t.ndim != 1 or t.size == 0:
        raise fail("steps", "a non-empty 1-D sequence of step counts", steps)
    beta2 = _beta("beta2", beta2)
    n, seed = as_int("n", n, low=10), as_int("seed", seed, low=0)
    q = as_real("q", q, low=0.0, high=0.5, low_open=True, high_open=True)
    rng = np.random.default_rng(seed)
    wanted = {int(s): i for i, s in enumerate(t)}
    out = np.empty(t.size)
    v = np.zeros(n)
    for step in range(1, int(t.max()) + 1):
        v = beta2 * v + (1.0 - beta2) * rng.standard_normal(n) ** 2
        if step in wanted:
            psi = 1.0 / np.sqrt(v / (1.0 - beta2**step))
            lo, hi = np.quantile(psi, [q, 1.0 - q])
            value = hi / lo
            for s, i in wanted.items():
                if s == step:
                    out[i] = value
    return out


# --------------------------------------------------------------------------- stability scan


@dataclass
class StabilityScan:
    """The result of :func:`stability_scan`.

    ``lrs``: the grid (increasing); ``final_loss[i]``: the final training loss of the run at
    ``lrs[i]``; ``worst_loss[i]``: the largest of its epoch-end training losses from fraction
    ``by`` of the run on (both ``inf`` if it diverged, NaN if it was not run). A run is
    *stable* when ``worst_loss < bound``: it did not diverge, its loss was below ``bound`` by
    fraction ``by`` of the run and stayed below it at every later epoch end.
    ``largest_stable``: the largest grid LR with every grid LR up to it stable (0.0 when the
    smallest already fails). ``histories[i]``: the run's history (``None`` if not run).
    """

    lrs: np.ndarray
    final_loss: np.ndarray
    worst_loss: np.ndarray
    bound: float
    by: float
    histories: list[Any] = field(default_factory=list, repr=False)

    @property
    def ran(self) -> np.ndarray:
        """Which grid LRs were run."""
        return ~np.isnan(self.final_loss)

    @property
    def stable(self) -> np.ndarray:
        """Stable runs: every checked epoch-end loss finite and below ``bound`` (False where
        not run)."""
        with np.errstate(invalid="ignore"):
            return np.isfinite(self.worst_loss) & (self.worst_loss < self.bound)

    @property
    def largest_stable(self) -> float:
        """The top of the stable band that starts at the smallest LR (0.0 if there is none)."""
        bad = np.flatnonzero(~self.stable)
        top = bad[0] if bad.size else len(self.lrs)
        return float(self.lrs[top - 1]) if top > 0 else 0.0

    def __repr__(self) -> str:
        cells = []
        for lr, loss, worst, ok in zip(
            self.lrs, self.final_loss, self.worst_loss, self.stable, strict=True
        ):
            if np.isnan(loss):
                continue
            note = "" if ok else f" (unstable, worst {worst:.3g})"
            cells.append(f"{lr:g}: {loss:.3g}{note}")
        return (
            f"StabilityScan(largest_stable={self.largest_stable:g}, bound={self.bound:g}, "
            f"by={self.by:g}, " + ", ".join(cells) + ")"
        )


def _scored_losses(history: Any, by: float) -> tuple[float, float]:
    """``(final, worst)``: the last epoch-end training loss, and the largest one from the
    first epoch that ends at or after fraction ``by`` of the run (``inf`` if diverged)."""
    if not hasattr(history, "diverged") or not hasattr(history, "train_loss"):
        raise fail(
            "run",
            "a callable returning a history with .diverged and .train_loss (as lc.fit does)",
            got=f"one returning {type(history).__name__}",
        )
    losses = np.asarray(history.train_loss, dtype=np.float64)
    if history.diverged or losses.size == 0 or not np.all(np.isfinite(losses)):
        return math.inf, math.inf
    first = max(0, math.ceil(by * losses.size - 1e-9) - 1)  # epoch e (from 1) ends at e/n
    return float(losses[-1]), float(np.max(losses[first:]))


def stability_scan(
    run: Callable[[float], Any],
    lrs: Sequence[float] | np.ndarray,
    *,
    bound: float,
    by: float = 0.5,
    stop_at_failure: bool = True,
) -> StabilityScan:
    r"""Run ``run(lr)`` up a grid of learning rates and find the largest stable one.

    A run is *stable* when it did not diverge (``history.diverged`` is False) and its
    training loss after every epoch from fraction ``by`` of the run on is below ``bound``:
    with :math:`E` epochs, the losses :math:`L_e` of the epochs
    :math:`e \ge \lceil by \cdot E \rceil` (counted from 1) are all below ``bound``. The
    default ``by=0.5`` asks for the loss to be below ``bound`` half-way through and to stay
    there, so a run that sits near chance for most of training and drops at the end is not
    stable; ``by=1`` checks the final loss alone. Scanning from the smallest LR, the largest
    stable LR is the last one before the first failure; with ``stop_at_failure`` (default)
    the LRs above it are not run at all, which saves the expensive, doomed runs.

    ``run`` takes an LR and returns an ``lc.fit`` history (anything with ``.diverged`` and
    ``.train_loss``, one loss per epoch).

    Example::

        >>> def run(lr):
        ...     model = mlp(64, 32, 10, seed=0)
        ...     opt = torch.optim.Adam(model.parameters(), lr=lr)
        ...     return fit(model, load_digits_data(0), optimizer=opt, epochs=2,
        ...                batch_size=32, progress=False)
        >>> stability_scan(run, [1e-2, 1e-1, 1.0], bound=1.0).largest_stable
        0.1
    """
    as_callable("run", run, "a callable lr -> history")
    grid = as_array("lrs", lrs)
    if np.any(grid <= 0) or np.any(np.diff(grid) <= 0):
        raise fail("lrs", "learning rates > 0 in strictly increasing order", grid.tolist())
    bound = as_real("bound", bound, low=0.0, low_open=True)
    by = as_real("by", by, low=0.0, high=1.0, low_open=True)
    final, worst = np.full(grid.size, np.nan), np.full(grid.size, np.nan)
    histories: list[Any] = [None] * grid.size
    for i, lr in enumerate(grid):
        history = run(float(lr))
        histories[i] = history
        final[i], worst[i] = _scored_losses(history, by)
        if stop_at_failure and not worst[i] < bound:
            break
    return StabilityScan(
        lrs=grid, final_loss=final, worst_loss=worst, bound=bound, by=by, histories=histories
    )


# --------------------------------------------------------------------------- gradient norms


@dataclass
class GradNorms:
    r"""Gradient norms of a :class:`TinyTransformer` at one point (see :func:`layer_grad_norms`).

    ``layers[l]``: the norm of the gradient of all parameters of encoder layer ``l`` (0 is the
    one next to the embedding, the last one is next to the output); ``ffn_out[l]``: of that
    layer's second feed-forward weight :math:`W^{2,l}` (the weight Xiong et al. analyse);
    ``embedding``, ``head`` (the read-out, with the final LayerNorm if any), ``total``.
    """

    layers: np.ndarray
    ffn_out: np.ndarray
    embedding: float
    head: float
    total: float
    loss: float

    @property
    def last_over_first(self) -> float:
        r""":math:`\lVert g_{\text{last layer}}\rVert / \lVert g_{\text{first layer}}\rVert`."""
        return float(self.layers[-1] / self.layers[0])

    @property
    def last_share(self) -> float:
        r"""The last layer's share of the encoder's gradient,
        :math:`\lVert g_{L}\rVert / \lVert (g_1, \dots, g_L)\rVert` (``1/sqrt(L)`` if equal)."""
        return float(self.layers[-1] / np.sqrt(np.sum(self.layers**2)))


def layer_grad_norms(
    model: TinyTransformer,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
) -> GradNorms:
    r"""Per-layer gradient norms of ``loss_fn(model(X), y)`` with respect to the parameters.

    .. math:: \lVert g_l \rVert = \Big(\sum_{p \in \text{layer } l}
              \lVert \partial L / \partial p \rVert_F^2\Big)^{1/2}

    Computed with ``torch.autograd.grad``: the model's ``.grad`` fields are left untouched.
    ``loss_fn`` defaults to :func:`sequence_cross_entropy`. Xiong et al. (2020) show that at
    initialisation a post-LN transformer's gradient is large near the output, a pre-LN one's
    is not; compare ``layer_grad_norms(...).last_over_first`` for ``norm="post"`` and
    ``"pre"``.

    Example::

        >>> d = make_sequence_data("reverse", n_samples=600, seed=0)
        >>> g = layer_grad_norms(tiny_transformer(norm="pre", n_layers=6), d.X_train, d.y_train)
        >>> g.layers.shape
        (6,)
    """
    if not isinstance(model, TinyTransformer):
        raise fail("model", "a TinyTransformer", got=type(model).__name__)
    for name, value in (("X", X), ("y", y)):
        if not isinstance(value, torch.Tensor) or value.ndim == 0 or len(value) == 0:
            raise fail(name, "a non-empty tensor", got=type(value).__name__)
    if len(X) != len(y):
        raise fail("y", f"a tensor of {len(X)} rows, like X", got=f"{len(y)} rows")
    loss_fn = sequence_cross_entropy if loss_fn is None else as_callable("loss_fn", loss_fn)
    named = [(k, p) for k, p in model.named_parameters() if p.requires_grad]
    dev = named[0][1].device
    loss = loss_fn(model(X.to(dev)), y.to(dev))
    grads = torch.autograd.grad(loss, [p for _, p in named], allow_unused=True)
    sq = {
        k: (0.0 if g is None else float(g.detach().double().pow(2).sum()))
        for (k, _), g in zip(named, grads, strict=True)
    }
    n_layers = len(model.layers.layers)
    layers = np.array(
        [
            math.sqrt(sum(v for k, v in sq.items() if k.startswith(f"layers.layers.{i}.")))
            for i in range(n_layers)
        ]
    )
    ffn_out = np.array(
        [math.sqrt(sq[f"layers.layers.{i}.linear2.weight"]) for i in range(n_layers)]
    )
    embedding = math.sqrt(sum(v for k, v in sq.items() if k.startswith(("embed.", "position"))))
    head = math.sqrt(sum(v for k, v in sq.items() if k.startswith(("head.", "final_norm."))))
    return GradNorms(
        layers=layers,
        ffn_out=ffn_out,
        embedding=embedding,
        head=head,
        total=math.sqrt(sum(sq.values())),
        loss=float(loss.detach()),
    )
