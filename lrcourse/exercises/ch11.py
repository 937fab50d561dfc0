"""Chapter 11 (AdamW and decoupled weight decay): checkers for the exercises."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from torch import nn

from ..validation import fail
from ._common import close, number, positive, report, wrong_number

__all__ = [
    "check_adamw_shrink",
    "check_name_rule_misses",
    "check_portable_decay",
    "decay_exercise_model",
]


def check_adamw_shrink(
    answer: float,
    w0: float = 0.5,
    lr: float = 1e-3,
    weight_decay: float = 0.05,
    steps: int = 1000,
) -> bool:
    r"""Exercise: the value of a weight that receives no gradient, ``w0`` at the start, after
    ``steps`` steps of ``AdamW(lr=lr, weight_decay=weight_decay)`` under
    ``CosineAnnealingLR(T_max=steps)`` (stepped once per step).

    Expected: :math:`w_0 \prod_t (1 - \eta_t\lambda)` with :math:`\eta_t` the cosine curve
    (``w0 * lc.cumulative_shrink(lc.lr_curve("CosineAnnealingLR", steps, lr=lr,
    T_max=steps), weight_decay)[-1]``), within 1e-6 relative.

    Example::

        >>> from lrcourse import cumulative_shrink, lr_curve
        >>> lrs = lr_curve("CosineAnnealingLR", 1000, lr=1e-3, T_max=1000)
        >>> check_adamw_shrink(0.5 * cumulative_shrink(lrs, 0.05)[-1])
        Correct! ...
        True
    """
    from ..decay import cumulative_shrink
    from ..schedules import lr_curve

    w = positive("w0", w0)
    eta = positive("lr", lr)
    wd = positive("weight_decay", weight_decay)
    n = number("steps", steps)
    if not n.is_integer() or n < 1:
        raise fail("steps", "a whole number >= 1", steps)
    n = int(n)
    lrs = lr_curve("CosineAnnealingLR", n, lr=eta, T_max=n)
    right = w * float(cumulative_shrink(lrs, wd)[-1])
    a = number("answer", answer)
    if close(a, right, 1e-6):
        return report(
            True,
            f"{right:.6g}: each step multiplies the weight by 1 - lr_t * wd with the *scheduled* "
            f"lr_t, so the decay weakens as the cosine falls; at the constant lr it would be "
            f"{w * (1 - eta * wd) ** n:.6g}.",
        )
    known = [
        (
            w * (1 - eta * wd) ** n,
            "that is the shrink at a constant lr: AdamW multiplies the decay by the scheduled "
            "lr_t, which the cosine lowers step by step (lc.lr_curve gives it).",
        ),
        (
            w * float(np.prod(1 - eta * wd * np.ones(n) / 2)),
            "that uses the average lr of the cosine; the product of the factors needs each "
            "step's own lr_t (close, but not the same).",
        ),
        (
            w * (1 - wd) ** n,
            "AdamW shrinks by 1 - lr * wd per step, not 1 - wd: the decay is multiplied by the "
            "learning rate.",
        ),
        (
            w - float(np.sum(lrs)),
            "that is Adam + L2's behaviour (about lr per step, whatever wd is); AdamW's decay "
            "is a factor 1 - lr_t * wd per step.",
        ),
        (w, "the weight gets no gradient, but the decay still shrinks it a little each step."),
    ]
    return wrong_number(
        a,
        right,
        known,
        1e-6,
        "multiply w0 by 1 - lr_t * weight_decay for each step, lr_t from "
        "lc.lr_curve('CosineAnnealingLR', steps, lr=..., T_max=steps) (lc.cumulative_shrink "
        "does the product).",
        fmt=".6g",
    )


def check_portable_decay(
    answer: float,
    sgd_lr: float = 0.1,
    sgd_weight_decay: float = 5e-4,
    adamw_lr: float = 1e-3,
) -> bool:
    r"""Exercise: the ``weight_decay`` for ``AdamW(lr=adamw_lr)`` whose decay per step, for a
    weight the gradient does not move, equals that of ``SGD(lr=sgd_lr,
    weight_decay=sgd_weight_decay)`` without momentum.

    Expected: :math:`\lambda_{W} = \eta_{SGD}\lambda_{SGD} / \eta_{W}` (both shrink by
    :math:`\eta\lambda` per step), within 1e-6 relative.

    Example::

        >>> check_portable_decay(0.05)
        Correct! ...
        True
    """
    lr_s = positive("sgd_lr", sgd_lr)
    wd_s = positive("sgd_weight_decay", sgd_weight_decay)
    lr_w = positive("adamw_lr", adamw_lr)
    right = lr_s * wd_s / lr_w
    a = number("answer", answer)
    if close(a, right, 1e-6):
        return report(
            True,
            f"weight_decay={right:g}: both shrink an untouched weight by lr * wd = "
            f"{lr_s * wd_s:g} per step. The number is {right / wd_s:g} times SGD's: copied "
            "as it is, the decay would be that much weaker.",
        )
    known = [
        (
            wd_s,
            "copied as it is, the decay per step is lr * wd: AdamW's smaller lr makes it "
            f"{lr_s / lr_w:g} times weaker.",
        ),
        (
            wd_s * lr_w / lr_s,
            "upside down: lr * wd must stay the same, so the smaller lr needs the larger wd.",
        ),
        (lr_s * wd_s, "that is the decay per step itself (lr * wd); divide it by AdamW's lr."),
    ]
    return wrong_number(
        a, right, known, 1e-6, "keep lr * weight_decay the same: solve for AdamW's wd."
    )


def decay_exercise_model() -> nn.Module:
    """A small vision-transformer-like stack with layers named the way real code names them
    (``bn1``, ``ln_1``, ``norm_out``), for the exercise on choosing what to decay."""

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 8, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.proj = nn.Linear(8, 16)
            self.ln_1 = nn.LayerNorm(16)
            self.mlp = nn.Linear(16, 16)
            self.norm_out = nn.LayerNorm(16)
            self.head = nn.Linear(16, 10)

        def forward(self, x: Any) -> Any:  # pragma: no cover - never trained here
            x = self.bn1(self.conv(x)).mean((2, 3))
            x = self.ln_1(self.proj(x))
            return self.head(self.norm_out(self.mlp(x)))

    return Block()


def _name_rule(name: str) -> bool:
    """The scheduler guide's rule: no decay where ``'bias' in name or 'norm' in name``."""
    return "bias" in name or "norm" in name


def check_name_rule_misses(answer: Iterable[str]) -> bool:
    """Exercise: the parameters of :func:`decay_exercise_model` that the name rule ``'bias'
    in name or 'norm' in name`` would *decay* although they should not be (a normalisation
    layer's parameters, or any 1-D parameter), as a list of parameter names.

    Expected: the names that :func:`lrcourse.split_decay` leaves undecayed and the name rule
    decays.

    Example::

        >>> check_name_rule_misses(["bn1.weight", "ln_1.weight"])
        Correct! ...
        True
    """
    from ..decay import split_decay

    if isinstance(answer, str) or not isinstance(answer, Iterable):
        raise fail("answer", "a list of parameter names", answer)
    given = list(answer)
    for name in given:
        if not isinstance(name, str):
            raise fail("answer", "a list of parameter names (strings)", name)
    model = decay_exercise_model()
    names = [n for n, _ in model.named_parameters()]
    split = split_decay(model)
    right = sorted(n for n in split.no_decay if not _name_rule(n))
    unknown = sorted(set(given) - set(names))
    if unknown:
        return report(
            False,
            f"{unknown} are not parameters of the model; list(model.named_parameters())"
            " gives the names.",
        )
    got = sorted(set(given))
    if got == right:
        return report(
            True,
            f"{right}: their names contain neither 'bias' nor 'norm', so the name rule decays "
            "them; lc.split_decay goes by the module type and the number of dimensions.",
        )
    extra, missing = sorted(set(got) - set(right)), sorted(set(right) - set(got))
    hints = []
    caught = [n for n in extra if _name_rule(n)]
    if caught:
        hints.append(f"{caught}: the name rule already keeps these out of the decay.")
    wanted = [n for n in extra if n in split.decay]
    if wanted:
        hints.append(f"{wanted}: weight matrices or kernels, which should be decayed.")
    if missing:
        hints.append(
            f"{len(missing)} missed: look for normalisation layers whose names lack 'norm' "
            "(compare lc.split_decay(model).no_decay with the rule)."
        )
    return report(False, " ".join(hints))
