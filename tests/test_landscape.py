"""lrcourse.landscape: the quadratic bowl, GD trajectories and the stability limit 2/L."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from feedback import argument_tests, same

from lrcourse.landscape import (
    empirical_stability_limit,
    gd_trajectory,
    plot_trajectories,
    quadratic_bowl,
    stability_limit,
)


def test_bowl_loss_grad_and_properties():
    b = quadratic_bowl(2.0, 8.0)
    assert b.loss([1.0, 1.0]) == pytest.approx(5.0)
    np.testing.assert_allclose(b.grad([1.0, -2.0]), [2.0, -16.0])
    assert b.condition_number == 4.0
    assert stability_limit(b) == b.stability_limit == 0.25
    assert b.best_constant_lr == pytest.approx(0.2)
    np.testing.assert_allclose(b.contraction(0.25), [0.5, 1.0])
    X, Y, Z = b.grid(n=11)
    assert X.shape == Y.shape == Z.shape == (11, 11)
    assert Z.min() == 0.0


def test_gd_matches_closed_form():
    b = quadratic_bowl(1.0, 10.0)
    lrs = np.linspace(0.15, 0.01, 30)
    run = gd_trajectory(lrs, (2.0, -1.0), b)
    expect = np.array([2.0, -1.0]) * np.prod(1 - lrs[:, None] * b.curvatures, axis=0)
    np.testing.assert_allclose(run.path[-1], expect, rtol=1e-12)
    assert run.path.shape == (31, 2) and run.losses.shape == (31,)
    np.testing.assert_allclose(run.losses, b.loss(run.path))
    assert not run.diverged


def test_stability_limit_separates_convergence_from_divergence():
    b = quadratic_bowl(1.0, 10.0)
    below = gd_trajectory(np.full(400, 0.99 * b.stability_limit), (1.0, 1.0), b)
    above = gd_trajectory(np.full(400, 1.01 * b.stability_limit), (1.0, 1.0), b)
    assert below.final_loss < 0.01 * below.losses[0]
    assert above.losses[-1] > above.losses[0]


def test_divergence_is_caught_and_path_truncated():
    b = quadratic_bowl(1.0, 10.0)
    run = gd_trajectory(np.full(1000, 0.3), (1.0, 1.0), b, blowup=1e6)
    assert run.diverged and run.final_loss == float("inf")
    assert len(run.path) < 1001
    assert run.losses[-1] > 1e6 * run.losses[0]


def test_empirical_limit_approaches_two_over_L():
    for mu, L in [(1.0, 10.0), (0.5, 3.0), (2.0, 50.0)]:
        b = quadratic_bowl(mu, L)
        found = empirical_stability_limit(b, steps=2000)
        assert found >= b.stability_limit * (1 - 1e-3)
        assert found == pytest.approx(b.stability_limit, rel=0.01)


def test_noise_is_seeded():
    b = quadratic_bowl()
    lrs = np.full(50, 0.1)
    a = gd_trajectory(lrs, bowl=b, noise=1.0, seed=3)
    again = gd_trajectory(lrs, bowl=b, noise=1.0, seed=3)
    other = gd_trajectory(lrs, bowl=b, noise=1.0, seed=4)
    np.testing.assert_array_equal(a.path, again.path)
    assert not np.array_equal(a.path, other.path)
    assert not np.array_equal(a.path, gd_trajectory(lrs, bowl=b).path)


def test_noise_floor_of_constant_lr_matches_theory():
    # stationary E f = sum_i lambda_i/2 * lr s^2 / (lambda_i (2 - lr lambda_i))
    b, lr, s = quadratic_bowl(1.0, 10.0), 0.1, 0.5
    finals = [
        gd_trajectory(np.full(200, lr), (0.0, 0.0), b, noise=s, seed=k).final_loss
        for k in range(400)
    ]
    theory = sum(0.5 * lr * s**2 / (2 - lr * lam) for lam in (1.0, 10.0))
    assert np.mean(finals) == pytest.approx(theory, rel=0.15)


def test_plot_trajectories_draws_one_panel_per_run():
    import matplotlib.pyplot as plt

    b = quadratic_bowl()
    runs = {
        "low": gd_trajectory(np.full(20, 0.01), bowl=b),
        "diverging": gd_trajectory(np.full(200, 0.25), bowl=b),
        "high": gd_trajectory(np.full(20, 0.15), bowl=b),
    }
    axes = plot_trajectories(runs, b)
    visible = [ax for ax in axes.flat if ax.get_visible()]
    assert len(visible) == 3
    assert "diverged" in visible[1].get_title()
    assert "final loss" in visible[0].get_title()
    plt.close("all")
    with pytest.raises(ValueError, match="runs"):
        plot_trajectories({}, b)


# ----------------------------------------------------------------------------- arguments


def panels(ncols: int = 2) -> tuple[int, ...]:
    """The grid of panels plot_trajectories draws for three runs."""
    import matplotlib.pyplot as plt

    b = quadratic_bowl()
    runs = {name: gd_trajectory(np.full(5, 0.1), bowl=b) for name in "abc"}
    shape = plot_trajectories(runs, b, ncols=ncols).shape
    plt.close("all")
    return shape


def limit(steps: int = 50, rel_tol: float = 1e-3) -> float:
    return empirical_stability_limit(quadratic_bowl(1.0, 10.0), steps=steps, rel_tol=rel_tol)


CALLS = [
    (quadratic_bowl, {"mu": 2, "L": 10.5}),
    (gd_trajectory, {"lrs": [0.1, 0.05], "noise": 0.5, "seed": 3, "blowup": 100.0}),
    (limit, {"steps": 50, "rel_tol": 1e-3}),
    (panels, {"ncols": 3}),
]


def test_arrays_may_be_numpy_torch_or_lists():
    ref = gd_trajectory([0.1, 0.05], start=[1.0, 2.0])
    assert same(gd_trajectory(np.array([0.1, 0.05]), start=torch.tensor([1.0, 2.0])), ref)


BAD = [
    (quadratic_bowl, {"L": 1.0}, "mu", 0.0),
    (quadratic_bowl, {"L": 1.0}, "mu", "1"),
    (quadratic_bowl, {}, "L", float("inf")),
    (quadratic_bowl, {"mu": 2.0}, "L", 1.0),
    (gd_trajectory, {}, "lrs", np.ones((2, 2))),
    (gd_trajectory, {}, "lrs", [0.1, -0.1]),
    (gd_trajectory, {}, "lrs", [0.1, float("nan")]),
    (gd_trajectory, {"lrs": [0.1]}, "start", (1.0, 2.0, 3.0)),
    (gd_trajectory, {"lrs": [0.1]}, "noise", -1.0),
    (gd_trajectory, {"lrs": [0.1]}, "bowl", "bowl"),
    (gd_trajectory, {"lrs": [0.1]}, "seed", -1),
    (gd_trajectory, {"lrs": [0.1]}, "blowup", 1.0),
    (stability_limit, {}, "bowl", 3.0),
    (empirical_stability_limit, {"bowl": quadratic_bowl()}, "steps", 0),
    (empirical_stability_limit, {"bowl": quadratic_bowl()}, "rel_tol", 1.0),
    (plot_trajectories, {"bowl": quadratic_bowl()}, "runs", {}),
    (plot_trajectories, {"bowl": quadratic_bowl()}, "runs", [1, 2]),
    (panels, {}, "ncols", 0),
]

test_numpy_and_torch_scalars_are_accepted, test_a_bad_value_is_refused_naming_the_parameter = (
    argument_tests(CALLS, BAD)
)


def test_a_run_that_is_not_a_trajectory_is_named():
    with pytest.raises(ValueError, match=r"runs\['b'\] must be a Trajectory"):
        plot_trajectories({"a": gd_trajectory([0.1]), "b": [0.1]}, quadratic_bowl())
