r"""AdamW against Adam + L2: what each does to a weight, and where each wants its decay.

Two ways to add weight decay :math:`\lambda` to Adam (step :math:`\eta_t`, the *scheduled* LR):

* Adam + L2 (``torch.optim.Adam(weight_decay=...)``): :math:`g_t \leftarrow g_t +
  \lambda\theta_t`, then Adam's update :math:`\theta_{t+1} = \theta_t - \eta_t\,\hat m_t /
  (\sqrt{\hat v_t} + \epsilon)` normalises the sum, the decay term included;
* AdamW (``torch.optim.AdamW``): :math:`\theta_t \leftarrow (1 - \eta_t\lambda)\,\theta_t`,
  then the same Adam update on the gradient alone.

A weight whose gradient is always zero (a first-layer weight of an input that is 0 in every
example) shows the difference cleanly: under AdamW it shrinks by exactly
:func:`lrcourse.cumulative_shrink` (Adam's own update is 0/0 + eps = 0); under Adam + L2 its only
gradient is :math:`\lambda\theta`, which Adam normalises to about :math:`\pm 1`, so it moves by
about :math:`\eta_t` per step towards 0, whatever :math:`\lambda` is.

* :func:`trace_constant_inputs`: train the course's MLP and record the weights of the inputs
  that are 0 in every training example (:func:`lrcourse.zero_input_features`) after every
  step (a :class:`ShrinkTrace`).
* :func:`decay_grid`: a run for every (LR, weight decay) pair and seed (a :class:`DecayGrid`:
  the table, the best decay for each LR, the slope of that ridge, the heatmap).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .decay import cumulative_shrink
from .harness import compare, train_classifier
from .training import SupervisedData, check_data
from .validation import as_array, as_choice, as_int, fail
from .weightdecay import zero_input_features

__all__ = [
    "DecayGrid",
    "ShrinkTrace",
    "decay_grid",
    "trace_constant_inputs",
]


@dataclass
class ShrinkTrace:
    """What :func:`trace_constant_inputs` recorded.

    ``weights[t]`` holds the traced weights before step ``t`` (row 0: at initialisation;
    row ``t + 1``: after step ``t``'s update), ``lrs[t]`` the LR step ``t`` used, ``columns``
    the constant inputs whose weights these are. ``history`` is the run's
    :class:`~lrcourse.training.History`.
    """

    optimizer: str
    weight_decay: float
    columns: np.ndarray
    lrs: np.ndarray
    weights: np.ndarray
    history: Any

    def factor(self) -> np.ndarray:
        """Each weight over its initial value after every step: shape ``(steps, n_weights)``."""
        return self.weights[1:] / self.weights[0]

    def predicted(self) -> np.ndarray:
        r"""Decoupled decay alone: :math:`\prod_{j \le t}(1 - \eta_j\lambda)` after each step."""
        return cumulative_shrink(self.lrs, self.weight_decay)

    def decay_per_step(self) -> np.ndarray:
        r"""The measured shrink of each step, :math:`1 - \theta_{t+1}/\theta_t`, averaged over
        the traced weights."""
        return np.mean(1.0 - self.weights[1:] / self.weights[:-1], axis=1)

    def mean_abs(self) -> np.ndarray:
        """The mean absolute traced weight, at initialisation and after every step."""
        return np.abs(self.weights).mean(axis=1)

    def __repr__(self) -> str:
        return (
            f"ShrinkTrace({self.optimizer}, weight_decay={self.weight_decay:g}, "
            f"{self.weights.shape[1]} weights, {len(self.lrs)} steps: mean |w| "
            f"{self.mean_abs()[0]:.4g} -> {self.mean_abs()[-1]:.4g})"
        )


def trace_constant_inputs(
    data: SupervisedData,
    *,
    optimizer: str,
    lr: float,
    weight_decay: float,
    epochs: int,
    schedule: Any = None,
    step_per: str = "batch",
    hidden: int = 64,
    seed: int = 0,
    **train_kwargs: Any,
) -> ShrinkTrace:
    """Train :func:`lrcourse.mlp` with :func:`lrcourse.train_classifier` and record, after
    every step, the first-layer weights of the inputs that are 0 in every training example.

    Those weights get a zero gradient throughout, so only the weight decay moves them.

    Example::

        >>> from lrcourse import load_digits_data
        >>> tr = trace_constant_inputs(load_digits_data(), optimizer="adamw", lr=1e-3,
        ...                            weight_decay=0.1, epochs=1)
        >>> bool(np.allclose(tr.factor().mean(axis=1), tr.predicted(), atol=1e-6))
        True
    """
    from .models import mlp

    check_data(data)
    columns = np.asarray(zero_input_features(data), dtype=np.int64)
    if columns.size == 0:
        raise fail("data.X_train", "some input that is 0 in every example", got="none")
    seed = as_int("seed", seed, low=0)
    n_classes = int(torch.cat([data.y_train, getattr(data, "y_val", data.y_train)]).max()) + 1
    net = mlp(int(data.X_train.shape[1]), hidden, n_classes, seed=seed)
    first = net[0].weight
    cols = torch.as_tensor(columns)
    rows = [first.detach()[:, cols].double().flatten().clone()]

    def record(_step: int, _loss: float) -> bool:
        rows.append(first.detach()[:, cols].double().flatten().cpu().clone())
        return False

    history = train_classifier(
        data,
        lr=lr,
        epochs=epochs,
        schedule=schedule,
        step_per=step_per,
        model=net,
        optimizer=optimizer,
        weight_decay=weight_decay,
        seed=seed,
        stop=record,
        **train_kwargs,
    )
    return ShrinkTrace(
        optimizer=optimizer,
        weight_decay=float(weight_decay),
        columns=columns,
        lrs=np.array(history.lrs, dtype=np.float64),
        weights=torch.stack(rows).numpy(),
        history=history,
    )


# ----------------------------------------------------------------------------- the grid


@dataclass
class DecayGrid:
    """Results of :func:`decay_grid`: ``values[i, j, k]`` is the final ``metric`` at
    ``lrs[i]``, ``weight_decays[j]`` and ``seeds[k]`` (NaN where a run diverged)."""

    lrs: tuple[float, ...]
    weight_decays: tuple[float, ...]
    seeds: tuple[int, ...]
    metric: str
    values: np.ndarray

    def mean(self) -> np.ndarray:
        """The metric averaged over the seeds: shape ``(len(lrs), len(weight_decays))``."""
        return self.values.mean(axis=2)

    def _table(self, seed: int | None) -> np.ndarray:
        if seed is None:
            return self.mean()
        seed = as_choice("seed", seed, self.seeds)
        return self.values[:, :, self.seeds.index(seed)]

    def best_wd(self, seed: int | None = None) -> np.ndarray:
        """For each LR, the weight decay with the lowest metric (seed mean, or one ``seed``);
        a diverged run never wins."""
        table = np.where(np.isfinite(self._table(seed)), self._table(seed), np.inf)
        return np.array(self.weight_decays)[np.argmin(table, axis=1)]

    def ridge_slope(self, seed: int | None = None) -> float:
        r"""How fast the best decay moves with the LR: the least-squares slope of
        :math:`\log_{10}` best wd against :math:`\log_{10}` LR (0: the best wd does not move;
        1: it grows in proportion to the LR; -1: it shrinks as the LR grows, keeping
        :math:`\eta\lambda` fixed)."""
        x, y = np.log10(self.lrs), np.log10(self.best_wd(seed))
        return float(np.polyfit(x, y, 1)[0])

    def __str__(self) -> str:
        mean = self.mean()
        corner = "lr \\ wd"
        head = f"{corner:>9s}" + "".join(f"{w:>9.0e}" for w in self.weight_decays)
        lines = [f"final {self.metric}, mean over seeds {list(self.seeds)}", head]
        for lr, row in zip(self.lrs, mean, strict=True):
            lines.append(f"{lr:>9.0e}" + "".join(f"{v:>9.4f}" for v in row))
        best = ", ".join(f"{w:g}" for w in self.best_wd())
        lines.append(
            f"best wd for each lr (seed mean): {best}; ridge slope {self.ridge_slope():.2f}"
        )
        return "\n".join(lines)

    __repr__ = __str__

    def plot(self, ax: Any = None, *, title: str | None = None, vmax: float | None = None) -> Any:
        """Heatmap of the seed-mean metric (LR up, weight decay across); a red frame marks the
        best decay in each row."""
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle

        from .plotting import house_style

        with house_style():
            if ax is None:
                _fig, ax = plt.subplots(layout="constrained")
            mean = self.mean()
            image = ax.imshow(mean, cmap="viridis_r", aspect="auto", vmax=vmax, origin="lower")
            ax.grid(False)
            best = np.argmin(np.where(np.isfinite(mean), mean, np.inf), axis=1)
            for i, j in enumerate(best):
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2))
            for i in range(mean.shape[0]):
                for j in range(mean.shape[1]):
                    dark = image.norm(mean[i, j]) > 0.6
                    ax.text(
                        j,
                        i,
                        f"{mean[i, j]:.3f}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "black",
                    )
            ax.set_xticks(range(len(self.weight_decays)), [f"{w:g}" for w in self.weight_decays])
            ax.set_yticks(range(len(self.lrs)), [f"{lr:g}" for lr in self.lrs])
            ax.set_xlabel("weight_decay")
            ax.set_ylabel("lr")
            if title is not None:
                ax.set_title(title)
            ax.figure.colorbar(image, ax=ax, label=f"final {self.metric.replace('_', ' ')}")
        return ax


def decay_grid(
    run: Callable[..., Any],
    lrs: Sequence[float],
    weight_decays: Sequence[float],
    *,
    seeds: Iterable[int] = range(3),
    metric: str = "val_loss",
    progress: bool | None = None,
) -> DecayGrid:
    """``run(seed=seed, lr=lr, weight_decay=wd)`` for every pair and seed (through
    :func:`lrcourse.compare`); a :class:`DecayGrid` of the final ``metric``.

    Example::

        >>> from lrcourse import load_digits_data
        >>> data = load_digits_data()
        >>> grid = decay_grid(
        ...     lambda seed, **kw: train_classifier(data, optimizer="adamw", epochs=1,
        ...                                         seed=seed, progress=False, **kw),
        ...     [1e-3, 1e-2], [0.01, 0.1], seeds=[0, 1])
        >>> grid.values.shape, grid.best_wd().shape
        ((2, 2, 2), (2,))
    """
    grid_lrs = as_array("lrs", lrs, low=0.0)
    grid_wds = as_array("weight_decays", weight_decays, low=0.0)
    for name, values in (("lrs", grid_lrs), ("weight_decays", grid_wds)):
        if values.size < 2 or np.any(values <= 0) or np.any(np.diff(values) <= 0):
            raise fail(name, "an increasing list of at least 2 numbers > 0", values.tolist())
    configs = {
        f"lr={lr:g}, wd={wd:g}": {"lr": float(lr), "weight_decay": float(wd)}
        for lr in grid_lrs
        for wd in grid_wds
    }
    table = compare(run, configs, seeds=seeds, metrics=(metric,), progress=progress)
    values = np.array([table.values(label, metric) for label in configs])
    values = values.reshape(len(grid_lrs), len(grid_wds), len(table.seeds))
    return DecayGrid(
        lrs=tuple(float(v) for v in grid_lrs),
        weight_decays=tuple(float(v) for v in grid_wds),
        seeds=table.seeds,
        metric=metric,
        values=values,
    )
