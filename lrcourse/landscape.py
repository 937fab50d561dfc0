"""A 2-D ill-conditioned quadratic bowl, gradient descent on it with any LR schedule, and the
stability limit ``2/L``.

.. math::  f(\\theta) = \\tfrac12 (\\mu\\, \\theta_1^2 + L\\, \\theta_2^2), \\qquad
           \\nabla f(\\theta) = (\\mu \\theta_1,\\; L \\theta_2)

Gradient descent multiplies each coordinate by ``1 - eta * lambda`` per step, so it converges
exactly when ``|1 - eta * lambda| < 1`` for both curvatures, i.e. ``0 < eta < 2 / L``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .validation import as_array, as_int, as_real, fail

__all__ = [
    "QuadraticBowl",
    "Trajectory",
    "empirical_stability_limit",
    "gd_trajectory",
    "plot_trajectories",
    "quadratic_bowl",
    "stability_limit",
]


@dataclass(frozen=True)
class QuadraticBowl:
    """``f(theta) = (mu * theta_1**2 + L * theta_2**2) / 2``: minimum 0 at the origin.

    ``mu`` is the shallow curvature, ``L`` the steep one (``L >= mu > 0``); their ratio
    ``L / mu`` is the condition number.
    """

    mu: float = 1.0
    L: float = 10.0

    @property
    def curvatures(self) -> np.ndarray:
        """The Hessian's eigenvalues ``(mu, L)``."""
        return np.array([self.mu, self.L])

    @property
    def condition_number(self) -> float:
        """``L / mu``: how elongated the bowl is."""
        return self.L / self.mu

    @property
    def stability_limit(self) -> float:
        """``2 / L``: constant LRs at or above it do not converge (see :func:`stability_limit`)."""
        return 2.0 / self.L

    @property
    def best_constant_lr(self) -> float:
        """``2 / (L + mu)``: the constant LR with the fastest worst-case contraction."""
        return 2.0 / (self.L + self.mu)

    def loss(self, theta: np.ndarray | Sequence[float]) -> np.ndarray:
        """``f(theta)``, vectorised over leading axes (``theta[..., 0]``, ``theta[..., 1]``)."""
        t = np.asarray(theta, dtype=np.float64)
        return 0.5 * (self.mu * t[..., 0] ** 2 + self.L * t[..., 1] ** 2)

    def grad(self, theta: np.ndarray | Sequence[float]) -> np.ndarray:
        """``grad f(theta) = (mu * theta_1, L * theta_2)``."""
        return np.asarray(theta, dtype=np.float64) * self.curvatures

    def contraction(self, lr: float) -> np.ndarray:
        """Per-direction factor ``|1 - lr * lambda|`` one GD step multiplies the error by."""
        return np.abs(1.0 - float(lr) * self.curvatures)

    def grid(
        self, xlim: tuple[float, float] = (-3, 3), ylim: tuple[float, float] = (-1.5, 1.5), n=101
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X, Y, f(X, Y)`` on an ``n x n`` grid, for ``plt.contour``."""
        X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
        return X, Y, self.loss(np.stack([X, Y], axis=-1))


def quadratic_bowl(mu: float = 1.0, L: float = 10.0) -> QuadraticBowl:
    """An axis-aligned quadratic bowl with curvatures ``mu`` (shallow) and ``L`` (steep).

    Example::

        >>> bowl = quadratic_bowl(mu=1.0, L=10.0)
        >>> bowl.stability_limit, bowl.condition_number
        (0.2, 10.0)
    """
    mu = as_real("mu", mu, low=0.0, low_open=True)
    L = as_real("L", L, low=0.0, low_open=True)
    if L < mu:
        raise fail("L", f"the steep curvature, >= mu={mu:g}", L)
    return QuadraticBowl(mu, L)


def stability_limit(bowl: QuadraticBowl) -> float:
    """The largest LR below which constant-LR gradient descent converges: ``2 / L``.

    One step maps the error to ``(1 - eta * lambda) * theta`` in each direction; the steep
    direction (``lambda = L``) is the first to reach ``|1 - eta * L| = 1``.

    Example::

        >>> stability_limit(quadratic_bowl(1.0, 10.0))
        0.2
    """
    _check_bowl(bowl)
    return bowl.stability_limit


def _kind(value: object) -> str:
    return type(value).__name__


def _check_bowl(bowl: object) -> None:
    if not isinstance(bowl, QuadraticBowl):
        raise fail("bowl", "a QuadraticBowl (from quadratic_bowl)", got=_kind(bowl))


@dataclass(frozen=True)
class Trajectory:
    """A gradient-descent run: ``path[t]`` is ``theta_t`` (``t = 0..n``), ``losses[t] = f``.

    ``lrs[t]`` is the LR of step ``t``. If the loss blew up the run stopped early:
    ``diverged`` is True and ``path`` ends at the first blown-up point.
    """

    path: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray
    diverged: bool

    @property
    def final_loss(self) -> float:
        """The last loss (``inf`` if the run diverged)."""
        return math.inf if self.diverged else float(self.losses[-1])


def gd_trajectory(
    lrs: Sequence[float] | np.ndarray,
    start: Sequence[float] | np.ndarray = (-2.5, 1.0),
    bowl: QuadraticBowl | None = None,
    *,
    noise: float = 0.0,
    seed: int = 0,
    blowup: float = 1e6,
) -> Trajectory:
    """Gradient descent with a per-step LR: ``theta_{t+1} = theta_t - lrs[t] * g_t``.

    ``g_t = grad f(theta_t) + noise * xi_t`` with ``xi_t ~ N(0, I)`` drawn from ``seed``
    (``noise=0``: exact gradients). The run stops, marked ``diverged``, once the loss exceeds
    ``blowup * max(f(start), 1)`` (or stops being finite).

    Example::

        >>> bowl = quadratic_bowl(1.0, 10.0)
        >>> gd_trajectory(np.full(50, 0.1), bowl=bowl).final_loss < 1e-3
        True
        >>> gd_trajectory(np.full(50, 0.3), bowl=bowl).diverged  # above 2 / 10
        True
    """
    bowl = quadratic_bowl() if bowl is None else bowl
    _check_bowl(bowl)
    lr_arr = as_array("lrs", lrs, low=0.0, nonempty=False)
    theta = as_array("start", start).copy()
    if theta.shape != (2,):
        raise fail("start", "two finite numbers", start)
    noise = as_real("noise", noise, low=0.0)
    blowup = as_real("blowup", blowup, low=1.0, low_open=True)
    seed = as_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((lr_arr.size, 2)) * noise if noise > 0 else None
    path = [theta.copy()]
    limit = blowup * max(float(bowl.loss(theta)), 1.0)
    diverged = False
    for t, lr in enumerate(lr_arr):
        g = bowl.grad(theta)
        if xi is not None:
            g = g + xi[t]
        theta = theta - lr * g
        path.append(theta.copy())
        f = float(bowl.loss(theta))
        if not math.isfinite(f) or f > limit:
            diverged = True
            break
    path_arr = np.array(path)
    return Trajectory(path_arr, bowl.loss(path_arr), lr_arr, diverged)


def empirical_stability_limit(
    bowl: QuadraticBowl, steps: int = 2000, rel_tol: float = 1e-4
) -> float:
    """Find the largest converging constant LR by bisection on real runs (no formula used).

    An LR counts as converging if :func:`gd_trajectory` with ``steps`` exact-gradient steps
    from ``(1, 1)`` ends below the starting loss. As ``steps`` grows the answer approaches
    ``2 / L`` from above.

    Example::

        >>> bowl = quadratic_bowl(1.0, 10.0)
        >>> abs(empirical_stability_limit(bowl) / bowl.stability_limit - 1) < 0.01
        True
    """
    _check_bowl(bowl)
    steps = as_int("steps", steps, low=1)
    rel_tol = as_real("rel_tol", rel_tol, low=0.0, high=1.0, low_open=True, high_open=True)
    start = np.ones(2)
    f0 = float(bowl.loss(start))

    def converges(lr: float) -> bool:
        run = gd_trajectory(np.full(steps, lr), start, bowl)
        return not run.diverged and run.final_loss < f0

    lo, hi = 0.0, 4.0 / bowl.mu
    while hi - lo > rel_tol * lo or lo == 0.0:
        mid = 0.5 * (lo + hi)
        if converges(mid):
            lo = mid
        else:
            hi = mid
    return lo


def plot_trajectories(
    runs: dict[str, Trajectory],
    bowl: QuadraticBowl,
    *,
    xlim: tuple[float, float] = (-3.0, 3.0),
    ylim: tuple[float, float] = (-1.6, 1.6),
    ncols: int | None = None,
    suptitle: str | None = None,
):
    """One panel per run: the bowl's contours, the path ``theta_0 -> theta_n``, the minimum.

    ``runs`` maps a panel title to a :class:`Trajectory`. Points outside the axes (a
    diverging run) are clipped; the panel says "diverged" when the run stopped. Returns
    the array of Axes.

    Example::

        bowl = quadratic_bowl(1.0, 10.0)
        plot_trajectories({"lr 0.15": gd_trajectory(np.full(40, 0.15), bowl=bowl)}, bowl)
    """
    import matplotlib.pyplot as plt

    from .plotting import house_style

    if not isinstance(runs, dict) or not runs:
        raise fail("runs", "a non-empty dict of title -> Trajectory", got=_kind(runs))
    for title, run in runs.items():
        if not isinstance(run, Trajectory):
            raise fail(f"runs[{title!r}]", "a Trajectory (from gd_trajectory)", got=_kind(run))
    _check_bowl(bowl)
    n = len(runs)
    ncols = min(n, 2) if ncols is None else as_int("ncols", ncols, low=1)
    nrows = math.ceil(n / ncols)
    X, Y, Z = bowl.grid(xlim, ylim, 121)
    levels = np.geomspace(max(Z.min(), 1e-3), Z.max(), 12)
    with house_style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(4.2 * ncols, 2.5 * nrows), squeeze=False, layout="constrained"
        )
        for ax, (title, run) in zip(axes.flat, runs.items(), strict=False):
            ax.contour(X, Y, Z, levels=levels, colors="0.75", linewidths=0.7)
            p = run.path
            ax.plot(p[:, 0], p[:, 1], "-o", ms=2.5, lw=1.0, color="#0072B2", clip_on=True)
            ax.plot(*p[0], "s", color="#D55E00", ms=6, label="start")
            ax.plot(0, 0, "*", color="k", ms=10, label="minimum")
            status = "diverged" if run.diverged else f"final loss {run.final_loss:.2g}"
            ax.set_title(f"{title}\n{status}", fontsize=10)
            ax.set_xlim(*xlim)
            ax.set_ylim(*ylim)
            ax.set_xlabel(r"$\theta_1$ (shallow, $\mu$)")
            ax.set_ylabel(r"$\theta_2$ (steep, $L$)")
            ax.grid(False)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        if suptitle:
            fig.suptitle(suptitle)
    return axes
