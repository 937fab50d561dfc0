"""Chapter 2 (the training loop): checkers for the exercises."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from ..validation import as_bool, as_callable, as_int, as_int_list
from ._common import (
    first_mismatch,
    number,
    number_list,
    positive,
    report,
    unit,
    wrong_number,
)

__all__ = ["check_fixed_loop", "check_total_steps", "check_wrong_loop_trace"]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return first_mismatch(a, b) is None


def check_wrong_loop_trace(
    answer: Sequence[float],
    lr: float = 0.1,
    milestones: Sequence[int] = (2, 4),
    gamma: float = 0.1,
    epochs: int = 6,
) -> bool:
    """Exercise: the LR each epoch uses when ``MultiStepLR(milestones, gamma)`` is stepped at
    the *start* of every epoch (before the optimizer). Expected: ``eta_1, ..., eta_epochs``,
    the intended schedule shifted one epoch early. The checker runs the wrong loop in torch.

    Example::

        >>> check_wrong_loop_trace([0.1, 0.01, 0.01, 0.001, 0.001, 0.001])
        Correct! ...
        True
    """
    from ..callorder import intended_lrs, record_lrs

    lr, gamma, epochs = positive("lr", lr), unit("gamma", gamma), as_int("epochs", epochs, low=1)
    milestones = as_int_list("milestones", milestones, low=1)
    got = number_list("answer", answer)
    kw = {"milestones": milestones, "gamma": gamma}
    right = record_lrs(
        "MultiStepLR", kw, epochs=epochs, steps_per_epoch=1, lr=lr, order="scheduler_first"
    ).lrs
    if got.size != epochs:
        return report(False, f"give one LR per epoch: {epochs} values, you gave {got.size}.")
    if _same(got, right):
        drops = [e for e in range(1, epochs) if right[e] < right[e - 1]]
        return report(
            True,
            f"{np.round(right, 6).tolist()}: epoch e trains at the LR after e + 1 scheduler "
            f"steps, so every drop comes one epoch early (at epochs {drops} instead of "
            f"{list(milestones)}), and the last epoch runs at a value the correct loop never "
            "uses.",
        )
    intended = intended_lrs("MultiStepLR", kw, epochs=epochs, steps_per_epoch=1, lr=lr)
    if _same(got, intended):
        return report(
            False,
            "that is the trace of the correct loop (scheduler.step() after the epoch). This "
            "loop calls it before the epoch trains: which LR is in effect when epoch 0 runs?",
        )
    late = np.concatenate([[lr], intended[:-1]])
    if _same(got, late):
        return report(
            False,
            "you shifted the schedule one epoch late. Stepping early moves every drop "
            "*earlier*: epoch e uses the LR after e + 1 steps, not after e - 1.",
        )
    two = intended_lrs("MultiStepLR", kw, epochs=epochs, steps_per_epoch=1, lr=lr, offset=2)
    if _same(got, two):
        return report(
            False,
            "shifted two epochs: the loop makes one call per epoch, just earlier, so the "
            "whole schedule moves by a single step.",
        )
    bad = first_mismatch(got, right)
    return report(
        False,
        f"epoch {bad} is off: you said {got[bad]:g}. Hint: write the intended values "
        f"eta_0, eta_1, ... (lc.lr_curve('MultiStepLR', {epochs + 1}, lr={lr:g}, "
        f"milestones={list(milestones)}, gamma={gamma:g})) and ask how many scheduler.step() "
        "calls have happened when epoch e starts training.",
    )


def _exercise_setup(epochs: int, n_batches: int, max_lr: float):
    gen = torch.Generator().manual_seed(0)
    batches = [
        (torch.randn(8, 5, generator=gen), torch.randint(0, 3, (8,), generator=gen))
        for _ in range(n_batches)
    ]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = torch.nn.Linear(5, 3)
    opt = torch.optim.SGD(model.parameters(), lr=max_lr, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * n_batches)
    return model, opt, sched, batches


def _reference_params(epochs: int, n_batches: int, max_lr: float) -> list[torch.Tensor]:
    model, opt, sched, batches = _exercise_setup(epochs, n_batches, max_lr)
    for _ in range(epochs):
        for x, y in batches:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
    return [p.detach().clone() for p in model.parameters()]


def check_fixed_loop(
    train: Callable[..., Any], epochs: int = 4, n_batches: int = 5, max_lr: float = 0.1
) -> bool:
    """Exercise: a corrected loop ``train(model, optimizer, scheduler, batches, epochs)`` for
    a ``OneCycleLR(total_steps=epochs * len(batches))``.

    The checker calls ``train`` on a small linear model, ``n_batches`` fixed batches and a
    fresh OneCycleLR; it records the LR each ``optimizer.step()`` uses and any warning, and
    compares them (and the final weights) with a correct loop's.

    Example::

        >>> def train(model, optimizer, scheduler, batches, epochs):
        ...     for epoch in range(epochs):
        ...         for x, y in batches:
        ...             optimizer.zero_grad()
        ...             loss = torch.nn.functional.cross_entropy(model(x), y)
        ...             loss.backward()
        ...             optimizer.step()
        ...             scheduler.step()
        >>> check_fixed_loop(train)
        Correct! ...
        True
    """
    from ..schedules import lr_curve

    as_callable("train", train, "a function train(model, optimizer, scheduler, batches, epochs)")
    epochs, n_batches = as_int("epochs", epochs, low=1), as_int("n_batches", n_batches, low=2)
    max_lr = positive("max_lr", max_lr)
    total = epochs * n_batches
    model, opt, sched, batches = _exercise_setup(epochs, n_batches, max_lr)
    used: list[float] = []
    opt.register_step_pre_hook(lambda o, _a, _k: used.append(float(o.param_groups[0]["lr"])))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            train(model, opt, sched, batches, epochs)
        except ValueError as err:
            if "Tried to step" in str(err):
                return report(
                    False,
                    f"OneCycleLR raised ValueError: {err}. The loop calls scheduler.step() "
                    f"more than total_steps = {total} times: once per optimizer step, and "
                    "nowhere else.",
                )
            return report(False, f"your loop raised ValueError: {err}")
        except Exception as err:  # a learner's bug is feedback, not a crash
            return report(False, f"your loop raised {type(err).__name__}: {err}")
    lrs = np.asarray(used)
    curve = lr_curve("OneCycleLR", total + 1, max_lr=max_lr, total_steps=total)
    if lrs.size != total:
        return report(
            False,
            f"your loop made {lrs.size} optimizer steps; {epochs} epochs of {n_batches} "
            f"batches are {total}. Call optimizer.step() once per batch.",
        )
    early = [w for w in caught if "before `optimizer.step()`" in str(w.message)]
    if early:
        return report(
            False,
            "torch warned: 'Detected call of `lr_scheduler.step()` before "
            "`optimizer.step()`'. Move scheduler.step() after optimizer.step().",
        )
    if _same(lrs, np.repeat(curve[:epochs], n_batches)):
        return report(
            False,
            f"the scheduler is stepped once per epoch: the LR never gets past "
            f"{curve[epochs - 1]:.3g} (the peak is {max_lr:g}). OneCycleLR counts batches: "
            "step it after every optimizer.step().",
        )
    if not _same(lrs, curve[:total]):
        bad = first_mismatch(lrs, curve[:total])
        return report(
            False,
            f"optimizer step {bad} used LR {lrs[bad]:.4g}, the schedule says "
            f"{curve[bad]:.4g}. Hint: plot the LRs you record against "
            f"lc.lr_curve('OneCycleLR', {total}, max_lr={max_lr:g}, total_steps={total}).",
        )
    ref = _reference_params(epochs, n_batches, max_lr)
    if not all(
        torch.allclose(p, r, atol=1e-6) for p, r in zip(model.parameters(), ref, strict=True)
    ):
        return report(
            False,
            "the LRs are right, but the final weights differ from a correct loop's. Did you "
            "call optimizer.zero_grad() every batch and use "
            "torch.nn.functional.cross_entropy(model(x), y) as the loss?",
        )
    return report(
        True,
        f"all {total} optimizer steps used the intended one-cycle LR (from "
        f"{curve[0]:.3g} up to {curve[:total].max():.3g} and down to {curve[total - 1]:.3g}), "
        "no warning, and the weights match a correct loop's.",
    )


def check_total_steps(
    answer: float,
    n_examples: int = 1347,
    batch_size: int = 64,
    epochs: int = 12,
    drop_last: bool = False,
) -> bool:
    """Exercise: ``total_steps`` for a OneCycleLR stepped once per batch of a
    ``DataLoader(dataset_of_n_examples, batch_size, drop_last)`` for ``epochs`` epochs.

    Expected: ``epochs * len(loader)``, where ``len(loader)`` is
    ``ceil(n_examples / batch_size)`` (``floor`` with ``drop_last=True``).

    Example::

        >>> check_total_steps(12 * 22)
        Correct! ...
        True
    """
    n = as_int("n_examples", n_examples, low=1)
    bs, ep = as_int("batch_size", batch_size, low=1), as_int("epochs", epochs, low=1)
    drop_last = as_bool("drop_last", drop_last)
    a = number("answer", answer)
    per_epoch = n // bs if drop_last else math.ceil(n / bs)
    right = ep * per_epoch
    if a == right:
        return report(
            True,
            f"len(loader) = {per_epoch} batches per epoch, times {ep} epochs = {right}. "
            "Equivalently OneCycleLR(..., epochs=epochs, steps_per_epoch=len(loader)).",
        )
    other = ep * (math.ceil(n / bs) if drop_last else n // bs)
    known = [
        (
            other,
            "the last, partial batch: "
            + (
                "drop_last=True discards it, so len(loader) rounds down."
                if drop_last
                else f"without drop_last it is kept ({n} = {n // bs} * {bs} + {n % bs}), so "
                "len(loader) rounds up. One step short and OneCycleLR raises ValueError in "
                "the last batch."
            ),
        ),
        (n * ep / bs, "a number of steps is a whole number: count batches per epoch first."),
        (ep, "that is the number of epochs: OneCycleLR is stepped per batch."),
        (per_epoch, "that is one epoch's batches: multiply by the number of epochs."),
        (n * ep, "that counts examples, not batches."),
        (
            right + 1,
            "one too many: the run would end one step before the schedule does, never using "
            "its final LR. total_steps counts optimizer steps (one scheduler.step() each).",
        ),
        (right - 1, "one too few: OneCycleLR would raise ValueError on the last batch."),
    ]
    return wrong_number(
        a,
        right,
        known,
        1e-9,
        "build the DataLoader and print len(loader); "
        "the scheduler is stepped once per batch of every epoch.",
        skip_right=True,
        fmt="g",
        sides=("small", "large"),
    )
