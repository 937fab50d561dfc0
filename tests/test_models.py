"""lrcourse.models: the seeded MLP, CNN and tiny transformer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from feedback import argument_tests, assert_named
from torch import nn

from lrcourse.models import mlp, sequence_cross_entropy, small_cnn, tiny_transformer


def _flat(net: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in net.parameters()])


def test_mlp_shapes_and_layers():
    net = mlp(64, [32, 16], 10, seed=0)
    assert net(torch.zeros(3, 64)).shape == (3, 10)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(64, 32), (32, 16), (16, 10)]
    assert sum(isinstance(m, nn.ReLU) for m in net) == 2
    assert isinstance(net[-1], nn.Linear)  # logits, no activation at the end


def test_mlp_seeded_init_and_global_rng_untouched():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = mlp(8, 4, 2, seed=5)
    after = torch.rand(1)
    assert torch.equal(before, after), "mlp() must not consume the global RNG"
    assert torch.equal(_flat(a), _flat(mlp(8, 4, 2, seed=5)))
    assert not torch.equal(_flat(a), _flat(mlp(8, 4, 2, seed=6)))


def test_mlp_accepts_one_width_or_a_list_of_them():
    assert [m.out_features for m in mlp(8, np.int64(4), 2) if isinstance(m, nn.Linear)] == [4, 2]
    widths = [m.out_features for m in mlp(8, np.array([6, 5]), 2) if isinstance(m, nn.Linear)]
    assert widths == [6, 5, 2]
    assert len(mlp(8, [], 2)) == 1  # no hidden layer: a linear model


def test_small_cnn_shapes_and_seeding():
    x = torch.rand(7, 64)
    a, b, c = small_cnn(seed=1), small_cnn(seed=1), small_cnn(seed=2)
    assert a(x).shape == (7, 10)
    assert torch.equal(a(x), b(x)) and not torch.equal(a(x), c(x))
    assert small_cnn(channels=4, n_classes=3)(x).shape == (7, 3)


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_tiny_transformer_layer_order(norm):
    net = tiny_transformer(vocab=9, max_len=5, norm=norm, seed=0)
    tokens = torch.randint(0, 9, (3, 5))
    assert net(tokens).shape == (3, 5, 9)
    assert all(layer.norm_first == (norm == "pre") for layer in net.layers.layers)
    assert isinstance(net.final_norm, nn.LayerNorm) == (norm == "pre")
    same_net = tiny_transformer(vocab=9, max_len=5, norm=norm, seed=0)
    assert torch.equal(net(tokens), same_net(tokens))


def test_sequence_cross_entropy_is_the_mean_over_every_position():
    logits = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0))
    targets = torch.tensor([[0, 1, 2, 3], [4, 0, 1, 2], [3, 4, 0, 1]])
    per_token = [
        nn.functional.cross_entropy(logits[i, j : j + 1], targets[i, j : j + 1])
        for i in range(3)
        for j in range(4)
    ]
    assert torch.allclose(sequence_cross_entropy(logits, targets), torch.stack(per_token).mean())


# ----------------------------------------------------------------------------- arguments

CALLS = [
    (mlp, {"in_features": 8, "hidden": 4, "out_features": 2, "seed": 3}),
    (small_cnn, {"channels": 2, "n_classes": 3, "seed": 1}),
    (
        tiny_transformer,
        {"vocab": 5, "max_len": 4, "d_model": 8, "n_heads": 2, "n_layers": 1, "seed": 2},
    ),
]


MLP = {"in_features": 8, "hidden": 4, "out_features": 2}


BAD = [
    (mlp, MLP, "in_features", 0),
    (mlp, MLP, "hidden", 0),
    (mlp, MLP, "hidden", [4, -1]),
    (mlp, MLP, "hidden", "32"),
    (mlp, MLP, "out_features", 2.0),
    (mlp, MLP, "seed", -1),
    (small_cnn, {}, "channels", 0),
    (small_cnn, {}, "n_classes", True),
    (small_cnn, {}, "seed", 0.5),
    (tiny_transformer, {"n_heads": 4}, "d_model", 30),
    (tiny_transformer, {}, "norm", "Pre"),
    (tiny_transformer, {}, "n_layers", 0),
    (tiny_transformer, {}, "vocab", np.float64(10.0)),
    (tiny_transformer, {}, "seed", -1),
]

test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)


def test_the_message_suggests_a_fix():
    assert "did you mean 'pre'?" in assert_named(tiny_transformer, {}, "norm", "Pre")
    message = assert_named(tiny_transformer, {"n_heads": 4}, "d_model", 30)
    assert "divisible by n_heads=4" in message
