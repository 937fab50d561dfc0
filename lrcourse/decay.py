r"""Weight decay: which parameters get it, and how much of it a schedule lets through.

Torch's optimizers apply weight decay :math:`\lambda` in one of two ways:

* as L2 added to the gradient (``SGD``, ``Adam``): :math:`g_t \leftarrow g_t + \lambda\theta_t`,
  then the optimizer's own update (momentum, Adam's normalisation) acts on the sum;
* decoupled (``AdamW``): :math:`\theta_t \leftarrow (1 - \eta_t\lambda)\,\theta_t` before the
  update, with :math:`\eta_t` the *scheduled* LR.

For plain SGD the two coincide. Either way a weight that receives no gradient shrinks by
:math:`1 - \eta_t\lambda` per step (L2 through plain SGD, or AdamW), so over a schedule by
:math:`\prod_t (1 - \eta_t\lambda)`: :func:`effective_decay` and :func:`cumulative_shrink`.

Which parameters to decay is decided by what a parameter *is*: :func:`decay_groups` puts the
weights of normalisation layers and every parameter with at most one dimension (biases,
norm scales and shifts) in a group without decay, whatever they are called.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .validation import as_array, as_choice, as_real, fail

__all__ = [
    "NORM_LAYERS",
    "DecaySplit",
    "cumulative_shrink",
    "decay_groups",
    "decay_half_life",
    "effective_decay",
    "split_decay",
    "weight_norm",
]

#: The normalisation layers whose parameters :func:`split_decay` never decays.
NORM_LAYERS: tuple[type[nn.Module], ...] = (
    nn.modules.batchnorm._NormBase,  # BatchNorm1d/2d/3d, SyncBatchNorm, InstanceNorm
    nn.LayerNorm,
    nn.GroupNorm,
    nn.LocalResponseNorm,
    nn.RMSNorm,
)


@dataclass(frozen=True)
class DecaySplit:
    """The model's parameters by name: those to decay and those to leave alone (with why)."""

    decay: tuple[str, ...]
    no_decay: dict[str, str]

    def __repr__(self) -> str:
        return f"DecaySplit({len(self.decay)} decayed, {len(self.no_decay)} not)"


def _named(model: nn.Module) -> Iterator[tuple[str, nn.Module, str, nn.Parameter]]:
    if not isinstance(model, nn.Module):
        raise fail("model", "a torch.nn.Module", got=type(model).__name__)
    seen: set[int] = set()
    for module_name, module in model.named_modules():
        for name, p in module.named_parameters(recurse=False):
            if id(p) in seen:  # a shared (tied) parameter belongs to its first owner
                continue
            seen.add(id(p))
            yield (f"{module_name}.{name}" if module_name else name), module, name, p


def split_decay(model: nn.Module) -> DecaySplit:
    """Which trainable parameters to decay, by what they are: not by their names.

    No decay for every parameter of a normalisation layer (:data:`NORM_LAYERS`) and every
    parameter with ``ndim <= 1`` (biases, scales, shifts); decay for the rest (the weight
    matrices and convolution kernels). Frozen parameters (``requires_grad=False``) are left
    out.

    >>> net = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.Linear(8, 2))
    >>> s = split_decay(net)
    >>> s.decay, sorted(s.no_decay)
    (('0.weight', '2.weight'), ['0.bias', '1.bias', '1.weight', '2.bias'])
    """
    decay, no_decay = [], {}
    for full, module, _, p in _named(model):
        if not p.requires_grad:
            continue
        if isinstance(module, NORM_LAYERS):
            no_decay[full] = f"a {type(module).__name__} parameter"
        elif p.ndim <= 1:
            no_decay[full] = f"{p.ndim}-dimensional (a bias or a scale)"
        else:
            decay.append(full)
    return DecaySplit(tuple(decay), no_decay)


def decay_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Two parameter groups for an optimizer: ``weight_decay`` on the weights, 0 on the rest.

    The split is :func:`split_decay`'s. Use as
    ``torch.optim.AdamW(decay_groups(model, 0.05), lr=3e-4)``.

    >>> net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    >>> [(len(g["params"]), g["weight_decay"]) for g in decay_groups(net, 0.01)]
    [(2, 0.01), (4, 0.0)]
    """
    wd = as_real("weight_decay", weight_decay, low=0.0)
    split = split_decay(model)
    params = {full: p for full, _, _, p in _named(model)}
    return [
        {"params": [params[n] for n in split.decay], "weight_decay": wd},
        {"params": [params[n] for n in split.no_decay], "weight_decay": 0.0},
    ]


def effective_decay(lrs: Sequence[float] | np.ndarray, weight_decay: float) -> np.ndarray:
    r"""The decay each step applies: :math:`\eta_t\lambda` (SGD's L2 or AdamW, per step).

    >>> effective_decay([0.1, 0.05], 1e-2).tolist()
    [0.001, 0.0005]
    """
    lrs = as_array("lrs", lrs, low=0.0)
    wd = as_real("weight_decay", weight_decay, low=0.0)
    return lrs * wd


def cumulative_shrink(lrs: Sequence[float] | np.ndarray, weight_decay: float) -> np.ndarray:
    r"""How far decay alone has shrunk a weight after each step: :math:`\prod_{j \le t}
    (1 - \eta_j\lambda)`.

    Element ``t`` is the factor after the updates of steps ``0..t`` (``lrs`` as
    :func:`lrcourse.lr_curve` gives them), for a weight that receives no gradient under
    AdamW or plain SGD with L2. Refused where a step would flip the sign
    (:math:`\eta_t\lambda \ge 1`).

    >>> cumulative_shrink([0.1, 0.1, 0.05], 1.0).round(4).tolist()
    [0.9, 0.81, 0.7695]
    """
    per_step = effective_decay(lrs, weight_decay)
    if np.any(per_step >= 1):
        k = int(np.argmax(per_step >= 1))
        raise fail("weight_decay", f"< 1 / lr at every step (step {k}: lr * wd >= 1)", weight_decay)
    return np.cumprod(1.0 - per_step)


def decay_half_life(lr: float, weight_decay: float) -> float:
    r"""Steps for decay alone to halve a weight at a constant LR:
    :math:`\ln 2 / -\ln(1 - \eta\lambda) \approx \ln 2 / (\eta\lambda)`.

    >>> round(decay_half_life(0.1, 5e-4))
    13863
    """
    lr = as_real("lr", lr, low=0.0, low_open=True)
    wd = as_real("weight_decay", weight_decay, low=0.0, low_open=True)
    if lr * wd >= 1:
        raise fail("weight_decay", f"< 1 / lr = {1 / lr:g}", weight_decay)
    return math.log(2) / -math.log1p(-lr * wd)


def weight_norm(model: nn.Module, which: str = "decay") -> float:
    """The L2 norm of the model's decayed weights (``which="decay"``), of the others
    (``"no_decay"``) or of all parameters (``"all"``), as :func:`split_decay` splits them.

    >>> net = nn.Linear(2, 1)
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.tensor([[3.0, 4.0]]))
    >>> weight_norm(net)
    5.0
    """
    which = as_choice("which", which, ("decay", "no_decay", "all"))
    split = split_decay(model)
    keep = {"decay": set(split.decay), "no_decay": set(split.no_decay)}.get(which)
    total = 0.0
    with torch.no_grad():
        for full, _, _, p in _named(model):
            if keep is None or full in keep:
                total += float(p.detach().double().pow(2).sum())
    return math.sqrt(total)
