"""The small models the experiments train. Every constructor takes a ``seed``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["mlp"]


def mlp(
    in_features: int,
    hidden: int | Sequence[int],
    out_features: int,
    seed: int = 0,
) -> nn.Sequential:
    """A ReLU multilayer perceptron with a seeded initialisation.

    ``x -> Linear(in, h1) -> ReLU -> ... -> Linear(h_k, out)``; PyTorch's default
    (Kaiming-uniform) initialisation, drawn from ``seed`` without touching the global RNG.

    Example::

        >>> net = mlp(64, 32, 10, seed=0)
        >>> net(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
    """
    widths = [hidden] if isinstance(hidden, int | np.integer) else list(hidden)
    for name, value in [("in_features", in_features), ("out_features", out_features)] + [
        ("hidden", h) for h in widths
    ]:
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ValueError(f"{name} must be a positive int, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    sizes = [int(in_features), *(int(h) for h in widths), int(out_features)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)
