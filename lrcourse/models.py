"""The small models the experiments train. Every constructor takes a ``seed``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["mlp", "small_cnn"]


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
    _check_seed(seed)
    sizes = [int(in_features), *(int(h) for h in widths), int(out_features)]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")


def small_cnn(channels: int = 16, n_classes: int = 10, seed: int = 0) -> nn.Sequential:
    """A small CNN for the flat 8x8 digits: two 3x3 convolutions, a 2x2 max-pool, a linear head.

    ``(N, 64) -> (N, 1, 8, 8) -> conv(c) -> ReLU -> conv(2c) -> ReLU -> maxpool -> (N, 2c*16)
    -> Linear -> (N, n_classes)``. Seeded like :func:`mlp`.

    Example::

        >>> small_cnn(seed=0)(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
    """
    for name, value in (("channels", channels), ("n_classes", n_classes)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    _check_seed(seed)
    c = int(channels)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, c, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * c * 16, int(n_classes)),
        )
