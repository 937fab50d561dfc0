r"""Weight decay and the learning rate, traced (chapter 10).

The rules live in :mod:`lrcourse.decay` (which parameters to decay, the per-step decay
:math:`\eta_t\lambda`, the cumulative shrink, the half-life); this module traces and plots
them for the chapter:

* :func:`l2_vs_decoupled`: torch's ``SGD(weight_decay=...)`` (L2 added to the gradient) next
  to the decoupled step :math:`\theta \leftarrow (1 - \eta\lambda)\theta` followed by SGD
  without decay, in float64 on the same batches: how far apart the parameters drift;
* :func:`zero_input_features` and :func:`untouched_norm`: the inputs that are 0 in every
  training row (the digits' blank border pixels), whose first-layer weights receive no
  gradient, and the norm of those weights: decay alone moves them;
* :func:`decay_share`: the share of a run's total decay that a window of steps delivers;
* :func:`norm_mlp`, :func:`scale_invariance`, :func:`effective_lr`, :func:`train_norm_mlp`: a
  network whose first layer feeds a BatchNorm or a LayerNorm, so that the layer's output does
  not depend on the scale of its weight; the effective LR :math:`\eta/\|w\|^2` of such a
  weight, and its norm traced through training;
* :func:`plot_decay_budget`: the per-step decay and the cumulative shrink of several
  schedules.

Example::

    >>> from lrcourse import lr_curve
    >>> lrs = lr_curve("CosineAnnealingLR", 100, lr=0.1, T_max=100)
    >>> round(decay_share(lrs, 5e-3, 75, 100), 3)  # the last quarter of a cosine
    0.026
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.axes import Axes
from torch import nn

from .data import load_digits_data
from .decay import cumulative_shrink, decay_groups, effective_decay
from .models import mlp
from .plotting import house_style, style_axes
from .training import History, fit, torch_threads
from .validation import as_array, as_choice, as_int, as_real, fail

__all__ = [
    "NormMLP",
    "decay_share",
    "effective_lr",
    "l2_vs_decoupled",
    "NormRun",
    "norm_mlp",
    "plot_decay_budget",
    "train_norm_mlp",
    "scale_invariance",
    "untouched_norm",
    "zero_input_features",
]


def l2_vs_decoupled(
    *,
    lr: float,
    weight_decay: float,
    momentum: float = 0.0,
    steps: int = 200,
    batch_size: int = 32,
    seed: int = 0,
) -> np.ndarray:
    r"""The relative distance :math:`\|\theta^{L2}_t - \theta^{dec}_t\| / \|\theta^{L2}_t\|`
    after each of ``steps`` steps between two float64 copies of ``mlp(64, 32, 10, seed)``
    trained on the same digits batches:

    * L2: ``torch.optim.SGD(params, lr, momentum, weight_decay=weight_decay)``, which adds
      :math:`\lambda\theta` to the gradient before the momentum buffer;
    * decoupled: ``p.mul_(1 - lr * weight_decay)`` on every parameter, then ``SGD`` with
      ``weight_decay=0`` (what ``AdamW`` does with its decay).

    Without momentum the two are the same update, :math:`\theta - \eta g - \eta\lambda\theta`,
    and the distance stays at float64 rounding; with momentum the L2 term passes through the
    buffer and the runs drift apart.

    >>> bool(l2_vs_decoupled(lr=0.1, weight_decay=0.01, steps=20).max() < 1e-13)
    True
    """
    lr = as_real("lr", lr, low=0.0, low_open=True)
    wd = as_real("weight_decay", weight_decay, low=0.0)
    momentum = as_real("momentum", momentum, low=0.0, high=1.0, high_open=True)
    steps = as_int("steps", steps, low=1)
    batch_size = as_int("batch_size", batch_size, low=1)
    seed = as_int("seed", seed, low=0)
    if lr * wd >= 1:
        raise fail("weight_decay", f"< 1 / lr = {1 / lr:g}", wd)
    with torch_threads(1):  # tiny float64 layers: one thread is several times faster
        return _l2_vs_decoupled(lr, wd, momentum, steps, batch_size, seed)


def _l2_vs_decoupled(
    lr: float, wd: float, momentum: float, steps: int, batch_size: int, seed: int
) -> np.ndarray:
    data = load_digits_data(seed=seed)
    X, y = data.X_train.double(), data.y_train
    a = mlp(X.shape[1], 32, int(y.max()) + 1, seed=seed).double()
    b = copy.deepcopy(a)
    opt_a = torch.optim.SGD(a.parameters(), lr=lr, momentum=momentum, weight_decay=wd)
    opt_b = torch.optim.SGD(b.parameters(), lr=lr, momentum=momentum)
    gen = torch.Generator().manual_seed(seed)
    out = np.empty(steps)
    for t in range(steps):
        idx = torch.randint(len(X), (batch_size,), generator=gen)
        for net, opt in ((a, opt_a), (b, opt_b)):
            opt.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(net(X[idx]), y[idx]).backward()
            if net is b:
                with torch.no_grad():
                    for p in b.parameters():
                        p.mul_(1 - lr * wd)
            opt.step()
        with torch.no_grad():
            pa = torch.cat([p.reshape(-1) for p in a.parameters()])
            pb = torch.cat([p.reshape(-1) for p in b.parameters()])
            out[t] = float((pa - pb).norm() / pa.norm())
    return out


def zero_input_features(data: object) -> list[int]:
    """The input features that are exactly 0 in every training row of ``data.X_train``.

    The first-layer weights reading them get a gradient of exactly 0 (the gradient of
    :math:`W_{ij}` is :math:`\\delta_i x_j`), so only weight decay moves them.

    >>> zero_input_features(load_digits_data(seed=0))  # blank pixels of the 8x8 digits
    [0, 24, 32, 39]
    """
    X = getattr(data, "X_train", None)
    if not isinstance(X, torch.Tensor) or X.ndim != 2:
        raise fail("data", "an object with a 2-D tensor X_train", got=type(data).__name__)
    return torch.nonzero((X == 0).all(dim=0)).flatten().tolist()


def _first_linear(model: nn.Module) -> nn.Linear:
    if not isinstance(model, nn.Module):
        raise fail("model", "a torch.nn.Module", got=type(model).__name__)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            return module
    raise fail("model", "a model with an nn.Linear layer", got=type(model).__name__)


def untouched_norm(model: nn.Module, features: Sequence[int]) -> float:
    """The L2 norm of the first ``nn.Linear`` layer's weights that read ``features``
    (columns of its weight matrix), e.g. those of :func:`zero_input_features`.

    >>> net = nn.Linear(3, 1)
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.tensor([[3.0, 1.0, 4.0]]))
    >>> untouched_norm(net, [0, 2])
    5.0
    """
    layer = _first_linear(model)
    cols = [as_int("features", f, low=0, high=layer.in_features - 1) for f in features]
    if not cols:
        raise fail("features", "a non-empty list of input features", list(features))
    with torch.no_grad():
        return float(layer.weight[:, cols].double().norm())


def decay_share(
    lrs: Sequence[float] | np.ndarray, weight_decay: float, start: int, stop: int
) -> float:
    r"""The share of a run's total decay delivered by steps ``start .. stop - 1``:
    :math:`\sum_{t \in [start, stop)} \ln(1 - \eta_t\lambda) / \sum_t \ln(1 - \eta_t\lambda)`,
    from :func:`lrcourse.cumulative_shrink` (a share of the total log-shrink: the fraction of
    the way to the final factor, on a log scale).

    >>> round(decay_share([0.1] * 100, 1e-3, 0, 25), 6)  # constant LR: a quarter
    0.25
    """
    shrink = cumulative_shrink(lrs, weight_decay)
    n = len(shrink)
    start = as_int("start", start, low=0, high=n - 1)
    stop = as_int("stop", stop, low=start + 1, high=n)
    logs = np.log(np.concatenate([[1.0], shrink]))
    if logs[-1] == 0:
        raise fail("weight_decay", "> 0 and some lr > 0 (there is no decay to share)", 0.0)
    return float((logs[stop] - logs[start]) / logs[-1])


def effective_lr(lr: float | Sequence[float] | np.ndarray, norms: Sequence[float] | np.ndarray):
    r"""The effective LR :math:`\eta/\|w\|^2` of a scale-invariant weight of norm
    :math:`\|w\|` (one before a BatchNorm or LayerNorm): the step it takes in *direction*.

    >>> effective_lr(0.1, [1.0, 0.5]).tolist()
    [0.1, 0.4]
    """
    norms = as_array("norms", norms, low=0.0)
    if np.any(norms == 0):
        raise fail("norms", "> 0 (a zero weight has no direction)", got="a 0 among them")
    lr = as_array("lr", np.broadcast_to(np.asarray(lr, dtype=float), norms.shape), low=0.0)
    return lr / norms**2


class NormMLP(nn.Module):
    """``fc1`` (no bias) -> a normalisation layer -> ReLU -> ``fc2``; build with
    :func:`norm_mlp`. The norm layer is named as in common code: ``bn1`` (BatchNorm1d) or
    ``ln_1`` (LayerNorm)."""

    def __init__(self, n_in: int, hidden: int, n_out: int, norm: str) -> None:
        super().__init__()
        self.fc1 = nn.Linear(n_in, hidden, bias=False)
        self.norm_name = "bn1" if norm == "batch" else "ln_1"
        layer = nn.BatchNorm1d(hidden) if norm == "batch" else nn.LayerNorm(hidden)
        self.add_module(self.norm_name, layer)
        self.fc2 = nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return self.fc2(torch.relu(getattr(self, self.norm_name)(self.fc1(x))))


def norm_mlp(
    norm: str = "batch", hidden: int = 64, n_in: int = 64, n_out: int = 10, seed: int = 0
) -> NormMLP:
    r"""A seeded :class:`NormMLP`: its first layer's weight ``fc1.weight`` is scale-invariant
    (in training mode for a BatchNorm, always for a LayerNorm): multiplying it by
    :math:`c > 0` leaves the output unchanged and divides its gradient by :math:`c`.

    >>> [n for n, _ in norm_mlp("layer").named_parameters()]
    ['fc1.weight', 'ln_1.weight', 'ln_1.bias', 'fc2.weight', 'fc2.bias']
    """
    norm = as_choice("norm", norm, ("batch", "layer"))
    hidden = as_int("hidden", hidden, low=1)
    n_in, n_out = as_int("n_in", n_in, low=1), as_int("n_out", n_out, low=1)
    seed = as_int("seed", seed, low=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return NormMLP(n_in, hidden, n_out, norm)


def scale_invariance(
    model: NormMLP, X: torch.Tensor, y: torch.Tensor, c: float = 2.0
) -> tuple[float, float]:
    r"""Scale ``model.fc1.weight`` by ``c`` (on a copy) and measure, in training mode, the
    largest change of the outputs on ``X`` and the ratio of the weight's gradient norms
    :math:`\|\nabla_{cw}\| / \|\nabla_w\|` (cross-entropy on ``y``); scale invariance
    predicts 0 and :math:`1/c`, up to the norm layer's ``eps``.

    >>> d = load_digits_data()
    >>> change, ratio = scale_invariance(norm_mlp(), d.X_train[:64], d.y_train[:64], c=2.0)
    >>> change < 1e-3, round(ratio, 3)  # exact but for the norm layer's eps
    (True, 0.5)
    """
    if not isinstance(model, NormMLP):
        raise fail("model", "a NormMLP (lc.norm_mlp)", got=type(model).__name__)
    c = as_real("c", c, low=0.0, low_open=True)
    outs, grads = [], []
    for scale in (1.0, c):
        net = copy.deepcopy(model).train()
        with torch.no_grad():
            net.fc1.weight.mul_(scale)
        out = net(X)
        nn.functional.cross_entropy(out, y).backward()
        outs.append(out.detach())
        grads.append(float(net.fc1.weight.grad.norm()))
    return float((outs[1] - outs[0]).abs().max()), grads[1] / grads[0]


@dataclass(frozen=True)
class NormRun:
    r"""One run of :func:`train_norm_mlp`: the scale-invariant weight ``fc1.weight`` traced.

    ``norms``: :math:`\|w\|` at the start and after each epoch; ``step_w2``, ``step_g2``:
    :math:`\|w\|^2` and the squared norm of its loss gradient :math:`\|g\|^2` after each
    step; ``history``: :func:`lrcourse.fit`'s record.
    """

    lr: float
    weight_decay: float
    norms: np.ndarray
    step_w2: np.ndarray
    step_g2: np.ndarray
    history: History

    @property
    def effective_lrs(self) -> np.ndarray:
        """:func:`effective_lr` at the start and after each epoch."""
        return effective_lr(self.lr, self.norms)

    def equilibrium_ratio(self, last: float = 0.5) -> float:
        r""":math:`2\lambda\,\overline{\|w\|^2} / (\eta\,\overline{\|g\|^2})` over the
        ``last`` fraction of the steps: 1 where the decay's pull
        (:math:`2\eta\lambda\|w\|^2` per step) balances the push of a gradient orthogonal to
        :math:`w` (:math:`\eta^2\|g\|^2`)."""
        last = as_real("last", last, low=0.0, high=1.0, low_open=True)
        k = len(self.step_w2) - max(1, round(last * len(self.step_w2)))
        w2, g2 = self.step_w2[k:].mean(), self.step_g2[k:].mean()
        return float(2 * self.weight_decay * w2 / (self.lr * g2))


def train_norm_mlp(
    data: object,
    *,
    lr: float,
    weight_decay: float,
    epochs: int,
    norm: str = "layer",
    scale: float = 1.0,
    batch_size: int = 32,
    seed: int = 0,
) -> NormRun:
    r"""Train ``norm_mlp(norm, seed=seed)``, its ``fc1.weight`` first multiplied by ``scale``,
    with plain SGD at a constant ``lr`` and ``weight_decay`` on the weight matrices only
    (:func:`lrcourse.decay_groups`), recording :math:`\|w\|` of ``fc1.weight`` after every
    epoch (``lc.fit``'s ``record``) and :math:`\|w\|^2`, :math:`\|g\|^2` after every step.

    Example::

        run = train_norm_mlp(lc.load_digits_data(), lr=0.1, weight_decay=0.05, epochs=20)
        run.norms[-1] < run.norms[0], run.equilibrium_ratio()   # (True, about 1)
    """
    scale = as_real("scale", scale, low=0.0, low_open=True)
    net = norm_mlp(norm, seed=seed)
    with torch.no_grad():
        net.fc1.weight.mul_(scale)
    n0 = float(net.fc1.weight.detach().norm())
    w2: list[float] = []
    g2: list[float] = []

    def per_step(_t: int, _loss: float) -> bool:  # after each update; p.grad is the loss's
        w2.append(float(net.fc1.weight.detach().norm()) ** 2)
        g2.append(float(net.fc1.weight.grad.norm()) ** 2)
        return False

    wd = as_real("weight_decay", weight_decay, low=0.0)
    hist = fit(
        net,
        data,
        optimizer=lambda _: torch.optim.SGD(decay_groups(net, wd), lr=lr),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        stop=per_step,
        record={"fc1_norm": lambda m: float(m.fc1.weight.norm())},
        progress=False,
    )
    norms = np.array([n0, *hist.records["fc1_norm"]])
    return NormRun(float(lr), wd, norms, np.array(w2), np.array(g2), hist)


def plot_decay_budget(
    curves: Mapping[str, Sequence[float] | np.ndarray],
    weight_decay: float,
    *,
    axes: Sequence[Axes] | None = None,
    steps_per_epoch: int | None = None,
    title: str | None = None,
) -> Sequence[Axes]:
    r"""Two panels for LR curves ``label -> lrs``: the decay per step
    :math:`\eta_t\lambda` (:func:`lrcourse.effective_decay`) and the factor decay alone leaves,
    :math:`\prod_{j\le t}(1 - \eta_j\lambda)` (:func:`lrcourse.cumulative_shrink`).

    Example::

        lc.plot_decay_budget({"cosine": lc.lr_curve("CosineAnnealingLR", 100, T_max=100)}, 5e-3)
    """
    import matplotlib.pyplot as plt

    wd = as_real("weight_decay", weight_decay, low=0.0, low_open=True)
    if not isinstance(curves, Mapping) or not curves:
        raise fail("curves", "a non-empty dict label -> LR curve", got=type(curves).__name__)
    spe = None if steps_per_epoch is None else as_int("steps_per_epoch", steps_per_epoch, low=1)
    with house_style():
        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
        for label, lrs in curves.items():
            per_step = effective_decay(lrs, wd)
            x = np.arange(len(per_step)) / (spe or 1)
            axes[0].plot(x, per_step, label=label)
            axes[1].plot(x, cumulative_shrink(lrs, wd), label=label)
        xlabel = "epoch" if spe else "step"
        style_axes(axes[0], xlabel=xlabel, ylabel=r"decay per step $\eta_t\lambda$", legend=False)
        style_axes(axes[1], xlabel=xlabel, ylabel=r"factor left $\prod(1-\eta_t\lambda)$")
        if title:
            axes[0].figure.suptitle(title)
    return axes
