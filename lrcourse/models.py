"""The small models the experiments train. Every constructor takes a ``seed``."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .validation import as_choice, as_int, as_int_list, fail

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
    widths = as_int_list("hidden", [hidden] if _is_scalar(hidden) else hidden, low=1)
    sizes = [as_int("in_features", in_features, low=1), *widths]
    sizes.append(as_int("out_features", out_features, low=1))
    seed = as_int("seed", seed, low=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)


def _is_scalar(value: object) -> bool:
    """A single number (Python, numpy or 0-d tensor) rather than a list of widths."""
    return getattr(value, "ndim", None) == 0 or not hasattr(value, "__len__")


def small_cnn(channels: int = 16, n_classes: int = 10, seed: int = 0) -> nn.Sequential:
    """A small CNN for the flat 8x8 digits: two 3x3 convolutions, a 2x2 max-pool, a linear head.

    ``(N, 64) -> (N, 1, 8, 8) -> conv(c) -> ReLU -> conv(2c) -> ReLU -> maxpool -> (N, 2c*16)
    -> Linear -> (N, n_classes)``. Seeded like :func:`mlp`.

    Example::

        >>> small_cnn(seed=0)(torch.zeros(5, 64)).shape
        torch.Size([5, 10])
    """
    c, n_classes = as_int("channels", channels, low=1), as_int("n_classes", n_classes, low=1)
    seed = as_int("seed", seed, low=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, c, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(2 * c * 16, n_classes),
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
    sizes = {
        k: as_int(k, v, low=1)
        for k, v in dict(
            vocab=vocab, max_len=max_len, d_model=d_model, n_heads=n_heads, n_layers=n_layers
        ).items()
    }
    if sizes["d_model"] % sizes["n_heads"]:
        raise fail("d_model", f"divisible by n_heads={sizes['n_heads']}", d_model)
    norm = as_choice("norm", norm, ("pre", "post"))
    seed = as_int("seed", seed, low=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TinyTransformer(**sizes, norm=norm)


def sequence_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every position: ``logits (N, L, V)``, ``targets (N, L)``.

    Pass it as ``fit(..., loss_fn=sequence_cross_entropy)`` for sequence tasks.
    """
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
