"""One training loop for every experiment, plus the device switch and the online regression run.

* :func:`device` / :func:`scaled`: CUDA when present (override with ``LRCOURSE_DEVICE``), and
  one switch for experiment sizes.
* :func:`fit`: mini-batch training on a fixed dataset; the scheduler is stepped per epoch,
  per batch, or on a metric (``ReduceLROnPlateau``); per-step LR and loss, per-epoch
  train/val loss and accuracy; divergence (a non-finite loss) is caught, not raised.
* :func:`run_online`: SGD on the streaming teacher-student task under a given schedule.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from tqdm.auto import tqdm

from .data import TeacherStudentStream

__all__ = ["History", "OnlineHistory", "device", "fit", "run_online", "scaled", "torch_threads"]

T = TypeVar("T")
OptimizerLike = Optimizer | Callable[[Iterable[nn.Parameter]], Optimizer]
SchedulerLike = LRScheduler | Callable[[Optimizer], LRScheduler] | None

DEVICE_ENV = "LRCOURSE_DEVICE"


def device() -> torch.device:
    """The device experiments run on: CUDA if available, else CPU.

    Set the environment variable ``LRCOURSE_DEVICE`` to ``cpu`` or ``cuda`` to choose.

    Example::

        >>> import os; os.environ["LRCOURSE_DEVICE"] = "cpu"
        >>> device()
        device(type='cpu')
    """
    return _auto_device()


def _auto_device() -> torch.device:
    choice = os.environ.get(DEVICE_ENV, "").strip().lower()
    if choice in ("", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cpu":
        return torch.device("cpu")
    if choice == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"{DEVICE_ENV}=cuda, but torch sees no CUDA device")
        return torch.device("cuda")
    raise ValueError(f"{DEVICE_ENV} must be 'cpu' or 'cuda' (or unset), got {choice!r}")


def scaled(cpu: T, cuda: T) -> T:
    """The experiment size for the current device: ``cuda`` on a GPU, ``cpu`` otherwise.

    Example::

        >>> epochs = scaled(cpu=20, cuda=100)   # 20 on a laptop, 100 on a GPU
    """
    return cuda if device().type == "cuda" else cpu


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run a block with ``torch.set_num_threads(n)``, restoring the old value afterwards.

    The course's models are tiny: one CPU thread trains them several times faster than two,
    because per-operation threading overhead outweighs the arithmetic. ``None``: no change.

    Example::

        >>> with torch_threads(1):
        ...     torch.get_num_threads()
        1
    """
    if n is None:
        yield
        return
    n = _check_int("n", n)
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _progress_enabled(progress: bool | None) -> bool:
    if progress is None:
        return not os.environ.get("CI")
    return bool(progress) and not os.environ.get("CI")


class SupervisedData(Protocol):
    """What :func:`fit` needs: tensors ``X_train, y_train`` and (optionally) ``X_val, y_val``."""

    X_train: torch.Tensor
    y_train: torch.Tensor


@dataclass
class History:
    """What :func:`fit` recorded.

    Per optimizer step: ``lrs`` (the LR that step used, group 0, read with
    ``scheduler.get_last_lr()``) and ``step_loss`` (the mini-batch loss). Per epoch, measured
    after the epoch in eval mode on the whole split: ``train_loss``, ``train_acc``,
    ``val_loss``, ``val_acc`` (accuracy is NaN for non-classification targets).
    ``diverged`` is True when a loss became non-finite (or exceeded ``fit``'s ``max_loss``);
    training stopped at step ``diverged_at``.
    """

    steps_per_epoch: int
    lrs: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    diverged: bool = False
    diverged_at: int | None = None

    @property
    def epochs_run(self) -> int:
        """Number of completed (and evaluated) epochs."""
        return len(self.train_loss)

    def final(self) -> dict[str, float]:
        """The last epoch's figures; NaN everywhere if the run diverged."""
        keys = ("train_loss", "train_acc", "val_loss", "val_acc")
        if self.diverged or not self.train_loss:
            return {k: math.nan for k in keys}
        return {k: getattr(self, k)[-1] for k in keys}

    def __repr__(self) -> str:
        status = f"diverged at step {self.diverged_at}" if self.diverged else "ok"
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.final().items())
        return f"History(epochs={self.epochs_run}, steps={len(self.lrs)}, {status}, {last})"


def _resolve_optimizer(model: nn.Module, optimizer: OptimizerLike) -> Optimizer:
    if isinstance(optimizer, Optimizer):
        ids = {id(p) for p in model.parameters()}
        held = [p for g in optimizer.param_groups for p in g["params"]]
        if not any(id(p) in ids for p in held):
            raise ValueError("optimizer holds none of the model's parameters")
        return optimizer
    if callable(optimizer):
        opt = optimizer(model.parameters())
        if not isinstance(opt, Optimizer):
            raise ValueError("optimizer factory must return a torch.optim.Optimizer")
        return opt
    raise ValueError(f"optimizer must be an Optimizer or a factory, got {type(optimizer).__name__}")


def _resolve_scheduler(opt: Optimizer, scheduler: Any) -> LRScheduler | None:
    if scheduler is None:
        return None
    if isinstance(scheduler, LRScheduler):
        if scheduler.optimizer is not opt:
            raise ValueError("scheduler was built on a different optimizer than the one trained")
        return scheduler
    if callable(scheduler):
        sched = scheduler(opt)
        if not isinstance(sched, LRScheduler):
            raise ValueError("scheduler factory must return a torch.optim.lr_scheduler object")
        return sched
    raise ValueError(f"scheduler must be a scheduler or a factory, got {type(scheduler).__name__}")


def _current_lr(opt: Optimizer, sched: LRScheduler | None) -> float:
    if sched is not None:
        return float(sched.get_last_lr()[0])
    return float(opt.param_groups[0]["lr"])


@torch.no_grad()
def _evaluate(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: Callable, chunk: int = 4096
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``(X, y)``."""
    model.eval()
    total, correct, n = 0.0, 0, len(X)
    classify = not torch.is_floating_point(y)
    for i in range(0, n, chunk):
        out = model(X[i : i + chunk])
        yb = y[i : i + chunk]
        total += float(loss_fn(out, yb)) * len(yb)
        if classify and out.ndim == 2 and out.shape[1] > 1:
            correct += int((out.argmax(1) == yb).sum())
    acc = correct / n if classify else math.nan
    return total / n, acc


def _check_int(name: str, value: Any, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def fit(
    model: nn.Module,
    data: SupervisedData,
    *,
    optimizer: OptimizerLike,
    scheduler: SchedulerLike = None,
    epochs: int,
    batch_size: int,
    step_per: Literal["epoch", "batch"] = "epoch",
    seed: int = 0,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    monitor: Literal["val_loss", "train_loss"] = "val_loss",
    max_loss: float = math.inf,
    device: torch.device | str | None = None,
    cpu_threads: int | None = 1,
    progress: bool | None = None,
    desc: str | None = None,
) -> History:
    """Train ``model`` on ``data`` with mini-batch ``optimizer`` steps and an optional scheduler.

    Each step: ``zero_grad -> loss -> backward -> optimizer.step()``, then
    ``scheduler.step()`` if ``step_per="batch"``; after each epoch, evaluation and
    ``scheduler.step()`` if ``step_per="epoch"``. A ``ReduceLROnPlateau`` is stepped with the
    ``monitor`` metric (per batch: the batch loss). The LR step ``t`` used is
    ``eta_t = scheduler.get_last_lr()[0]`` read just before ``optimizer.step()``.

    ``optimizer`` is an optimizer on the model's parameters, or a factory
    ``params -> Optimizer``; ``scheduler`` a scheduler on that optimizer, or a factory
    ``optimizer -> scheduler``. Batches are shuffled from ``seed`` (dropout too): same
    seed, same model init, same numbers. A non-finite loss (or one above ``max_loss``) stops
    training and sets ``history.diverged``. ``loss_fn`` defaults to cross-entropy, ``device``
    to :func:`device`; on CPU the loop runs with ``cpu_threads`` threads (see
    :func:`torch_threads`; ``None`` leaves torch's setting alone).

    Example::

        >>> d = load_digits_data(seed=0)
        >>> net = mlp(64, 32, 10, seed=0)
        >>> h = fit(net, d, optimizer=lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        ...         scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5),
        ...         epochs=5, batch_size=32, progress=False)
        >>> h.final()["val_acc"] > 0.8
        True
    """
    epochs = _check_int("epochs", epochs)
    batch_size = _check_int("batch_size", batch_size)
    seed = _check_int("seed", seed, low=0)
    if step_per not in ("epoch", "batch"):
        raise ValueError(f"step_per must be 'epoch' or 'batch', got {step_per!r}")
    if monitor not in ("val_loss", "train_loss"):
        raise ValueError(f"monitor must be 'val_loss' or 'train_loss', got {monitor!r}")
    if isinstance(max_loss, bool) or not isinstance(max_loss, int | float) or not max_loss > 0:
        raise ValueError(f"max_loss must be a number > 0, got {max_loss!r}")
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for attr in ("X_train", "y_train"):
        if not isinstance(getattr(data, attr, None), torch.Tensor):
            raise ValueError(f"data must have a tensor attribute {attr}")
    if len(data.X_train) != len(data.y_train) or len(data.X_train) == 0:
        raise ValueError("data.X_train and data.y_train must be non-empty and of equal length")
    has_val = isinstance(getattr(data, "X_val", None), torch.Tensor) and len(data.X_val) > 0
    if monitor == "val_loss" and not has_val:
        monitor = "train_loss"

    dev = torch.device(device) if device is not None else _auto_device()
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    model.to(dev)
    opt = _resolve_optimizer(model, optimizer)
    sched = _resolve_scheduler(opt, scheduler)
    plateau = isinstance(sched, ReduceLROnPlateau)

    X, y = data.X_train.to(dev), data.y_train.to(dev)
    if has_val:
        Xv, yv = data.X_val.to(dev), data.y_val.to(dev)
    n = len(X)
    spe = math.ceil(n / batch_size)
    hist = History(steps_per_epoch=spe)
    gen = torch.Generator().manual_seed(seed)
    fork: list[int] = []
    if dev.type == "cuda":
        fork = [dev.index if dev.index is not None else torch.cuda.current_device()]

    threads = cpu_threads if dev.type == "cpu" else None
    bar = tqdm(total=epochs, desc=desc, disable=not _progress_enabled(progress), leave=False)
    with torch_threads(threads), torch.random.fork_rng(devices=fork):
        torch.manual_seed(seed)
        for _epoch in range(epochs):
            model.train()
            perm = torch.randperm(n, generator=gen).to(dev)
            for i in range(spe):
                idx = perm[i * batch_size : (i + 1) * batch_size]
                hist.lrs.append(_current_lr(opt, sched))
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(X[idx]), y[idx])
                value = loss.item()
                hist.step_loss.append(value)
                if not math.isfinite(value) or value > max_loss:
                    hist.diverged, hist.diverged_at = True, len(hist.lrs) - 1
                    break
                loss.backward()
                opt.step()
                if sched is not None and step_per == "batch":
                    if plateau:
                        sched.step(value)
                    else:
                        sched.step()
            if hist.diverged:
                break
            tl, ta = _evaluate(model, X, y, loss_fn)
            vl, va = _evaluate(model, Xv, yv, loss_fn) if has_val else (math.nan, math.nan)
            if not math.isfinite(tl) or tl > max_loss:
                hist.diverged, hist.diverged_at = True, len(hist.lrs) - 1
                break
            hist.train_loss.append(tl)
            hist.train_acc.append(ta)
            hist.val_loss.append(vl)
            hist.val_acc.append(va)
            if sched is not None and step_per == "epoch":
                if plateau:
                    sched.step(vl if monitor == "val_loss" else tl)
                else:
                    sched.step()
            bar.update(1)
            bar.set_postfix(train_loss=f"{tl:.3g}", lr=f"{_current_lr(opt, sched):.3g}")
    bar.close()
    return hist


@dataclass
class OnlineHistory:
    """What :func:`run_online` recorded.

    ``lrs[t]``: the LR of step ``t``; ``batch_loss[t]``: the mini-batch loss at step ``t``;
    ``loss[t]``: the exact population loss of the student *before* step ``t``
    (``loss[-1]`` is after the last step, so ``len(loss) == len(lrs) + 1``).
    """

    lrs: np.ndarray
    batch_loss: np.ndarray
    loss: np.ndarray
    optimal_loss: float
    diverged: bool = False
    diverged_at: int | None = None

    @property
    def final_loss(self) -> float:
        """Population loss after the last step (``inf`` if the run diverged)."""
        return math.inf if self.diverged else float(self.loss[-1])

    @property
    def excess(self) -> np.ndarray:
        """``loss - optimal_loss``: how far above the best possible loss the student is."""
        return self.loss - self.optimal_loss

    def tail_loss(self, fraction: float = 0.25) -> float:
        """Mean population loss over the last ``fraction`` of steps (a constant-LR plateau)."""
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
        if self.diverged:
            return math.inf
        k = max(1, round(fraction * (len(self.loss) - 1)))
        return float(self.loss[-k:].mean())

    def __repr__(self) -> str:
        status = f"diverged at step {self.diverged_at}" if self.diverged else "ok"
        return (
            f"OnlineHistory(steps={len(self.lrs)}, {status}, final_loss={self.final_loss:.4g}, "
            f"optimal_loss={self.optimal_loss:.4g})"
        )


def run_online(
    task: TeacherStudentStream,
    schedule: Sequence[float] | np.ndarray | float | Callable[[Optimizer], LRScheduler],
    *,
    steps: int | None = None,
    lr: float | None = None,
    momentum: float = 0.0,
    cpu_threads: int | None = 1,
) -> OnlineHistory:
    """SGD on the teacher-student stream, one fresh batch per step, LR set by ``schedule``.

    The student is a linear map ``x . w`` started at ``w = 0``, trained on the mean-squared
    error with ``torch.optim.SGD``: ``w_{t+1} = w_t - eta_t * grad``. ``schedule`` is

    * an array of LRs (``steps = len(schedule)``), e.g. from ``lc.lr_curve(...)``: step ``t``
      uses ``schedule[t]``;
    * a number: a constant LR for ``steps`` steps;
    * a factory ``optimizer -> torch scheduler`` (then give ``steps`` and the base ``lr``);
      the scheduler is stepped after every optimizer step.

    Same task, same batches: runs under different schedules see identical data. Runs on
    the CPU with ``cpu_threads`` threads (``None``: torch's setting).

    Example::

        >>> task = teacher_student_stream(dim=20, batch_size=8, noise=1.0, seed=0)
        >>> h = run_online(task, lc.lr_curve("CosineAnnealingLR", 500, lr=0.05, T_max=500))
        >>> h.final_loss < run_online(task, 0.05, steps=500).final_loss
        True
    """
    if not isinstance(task, TeacherStudentStream):
        raise ValueError(f"task must be a TeacherStudentStream, got {type(task).__name__}")
    if isinstance(momentum, bool) or not isinstance(momentum, int | float) or not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    factory = None
    if callable(schedule):
        factory = schedule
        steps = _check_int("steps", steps)
        if lr is None or isinstance(lr, bool) or not isinstance(lr, int | float) or lr <= 0:
            raise ValueError(f"lr (the base LR for the scheduler) must be > 0, got {lr!r}")
        base_lr = float(lr)
        lrs_given = None
    elif isinstance(schedule, int | float | np.floating) and not isinstance(schedule, bool):
        steps = _check_int("steps", steps)
        lrs_given = np.full(steps, float(schedule))
    else:
        try:
            lrs_given = np.asarray(schedule, dtype=np.float64)
        except (TypeError, ValueError) as err:
            msg = f"schedule must be an array of LRs, a number or a factory: {err}"
            raise ValueError(msg) from err
        if lrs_given.ndim != 1 or lrs_given.size == 0:
            raise ValueError(f"schedule must be a 1-D array of LRs, got shape {lrs_given.shape}")
        if steps is not None and steps != lrs_given.size:
            raise ValueError(f"steps={steps} but the schedule has {lrs_given.size} entries")
        steps = lrs_given.size
    if lrs_given is not None:
        if not np.all(np.isfinite(lrs_given)) or np.any(lrs_given < 0):
            raise ValueError("schedule must hold finite LRs >= 0")
        base_lr = float(lrs_given[0])

    w = torch.zeros(task.dim, requires_grad=True)
    opt = torch.optim.SGD([w], lr=base_lr, momentum=momentum)
    sched = factory(opt) if factory is not None else None
    if factory is not None and not isinstance(sched, LRScheduler):
        raise ValueError("schedule factory must return a torch.optim.lr_scheduler object")

    lrs = np.empty(steps)
    batch_loss = np.full(steps, np.nan)
    weights = torch.zeros(steps + 1, task.dim)
    batches = task.batches()
    diverged_at = None
    with torch_threads(cpu_threads):
        for t in range(steps):
            if lrs_given is not None:
                opt.param_groups[0]["lr"] = lrs_given[t]
                lrs[t] = lrs_given[t]
            else:
                lrs[t] = sched.get_last_lr()[0]
            x, y = next(batches)
            opt.zero_grad(set_to_none=True)
            loss = ((x @ w - y) ** 2).mean()
            value = loss.item()
            batch_loss[t] = value
            if not math.isfinite(value):
                diverged_at = t
                break
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            weights[t + 1] = w.detach()
    if diverged_at is not None:
        lrs[diverged_at:] = np.nan
        weights = weights[: diverged_at + 1]
    pop = ((weights.double() - task.teacher) ** 2).sum(1).numpy() + task.optimal_loss
    if diverged_at is None and not np.all(np.isfinite(pop)):
        diverged_at = int(np.argmax(~np.isfinite(pop))) - 1
    return OnlineHistory(
        lrs=lrs,
        batch_loss=batch_loss,
        loss=pop,
        optimal_loss=task.optimal_loss,
        diverged=diverged_at is not None,
        diverged_at=diverged_at,
    )
