"""lrcourse.models: seeded MLPs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrcourse.models import mlp


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


@pytest.mark.parametrize(
    "args, name",
    [
        ((0, 4, 2), "in_features"),
        ((8, 0, 2), "hidden"),
        ((8, [4, -1], 2), "hidden"),
        ((8, 4, 2.0), "out_features"),
    ],
)
def test_mlp_bad_args(args, name):
    with pytest.raises(ValueError, match=name):
        mlp(*args, seed=0)
    with pytest.raises(ValueError, match="seed"):
        mlp(8, 4, 2, seed=-1)
