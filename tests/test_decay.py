"""lrcourse.decay: which parameters get weight decay, and how much a schedule lets through."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

import lrcourse as lc
from lrcourse.decay import NORM_LAYERS
from lrcourse.validation import ParameterError


def guide_name_rule(name: str) -> bool:
    """The scheduler guide's rule, 'no decay' when it holds (kept here to show it fails)."""
    return "bias" in name or "norm" in name


class Block(nn.Module):
    """Names as real code bases write them: GPT-2's ``ln_1``, ResNet's ``bn1``."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.ln_1 = nn.LayerNorm(4)
        self.attn = nn.Linear(4, 4)
        self.gain = nn.Parameter(torch.ones(4))  # a bare scale


def test_the_name_rule_misses_ln_1_and_bn1_and_the_type_rule_does_not():
    split = lc.split_decay(Block())
    named_by_guide = {n for n, _ in Block().named_parameters() if not guide_name_rule(n)}
    assert {"ln_1.weight", "bn1.weight"} <= named_by_guide  # the guide would decay them
    assert set(split.decay) == {"conv1.weight", "attn.weight"}
    assert set(split.no_decay) == {
        "bn1.weight",
        "bn1.bias",
        "ln_1.weight",
        "ln_1.bias",
        "attn.bias",
        "gain",
    }
    assert "BatchNorm2d" in split.no_decay["bn1.weight"]


@pytest.mark.parametrize(
    "model",
    [
        lc.mlp(64, [32, 16], 10),
        lc.small_cnn(),
        lc.tiny_transformer(norm="pre"),
        lc.tiny_transformer(norm="post"),
        nn.TransformerEncoderLayer(16, 2, 32, batch_first=True),
        nn.Sequential(nn.Embedding(10, 8), nn.GroupNorm(2, 8), nn.RMSNorm(8)),
    ],
    ids=["mlp", "small_cnn", "pre-LN", "post-LN", "torch encoder layer", "embedding+norms"],
)
def test_every_parameter_lands_in_exactly_one_group(model):
    groups = lc.decay_groups(model, 0.1)
    ids = [id(p) for g in groups for p in g["params"]]
    assert sorted(ids) == sorted(id(p) for p in model.parameters())
    decayed, kept = groups
    assert all(p.ndim >= 2 for p in decayed["params"]) and decayed["weight_decay"] == 0.1
    assert kept["weight_decay"] == 0.0
    norm_params = {
        id(p)
        for m in model.modules()
        if isinstance(m, NORM_LAYERS)
        for p in m.parameters(recurse=False)
    }
    assert norm_params <= {id(p) for p in kept["params"]}
    torch.optim.AdamW(groups, lr=1e-3)  # torch accepts the groups as they are


def test_tied_and_frozen_parameters():
    emb = nn.Embedding(10, 4)
    head = nn.Linear(4, 10, bias=False)
    head.weight = emb.weight  # tied, as language models do
    frozen = nn.Linear(4, 4)
    frozen.requires_grad_(False)
    model = nn.ModuleDict({"emb": emb, "head": head, "frozen": frozen})
    split = lc.split_decay(model)
    assert split.decay == ("emb.weight",) and split.no_decay == {}


def test_decoupled_decay_shrinks_an_untouched_weight_by_the_cumulative_factor():
    lrs = lc.lr_curve("CosineAnnealingLR", 200, lr=0.1, T_max=200)
    w = nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = torch.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200)
    for _ in range(200):
        w.grad = torch.zeros_like(w)  # no gradient: only the decay acts
        opt.step()
        sched.step()
    expected = lc.cumulative_shrink(lrs, 0.5)[-1]
    assert torch.allclose(w, torch.full_like(w, expected), rtol=1e-12, atol=0)
    assert np.allclose(lc.effective_decay(lrs, 0.5), 0.5 * lrs)


def test_plain_sgd_l2_is_decoupled_decay_and_momentum_breaks_it():
    torch.manual_seed(0)
    target = torch.randn(5, dtype=torch.float64)

    def run(momentum, decoupled):
        w = nn.Parameter(torch.zeros(5, dtype=torch.float64))
        wd = 0.0 if decoupled else 0.1
        opt = torch.optim.SGD([w], lr=0.05, momentum=momentum, weight_decay=wd)
        for _ in range(50):
            opt.zero_grad()
            ((w - target) ** 2).sum().backward()
            if decoupled:
                with torch.no_grad():
                    w.mul_(1 - 0.05 * 0.1)
            opt.step()
        return w.detach()

    assert torch.allclose(run(0.0, False), run(0.0, True), rtol=1e-12, atol=1e-15)
    assert not torch.allclose(run(0.9, False), run(0.9, True), rtol=1e-6)


def test_half_life_matches_the_simulated_decay():
    lr, wd = 0.1, 5e-3
    t = lc.decay_half_life(lr, wd)
    shrink = lc.cumulative_shrink(np.full(3000, lr), wd)
    assert shrink[math.floor(t) - 1] > 0.5 >= shrink[math.ceil(t) - 1]
    assert abs(t - math.log(2) / (lr * wd)) / t < lr * wd  # ln 2/(lr wd) to first order


def test_weight_norm_by_group():
    net = nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2))
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(1.0)
    assert lc.weight_norm(net) == 2.0  # the 2x2 matrix
    assert lc.weight_norm(net, "no_decay") == math.sqrt(6)  # bias 2 + norm 4
    assert lc.weight_norm(net, "all") == math.sqrt(10)


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: lc.decay_groups("net", 0.1), "model"),
        (lambda: lc.decay_groups(nn.Linear(2, 2), -0.1), "weight_decay"),
        (lambda: lc.effective_decay([0.1, float("nan")], 0.1), "lrs"),
        (lambda: lc.cumulative_shrink([0.1, 2.0], 1.0), "weight_decay"),
        (lambda: lc.decay_half_life(0.0, 0.1), "lr"),
        (lambda: lc.decay_half_life(1.0, 2.0), "weight_decay"),
        (lambda: lc.weight_norm(nn.Linear(2, 2), "weights"), "which"),
    ],
)
def test_bad_input_names_the_parameter(call, param):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.param == param and str(err.value).startswith(f"{param} must be ")
