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

__all__ = [
    "Comparison",
    "History",
    "OnlineHistory",
    "compare",
    "device",
    "fit",
    "run_online",
    "scaled",
    "scheduler_from_spec",
    "torch_threads",
    "train_classifier",
]

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


def rng_devices(dev: torch.device) -> list[int]:
    """The CUDA devices whose RNG ``torch.random.fork_rng`` must save for work on ``dev``."""
    if dev.type != "cuda":
        return []
    return [dev.index if dev.index is not None else torch.cuda.current_device()]


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
        if classify and out.ndim >= 2 and out.shape[-1] > 1:  # per-token for sequences
            hits = (out.argmax(-1) == yb).reshape(len(yb), -1).float().mean(1)
            correct += float(hits.sum())
    acc = correct / n if classify else math.nan
    return total / n, acc


def check_model_and_data(model: Any, data: Any) -> bool:
    """ValueError unless ``model`` is a module and ``data`` has matching train tensors.

    Returns whether ``data`` also has a non-empty validation split.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for attr in ("X_train", "y_train"):
        if not isinstance(getattr(data, attr, None), torch.Tensor):
            raise ValueError(f"data must have a tensor attribute {attr}")
    if len(data.X_train) != len(data.y_train) or len(data.X_train) == 0:
        raise ValueError("data.X_train and data.y_train must be non-empty and of equal length")
    return isinstance(getattr(data, "X_val", None), torch.Tensor) and len(data.X_val) > 0


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
    has_val = check_model_and_data(model, data)
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
    fork = rng_devices(dev)

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


# ---------------------------------------------------------------------------------------------
# The experiment harness the chapters share: one run from a schedule spec, many runs compared.
# ---------------------------------------------------------------------------------------------

ScheduleSpec = tuple[str, dict[str, Any]] | np.ndarray | Callable[[Optimizer], LRScheduler] | None


def scheduler_from_spec(spec: ScheduleSpec, optimizer: Optimizer) -> LRScheduler | None:
    """A torch scheduler on ``optimizer`` from a spec.

    ``None``: no scheduler (constant LR). ``(name, kwargs)``: the scheduler ``name`` as in
    :func:`lrcourse.lr_curve` (torch's classes and lrcourse's own). An array of LRs: step ``t``
    uses ``lrs[t]`` (the last value after the end), via ``LambdaLR``. A callable: a factory
    ``optimizer -> scheduler``.

    Example::

        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> type(scheduler_from_spec(("StepLR", {"step_size": 5}), opt)).__name__
        'StepLR'
    """
    from .reference import make_scheduler

    if spec is None:
        return None
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict):
        return make_scheduler(spec[0], optimizer, **spec[1])
    if isinstance(spec, np.ndarray | list):
        lrs = np.asarray(spec, dtype=np.float64)
        if lrs.ndim != 1 or lrs.size == 0 or not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
            raise ValueError("schedule array must be a non-empty 1-D array of finite LRs >= 0")
        base = float(optimizer.param_groups[0]["lr"])
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda k: float(lrs[min(k, lrs.size - 1)]) / base
        )
    if callable(spec):
        return _resolve_scheduler(optimizer, spec)
    raise ValueError(
        "schedule must be None, a (name, kwargs) pair, an array of LRs or a factory, "
        f"got {type(spec).__name__}"
    )


def train_classifier(
    data: SupervisedData,
    *,
    lr: float,
    epochs: int,
    schedule: ScheduleSpec = None,
    step_per: Literal["epoch", "batch"] = "epoch",
    model: Literal["mlp", "cnn"] | nn.Module = "mlp",
    hidden: int | Sequence[int] = 64,
    optimizer: Literal["sgd", "adam", "adamw"] = "sgd",
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    batch_size: int = 32,
    seed: int = 0,
    **fit_kwargs: Any,
) -> History:
    """One seeded classification run: build the model and optimizer, attach the schedule, fit.

    The model is ``mlp(n_features, hidden, n_classes)`` or ``small_cnn()`` (8x8 digits only),
    initialised from ``seed``; the optimizer is SGD (with ``momentum``), Adam or AdamW at base
    LR ``lr``; ``schedule`` is any :func:`scheduler_from_spec` spec, stepped per ``step_per``
    (a ``ReduceLROnPlateau`` on the validation loss). Other keywords go to :func:`fit`.

    Example::

        >>> from lrcourse import load_digits_data
        >>> h = train_classifier(load_digits_data(), lr=0.1, epochs=3,
        ...                      schedule=("StepLR", {"step_size": 2}), progress=False)
        >>> h.lrs[0], h.lrs[-1]
        (0.1, 0.010000000000000002)
    """
    from .models import mlp, small_cnn

    if (
        isinstance(lr, bool)
        or not isinstance(lr, int | float)
        or not (lr > 0 and math.isfinite(lr))
    ):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(model, nn.Module):
        net = model
    elif model == "mlp":
        n_classes = int(torch.cat([data.y_train, getattr(data, "y_val", data.y_train)]).max()) + 1
        net = mlp(int(data.X_train.shape[1]), hidden, n_classes, seed=seed)
    elif model == "cnn":
        if data.X_train.shape[1] != 64:
            raise ValueError("model='cnn' expects 8x8 images flattened to 64 features")
        net = small_cnn(seed=seed)
    else:
        raise ValueError(f"model must be 'mlp', 'cnn' or an nn.Module, got {model!r}")
    params = net.parameters()
    if optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    elif optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    elif optimizer == "adamw":
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    else:
        raise ValueError(f"optimizer must be 'sgd', 'adam' or 'adamw', got {optimizer!r}")
    sched = scheduler_from_spec(schedule, opt)
    return fit(
        net,
        data,
        optimizer=opt,
        scheduler=sched,
        epochs=epochs,
        batch_size=batch_size,
        step_per=step_per,
        seed=seed,
        **fit_kwargs,
    )


@dataclass
class Comparison:
    """Results of :func:`compare`: ``runs[label][i]`` is the run for ``seeds[i]``.

    ``values(label, metric)`` gives one number per seed (NaN where a run diverged),
    ``mean``/``spread`` (sample standard deviation) summarise them, ``wins`` counts seeds in
    which one configuration beats another, and ``rows()`` / ``summary()`` are tidy tables
    (lists of dicts) that print as aligned text, or as HTML in a notebook.
    """

    seeds: tuple[int, ...]
    metrics: tuple[str, ...]
    runs: dict[str, list[Any]]
    results: dict[str, list[dict[str, float]]]

    def _check(self, label: str, metric: str) -> None:
        if label not in self.results:
            raise ValueError(f"label must be one of {list(self.results)}, got {label!r}")
        if metric not in self.metrics:
            raise ValueError(f"metric must be one of {list(self.metrics)}, got {metric!r}")

    def values(self, label: str, metric: str) -> np.ndarray:
        """The metric for each seed, in the order of ``seeds``."""
        self._check(label, metric)
        return np.array([r[metric] for r in self.results[label]], dtype=np.float64)

    def mean(self, label: str, metric: str) -> float:
        """Mean over seeds (NaN if any run diverged)."""
        return float(np.mean(self.values(label, metric)))

    def spread(self, label: str, metric: str) -> float:
        """Sample standard deviation over seeds (0 for a single seed)."""
        v = self.values(label, metric)
        return float(np.std(v, ddof=1)) if len(v) > 1 else 0.0

    def wins(self, a: str, b: str, metric: str, *, lower_is_better: bool = True) -> int:
        """In how many seeds ``a`` is strictly better than ``b`` on ``metric``."""
        va, vb = self.values(a, metric), self.values(b, metric)
        return int(np.sum(va < vb if lower_is_better else va > vb))

    def best(self, metric: str, *, lower_is_better: bool = True) -> str:
        """The label with the best mean on ``metric``."""
        means = {label: self.mean(label, metric) for label in self.results}
        worst = math.inf if lower_is_better else -math.inf
        score = {k: v if math.isfinite(v) else worst for k, v in means.items()}
        return (min if lower_is_better else max)(score, key=score.__getitem__)

    def rows(self) -> list[dict[str, Any]]:
        """One row per (configuration, seed): ``{"config", "seed", <metrics>}``."""
        return [
            {"config": label, "seed": seed, **result}
            for label, results in self.results.items()
            for seed, result in zip(self.seeds, results, strict=True)
        ]

    def summary(self) -> list[dict[str, Any]]:
        """One row per configuration: mean and spread of every metric over the seeds."""
        out = []
        for label in self.results:
            row: dict[str, Any] = {"config": label}
            for m in self.metrics:
                row[m] = self.mean(label, m)
                row[f"{m} spread"] = self.spread(label, m)
            out.append(row)
        return out

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        head = ["config", *self.metrics]
        body = []
        for label in self.results:
            cells = [label]
            for m in self.metrics:
                mean, spread = self.mean(label, m), self.spread(label, m)
                fmt = ".1%" if m.endswith("acc") else ".4f"
                cells.append(f"{mean:{fmt}} ± {spread:{fmt}}")
            body.append(cells)
        return head, body

    def __str__(self) -> str:
        head, body = self._cells()
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        lines = [
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in [head, *body]
        ]
        note = f"mean ± spread over {len(self.seeds)} seeds {list(self.seeds)}"
        return "\n".join([*lines, note])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, body = self._cells()
        th = "".join(f"<th>{h}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in body)
        caption = f"mean ± spread over {len(self.seeds)} seeds"
        return f"<table><caption>{caption}</caption><tr>{th}</tr>{trs}</table>"


def _result_of(run: Any, metrics: Sequence[str]) -> dict[str, float]:
    if isinstance(run, History):
        final = run.final()
        extra = {"diverged": float(run.diverged)}
        source = final | extra
    elif isinstance(run, OnlineHistory):
        source = {"final_loss": run.final_loss, "diverged": float(run.diverged)}
    elif isinstance(run, dict):
        source = run
    else:
        raise ValueError(
            f"run must return a History or a dict of metrics, got {type(run).__name__}"
        )
    missing = [m for m in metrics if m not in source]
    if missing:
        raise ValueError(f"metrics {missing} are not in the run's results {sorted(source)}")
    return {m: float(source[m]) for m in metrics}


def compare(
    run: Callable[..., Any],
    configs: dict[str, dict[str, Any]],
    *,
    seeds: Iterable[int] = range(5),
    metrics: Sequence[str] = ("train_loss", "val_loss", "val_acc"),
    progress: bool | None = None,
) -> Comparison:
    """Run every configuration for every seed: ``run(seed=seed, **configs[label])``.

    ``run`` returns a :class:`History` (its ``final()`` figures and ``diverged`` are the
    metrics), an :class:`OnlineHistory` (``final_loss``) or a dict of numbers. Returns a
    :class:`Comparison` whose text form is the table a lesson prints.

    Example::

        >>> from lrcourse import load_digits_data
        >>> data = load_digits_data()
        >>> table = compare(lambda seed, **kw: train_classifier(data, seed=seed, epochs=2,
        ...                 progress=False, **kw),
        ...                 {"constant": {"lr": 0.1}, "step": {"lr": 0.1,
        ...                  "schedule": ("StepLR", {"step_size": 1})}}, seeds=[0, 1])
        >>> table.values("step", "val_acc").shape
        (2,)
    """
    seeds = tuple(_check_int("seed", s, low=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    if not isinstance(configs, dict) or not configs:
        raise ValueError("configs must be a non-empty dict: label -> keyword arguments of run")
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError("metrics must name at least one metric")
    runs: dict[str, list[Any]] = {label: [] for label in configs}
    results: dict[str, list[dict[str, float]]] = {label: [] for label in configs}
    total = len(configs) * len(seeds)
    with tqdm(total=total, disable=not _progress_enabled(progress), leave=False) as bar:
        for label, kwargs in configs.items():
            if not isinstance(kwargs, dict):
                raise ValueError(f"configs[{label!r}] must be a dict of keyword arguments")
            for seed in seeds:
                out = run(seed=seed, **kwargs)
                runs[label].append(out)
                results[label].append(_result_of(out, metrics))
                bar.update(1)
    return Comparison(seeds=seeds, metrics=metrics, runs=runs, results=results)
