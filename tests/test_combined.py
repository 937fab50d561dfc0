"""lrcourse.combined: the naive product of factors and WSD cooldown branches."""

from __future__ import annotations

import numpy as np
import pytest

import lrcourse as lc
from lrcourse.combined import CooldownBranches, branch_cooldowns, naive_product

# ----------------------------------------------------------------------------- naive_product

MULTIPLICATIVE = [
    [("ConstantLR", {"factor": 0.5, "total_iters": 20}), ("ExponentialLR", {"gamma": 0.97})],
    [("StepLR", {"step_size": 7, "gamma": 0.5}), ("LinearLR", {"start_factor": 0.2})],
    [("CosineAnnealingLR", {"T_max": 50}), ("ExponentialLR", {"gamma": 0.99})],  # k <= T_max
]


@pytest.mark.parametrize("subs", MULTIPLICATIVE)
def test_product_equals_torch_chain_for_multiplicative_updates(subs):
    got = naive_product(subs, 50, lr=0.3)
    assert np.allclose(got, lc.torch_lr_curve("ChainedScheduler", 50, lr=0.3, schedulers=subs))


def test_product_is_the_elementwise_product_of_the_factors():
    subs = MULTIPLICATIVE[0]
    a = lc.lr_curve("ConstantLR", 30, lr=1.0, factor=0.5, total_iters=20)
    b = lc.lr_curve("ExponentialLR", 30, lr=1.0, gamma=0.97)
    assert np.allclose(naive_product(subs, 30, lr=1.0), a * b)
    assert np.allclose(naive_product(subs, 30, lr=0.2), 0.2 * a * b)


def test_product_breaks_past_the_cosines_T_max():
    T, gamma = 40, 0.97
    subs = [("CosineAnnealingLR", {"T_max": T}), ("ExponentialLR", {"gamma": gamma})]
    chain = lc.torch_lr_curve("ChainedScheduler", 100, lr=0.1, schedulers=subs)
    product = naive_product(subs, 100, lr=0.1)
    k = np.arange(100)
    assert np.allclose(chain[: T + 1], product[: T + 1])
    assert chain[T] == pytest.approx(0.0, abs=1e-15)
    cosine = lc.lr_curve("CosineAnnealingLR", 100, lr=0.1, T_max=T)
    after = k > T
    assert np.allclose(chain[after], cosine[after] * gamma ** (k[after] - T))
    assert np.all(chain[after] > product[after] * gamma**-T * 0.999)


def test_product_breaks_with_eta_min_before_T_max():
    subs = [
        ("CosineAnnealingLR", {"T_max": 40, "eta_min": 0.01}),
        ("ExponentialLR", {"gamma": 0.9}),
    ]
    chain = lc.torch_lr_curve("ChainedScheduler", 40, lr=0.1, schedulers=subs)
    assert not np.allclose(chain[1:], naive_product(subs, 40, lr=0.1)[1:])


def test_product_rejects_bad_input():
    subs = MULTIPLICATIVE[0]
    with pytest.raises(ValueError, match="lr"):
        naive_product(subs, 10, lr=0.0)
    with pytest.raises(ValueError, match="steps"):
        naive_product(subs, 0)
    with pytest.raises(ValueError, match="schedulers"):
        naive_product("StepLR", 10)
    with pytest.raises(ValueError, match="schedulers"):
        naive_product([], 10)
    with pytest.raises(ValueError, match="schedulers"):
        naive_product([("OneCycleLR", {"max_lr": 1.0, "total_steps": 10})], 10)
    with pytest.raises(ValueError, match="schedulers"):
        naive_product([("StepLR",)], 10)


# ----------------------------------------------------------------------------- branches


@pytest.fixture(scope="module")
def task():
    return lc.teacher_student_stream(dim=20, batch_size=20, noise=1.0, seed=3)


@pytest.mark.parametrize("momentum", [0.0, 0.5])
@pytest.mark.parametrize("cooldown", ["linear", "1-sqrt"])
def test_each_branch_is_bit_identical_to_training_from_scratch(task, momentum, cooldown):
    br = branch_cooldowns(
        task, 0.05, [120, 60, 240], warmup_steps=10, cooldown=cooldown, momentum=momentum
    )
    assert br.budgets == [60, 120, 240]
    for b, run in br.runs.items():
        want = lc.lr_curve(
            "warmup_stable_decay",
            b,
            lr=0.05,
            warmup_steps=10,
            total_steps=b,
            decay_steps=round(0.2 * b),
            cooldown=cooldown,
        )
        assert np.array_equal(run.lrs, want)
        scratch = lc.run_online(task, want, momentum=momentum)
        assert np.array_equal(run.loss, scratch.loss)
        assert np.array_equal(run.batch_loss, scratch.batch_loss)
        assert len(run.loss) == b + 1 and not run.diverged


def test_branches_share_the_stable_run(task):
    br = branch_cooldowns(task, 0.05, [100, 200], warmup_steps=10, decay_fraction=0.25)
    assert br.branch_points == {100: 75, 200: 150}
    assert br.decay_steps == {100: 25, 200: 50}
    assert br.steps_computed == 150 + 25 + 50 and br.steps_separate == 300
    stable = lc.run_online(task, lc.lr_curve("linear_warmup", 150, lr=0.05, warmup_steps=10))
    assert np.array_equal(br.stable.loss, stable.loss)
    for b, s in br.branch_points.items():
        assert np.array_equal(br.runs[b].loss[: s + 1], stable.loss[: s + 1])
        assert np.all(br.runs[b].lrs[s:] <= 0.05) and br.runs[b].lrs[-1] < 0.05 * 0.2
    excess = br.final_excess()
    assert list(excess) == [100, 200]
    assert excess[200] == pytest.approx(br.runs[200].final_loss - task.optimal_loss)
    assert isinstance(br, CooldownBranches) and "steps_computed=225" in repr(br)


def test_cooldown_lowers_the_loss_below_the_stable_run(task):
    br = branch_cooldowns(task, 0.05, [400], warmup_steps=10)
    floor = br.stable.tail_loss(0.5)
    assert br.runs[400].final_loss < floor  # annealing removes part of the noise floor


def test_branch_rejects_bad_input(task):
    with pytest.raises(ValueError, match="task"):
        branch_cooldowns("task", 0.05, [100])
    with pytest.raises(ValueError, match="lr"):
        branch_cooldowns(task, -1.0, [100])
    with pytest.raises(ValueError, match="budgets"):
        branch_cooldowns(task, 0.05, [])
    with pytest.raises(ValueError, match="budgets"):
        branch_cooldowns(task, 0.05, [0, 100])
    with pytest.raises(ValueError, match="budgets"):
        branch_cooldowns(task, 0.05, [20], warmup_steps=50)
    with pytest.raises(ValueError, match="warmup_steps"):
        branch_cooldowns(task, 0.05, [100], warmup_steps=-1)
    with pytest.raises(ValueError, match="decay_fraction"):
        branch_cooldowns(task, 0.05, [100], decay_fraction=1.0)
    with pytest.raises(ValueError, match="cooldown"):
        branch_cooldowns(task, 0.05, [100], cooldown="cosine")
    with pytest.raises(ValueError, match="momentum"):
        branch_cooldowns(task, 0.05, [100], momentum=1.0)


def test_branch_refuses_a_stable_lr_that_diverges_and_takes_numpy_scalars(task):
    with pytest.raises(ValueError, match=r"lr must be an LR the stable phase trains with.*step"):
        branch_cooldowns(task, 5.0, [100])
    a = branch_cooldowns(task, np.float64(0.05), [np.int64(100)], warmup_steps=np.int64(10))
    b = branch_cooldowns(task, 0.05, [100], warmup_steps=10)
    np.testing.assert_array_equal(a.runs[100].loss, b.runs[100].loss)


def test_naive_product_suggests_a_misspelt_name():
    with pytest.raises(ValueError, match="did you mean 'StepLR'"):
        naive_product([("StepLr", {"step_size": 2})], 4)
