r"""Warm restarts (SGDR) in exact integer arithmetic, and snapshots taken at the cycle ends.

``CosineAnnealingWarmRestarts(T_0, T_mult)`` runs cosine cycles of lengths
:math:`T_i = T_0\,T_{mult}^i`. The :math:`n`-th restart (the LR back at its peak) falls after

.. math::  s_n = \sum_{i<n} T_0\,T_{mult}^i =
           \begin{cases} n\,T_0 & T_{mult} = 1 \\
           T_0\,\dfrac{T_{mult}^n - 1}{T_{mult} - 1} & T_{mult} > 1 \end{cases}

``scheduler.step()`` calls. Everything here is integer arithmetic (no floating logarithm), so
the positions are exact for any length; the tests hold them to :func:`lrcourse.lr_curve` and
to torch.

* :func:`cycle_lengths`, :func:`restart_step`, :func:`restart_steps`, :func:`cycle_ends`,
  :func:`cycle_position`, :func:`first_cycle_for`: where the cycles fall.
* :func:`at_cycle_ends`: pick a recorded curve's values at the cycle ends.
* :func:`fit_snapshots`, :func:`snapshot_predictions`, :func:`evaluate_snapshots`: train with
  :func:`lrcourse.fit`, keep a copy of the weights at chosen epochs (the cycle ends), and score
  each snapshot and their ensemble (averaged softmax) on the validation split.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from .schedules.cycles import cycle_start, restart_phase, restart_starts
from .validation import as_array, as_int, fail

__all__ = [
    "SnapshotRun",
    "at_cycle_ends",
    "cycle_ends",
    "cycle_lengths",
    "cycle_position",
    "evaluate_snapshots",
    "first_cycle_for",
    "fit_snapshots",
    "restart_step",
    "restart_steps",
    "snapshot_predictions",
]


def _t0_tmult(T_0: Any, T_mult: Any) -> tuple[int, int]:
    return as_int("T_0", T_0, low=1), as_int("T_mult", T_mult, low=1)


# ----------------------------------------------------------------------------- positions


def cycle_lengths(T_0: int, T_mult: int = 1, n: int = 5) -> list[int]:
    r"""The lengths of the first ``n`` cycles: :math:`T_i = T_0\,T_{mult}^i`, ``i = 0..n-1``.

    Example::

        >>> cycle_lengths(10, 2, 4)
        [10, 20, 40, 80]
    """
    T_0, T_mult = _t0_tmult(T_0, T_mult)
    n = as_int("n", n, low=0)
    return [T_0 * T_mult**i for i in range(n)]


def restart_step(n: int, T_0: int, T_mult: int = 1) -> int:
    r"""The step of the ``n``-th restart: :math:`s_n = T_0 (T_{mult}^n - 1)/(T_{mult} - 1)`
    (:math:`n T_0` when ``T_mult == 1``).

    Element ``s_n`` of ``lr_curve("CosineAnnealingWarmRestarts", ...)`` is the peak LR again:
    after ``s_n`` calls to ``scheduler.step()`` cycle ``n`` begins. ``restart_step(0, ...)`` is
    0, the start of the first cycle; ``s_n`` is also the number of steps that completes
    exactly ``n`` cycles.

    Example::

        >>> [restart_step(n, 10, 2) for n in (1, 2, 3)]
        [10, 30, 70]
    """
    n = as_int("n", n, low=0)
    T_0, T_mult = _t0_tmult(T_0, T_mult)
    return cycle_start(n, T_0, T_mult)


def _boundaries(T_0: int, T_mult: int, last: int) -> np.ndarray:
    """All ``s_n`` with ``1 <= n`` and ``s_n <= last`` (the core's cycle starts)."""
    return restart_starts(T_0, T_mult, last)[0][1:]


def restart_steps(T_0: int, T_mult: int = 1, steps: int = 100) -> np.ndarray:
    r"""The steps ``0 < k < steps`` at which the LR jumps back to its peak (the restarts).

    These index an LR curve: ``lr_curve(..., steps)[k]`` is the peak LR and
    ``lr_curve(...)[k - 1]`` the bottom of the cycle before. Exact integer positions
    :math:`s_n` (see :func:`restart_step`).

    Example::

        >>> restart_steps(10, 2, 100)
        array([10, 30, 70])
    """
    T_0, T_mult = _t0_tmult(T_0, T_mult)
    steps = as_int("steps", steps, low=1)
    return _boundaries(T_0, T_mult, steps - 1)


def cycle_ends(T_0: int, T_mult: int = 1, steps: int = 100) -> np.ndarray:
    r"""The step counts ``0 < s <= steps`` at which a cycle is complete: the snapshot points.

    After ``s`` optimizer steps the last of them used the bottom of a cycle; these index a
    curve recorded *after* ``k`` steps, such as ``run_online(...).loss`` (``loss[k]`` is the
    loss after ``k`` steps). They are :func:`restart_steps` plus ``steps`` itself when the run
    ends exactly at the end of a cycle.

    Example::

        >>> cycle_ends(10, 2, 70)
        array([10, 30, 70])
    """
    T_0, T_mult = _t0_tmult(T_0, T_mult)
    steps = as_int("steps", steps, low=1)
    return _boundaries(T_0, T_mult, steps)


def cycle_position(k: int, T_0: int, T_mult: int = 1) -> tuple[int, int, int]:
    r"""``(i, T_cur, T_i)`` at step ``k``: the cycle index, the steps since its start, its length.

    The LR there is :math:`\eta_{min} + \tfrac12(\eta_0 - \eta_{min})(1 + \cos(\pi T_{cur}/T_i))`.

    Example::

        >>> cycle_position(50, 10, 2)   # cycle 2 runs from step 30 to 69
        (2, 20, 40)
    """
    k = as_int("k", k, low=0)
    T_0, T_mult = _t0_tmult(T_0, T_mult)
    i, t_cur, t_i = restart_phase(np.asarray([k]), T_0, T_mult)
    return int(i[0]), int(t_cur[0]), int(t_i[0])


def first_cycle_for(total: int, cycles: int, T_mult: int = 1) -> int:
    r"""The ``T_0`` for which ``cycles`` cycles fill exactly ``total`` steps.

    Solves :math:`T_0 (1 + T_{mult} + \dots + T_{mult}^{cycles - 1}) = total`; raises
    ``ValueError`` when no integer ``T_0`` does (then change ``total``, ``cycles`` or
    ``T_mult``).

    Example::

        >>> first_cycle_for(150, 4, 2)   # 10 + 20 + 40 + 80
        10
    """
    total = as_int("total", total, low=1)
    cycles = as_int("cycles", cycles, low=1)
    T_mult = as_int("T_mult", T_mult, low=1)
    units = restart_step(cycles, 1, T_mult)  # 1 + T_mult + ... + T_mult**(cycles-1)
    if total % units:
        raise fail(
            "total",
            f"a multiple of {units} (= 1 + T_mult + ... + T_mult^{cycles - 1} for "
            f"T_mult={T_mult}) for an integer T_0 to give {cycles} cycles",
            total,
        )
    return total // units


def at_cycle_ends(
    values: Sequence[float] | np.ndarray, T_0: int, T_mult: int = 1, *, first: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""``(ends, values at ends)``: a recorded curve read at the cycle ends.

    ``values[j]`` is the value after ``first + j`` steps (or epochs): ``first=0`` for
    ``run_online(...).loss`` (``loss[0]`` is before any step), ``first=1`` for ``fit``'s per-epoch
    lists (``val_loss[0]`` is after the first epoch, with ``T_0`` in epochs). Only the cycle
    ends the curve covers are returned.

    Example::

        >>> ends, v = at_cycle_ends(np.arange(71.0), 10, 2)
        >>> ends, v
        (array([10, 30, 70]), array([10., 30., 70.]))
    """
    arr = as_array("values", values, finite=False)
    first = as_int("first", first, low=0)
    last = first + arr.size - 1
    T_0, T_mult = _t0_tmult(T_0, T_mult)
    ends = _boundaries(T_0, T_mult, last)
    ends = ends[ends >= first]
    return ends, arr[ends - first]


# ----------------------------------------------------------------------------- snapshots


@dataclass
class SnapshotRun:
    """What :func:`fit_snapshots` returns.

    ``history``: the :class:`lrcourse.History` of the whole run (segments joined);
    ``snapshots``: epoch -> a copy of the model's ``state_dict`` after that epoch;
    ``model``: the trained model (its weights are the last epoch's);
    ``segments``: the :class:`lrcourse.History` of each segment between snapshots.
    """

    history: Any
    snapshots: dict[int, dict[str, torch.Tensor]]
    model: nn.Module
    segments: list[Any] = field(default_factory=list)


def _join_histories(parts: list[Any]) -> Any:
    from .training import History

    out = History(steps_per_epoch=parts[0].steps_per_epoch)
    for h in parts:
        for key in ("lrs", "step_loss", "train_loss", "train_acc", "val_loss", "val_acc"):
            getattr(out, key).extend(getattr(h, key))
        if h.diverged:
            out.diverged = True
            out.diverged_at = len(out.lrs) - len(h.lrs) + (h.diverged_at or 0)
            break
    return out


def fit_snapshots(
    model: nn.Module,
    data: Any,
    *,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    epochs: int,
    snapshot_at: Sequence[int],
    batch_size: int = 32,
    step_per: str = "batch",
    seed: int = 0,
) -> SnapshotRun:
    """Train with :func:`lrcourse.fit` and keep a copy of the weights after chosen epochs.

    The run is split at ``snapshot_at`` (e.g. the cycle ends, :func:`cycle_ends` with ``T_0``
    in epochs): ``fit`` runs each segment on the *same* ``optimizer`` and ``scheduler``
    objects, so momentum and the schedule carry on across segments exactly as in one call;
    segment ``j`` shuffles its batches with seed ``seed * 1000 + j``. Two runs with the same
    ``snapshot_at`` and ``seed`` see the same batches, whatever their schedules.

    Example::

        >>> d = load_digits_data(seed=0)
        >>> net = lc.mlp(64, 32, 10, seed=0)
        >>> opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        >>> sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2 * 43)
        >>> run = fit_snapshots(net, d, optimizer=opt, scheduler=sched, epochs=4,
        ...                     snapshot_at=[2, 4])
        >>> sorted(run.snapshots)
        [2, 4]
    """
    from .training import fit

    epochs = as_int("epochs", epochs, low=1)
    if isinstance(snapshot_at, str | bytes) or not isinstance(snapshot_at, Sequence | np.ndarray):
        raise fail("snapshot_at", "a sequence of epochs", snapshot_at)
    marks = sorted({as_int("snapshot_at", e, low=1) for e in snapshot_at})
    if not marks:
        raise fail("snapshot_at", "a non-empty sequence of epochs", snapshot_at)
    if marks[-1] > epochs:
        raise fail("snapshot_at", f"epochs <= epochs={epochs}", marks[-1])
    seed = as_int("seed", seed, low=0)
    bounds = marks + ([epochs] if marks[-1] < epochs else [])
    parts, snaps, done = [], {}, 0
    for j, stop in enumerate(bounds):
        h = fit(
            model,
            data,
            optimizer=optimizer,
            scheduler=scheduler,
            epochs=stop - done,
            batch_size=batch_size,
            step_per=step_per,
            seed=seed * 1000 + j,
            progress=False,
        )
        parts.append(h)
        done = stop
        if h.diverged:
            break
        if stop in marks:
            snaps[stop] = copy.deepcopy(
                {k: v.detach().cpu() for k, v in model.state_dict().items()}
            )
    return SnapshotRun(_join_histories(parts), snaps, model, parts)


@torch.no_grad()
def snapshot_predictions(
    model: nn.Module, snapshots: dict[int, dict[str, torch.Tensor]], X: torch.Tensor
) -> dict[int, torch.Tensor]:
    """Softmax probabilities of each snapshot on ``X``: epoch -> ``(len(X), classes)`` tensor.

    ``model`` is any module of the snapshots' architecture; its own weights are restored
    afterwards.

    Example::

        probs = snapshot_predictions(run.model, run.snapshots, data.X_val)
    """
    if not snapshots:
        raise fail("snapshots", "a non-empty dict of epoch -> weights", snapshots)
    keep = copy.deepcopy(model.state_dict())
    was_training = model.training
    dev = next(model.parameters()).device
    out = {}
    try:
        model.eval()
        for epoch, state in snapshots.items():
            model.load_state_dict(state)
            out[epoch] = torch.softmax(model(X.to(dev)).float(), dim=1).cpu()
    finally:
        model.load_state_dict(keep)
        model.train(was_training)
    return out


def _scores(probs: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    p = probs.clamp_min(1e-12)
    nll = float(torch.nn.functional.nll_loss(p.log(), y))
    acc = float((probs.argmax(1) == y).double().mean())
    return {"val_loss": nll, "val_acc": acc}


def evaluate_snapshots(
    model: nn.Module,
    snapshots: dict[int, dict[str, torch.Tensor]],
    data: Any,
    *,
    ensemble: Sequence[int] | None = None,
) -> dict[Any, dict[str, float]]:
    r"""Validation loss and accuracy of every snapshot and of their ensemble.

    Keys: each snapshot's epoch, and ``"ensemble"``: the average of the snapshots' softmax
    outputs, :math:`\bar p(x) = \frac1M \sum_m p_m(x)` (Huang et al.'s snapshot ensemble),
    over the epochs in ``ensemble`` (default: all). ``val_loss`` is the cross-entropy
    :math:`-\frac1N\sum \log \bar p(y|x)`.

    Example::

        scores = evaluate_snapshots(run.model, run.snapshots, data)
        scores["ensemble"]["val_acc"], scores[35]["val_acc"]
    """
    for attr in ("X_val", "y_val"):
        if not isinstance(getattr(data, attr, None), torch.Tensor):
            raise fail("data", f"a split with a tensor attribute {attr}", got=type(data).__name__)
    probs = snapshot_predictions(model, snapshots, data.X_val)
    members = sorted(probs) if ensemble is None else list(ensemble)
    missing = [e for e in members if e not in probs]
    if missing or not members:
        raise fail("ensemble", f"snapshot epochs among {sorted(probs)}", members)
    y = data.y_val.cpu()
    out: dict[Any, dict[str, float]] = {e: _scores(p, y) for e, p in probs.items()}
    out["ensemble"] = _scores(torch.stack([probs[e] for e in members]).mean(0), y)
    return out
