"""The one mini-batch training loop of the course, its wiring checks, and the device switch.

* :func:`device` / :func:`scaled`: CUDA when present (override with ``LRCOURSE_DEVICE``), and
  one switch for experiment sizes; :func:`torch_threads`, :func:`rng_devices`.
* :func:`fit`: mini-batch training on a fixed dataset. The scheduler's place in the loop is
  an option: stepped per epoch, per batch, or on a metric (``ReduceLROnPlateau``), and the
  misplacements chapter 2 runs on purpose (stepped before the optimizer, stepped before
  training). Per-step LR and loss, per-epoch train/val loss and accuracy; divergence (a
  non-finite loss) is caught, not raised; a ``stop(step, loss)`` hook ends training early
  (the range test's divergence stop).
* :func:`resolve_optimizer`, :func:`scheduler_from_spec`, :func:`check_optimizer`,
  :func:`check_data`: the wiring checks every loop of the package shares.

The streaming loop (:func:`run_online`) and the experiment harness (:func:`train_classifier`,
:func:`compare`) live in :mod:`lrcourse.online` and :mod:`lrcourse.harness`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

import numpy as np
import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from tqdm.auto import tqdm

from .validation import as_array, as_choice, as_int, as_real, fail

__all__ = [
    "ArrayLR",
    "History",
    "ScheduleSpec",
    "SupervisedData",
    "check_data",
    "check_optimizer",
    "device",
    "fit",
    "progress_enabled",
    "resolve_device",
    "resolve_optimizer",
    "rng_devices",
    "scaled",
    "scheduler_from_spec",
    "torch_threads",
]

T = TypeVar("T")
OptimizerLike = Optimizer | Callable[[Iterable[nn.Parameter]], Optimizer]
#: What ``fit``, ``train_classifier`` and ``scheduler_from_spec`` accept as a schedule.
ScheduleSpec = (
    LRScheduler
    | tuple[str, Mapping[str, Any]]
    | list[Any]
    | np.ndarray
    | Callable[[Optimizer], LRScheduler]
    | None
)
Order = Literal["optimizer_first", "scheduler_first"]
StepPer = Literal["epoch", "batch"]
ORDERS = ("optimizer_first", "scheduler_first")
STEP_PER = ("epoch", "batch")

DEVICE_ENV = "LRCOURSE_DEVICE"


# --------------------------------------------------------------------------- device, threads


def device() -> torch.device:
    """The device experiments run on: CUDA if available, else CPU.

    Set the environment variable ``LRCOURSE_DEVICE`` to ``cpu`` or ``cuda`` to choose.

    Example::

        >>> import os; os.environ["LRCOURSE_DEVICE"] = "cpu"
        >>> device()
        device(type='cpu')
    """
    choice = os.environ.get(DEVICE_ENV, "").strip().lower()
    if choice in ("", "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cuda" and not torch.cuda.is_available():
        raise fail(DEVICE_ENV, "'cpu' or 'auto' here (torch sees no CUDA device)", choice)
    return torch.device(as_choice(DEVICE_ENV, choice, ("cpu", "cuda", "auto")))


def resolve_device(dev: torch.device | str | None) -> torch.device:
    """``dev`` as a ``torch.device``; ``None``: :func:`device`."""
    return torch.device(dev) if dev is not None else device()


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
    n = as_int("n", n, low=1)
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


def progress_enabled(progress: bool | None) -> bool:
    """Whether to show a progress bar: ``progress`` (default on), never under ``CI``."""
    if progress is None:
        return not os.environ.get("CI")
    return bool(progress) and not os.environ.get("CI")


# --------------------------------------------------------------------------- wiring checks


class SupervisedData(Protocol):
    """What :func:`fit` needs: tensors ``X_train, y_train`` and (optionally) ``X_val, y_val``."""

    X_train: torch.Tensor
    y_train: torch.Tensor


def check_optimizer(model: nn.Module, opt: Optimizer, name: str = "optimizer") -> Optimizer:
    """``opt`` if it is an optimizer holding some of ``model``'s parameters.

    An optimizer built on another model (say, before the model was re-created) would train
    nothing the loop measures: refused.
    """
    if not isinstance(opt, Optimizer):
        raise fail(name, "a torch.optim.Optimizer", got=type(opt).__name__)
    ids = {id(p) for p in model.parameters()}
    if not any(id(p) in ids for g in opt.param_groups for p in g["params"]):
        raise fail(
            name,
            "an optimizer on the model's parameters",
            got="one holding none of them (was it built on another model?)",
        )
    return opt


def resolve_optimizer(model: nn.Module, optimizer: OptimizerLike) -> Optimizer:
    """An optimizer on ``model``: ``optimizer`` itself or ``optimizer(model.parameters())``.

    Either way it must hold the model's parameters (:func:`check_optimizer`).
    """
    if not isinstance(optimizer, Optimizer):
        if not callable(optimizer):
            raise fail(
                "optimizer",
                "an Optimizer or a factory params -> Optimizer",
                got=type(optimizer).__name__,
            )
        optimizer = optimizer(model.parameters())
        if not isinstance(optimizer, Optimizer):
            raise fail(
                "optimizer",
                "a factory returning a torch.optim.Optimizer",
                got=f"one returning {type(optimizer).__name__}",
            )
    return check_optimizer(model, optimizer)


class ArrayLR(LRScheduler):
    r"""Step ``k`` uses ``lrs[k]`` on every param group (the last value after the end).

    :math:`\eta_k = \mathrm{lrs}[\min(k, n - 1)]`, set exactly (no ``base * factor``
    rounding), so the optimizer trains with the very numbers of the array.

    Example::

        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        >>> s = ArrayLR(opt, [0.3, 0.2])
        >>> s.get_last_lr()
        [0.3]
    """

    def __init__(self, optimizer: Optimizer, lrs: Sequence[float] | np.ndarray) -> None:
        self.lrs = as_array("schedule", lrs, low=0.0)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:  # noqa: D102
        value = float(self.lrs[min(self.last_epoch, self.lrs.size - 1)])
        return [value for _ in self.optimizer.param_groups]


_SPEC = "None, a scheduler, a (name, kwargs) pair, an array of LRs or a factory"


def scheduler_from_spec(spec: ScheduleSpec, optimizer: Optimizer) -> LRScheduler | None:
    """A torch scheduler on ``optimizer`` from a spec: THE resolution of every loop.

    ``None``: no scheduler (constant LR). A scheduler: used as is. ``(name, kwargs)`` (a
    tuple or a list): :func:`lrcourse.make_scheduler` (torch's classes and lrcourse's own,
    validated like :func:`lrcourse.lr_curve`). An array of LRs: step ``t`` uses ``lrs[t]``
    (:class:`ArrayLR`). A callable: a factory ``optimizer -> scheduler``. Whatever the form,
    the scheduler must drive ``optimizer``: one attached to another optimizer would make the
    recorded LRs a schedule the trained optimizer never saw, and is refused.

    Example::

        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> type(scheduler_from_spec(["StepLR", {"step_size": 5}], opt)).__name__
        'StepLR'
    """
    from .reference import make_scheduler

    if spec is None:
        return None
    if isinstance(spec, LRScheduler):
        sched = spec
    elif isinstance(spec, tuple | list) and spec and isinstance(spec[0], str):
        if len(spec) != 2 or not isinstance(spec[1], Mapping):
            raise fail("schedule", "a (name, kwargs) pair with kwargs a dict", spec)
        sched = make_scheduler(spec[0], optimizer, **dict(spec[1]))
    elif isinstance(spec, np.ndarray | list | tuple):
        sched = ArrayLR(optimizer, spec)
    elif callable(spec):
        sched = spec(optimizer)
        if not isinstance(sched, LRScheduler):
            raise fail(
                "scheduler",
                "a factory returning a torch.optim.lr_scheduler object",
                got=f"one returning {type(sched).__name__}",
            )
    else:
        raise fail("schedule", _SPEC, got=type(spec).__name__)
    if sched.optimizer is not optimizer:
        raise fail(
            "scheduler",
            "a scheduler on the optimizer that is trained",
            got="one attached to a different optimizer (build it on the optimizer it receives)",
        )
    return sched


def _check_finite(name: str, t: torch.Tensor) -> None:
    if torch.is_floating_point(t) and not bool(torch.isfinite(t).all()):
        bad = ~torch.isfinite(t)
        first = tuple(int(i) for i in bad.nonzero()[0])
        raise fail(
            name,
            "a tensor of finite numbers",
            got=f"{int(bad.sum())} NaN/inf values (first at index {first})",
        )


def check_data(data: Any) -> bool:
    """Refuse ``data`` without matching, finite train tensors ``X_train``, ``y_train``.

    NaN or inf in ``data.X_train`` (``y_train``, ``X_val``, ``y_val``) would be reported as an
    LR that diverged: refused here, naming the tensor. Returns whether ``data`` also has a
    non-empty validation split.
    """
    for attr in ("X_train", "y_train"):
        if not isinstance(getattr(data, attr, None), torch.Tensor):
            raise fail("data", f"an object with a tensor attribute {attr}", got=type(data).__name__)
    n, m = len(data.X_train), len(data.y_train)
    if n != m or n == 0:
        raise fail(
            "data.X_train", "non-empty and as long as data.y_train", got=f"{n} rows and {m} labels"
        )
    has_val = isinstance(getattr(data, "X_val", None), torch.Tensor) and len(data.X_val) > 0
    names = ("X_train", "y_train", "X_val", "y_val") if has_val else ("X_train", "y_train")
    for attr in names:
        _check_finite(f"data.{attr}", getattr(data, attr))
    return has_val


@torch.no_grad()
def _check_task(
    model: nn.Module, data: Any, loss_fn: Callable | None, has_val: bool, dev: torch.device
) -> None:
    """One eval-mode forward pass on two examples: the model, the loss and the labels fit."""
    X, y = data.X_train[:2].to(dev), data.y_train[:2].to(dev)
    was_training = model.training
    model.eval()
    try:
        out = model(X)
    except (RuntimeError, ValueError, IndexError, TypeError) as err:
        raise fail(
            "model",
            f"a model that takes data.X_train's rows (shape {tuple(X.shape[1:])})",
            got=f"{type(model).__name__} failing on them: {err}",
        ) from None
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor):
        raise fail("model", "a model returning a tensor", got=type(out).__name__)
    classify = not torch.is_floating_point(y)
    if loss_fn is None and classify and out.ndim != 2:
        hint = "sequence logits need loss_fn=lc.sequence_cross_entropy" if out.ndim == 3 else ""
        raise fail(
            "loss_fn",
            "given for this model: the default cross-entropy takes outputs (batch, classes)",
            got=f"None with {type(model).__name__} outputs of shape {tuple(out.shape)}",
            hint=hint,
        )
    if classify and out.ndim >= 2 and out.shape[-1] > 1:
        classes = out.shape[-1]
        for attr in ("y_train", "y_val") if has_val else ("y_train",):
            labels = getattr(data, attr)
            lo, hi = int(labels.min()), int(labels.max())
            if lo < 0 or hi >= classes:
                raise fail(
                    f"data.{attr}",
                    f"class labels in [0, {classes - 1}] (the model has {classes} outputs)",
                    got=f"labels from {lo} to {hi}",
                )
    try:
        loss = (loss_fn or nn.functional.cross_entropy)(out, y)
    except (RuntimeError, ValueError, IndexError) as err:
        name = getattr(loss_fn, "__name__", type(loss_fn).__name__) if loss_fn else "cross-entropy"
        raise fail(
            "loss_fn",
            f"a loss for {type(model).__name__}'s outputs {tuple(out.shape)} and "
            f"targets {tuple(y.shape)}",
            got=f"{name} failing on them: {err}",
        ) from None
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise fail("loss_fn", "a loss returning a scalar tensor", got=repr(loss)[:60])


# --------------------------------------------------------------------------- the loop


@dataclass
class History:
    """What :func:`fit` recorded.

    Per optimizer step: ``lrs`` (the LR that step used, group 0, read just before the
    forward pass, after any scheduler step placed before it) and ``step_loss`` (the
    mini-batch loss). Per epoch, measured after the epoch in eval mode on the whole split:
    ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc`` (accuracy is NaN for
    non-classification targets). ``diverged`` is True when a loss became non-finite (or
    exceeded ``fit``'s ``max_loss``); training stopped at step ``diverged_at``.
    ``stopped_at``: the step after which ``fit``'s ``stop`` hook ended training.
    ``scheduler_calls`` counts the ``scheduler.step()`` calls (``prestep`` ones included).
    ``records``: for each entry ``name: fn`` of ``fit``'s ``record``, the list of
    ``fn(model)`` after each completed epoch (e.g. the weight norm).
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
    stopped_at: int | None = None
    scheduler_calls: int = 0
    records: dict[str, list[float]] = field(default_factory=dict)

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
        if self.stopped_at is not None:
            status = f"stopped after step {self.stopped_at}"
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.final().items())
        return f"History(epochs={self.epochs_run}, steps={len(self.lrs)}, {status}, {last})"


class _Stepper:
    """Calls ``scheduler.step()`` and counts; a ReduceLROnPlateau gets its metric.

    The metric is ``metrics[k]`` at the ``k``-th call when ``metrics`` is given, else what
    the loop measured (``observed``).
    """

    def __init__(self, sched: LRScheduler | None, metrics: np.ndarray | None) -> None:
        self.sched, self.metrics, self.calls = sched, metrics, 0
        self.plateau = isinstance(sched, ReduceLROnPlateau)

    def __call__(self, observed: float | None = None) -> None:
        if self.sched is None:
            return
        if not self.plateau:
            self.sched.step()
        elif self.metrics is not None:
            if self.calls >= len(self.metrics):
                raise fail(
                    "metrics",
                    "one value per scheduler.step() call",
                    got=f"{len(self.metrics)} values for more calls than that",
                )
            self.sched.step(float(self.metrics[self.calls]))
        elif observed is None:
            raise fail(
                "metrics",
                "given (one value per scheduler.step()) for a ReduceLROnPlateau stepped before "
                "anything is measured (prestep or order='scheduler_first')",
                got="None",
            )
        else:
            self.sched.step(observed)
        self.calls += 1


def _check_record(
    record: Mapping[str, Callable[[nn.Module], float]] | None,
) -> dict[str, Callable[[nn.Module], float]]:
    """``fit``'s ``record`` as a dict of named functions of the model (empty for None)."""
    if record is None:
        return {}
    if not isinstance(record, Mapping):
        raise fail("record", "a dict name -> function of the model, or None", record)
    for name, fn in record.items():
        if not isinstance(name, str) or not name:
            raise fail("record", "a dict whose keys are non-empty names (str)", got=repr(name))
        if not callable(fn):
            raise fail(f"record[{name!r}]", "a function of the model returning a number", fn)
    return dict(record)


@torch.no_grad()
def _record(
    model: nn.Module, recorders: Mapping[str, Callable[[nn.Module], float]], out: dict
) -> None:
    """Append ``fn(model)`` to ``out[name]`` for each recorder (eval mode, no gradients)."""
    if not recorders:
        return
    was_training = model.training
    model.eval()
    try:
        for name, fn in recorders.items():
            out[name].append(as_real(f"record[{name!r}]'s value", fn(model), finite=False))
    finally:
        model.train(was_training)


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


def fit(
    model: nn.Module,
    data: SupervisedData,
    *,
    optimizer: OptimizerLike,
    scheduler: ScheduleSpec = None,
    epochs: int,
    batch_size: int,
    step_per: StepPer = "epoch",
    order: Order = "optimizer_first",
    prestep: int = 0,
    metrics: Sequence[float] | np.ndarray | None = None,
    monitor: Literal["val_loss", "train_loss"] = "val_loss",
    stop: Callable[[int, float], bool] | None = None,
    on_step: Callable[[int, float, float], Any] | None = None,
    max_loss: float = math.inf,
    record: Mapping[str, Callable[[nn.Module], float]] | None = None,
    drop_last: bool = False,
    evaluate: bool = True,
    seed: int = 0,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    device: torch.device | str | None = None,
    cpu_threads: int | None = 1,
    progress: bool | None = None,
    desc: str | None = None,
) -> History:
    r"""Train ``model`` on ``data`` with mini-batch ``optimizer`` steps and an optional scheduler.

    Each batch: ``zero_grad -> loss -> backward -> optimizer.step()``; each epoch ends with
    an evaluation on the whole splits (``evaluate=False``: none). Where ``scheduler.step()``
    goes is an option:

    * ``order="optimizer_first"`` (correct): after each ``optimizer.step()``
      (``step_per="batch"``) or after each epoch's evaluation (``step_per="epoch"``);
    * ``order="scheduler_first"`` (chapter 2's mistake): before each ``optimizer.step()`` or
      at the start of each epoch;
    * ``prestep`` bare ``scheduler.step()`` calls before training (a plotting cell that
      stepped the same scheduler).

    A ``ReduceLROnPlateau`` is stepped with ``metrics[k]`` at its ``k``-th call if
    ``metrics`` is given, else with the ``monitor`` metric (per epoch) or the batch loss (per
    batch). With :math:`p` = ``prestep + (order == "scheduler_first")``, step :math:`t` of
    epoch :math:`e` uses :math:`\eta_{e+p}` (per epoch) or :math:`\eta_{t+p}` (per batch),
    :math:`\eta_k` being the LR after :math:`k` scheduler steps; ``history.lrs[t]`` is the
    LR step :math:`t` used.

    ``optimizer``: an optimizer on the model's parameters, or a factory ``params ->
    Optimizer``. ``scheduler``: any :func:`scheduler_from_spec` spec (a scheduler, a
    ``(name, kwargs)`` pair, an array of LRs, a factory ``optimizer -> scheduler``), on that
    optimizer. Batches are reshuffled each epoch from ``seed`` (dropout too): same seed, same
    numbers; ``drop_last`` drops each epoch's incomplete last batch. A non-finite loss (or one
    above ``max_loss``) stops training and sets ``history.diverged``. ``stop(t, loss)`` is
    called after step ``t``'s update with its mini-batch loss; ``True`` ends training there
    (``history.stopped_at = t``). ``on_step(t, lr, loss)``, a logging hook, is called right
    after step ``t``'s ``optimizer.step()``, before the scheduler steps, with the LR the step
    used (``history.lrs[t]``, equal to ``scheduler.get_last_lr()[0]`` there) and its
    mini-batch loss: ``on_step=lambda t, lr, loss: writer.add_scalar("lr", lr, t)`` logs the
    LR trace to a TensorBoard ``SummaryWriter`` (:func:`lrcourse.read_lr_log` reads it back;
    ``get_last_lr()`` read after a per-batch ``scheduler.step()``, as in ``stop``, is already
    step ``t + 1``'s LR). ``record``: a dict
    ``name -> fn`` of functions of the model, each called after every completed epoch (after
    its evaluation, the model in eval mode, without gradients); ``history.records[name]``
    lists the numbers, e.g. ``record={"weight_norm": lc.weight_norm}``. ``loss_fn`` defaults
    to cross-entropy, ``device`` to :func:`device`; on CPU the loop runs with ``cpu_threads``
    threads (:func:`torch_threads`).

    Before training, the wiring is checked: the optimizer holds the model's parameters, the
    scheduler drives that optimizer, the data are finite, the labels fit the model's outputs,
    the model and the loss fit the task.

    Example::

        >>> d = load_digits_data(seed=0)
        >>> net = mlp(64, 32, 10, seed=0)
        >>> h = fit(net, d, optimizer=lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        ...         scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=5),
        ...         epochs=5, batch_size=32, progress=False)
        >>> h.final()["val_acc"] > 0.8
        True
    """
    epochs = as_int("epochs", epochs, low=1)
    batch_size = as_int("batch_size", batch_size, low=1)
    prestep = as_int("prestep", prestep, low=0)
    seed = as_int("seed", seed, low=0)
    step_per = as_choice("step_per", step_per, STEP_PER)
    order = as_choice("order", order, ORDERS)
    monitor = as_choice("monitor", monitor, ("val_loss", "train_loss"))
    max_loss = as_real("max_loss", max_loss, low=0, low_open=True, finite=False)
    values = None if metrics is None else as_array("metrics", metrics)
    if stop is not None and not callable(stop):
        raise fail("stop", "a callable stop(step, loss) -> bool or None", got=type(stop).__name__)
    if on_step is not None and not callable(on_step):
        raise fail(
            "on_step", "a callable on_step(step, lr, loss) or None", got=type(on_step).__name__
        )
    if not isinstance(model, nn.Module):
        raise fail("model", "a torch.nn.Module", got=type(model).__name__)
    recorders = _check_record(record)
    has_val = check_data(data)
    n = len(data.X_train)
    if drop_last and batch_size > n:
        raise fail("batch_size", f"at most the {n} training examples with drop_last", batch_size)
    if monitor == "val_loss" and not has_val:
        monitor = "train_loss"

    dev = resolve_device(device)
    model.to(dev)
    _check_task(model, data, loss_fn, has_val, dev)
    loss_fn = loss_fn if loss_fn is not None else nn.CrossEntropyLoss()
    opt = resolve_optimizer(model, optimizer)
    step = _Stepper(scheduler_from_spec(scheduler, opt), values)

    X, y = data.X_train.to(dev), data.y_train.to(dev)
    if has_val:
        Xv, yv = data.X_val.to(dev), data.y_val.to(dev)
    spe = n // batch_size if drop_last else math.ceil(n / batch_size)
    hist = History(steps_per_epoch=spe, records={name: [] for name in recorders})
    gen = torch.Generator().manual_seed(seed)
    early = order == "scheduler_first"
    for _ in range(prestep):
        step()

    threads = cpu_threads if dev.type == "cpu" else None
    bar = tqdm(total=epochs, desc=desc, disable=not progress_enabled(progress), leave=False)
    with torch_threads(threads), torch.random.fork_rng(devices=rng_devices(dev)):
        torch.manual_seed(seed)
        for _epoch in range(epochs):
            if early and step_per == "epoch":
                step()
            model.train()
            perm = torch.randperm(n, generator=gen).to(dev)
            for i in range(spe):
                idx = perm[i * batch_size : (i + 1) * batch_size]
                if early and step_per == "batch":
                    step()
                t = len(hist.lrs)
                hist.lrs.append(float(opt.param_groups[0]["lr"]))
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(X[idx]), y[idx])
                value = loss.item()
                hist.step_loss.append(value)
                if not math.isfinite(value) or value > max_loss:
                    hist.diverged, hist.diverged_at = True, t
                    break
                loss.backward()
                opt.step()
                if on_step is not None:
                    on_step(t, hist.lrs[t], value)
                if not early and step_per == "batch":
                    step(value)
                if stop is not None and stop(t, value):
                    hist.stopped_at = t
                    break
            if hist.diverged or hist.stopped_at is not None:
                break
            if evaluate:
                tl, ta = _evaluate(model, X, y, loss_fn)
                vl, va = _evaluate(model, Xv, yv, loss_fn) if has_val else (math.nan, math.nan)
                if not math.isfinite(tl) or tl > max_loss:
                    hist.diverged, hist.diverged_at = True, len(hist.lrs) - 1
                    break
                hist.train_loss.append(tl)
                hist.train_acc.append(ta)
                hist.val_loss.append(vl)
                hist.val_acc.append(va)
                if not early and step_per == "epoch":
                    step(vl if monitor == "val_loss" else tl)
                bar.set_postfix(train_loss=f"{tl:.3g}", lr=f"{opt.param_groups[0]['lr']:.3g}")
            elif not early and step_per == "epoch":
                step()
            _record(model, recorders, hist.records)
            bar.update(1)
    bar.close()
    hist.scheduler_calls = step.calls
    return hist
