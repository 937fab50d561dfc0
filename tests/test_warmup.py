"""lrcourse.warmup: warmup factors, RAdam's rectifier against torch, the stability scan and the
per-layer gradient norms of the tiny transformer."""

from __future__ import annotations

import math
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from feedback import argument_tests
from hypothesis import given, settings
from hypothesis import strategies as st

import lrcourse as lc
from lrcourse.warmup import TORCH_RADAM_THRESHOLD

# ----------------------------------------------------------------------------- warmup factors


@pytest.mark.parametrize("w", [1, 2, 5, 50])
def test_linear_warmup_equals_torch_linearlr(w):
    f = lc.linear_warmup(w)
    steps = 3 * w + 5
    ours = np.array([f(t) for t in range(steps)])
    assert ours[0] == pytest.approx(1 / w) and ours[0] > 0  # the first step is not wasted
    assert ours[w - 1] == 1.0 and np.all(ours[w:] == 1.0)
    assert np.allclose(f(np.arange(steps)), ours)
    if w > 1:  # LinearLR(start_factor=1/w, total_iters=w-1) walks the same line
        ref = lc.torch_lr_curve("LinearLR", steps, lr=1.0, start_factor=1 / w, total_iters=w - 1)
        assert np.allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_linear_warmup_in_lambdalr_steps_and_pickles():
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lc.linear_warmup(4))
    seen = []
    for _ in range(6):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert np.allclose(seen, [0.05, 0.1, 0.15, 0.2, 0.2, 0.2])
    clone = pickle.loads(pickle.dumps(sched.lr_lambdas[0]))
    assert clone(2) == 0.75 and "linear_warmup" in repr(clone)


def test_untuned_linear_warmup_lasts_two_over_one_minus_beta2():
    for beta2, length in ((0.999, 2000), (0.99, 200), (0.9, 20)):
        f = lc.untuned_linear_warmup(beta2)
        values = f(np.arange(3 * length))
        assert values[0] == pytest.approx((1 - beta2) / 2)
        first_full = int(np.argmax(values >= 1 - 1e-12))
        assert first_full == pytest.approx(
            length - 1, abs=1
        )  # step index length-1 = update #length
        assert np.all(np.diff(values) >= 0) and values.max() == 1.0


# ----------------------------------------------------------------------------- RAdam


@given(st.floats(min_value=0.6, max_value=0.9999))
@settings(max_examples=50, deadline=None)
def test_rho_starts_at_one_and_rises_to_rho_inf(beta2):
    assert lc.radam_rho(1, beta2) == pytest.approx(1.0, abs=1e-9)
    t = np.arange(1, 200)
    rho = lc.radam_rho(t, beta2)
    assert np.all(np.diff(rho) >= 0) and rho[1] > rho[0]  # flat only once it saturates
    rho_inf = 2 / (1 - beta2) - 1
    assert np.all(rho < rho_inf + 1e-9)
    assert lc.radam_rho(int(60 / (1 - beta2)), beta2) == pytest.approx(rho_inf, rel=1e-6)


def test_rho_is_about_t_early_on():
    t = np.arange(1, 21)
    assert np.allclose(lc.radam_rho(t, 0.999), t, atol=0.1)


def test_rectifier_formula_threshold_and_limit():
    b2 = 0.999
    rho_inf = 2 / (1 - b2) - 1
    rho = lc.radam_rho(100, b2)
    by_hand = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    assert lc.radam_rectifier(100, b2) == pytest.approx(by_hand, rel=1e-12)
    r = lc.radam_rectifier(np.arange(1, 50001), b2)
    n = lc.radam_sgd_steps(b2)
    assert np.all(np.isnan(r[:n])) and not np.any(np.isnan(r[n:]))
    assert (
        np.all(np.diff(r[n:]) >= 0)
        and np.all(np.diff(r[n:5000]) > 0)
        and 0 < r[n] < 0.05
        and r[-1] == pytest.approx(1.0, abs=1e-6)
    )
    # torch's threshold (5) against the paper's (4): they differ exactly at t = 5 for 0.999
    assert lc.radam_sgd_steps(b2, threshold=TORCH_RADAM_THRESHOLD) == 5
    assert lc.radam_sgd_steps(b2, threshold=4.0) == 4
    assert 4 < lc.radam_rho(5, b2) < 5
    assert math.isnan(lc.radam_rectifier(5, b2)) and lc.radam_rectifier(5, b2, threshold=4.0) > 0


def _torch_radam_steps(grads, **kwargs):
    p = torch.zeros(grads.shape[1:], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RAdam([p], **kwargs)
    out = []
    for g in grads:
        before = p.detach().clone()
        p.grad = torch.as_tensor(g, dtype=torch.float64).clone()
        opt.step()
        out.append((before - p.detach()).numpy())
    return np.array(out)


@pytest.mark.parametrize("betas, lr", [((0.9, 0.999), 0.1), ((0.8, 0.99), 0.01), ((0.0, 0.9), 1.0)])
@pytest.mark.parametrize("foreach", [False, True])
def test_radam_updates_match_torch(betas, lr, foreach):
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(40, 7)) * np.linspace(0.01, 10, 7)
    ours = lc.radam_updates(grads, lr=lr, betas=betas)
    theirs = _torch_radam_steps(grads, lr=lr, betas=betas, foreach=foreach)
    assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-14)
    # the first radam_sgd_steps updates are plain bias-corrected momentum steps
    n = lc.radam_sgd_steps(betas[1])
    m = np.zeros(7)
    for t in range(1, n + 1):
        m = betas[0] * m + (1 - betas[0]) * grads[t - 1]
        assert np.allclose(theirs[t - 1], lr * m / (1 - betas[0] ** t))


# ----------------------------------------------------------------------------- adaptive spread


def test_adaptive_spread_matches_the_closed_form_at_t1_and_shrinks():
    from statistics import NormalDist

    z = NormalDist().inv_cdf
    exact = z(0.95) / z(0.55)  # psi = 1/|g|: the 90% / 10% quantile ratio
    s1 = lc.adaptive_lr_spread([1], n=400_000, seed=1)[0]
    assert s1 == pytest.approx(exact, rel=0.02)
    s = lc.adaptive_lr_spread([1, 2, 5, 20, 200], n=20_000, seed=0)
    assert np.all(np.diff(s) < 0) and s[-1] < 1.3
    # the same seed draws the same gradients, whatever steps are asked for and in what order
    assert np.allclose(lc.adaptive_lr_spread([20, 2], seed=0), [s[3], s[1]])


# ----------------------------------------------------------------------------- stability scan


def _fake(losses):
    """run(lr) returning canned histories (a loss, or a list of epoch losses; None: diverged);
    records which LRs ran."""
    calls = []

    def run(lr):
        calls.append(lr)
        loss = losses[lr]
        diverged = loss is None
        epochs = [] if diverged else list(np.atleast_1d(loss))
        return SimpleNamespace(diverged=diverged, train_loss=epochs)

    return run, calls


def test_stability_scan_stops_at_first_failure():
    grid = [0.01, 0.1, 1.0, 10.0]
    run, calls = _fake({0.01: 0.5, 0.1: 0.9, 1.0: 3.0, 10.0: 0.1})
    scan = lc.stability_scan(run, grid, bound=1.0)
    assert calls == [0.01, 0.1, 1.0]  # 10.0 never ran
    assert scan.largest_stable == 0.1
    assert scan.ran.tolist() == [True, True, True, False]
    assert scan.stable.tolist() == [True, True, False, False]
    assert "unstable" in repr(scan) and "largest_stable=0.1" in repr(scan)
    # without stopping, an isolated lucky run above the first failure does not count
    run, calls = _fake({0.01: 0.5, 0.1: 0.9, 1.0: 3.0, 10.0: 0.1})
    full = lc.stability_scan(run, grid, bound=1.0, stop_at_failure=False)
    assert len(calls) == 4 and full.stable.tolist() == [True, True, False, True]
    assert full.largest_stable == 0.1


def test_stability_scan_divergence_and_edges():
    run, _ = _fake({0.1: None, 1.0: 0.1})
    scan = lc.stability_scan(run, [0.1, 1.0], bound=1.0)
    assert scan.largest_stable == 0.0 and math.isinf(scan.final_loss[0])
    run, _ = _fake({0.1: 0.2, 1.0: 0.3})
    assert lc.stability_scan(run, [0.1, 1.0], bound=1.0).largest_stable == 1.0
    run, _ = _fake({0.1: float("nan")})
    assert lc.stability_scan(run, [0.1], bound=1.0).largest_stable == 0.0


def test_stability_scan_needs_the_loss_below_the_bound_from_fraction_by_on():
    stuck = [2.3, 2.3, 2.3, 1.2]  # near chance for 3 of 4 epochs, below the bound at the end
    early = [2.3, 1.5, 1.2, 1.0]  # below the bound from half-way on
    relapse = [1.0, 0.9, 2.5, 1.0]  # below at the end, above after epoch 3
    run, _ = _fake({0.1: early, 0.2: stuck, 0.3: relapse})
    scan = lc.stability_scan(run, [0.1, 0.2, 0.3], bound=2.0, stop_at_failure=False)
    assert scan.by == 0.5 and scan.stable.tolist() == [True, False, False]
    assert scan.final_loss.tolist() == [1.0, 1.2, 1.0]
    assert scan.worst_loss.tolist() == [1.5, 2.3, 2.5]  # epochs 2-4 of 4 are checked
    assert scan.largest_stable == 0.1 and "worst 2.3" in repr(scan) and "by=0.5" in repr(scan)
    # by=1: the final loss alone (the looser rule); a small by: every epoch
    final_only = lc.stability_scan(run, [0.1, 0.2, 0.3], bound=2.0, by=1.0, stop_at_failure=False)
    assert final_only.stable.all() and np.array_equal(final_only.worst_loss, final_only.final_loss)
    every = lc.stability_scan(run, [0.1], bound=2.0, by=0.01)
    assert every.worst_loss[0] == 2.3 and not every.stable[0]
    # the epoch that ends exactly at fraction by is the first one checked: 0.75 * 4 -> epoch 3
    assert lc.stability_scan(run, [0.3], bound=2.0, by=0.75).worst_loss[0] == 2.5
    assert lc.stability_scan(run, [0.1], bound=2.0, by=0.75).worst_loss[0] == 1.2


def test_stability_scan_with_real_training():
    def run(lr):
        model = lc.mlp(64, 32, 10, seed=0)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        data = lc.load_digits_data(seed=0)
        return lc.fit(model, data, optimizer=opt, epochs=2, batch_size=32, progress=False)

    scan = lc.stability_scan(run, [1e-2, 1e-1, 3.0], bound=1.0)
    assert scan.largest_stable == 0.1
    assert scan.histories[2].final()["train_loss"] > 2.0  # lr 3: chance level, not NaN


def test_stability_scan_rejects_a_run_without_history():
    with pytest.raises(ValueError, match="run must be a callable returning a history"):
        lc.stability_scan(lambda lr: 0.3, [0.1], bound=1.0)


# ----------------------------------------------------------------------------- gradient norms


def test_layer_grad_norms_match_backward_and_leave_grads_alone():
    data = lc.make_sequence_data("reverse", n_samples=300, seed=0)
    model = lc.tiny_transformer(norm="post", n_layers=3, seed=0)
    g = lc.layer_grad_norms(model, data.X_train, data.y_train)
    assert all(p.grad is None for p in model.parameters())
    loss = lc.sequence_cross_entropy(model(data.X_train), data.y_train)
    loss.backward()
    named = dict(model.named_parameters())
    for i in range(3):
        by_hand = math.sqrt(
            sum(float(p.grad.pow(2).sum()) for k, p in named.items() if f"layers.{i}." in k)
        )
        assert g.layers[i] == pytest.approx(by_hand, rel=1e-5)
        w2 = named[f"layers.layers.{i}.linear2.weight"].grad.norm().item()
        assert g.ffn_out[i] == pytest.approx(w2, rel=1e-5)
    total = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in model.parameters()))
    assert g.total == pytest.approx(total, rel=1e-5)
    assert g.total**2 == pytest.approx(g.embedding**2 + g.head**2 + np.sum(g.layers**2), rel=1e-6)
    assert g.loss == pytest.approx(loss.item(), rel=1e-6)
    assert g.last_over_first == pytest.approx(g.layers[-1] / g.layers[0])
    assert 0 < g.last_share <= 1


def test_post_ln_gradient_sits_nearer_the_output_than_pre_ln():
    """Xiong et al.: at initialisation post-LN's last layers get relatively more gradient."""
    for seed in range(3):
        data = lc.make_sequence_data("reverse", n_samples=600, seed=seed)
        X, y = data.X_train[:256], data.y_train[:256]
        post = lc.layer_grad_norms(lc.tiny_transformer(norm="post", n_layers=6, seed=seed), X, y)
        pre = lc.layer_grad_norms(lc.tiny_transformer(norm="pre", n_layers=6, seed=seed), X, y)
        assert post.last_over_first > pre.last_over_first
        assert post.last_share > pre.last_share


def test_layer_grad_norms_rejects_bad_input():
    data = lc.make_sequence_data("reverse", n_samples=100, seed=0)
    with pytest.raises(ValueError, match="TinyTransformer"):
        lc.layer_grad_norms(lc.mlp(8, 4, 2), data.X_train, data.y_train)
    model = lc.tiny_transformer()
    with pytest.raises(ValueError, match="y must be a tensor of 75 rows"):
        lc.layer_grad_norms(model, data.X_train, data.y_train[:3])
    with pytest.raises(ValueError, match="loss_fn must be a callable, got str"):
        lc.layer_grad_norms(model, data.X_train, data.y_train, loss_fn="cross_entropy")
    with pytest.raises(ValueError, match="X must be a non-empty tensor"):
        lc.layer_grad_norms(model, data.X_train.numpy(), data.y_train)


# ----------------------------------------------------------------------------- arguments


def _scan(bound: float = 1.0, by: float = 0.5):
    run = _fake({0.1: [1.5, 0.5], 0.2: [0.9, 2.0]})[0]
    return lc.stability_scan(run, [0.1, 0.2], bound=bound, by=by)


CALLS = [
    (lc.linear_warmup, {"warmup_steps": 4}),
    (lc.untuned_linear_warmup, {"beta2": 0.99}),
    (lc.radam_rho, {"t": 10, "beta2": 0.99}),
    (lc.radam_rectifier, {"t": 10, "beta2": 0.99, "threshold": 5.0}),
    (lc.radam_sgd_steps, {"beta2": 0.99, "threshold": 4.5}),
    (lc.radam_updates, {"grads": np.ones((7, 1)), "lr": 0.1, "eps": 1e-6, "threshold": 5.0}),
    (lc.adaptive_lr_spread, {"steps": [1, 5], "beta2": 0.99, "n": 200, "q": 0.2, "seed": 1}),
    (_scan, {"bound": 1.0, "by": 0.75}),
]


def test_step_counts_and_gradients_may_be_numpy_torch_or_lists():
    assert np.allclose(lc.radam_rho(torch.tensor([1, 5])), lc.radam_rho([1, 5]))
    assert np.allclose(lc.radam_updates(torch.ones(7, 1)), lc.radam_updates([[1.0]] * 7))


GRADS = {"grads": np.ones((3, 1))}
RUN = {"run": _fake({0.1: 0.1, 0.01: 0.1})[0], "lrs": [0.1], "bound": 1.0}


BAD = [
    (lc.linear_warmup, {}, "warmup_steps", 0),
    (lc.linear_warmup, {}, "warmup_steps", 2.5),
    (lc.linear_warmup, {}, "warmup_steps", True),
    (lc.untuned_linear_warmup, {}, "beta2", 1.0),
    (lc.untuned_linear_warmup, {}, "beta2", 0),
    (lc.untuned_linear_warmup, {}, "beta2", "0.999"),
    (lc.radam_rho, {}, "t", 0),
    (lc.radam_rho, {}, "t", [1.5, 2]),
    (lc.radam_rho, {}, "t", "5"),
    (lc.radam_rho, {}, "t", True),
    (lc.radam_rho, {}, "t", [[1, 2]]),
    (lc.radam_rectifier, {"t": 3}, "beta2", 1.5),
    (lc.radam_rectifier, {"t": 3}, "threshold", 3.0),
    (lc.radam_sgd_steps, {"beta2": 0.6}, "threshold", 5.0),
    (lc.radam_sgd_steps, {}, "threshold", -1.0),
    (lc.radam_updates, {}, "grads", np.zeros((0, 3))),
    (lc.radam_updates, {}, "grads", [[1.0, float("nan")]]),
    (lc.radam_updates, {}, "grads", 1.0),
    (lc.radam_updates, GRADS, "betas", (0.9,)),
    (lc.radam_updates, GRADS, "lr", -1.0),
    (lc.radam_updates, GRADS, "eps", float("inf")),
    (lc.radam_updates, GRADS, "threshold", 3.0),
    (lc.adaptive_lr_spread, {}, "steps", []),
    (lc.adaptive_lr_spread, {}, "steps", [0, 1]),
    (lc.adaptive_lr_spread, {"steps": [1]}, "q", 0.6),
    (lc.adaptive_lr_spread, {"steps": [1]}, "n", 5),
    (lc.adaptive_lr_spread, {"steps": [1]}, "seed", -1),
    (lc.stability_scan, RUN, "lrs", []),
    (lc.stability_scan, RUN, "lrs", [0.1, 0.01]),
    (lc.stability_scan, RUN, "lrs", [0.0, 0.1]),
    (lc.stability_scan, RUN, "bound", 0.0),
    (lc.stability_scan, RUN, "by", 0.0),
    (lc.stability_scan, RUN, "by", 1.5),
    (lc.stability_scan, RUN, "run", 3),
]

test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)


def test_the_betas_are_named_one_by_one():
    with pytest.raises(ValueError, match=r"betas\[0\] must be a finite number in \[0, 1\)"):
        lc.radam_updates(np.ones((3, 1)), betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=r"betas\[1\] must be a finite number in \(0, 1\)"):
        lc.radam_updates(np.ones((3, 1)), betas=(0.9, np.float64(1.0)))
