"""The small models the experiments train. Every constructor takes a ``seed``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    "TinyTransformer",
    "mlp",
    "sequence_cross_entropy",
    "small_cnn",
    "tiny_transformer",
]


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


class TinyTransformer(nn.Module):
    """A small transformer encoder for token sequences: ``(N, L)`` ints -> ``(N, L, vocab)``.

    Token + learned position embeddings, ``n_layers`` encoder layers (``nn.TransformerEncoderLayer``
    with ``norm_first`` set by ``norm``), a linear read-out per position. ``norm="post"`` is the
    original transformer's layer order, ``x = LN(x + f(x))``; ``norm="pre"`` is
    ``x = x + f(LN(x))`` with a final LayerNorm before the read-out (Xiong et al. 2020).
    """

    def __init__(
        self, vocab: int, max_len: int, d_model: int, n_heads: int, n_layers: int, norm: str
    ) -> None:
        super().__init__()
        self.norm = norm
        self.embed = nn.Embedding(vocab, d_model)
        self.position = nn.Parameter(torch.randn(max_len, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(
            d_model,
            n_heads,
            dim_feedforward=4 * d_model,
            dropout=0.0,
            batch_first=True,
            norm_first=norm == "pre",
        )
        self.layers = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.final_norm = nn.LayerNorm(d_model) if norm == "pre" else nn.Identity()
        self.head = nn.Linear(d_model, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens) + self.position[: tokens.shape[1]]
        return self.head(self.final_norm(self.layers(x)))


def tiny_transformer(
    vocab: int = 10,
    max_len: int = 8,
    *,
    d_model: int = 32,
    n_heads: int = 4,
    n_layers: int = 2,
    norm: str = "post",
    seed: int = 0,
) -> TinyTransformer:
    """A seeded :class:`TinyTransformer` with post-LN (``norm="post"``) or pre-LN layers.

    Example::

        >>> net = tiny_transformer(vocab=10, max_len=8, norm="pre", seed=0)
        >>> net(torch.zeros(5, 8, dtype=torch.long)).shape
        torch.Size([5, 8, 10])
    """
    for name, value in (
        ("vocab", vocab),
        ("max_len", max_len),
        ("d_model", d_model),
        ("n_heads", n_heads),
        ("n_layers", n_layers),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if d_model % n_heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
    if norm not in ("pre", "post"):
        raise ValueError(f"norm must be 'pre' or 'post', got {norm!r}")
    _check_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return TinyTransformer(
            int(vocab), int(max_len), int(d_model), int(n_heads), int(n_layers), norm
        )


def sequence_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every position: ``logits (N, L, V)``, ``targets (N, L)``.

    Pass it as ``fit(..., loss_fn=sequence_cross_entropy)`` for sequence tasks.
    """
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
