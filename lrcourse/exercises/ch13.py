"""Chapter 13 (the quiz): the question bank, the curves of its figures, and one checker.

Each question (a ``Question``) is data: its id, the chapter it tests, its kind (``"number"``,
``"choice"`` or ``"curve"``), the prompt, the choices, a function that *computes* the right
answer from the package (``lr_curve``, ``diagnose``, ...), the explanation, the recognised
wrong answers with their hints, and the section that teaches it. :func:`check_quiz` judges an
answer; :func:`quiz_curves` gives the unlabelled curves A, B, C, ... of a "which curve is
this" question, the same ones the checker reads the right answer from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from ..validation import as_choice, fail
from ._common import close, number, report, wrong_number

__all__ = ["check_quiz", "quiz_curves", "quiz_ids"]

KINDS = ("number", "choice", "curve")
LETTERS = "abcdefgh"


def slugify(heading: str) -> str:
    """The anchor MyST gives a heading (``myst_heading_anchors``): the text without backticks,
    lower case, spaces to ``-``, every character but word characters and ``-`` dropped."""
    text = heading.replace("`", "").lower().replace(" ", "-")
    return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", text)


@dataclass(frozen=True)
class Question:
    """One quiz question. ``answer()`` computes the right answer (a number, the letter of a
    choice, or the label of the curve ``asked``); ``explain(right)`` says why it is right;
    ``known()`` lists recognised wrong answers ``(value, hint)``; ``page`` (from the
    repository root) and ``heading`` name the section that teaches it."""

    id: str
    chapter: int
    kind: str
    prompt: str
    page: str
    heading: str
    answer: Callable[[], Any]
    explain: Callable[[Any], str]
    hint: str
    choices: tuple[str, ...] = ()
    known: Callable[[], list[tuple[Any, str]]] = field(default=lambda: [])
    curves: Callable[[], dict[str, tuple[str, np.ndarray]]] | None = None
    asked: str = ""
    rel: float = 1e-3

    @property
    def anchor(self) -> str:
        """The heading's anchor on its page."""
        return slugify(self.heading)

    @property
    def link(self) -> str:
        """The section as a link from the quiz: ``06_warmup.ipynb#why-warm-up``."""
        page = PurePosixPath(self.page)
        rel = page.name if page.parent.name == "lessons" else f"../{page}"
        return f"{rel}#{self.anchor}"

    @property
    def where(self) -> str:
        """The section in words, with its link."""
        place = f"chapter {self.chapter}" if self.page.startswith("lessons/") else "the API page"
        return f"{place}, '{self.heading.replace('`', '')}' ({self.link})"


# ----------------------------------------------------------------------------- computations


def _curve(name: str, steps: int | None = None, **kwargs: Any) -> np.ndarray:
    from ..schedules import lr_curve

    return lr_curve(name, steps, **kwargs)


def _first_cut(lrs: np.ndarray) -> int:
    """The index of the first LR below the first one (the number of calls before the cut)."""
    return int(np.argmax(lrs < lrs[0]))


@cache
def _adam_first_step(optimizer: str = "adam", lr: float = 0.1) -> float:
    """The share of chapter 6's tiny transformer's weights that the first update moves by
    ``lr`` (within 1%): pre-LN, seed 0, one batch of 64 'reverse' sequences."""
    import torch
    from torch.nn.utils import parameters_to_vector

    from ..data import make_sequence_data
    from ..models import sequence_cross_entropy, tiny_transformer

    seq = make_sequence_data("reverse", seed=0)
    model = tiny_transformer(norm="pre", seed=0)
    before = parameters_to_vector(model.parameters()).detach().clone()
    opt_class = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = opt_class(model.parameters(), lr=lr)
    sequence_cross_entropy(model(seq.X_train[:64]), seq.y_train[:64]).backward()
    opt.step()
    step = parameters_to_vector(model.parameters()).detach() - before
    return float(torch.isclose(step.abs(), torch.tensor(lr), rtol=1e-2).float().mean())


_PLATEAU_METRICS = (1.0, 0.8, 0.7, 0.7, 0.71, 0.69999, 0.72, 0.72, 0.73, 0.74, 0.75)


def _plateau_cut(metrics: Any, patience: int = 3) -> int:
    return _first_cut(_curve("ReduceLROnPlateau", metrics=list(metrics), patience=patience))


_CALL_ORDER = {"step_size": 2, "gamma": 0.5}  # StepLR, 6 epochs of 4 batches
_ONE_CYCLE = {"max_lr": 0.1, "epochs": 3, "steps_per_epoch": 43}
_RESUMED = ("OneCycleLR", {"max_lr": 0.1, "total_steps": 40})


@cache
def _call_order_curves() -> dict[str, tuple[str, np.ndarray]]:
    from ..callorder import record_lrs

    def trace(**kw: Any) -> np.ndarray:
        return np.asarray(record_lrs("StepLR", _CALL_ORDER, epochs=6, steps_per_epoch=4, **kw).lrs)

    return {
        "A": ("per batch", trace(step_per="batch")),
        "B": ("correct", trace()),
        "C": ("scheduler first", trace(order="scheduler_first")),
    }


@cache
def _resume_curves() -> dict[str, tuple[str, np.ndarray]]:
    from ..resume import resume_run

    def trace(save: str) -> np.ndarray:
        return resume_run(_RESUMED, steps=40, split=25, save=save).resumed_lrs

    return {
        "A": ("model+optimizer", trace("model+optimizer")),
        "B": ("all", trace("all")),
        "C": ("model", trace("model")),
    }


def _doctor_code() -> str:
    from ..doctor import diagnose

    per_batch = _call_order_curves()["A"][1]
    found = diagnose(
        per_batch, ("StepLR", {"lr": 0.1, **_CALL_ORDER}), step_per="epoch", steps_per_epoch=4
    )
    return found.codes[0]


_DOCTOR_CODES = (
    "stepped_before_optimizer",
    "wrong_unit",
    "restarted_schedule",
    "horizon_too_short",
)


def _spec_curves(specs: Mapping[str, tuple[str, str, dict[str, Any]]], steps: int, lr: float):
    def make() -> dict[str, tuple[str, np.ndarray]]:
        return {
            k: (label, _curve(name, steps, lr=lr, **kw)) for k, (label, name, kw) in specs.items()
        }

    return make


# ----------------------------------------------------------------------------- the bank

_L = "lessons/"
QUESTIONS: dict[str, Question] = {}


def _add(q: Question) -> None:
    assert q.kind in KINDS and q.id not in QUESTIONS, q.id
    QUESTIONS[q.id] = q


# chapter 1
_add(
    Question(
        id="bowl-stability",
        chapter=1,
        kind="number",
        prompt="Gradient descent with a constant LR on `lc.quadratic_bowl(mu=1, L=4)`: what is the "
        "largest LR below which it converges?",
        page=_L + "01_why_schedule.ipynb",
        heading="A bowl: too high, too low, decayed",
        answer=lambda: _stability(1.0, 4.0),
        explain=lambda r: (
            f"{r:g} = 2 / L: each step multiplies the error along the steep "
            "direction by 1 - lr * L, which must stay within (-1, 1)."
        ),
        hint="each step multiplies the error along a direction of curvature h by 1 - lr * h.",
        known=lambda: [
            (
                1 / 4,
                "1 / L is the LR that removes the steep direction's error in one "
                "step; the limit is where |1 - lr * L| reaches 1.",
            ),
            (2 / 1, "the steep direction (L), not the shallow one (mu), diverges first."),
        ],
    )
)


def _stability(mu: float, L: float) -> float:
    from ..landscape import quadratic_bowl, stability_limit

    return stability_limit(quadratic_bowl(mu, L))


# chapter 2
_add(
    Question(
        id="call-order-curve",
        chapter=2,
        kind="curve",
        prompt="The figure shows the LR of each optimizer step of three loops running "
        "`StepLR(step_size=2, gamma=0.5)` for 6 epochs of 4 batches. Which loop drew curve C: "
        "'correct', 'scheduler first' or 'per batch'?",
        page=_L + "02_training_loop.ipynb",
        heading="The loop, and where the scheduler goes",
        answer=lambda: _call_order_curves()["C"][0],
        curves=_call_order_curves,
        asked="C",
        choices=("correct", "scheduler first", "per batch"),
        explain=lambda r: (
            "calling scheduler.step() before optimizer.step() skips the base LR's "
            "first value: every drop comes one epoch early, and torch warns about it."
        ),
        hint="compare where each curve drops with step_size=2 epochs of 4 batches.",
    )
)
_add(
    Question(
        id="get-last-lr",
        chapter=2,
        kind="choice",
        prompt="After `scheduler.step()`, which call gives the LR the optimizer will use at its "
        "next step?",
        choices=(
            "`scheduler.get_lr()`",
            "`scheduler.get_last_lr()`",
            "`scheduler.base_lrs`",
            "`optimizer.defaults['lr']`",
        ),
        page=_L + "02_training_loop.ipynb",
        heading="Reading the LR: `get_last_lr()`, not `get_lr()`",
        answer=lambda: "b",
        explain=lambda r: (
            "get_last_lr() returns what the last step() set; get_lr() is the "
            "scheduler's internal recursive formula and, called from outside, can give a different "
            "value (StepLR's halves again on a boundary)."
        ),
        hint="one of these is an internal formula, two are the starting values.",
        known=lambda: [
            (
                "a",
                "get_lr() is the scheduler's internal update; called from outside it "
                "can apply the decay a second time (lc.get_lr_vs_last shows it).",
            ),
            ("c", "base_lrs are the starting LRs; they never change."),
            ("d", "the optimizer's defaults keep the LR it was built with."),
        ],
    )
)

# chapter 3
_add(
    Question(
        id="steplr-value",
        chapter=3,
        kind="number",
        prompt="`StepLR(step_size=30, gamma=0.1)` on an optimizer with `lr=0.1`: what is the LR "
        "after exactly 60 calls to `scheduler.step()`?",
        page=_L + "03_step_multistep_exponential.ipynb",
        heading="StepLR and MultiStepLR: drops",
        answer=lambda: float(_curve("StepLR", 61, lr=0.1, step_size=30, gamma=0.1)[60]),
        explain=lambda r: f"{r:g}: the LR is lr * gamma ** (k // step_size), and 60 // 30 = 2.",
        hint="lr * gamma ** (k // step_size).",
        known=lambda: [
            (
                _curve("StepLR", 60, lr=0.1, step_size=30, gamma=0.1)[59],
                "that is the LR after 59 calls: the second drop happens on the 60th call "
                "itself (off by one).",
            )
        ],
    )
)
_DECAYS = {
    "A": ("MultiStepLR", "MultiStepLR", {"milestones": [50, 80], "gamma": 0.1}),
    "B": ("ExponentialLR", "ExponentialLR", {"gamma": 0.95}),
    "C": ("StepLR", "StepLR", {"step_size": 30, "gamma": 0.1}),
    "D": ("PolynomialLR", "PolynomialLR", {"total_iters": 100, "power": 2.0}),
}
_add(
    Question(
        id="decays-curve",
        chapter=3,
        kind="curve",
        prompt="The figure shows four decays from LR 0.1 over 100 steps (log axis). Which "
        "scheduler drew curve A: StepLR, MultiStepLR, ExponentialLR or PolynomialLR?",
        page=_L + "03_step_multistep_exponential.ipynb",
        heading="StepLR and MultiStepLR: drops",
        answer=lambda: _spec_curves(_DECAYS, 100, 0.1)()["A"][0],
        curves=_spec_curves(_DECAYS, 100, 0.1),
        asked="A",
        choices=("StepLR", "MultiStepLR", "ExponentialLR", "PolynomialLR"),
        explain=lambda r: (
            "its drops are unevenly spaced (at 50 and 80): milestones, not a fixed step_size."
        ),
        hint="look at the spacing of the drops.",
    )
)

# chapter 4
_add(
    Question(
        id="cosine-past-tmax",
        chapter=4,
        kind="number",
        prompt="`CosineAnnealingLR(T_max=100)` with `lr=0.1` (and the default `eta_min=0`) is "
        "stepped 150 times. What LR does the optimizer hold then?",
        page=_L + "04_cosine_and_restarts.ipynb",
        heading="Past `T_max`: the cosine keeps going",
        answer=lambda: float(_curve("CosineAnnealingLR", 151, lr=0.1, T_max=100)[150]),
        explain=lambda r: (
            f"{r:g}: torch's cosine keeps following the formula past T_max and "
            "climbs back towards the peak (it reaches 0.1 again at 2 * T_max)."
        ),
        hint="the formula eta_min + (lr - eta_min)(1 + cos(pi k / T_max)) / 2 holds for every k.",
        known=lambda: [
            (
                0.0,
                "torch does not hold the LR at eta_min after T_max: the cosine goes "
                "on and climbs back up.",
            )
        ],
    )
)
_add(
    Question(
        id="restart-step",
        chapter=4,
        kind="number",
        prompt="`CosineAnnealingWarmRestarts(T_0=10, T_mult=2)`: after how many calls to "
        "`scheduler.step()` does the third restart bring the LR back to its peak?",
        page=_L + "04_cosine_and_restarts.ipynb",
        heading="Warm restarts: `CosineAnnealingWarmRestarts`",
        answer=lambda: _restart(3, 10, 2),
        explain=lambda r: (
            f"{r}: the cycles last 10, 20 and 40 steps, so the restarts come at 10, 30 and 70."
        ),
        hint="each cycle is T_mult times longer than the one before; add up the first three.",
        known=lambda: [
            (
                _restart(2, 10, 2),
                "that is the second restart (or the third with "
                "T_mult=1); with T_mult=2 the third cycle is 40 steps long.",
            ),
            (
                10 * 2**3,
                "that is the length of the fourth cycle, not where the third restart happens.",
            ),
        ],
    )
)


def _restart(n: int, T_0: int, T_mult: int) -> int:
    from ..restarts import restart_step

    return restart_step(n, T_0, T_mult)


_RESTARTS = {
    "A": ("T_0=10, T_mult=1", "CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 1}),
    "B": ("T_0=10, T_mult=2", "CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2}),
    "C": ("CosineAnnealingLR(T_max=70)", "CosineAnnealingLR", {"T_max": 70}),
}
_add(
    Question(
        id="restarts-curve",
        chapter=4,
        kind="curve",
        prompt="Three cosine schedules over 70 steps from LR 0.1. Which one drew curve B: "
        "'T_0=10, T_mult=1', 'T_0=10, T_mult=2' or 'CosineAnnealingLR(T_max=70)'?",
        page=_L + "04_cosine_and_restarts.ipynb",
        heading="Warm restarts: `CosineAnnealingWarmRestarts`",
        answer=lambda: _spec_curves(_RESTARTS, 70, 0.1)()["B"][0],
        curves=_spec_curves(_RESTARTS, 70, 0.1),
        asked="B",
        choices=tuple(label for label, _, _ in _RESTARTS.values()),
        explain=lambda r: "its cycles double in length (10, 20, 40 steps): T_mult=2.",
        hint="measure the cycles' lengths between the jumps.",
    )
)

# chapter 5
_add(
    Question(
        id="plateau-first-cut",
        chapter=5,
        kind="number",
        prompt="`ReduceLROnPlateau(patience=3)` (default `threshold=1e-4`, relative) is stepped "
        "once per epoch with the validation losses 1.0, 0.8, 0.7, 0.7, 0.71, 0.69999, 0.72, 0.72, "
        "0.73, 0.74, 0.75. After how many calls to `step(metric)` is the LR first cut?",
        page=_L + "05_reduce_on_plateau.ipynb",
        heading="The rule, step by step",
        answer=lambda: _plateau_cut(_PLATEAU_METRICS),
        explain=lambda r: (
            f"{r}: the best is 0.7 at call 3; the tie, 0.71, 0.69999 (not better "
            "than 0.7 * (1 - 1e-4)) and 0.72 are four bad epochs, more than patience=3."
        ),
        hint="a tie is a bad epoch, 'better' means below best * (1 - threshold), and the cut comes "
        "after MORE than patience bad epochs.",
        known=lambda: [
            (
                _plateau_cut(_PLATEAU_METRICS, patience=2),
                "that cuts after patience bad epochs; the rule needs more than patience.",
            ),
            (
                _plateau_cut([0.69 if m == 0.69999 else m for m in _PLATEAU_METRICS]),
                "0.69999 is not an improvement: it must beat 0.7 * (1 - 1e-4).",
            ),
        ],
    )
)
_add(
    Question(
        id="plateau-vs-cosine",
        chapter=5,
        kind="choice",
        prompt="Interview question: what is the difference between `ReduceLROnPlateau` and cosine "
        "annealing, and when is each better?",
        choices=(
            "Plateau is reactive, so it is better when you do not know how long you will train; "
            "the cosine is proactive and often gives better final accuracy.",
            "Plateau frees you from choosing `T_max` and cannot be stepped past its end, but it "
            "cuts only after it has seen a plateau, so it did not rescue a run stopped early; a "
            "cosine planned for the real length was at least as good, and torch's cosine stepped "
            "past `T_max` climbs back up.",
            "Both end at the same small LR, so the final accuracy is the same whichever you pick.",
            "The cosine adapts to the validation loss, the plateau schedule follows a fixed plan.",
        ),
        page=_L + "05_reduce_on_plateau.ipynb",
        heading="Reactive or proactive? When the training length is unknown",
        answer=lambda: "b",
        explain=lambda r: (
            "chapter 5 measured it: stopped early, the plateau schedule had not "
            "annealed either and lost to a cosine planned for the short run; extended, "
            "torch's cosine went back up and lost to the plateau schedule, which needed no plan."
        ),
        hint="what does a reactive schedule do before it has seen a plateau, and what does "
        "torch's cosine do after T_max?",
        known=lambda: [
            (
                "a",
                "that is the folklore answer, and it is half right: reacting did not "
                "help a run that stopped early (the plateau schedule cannot cut before it "
                "sees a plateau), and the cosine's edge at the planned length was a hair.",
            ),
            ("c", "a cosine stepped past T_max does not end at a small LR at all."),
            ("d", "it is the other way round: the plateau schedule reads the metric."),
        ],
    )
)

# chapter 6
_add(
    Question(
        id="why-warmup",
        chapter=6,
        kind="choice",
        prompt="Interview question: why use a learning-rate warmup (with Adam)?",
        choices=(
            "Because the weights are random at first, so the gradients are large, and a large LR "
            "times a large gradient diverges.",
            "Because Adam's first update moves almost every weight by the full LR whatever its "
            "gradient, and its second-moment estimate rests on a handful of samples: a warmup "
            "keeps those early steps small, which let Adam train stably at a larger LR.",
            "Because batch-norm statistics must settle before the LR gets large.",
            "Because a warmup always makes training converge faster, at any LR.",
        ),
        page=_L + "06_warmup.ipynb",
        heading="Why warm up?",
        answer=lambda: "b",
        explain=lambda r: (
            "for Adam the size of the gradient is beside the point: its first "
            "update is about lr * sign(g). Chapter 6 measured it on a small transformer and found "
            "that a 50-step warmup raised the largest stable Adam LR."
        ),
        hint="look at the size of Adam's first update, lr * g / (|g| + eps).",
        known=lambda: [
            (
                "a",
                "that is the folklore answer: the instability is real, but Adam's "
                "first step does not grow with the gradient (it moves almost every "
                "weight by exactly the LR). For plain SGD it is closer to the truth.",
            ),
            (
                "c",
                "the transformer of chapter 6 has no batch norm and still needed the "
                "warmup for a larger LR.",
            ),
            (
                "d",
                "warmup buys headroom for a larger LR; at a moderate LR the pre-LN "
                "model of chapter 6 trained well without it.",
            ),
        ],
    )
)
_add(
    Question(
        id="adam-first-step",
        chapter=6,
        kind="number",
        prompt="Chapter 6's tiny transformer (`lc.tiny_transformer(norm='pre', seed=0)`), one "
        "batch of 64 'reverse' sequences (seed 0), one step of `Adam(lr=0.1)`: what fraction of "
        "its weights move by 0.1 (within 1%)? Give a fraction between 0 and 1.",
        page=_L + "06_warmup.ipynb",
        heading="Adam's first step ignores the size of the gradient",
        answer=lambda: _adam_first_step("adam"),
        explain=lambda r: (
            f"{r:.3f}: at t = 1 Adam's bias correction makes the update "
            "lr * g / (|g| + eps), the full LR for every weight whose gradient is well above eps."
        ),
        hint="at t = 1, m_hat = g and v_hat = g ** 2.",
        known=lambda: [
            (
                _adam_first_step("sgd"),
                "that is SGD's share: its step is proportional to the gradient. Adam's is not.",
            )
        ],
        rel=1e-2,
    )
)
_add(
    Question(
        id="warmup-first-lr",
        chapter=6,
        kind="number",
        prompt="`LambdaLR(optimizer, lc.linear_warmup(50))` on an optimizer with `lr=0.1`: what "
        "LR does the very first update use?",
        page=_L + "06_warmup.ipynb",
        heading="Linear warmup in PyTorch",
        answer=lambda: float(_curve("linear_warmup", 1, lr=0.1, warmup_steps=50)[0]),
        explain=lambda r: (
            f"{r:g} = 0.1 * (0 + 1) / 50: the course's ramp (t + 1) / w starts at "
            "1 / w, so the first update is not wasted."
        ),
        hint="lc.linear_warmup(w) is the factor (t + 1) / w up to w, then 1.",
        known=lambda: [
            (
                0.0,
                "that is the ramp t / w: its first update uses LR 0 and is wasted. "
                "lc.linear_warmup uses (t + 1) / w.",
            )
        ],
    )
)
_WARMUPS = {
    "A": ("linear_with_warmup", "linear_with_warmup", {"warmup_steps": 10, "total_steps": 60}),
    "B": ("LinearLR", "LinearLR", {"start_factor": 0.1, "total_iters": 10}),
    "C": (
        "transformers_linear_with_warmup",
        "transformers_linear_with_warmup",
        {"warmup_steps": 10, "total_steps": 60},
    ),
}
_add(
    Question(
        id="warmup-curve",
        chapter=6,
        kind="curve",
        prompt="Three warmups of 10 steps from LR 0.1 over 60 steps. Which one drew curve C: "
        "'linear_with_warmup', 'LinearLR' or 'transformers_linear_with_warmup'?",
        page=_L + "06_warmup.ipynb",
        heading="The transformers-style schedule",
        answer=lambda: _spec_curves(_WARMUPS, 60, 0.1)()["C"][0],
        curves=_spec_curves(_WARMUPS, 60, 0.1),
        asked="C",
        choices=tuple(label for label, _, _ in _WARMUPS.values()),
        explain=lambda r: (
            "it starts at exactly 0 (the ramp t / w) and decays linearly to 0: "
            "transformers' schedule. The course's linear_with_warmup starts at 1 / w."
        ),
        hint="look at step 0 and at what happens after the warmup.",
    )
)

# chapter 7
_add(
    Question(
        id="one-cycle",
        chapter=7,
        kind="choice",
        prompt="Interview question: what is the one-cycle policy (`OneCycleLR`)?",
        choices=(
            "It pushes the LR very high (super-convergence) to traverse flat areas quickly and "
            "trains ten times faster.",
            "One warmup from `max_lr / div_factor` to a large `max_lr` chosen with a range test, "
            "then one anneal to far below the start, with the momentum moved the opposite way, "
            "stepped once per batch. On chapter 7's digits network it tied the best tuned "
            "constant, nowhere near ten times faster; the anneal did the work.",
            "It repeats triangular cycles between `base_lr` and `max_lr` for the whole run.",
            "A cosine decay from `max_lr` to zero, without any warmup.",
        ),
        page=_L + "07_one_cycle_and_cyclic.ipynb",
        heading='Is this "super-convergence"? How much faster is it?',
        answer=lambda: "b",
        explain=lambda r: (
            "one rise, one fall, momentum against the LR. Super-convergence is a "
            "regime some setups are in (large tolerated LR, little other regularisation), not a "
            "general speed-up: chapter 7 measured at most a modest one."
        ),
        hint="describe the shape OneCycleLR draws, and check the speed claim against chapter 7.",
        known=lambda: [
            (
                "a",
                "that is the folklore answer: on chapter 7's network one cycle tied "
                "the best constant and the speed-up was nowhere near 10x; "
                "super-convergence needs particular conditions.",
            ),
            ("c", "that is CyclicLR; one cycle has a single rise and fall."),
            ("d", "that is CosineAnnealingLR; OneCycleLR starts with a warmup."),
        ],
    )
)
_add(
    Question(
        id="onecycle-final-lr",
        chapter=7,
        kind="number",
        prompt="`OneCycleLR(max_lr=0.1, epochs=3, steps_per_epoch=43)` with the defaults "
        "(`div_factor=25`, `final_div_factor=1e4`): what LR does the last batch train at?",
        page=_L + "07_one_cycle_and_cyclic.ipynb",
        heading="One cycle: `OneCycleLR`",
        answer=lambda: float(_curve("OneCycleLR", lr=0.1, **_ONE_CYCLE)[-1]),
        explain=lambda r: (
            f"{r:.3g} = max_lr / (div_factor * final_div_factor): final_div_factor "
            "divides the starting LR, not max_lr."
        ),
        hint="the run starts at max_lr / div_factor and ends final_div_factor times lower.",
        known=lambda: [
            (0.1 / 1e4, "final_div_factor divides the starting LR max_lr / 25, not max_lr."),
            (0.1 / 25, "that is where the run starts."),
            (0.0, "OneCycleLR ends small, not at zero."),
        ],
    )
)
_add(
    Question(
        id="onecycle-momentum",
        chapter=7,
        kind="number",
        prompt="The same `OneCycleLR` on `SGD(lr=0.1, momentum=0.9)`: what is the smallest "
        "momentum the optimizer trains with?",
        page=_L + "07_one_cycle_and_cyclic.ipynb",
        heading="One cycle: `OneCycleLR`",
        answer=lambda: float(_momentum().min()),
        explain=lambda r: (
            f"{r:.2f}: OneCycleLR overwrites the momentum, moving it from "
            "max_momentum down to base_momentum while the LR rises; SGD's 0.9 is never used."
        ),
        hint="cycle_momentum=True is the default; look at base_momentum.",
        known=lambda: [
            (
                0.9,
                "the 0.9 given to SGD is overwritten by OneCycleLR (cycle_momentum "
                "is on by default).",
            ),
            (0.95, "0.95 is max_momentum, used at the start and the end."),
        ],
        rel=1e-3,
    )
)


def _momentum() -> np.ndarray:
    from ..schedules import momentum_curve

    return momentum_curve("OneCycleLR", lr=0.1, **_ONE_CYCLE)


_CYCLIC = {
    "A": (
        "triangular2",
        "CyclicLR",
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10, "mode": "triangular2"},
    ),
    "B": ("triangular", "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10}),
    "C": ("OneCycleLR", "OneCycleLR", {"max_lr": 0.1, "total_steps": 80}),
    "D": (
        "exp_range",
        "CyclicLR",
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10, "mode": "exp_range", "gamma": 0.98},
    ),
}
_add(
    Question(
        id="cyclic-curve",
        chapter=7,
        kind="curve",
        prompt="Four schedules over 80 steps. Which drew curve A: 'triangular', 'triangular2', "
        "'exp_range' (CyclicLR's modes) or 'OneCycleLR'?",
        page=_L + "07_one_cycle_and_cyclic.ipynb",
        heading="Cyclical learning rates: `CyclicLR`",
        answer=lambda: _spec_curves(_CYCLIC, 80, 0.1)()["A"][0],
        curves=_spec_curves(_CYCLIC, 80, 0.1),
        asked="A",
        choices=("triangular", "triangular2", "exp_range", "OneCycleLR"),
        explain=lambda r: (
            "its peaks halve from one cycle to the next while the bottom stays at "
            "base_lr: triangular2. exp_range shrinks the height by gamma every step, smoothly."
        ),
        hint="compare successive peaks: equal, halved, or shrinking a little every step.",
    )
)

# chapter 8
_MODERN = {
    "A": ("cosine_with_warmup", "cosine_with_warmup", {"warmup_steps": 10, "total_steps": 100}),
    "B": ("inverse_sqrt", "inverse_sqrt", {"warmup_steps": 10}),
    "C": (
        "warmup_stable_decay",
        "warmup_stable_decay",
        {"warmup_steps": 10, "total_steps": 100, "decay_steps": 20},
    ),
}
_add(
    Question(
        id="modern-curve",
        chapter=8,
        kind="curve",
        prompt="Three modern schedules over 100 steps, each with a 10-step warmup. Which drew "
        "curve C: 'cosine_with_warmup', 'inverse_sqrt' or 'warmup_stable_decay'?",
        page=_L + "08_custom_and_combined.ipynb",
        heading="Modern schedules as factors",
        answer=lambda: _spec_curves(_MODERN, 100, 0.1)()["C"][0],
        curves=_spec_curves(_MODERN, 100, 0.1),
        asked="C",
        choices=tuple(label for label, _, _ in _MODERN.values()),
        explain=lambda r: (
            "it holds the peak LR for most of the run and decays only in the last "
            "steps: warmup-stable-decay."
        ),
        hint="which curve stays flat after the warmup?",
    )
)
_add(
    Question(
        id="wsd-value",
        chapter=8,
        kind="number",
        prompt="`warmup_stable_decay(warmup_steps=10, total_steps=100, decay_steps=20)` at base "
        "LR 0.1 (linear cooldown): what is the LR after 90 calls to `scheduler.step()`?",
        page=_L + "08_custom_and_combined.ipynb",
        heading="Warmup-stable-decay",
        answer=lambda: float(
            _curve(
                "warmup_stable_decay", 91, lr=0.1, warmup_steps=10, total_steps=100, decay_steps=20
            )[90]
        ),
        explain=lambda r: (
            f"{r:g}: the cooldown runs linearly over the last 20 steps (80 to 100) "
            "and step 90 is half-way."
        ),
        hint="the decay occupies the last decay_steps of total_steps.",
        known=lambda: [(0.1, "the stable phase ends decay_steps before total_steps.")],
    )
)

# chapter 9
_add(
    Question(
        id="sweep-lr",
        chapter=9,
        kind="number",
        prompt="A range test sweeps the LR geometrically from `start_lr=1e-5` to `end_lr=10` over "
        "`num_iter=200` batches (the last batch at exactly 10). What LR does batch 100 (counting "
        "from 0) use?",
        page=_L + "09_lr_range_test.ipynb",
        heading="Exponential or linear?",
        answer=lambda: float(_sweep(1e-5, 10.0, 200)[100]),
        explain=lambda r: (
            f"{r:.4g} = 1e-5 * (10 / 1e-5) ** (100 / 199): 200 LRs span the range in 199 steps."
        ),
        hint="lr_i = start * (end / start) ** (i / (num_iter - 1)).",
        known=lambda: [
            (
                1e-5 * 1e6 ** (100 / 200),
                "off by one: 200 LRs make 199 steps, so the exponent is i / (num_iter - 1).",
            ),
            (float(_sweep(1e-5, 10.0, 200, "linear")[100]), "that is a linear sweep."),
        ],
    )
)


def _sweep(start: float, end: float, n: int, mode: str = "exp") -> np.ndarray:
    from ..rangetest import sweep_lrs

    return sweep_lrs(start, end, n, mode)  # type: ignore[arg-type]


_add(
    Question(
        id="smoothing-lag",
        chapter=9,
        kind="number",
        prompt="fastai's range test smooths with `beta=0.98` over 100 batches from 1e-5 to 10. By "
        "how many decades of LR does the smoothed loss lag behind at the last batch "
        "(`lc.smoothing_lag`)?",
        page=_L + "09_lr_range_test.ipynb",
        heading="Smoothing, its lag, and the divergence stop",
        answer=lambda: _lag(0.98, 1e-5, 10.0, 100),
        explain=lambda r: (
            f"{r:.2f} decades: an average over about 1 / (1 - beta) = 50 batches, "
            "each 6 / 99 of a decade apart, lags the truth by a large factor."
        ),
        hint="lc.smoothing_lag(beta, start_lr, end_lr, num_iter, at=num_iter - 1).",
        known=lambda: [
            (
                _lag(0.9, 1e-5, 10.0, 200),
                "that is chapter 9's setting (beta=0.9 over 200 batches), not fastai's.",
            )
        ],
        rel=1e-2,
    )
)


def _lag(beta: float, start: float, end: float, n: int) -> float:
    from ..rangetest import smoothing_lag

    return smoothing_lag(beta, start, end, n, at=n - 1)


# chapter 10
_add(
    Question(
        id="half-life",
        chapter=10,
        kind="number",
        prompt="SGD with `lr=0.1, weight_decay=5e-4`: how many steps does the decay alone take to "
        "halve a weight the gradient never touches?",
        page=_L + "10_weight_decay.ipynb",
        heading="How fast decay alone shrinks a weight",
        answer=lambda: _half_life(0.1, 5e-4),
        explain=lambda r: (
            f"{r:.0f} steps = ln 2 / -ln(1 - lr * wd): the shrink per step is lr * wd, not wd."
        ),
        hint="each step multiplies the weight by 1 - lr * weight_decay.",
        known=lambda: [
            (
                np.log(2) / -np.log1p(-5e-4),
                "that forgets the LR: SGD shrinks by 1 - lr * wd per step.",
            ),
            (1 / (0.1 * 5e-4), "that is 1 / (lr * wd), the time to shrink by a factor e, not 2."),
        ],
        rel=1e-2,
    )
)


def _half_life(lr: float, wd: float) -> float:
    from ..decay import decay_half_life

    return decay_half_life(lr, wd)


_add(
    Question(
        id="scheduled-decay",
        chapter=10,
        kind="choice",
        prompt="A cosine schedule takes SGD's LR from 0.1 down to 0 while `weight_decay=5e-4` "
        "stays fixed. What happens to the shrink per step that the decay applies?",
        choices=(
            "It stays 5e-4 per step.",
            "It is lr_t * weight_decay, so it falls with the LR, to 0 at the end.",
            "It grows as the LR falls.",
            "It is weight_decay / lr_t.",
        ),
        page=_L + "10_weight_decay.ipynb",
        heading='"Keep `weight_decay` constant while the LR is scheduled"',
        answer=lambda: "b",
        explain=lambda r: (
            "the effective decay is eta_t * lambda (lc.effective_decay): a schedule "
            "weakens the regularisation exactly as it slows the gradient steps."
        ),
        hint="write out one SGD step with weight decay and look at what multiplies the weight.",
        known=lambda: [
            (
                "a",
                "the decay enters the update multiplied by the LR: it is lr_t * wd "
                "per step, not wd.",
            )
        ],
    )
)

# chapter 11
_add(
    Question(
        id="adamw-constant-shrink",
        chapter=11,
        kind="number",
        prompt="`AdamW(lr=1e-3, weight_decay=0.05)` at a constant LR for 1000 steps: by what "
        "factor is a weight that gets no gradient multiplied?",
        page=_L + "11_adamw.ipynb",
        heading="The schedule scales AdamW's decay",
        answer=lambda: _shrink(np.full(1000, 1e-3), 0.05),
        explain=lambda r: (
            f"{r:.4f} = (1 - lr * wd) ** 1000: AdamW's decay is multiplied by the LR, like SGD's."
        ),
        hint="each step multiplies the weight by 1 - lr * weight_decay.",
        known=lambda: [
            ((1 - 0.05) ** 1000, "AdamW shrinks by 1 - lr * wd per step, not 1 - wd."),
            (1.0, "no gradient, but the decoupled decay still shrinks the weight."),
        ],
        rel=1e-4,
    )
)


def _shrink(lrs: np.ndarray, wd: float) -> float:
    from ..decay import cumulative_shrink

    return float(cumulative_shrink(lrs, wd)[-1])


_add(
    Question(
        id="adam-l2",
        chapter=11,
        kind="choice",
        prompt="A weight whose loss gradient is zero, under `Adam(weight_decay=wd)` (an L2 term "
        "in the gradient) and under `AdamW(weight_decay=wd)`: what happens to it each step?",
        choices=(
            "Both shrink it by the factor 1 - lr * wd.",
            "Under Adam + L2 it moves by about the LR per step whatever wd is (Adam normalises "
            "the L2 gradient); under AdamW it is multiplied by 1 - lr * wd.",
            "Under Adam + L2 it does not move at all.",
            "Under AdamW it is multiplied by 1 - wd.",
        ),
        page=_L + "11_adamw.ipynb",
        heading="The same weights under Adam + L2",
        answer=lambda: "b",
        explain=lambda r: (
            "Adam divides the L2 gradient wd * w by its own running size, so the "
            "step is about lr * sign(w); AdamW shrinks outside Adam's update."
        ),
        hint="Adam's update is about lr * g / sqrt(v); what is g for that weight under L2?",
        known=lambda: [
            (
                "a",
                "Adam normalises the L2 gradient wd * w: its step is about the LR, "
                "not lr * wd * w.",
            ),
            ("d", "AdamW's decay is multiplied by the LR: 1 - lr * wd."),
        ],
    )
)

# chapter 12
_add(
    Question(
        id="resume-curve",
        chapter=12,
        kind="curve",
        prompt="`lc.resume_run` trains `OneCycleLR(max_lr=0.1, total_steps=40)` for 40 steps, "
        "stopping at step 25 and resuming from a checkpoint. The figure shows the resumed run's "
        "LR when the checkpoint holds 'all' state dicts, the 'model' only, or "
        "'model+optimizer'. Which checkpoint drew curve C?",
        page=_L + "12_practice.ipynb",
        heading="Resuming a run",
        answer=lambda: _resume_curves()["C"][0],
        curves=_resume_curves,
        asked="C",
        choices=("all", "model", "model+optimizer"),
        explain=lambda r: (
            "the schedule starts again from its first step at step 25: a fresh "
            "optimizer and a fresh scheduler, nothing of the schedule's state was saved."
        ),
        hint="which curve goes back to the start of the warmup at step 25 itself, and which one "
        "a step later?",
    )
)
_add(
    Question(
        id="resume-steplr",
        chapter=12,
        kind="number",
        prompt="`lc.resume_run(('StepLR', {'step_size': 5, 'gamma': 0.5}), steps=12, split=7, "
        "save='model+optimizer')`: at which step does the resumed run's LR first differ from "
        "the straight run's?",
        page=_L + "12_practice.ipynb",
        heading="Resuming a run",
        answer=lambda: _resumed("model+optimizer"),
        explain=lambda r: (
            f"step {r}: the loaded optimizer carries the LR of step 7, but the fresh "
            "scheduler counts its step_size from the resume, so the next decay comes late."
        ),
        hint="the optimizer's state holds the LR; the scheduler's state holds the step counter.",
        known=lambda: [
            (
                _resumed("model"),
                "that is with the model alone; the optimizer's state brings the LR of step 7 back.",
            )
        ],
    )
)


@cache
def _resumed(save: str) -> int:
    """The first step whose LR differs in ``resume-steplr``'s run saved as ``save``."""
    from ..resume import resume_run

    run = resume_run(("StepLR", {"step_size": 5, "gamma": 0.5}), steps=12, split=7, save=save)
    return -1 if run.first_difference is None else run.first_difference


_add(
    Question(
        id="doctor-code",
        chapter=12,
        kind="choice",
        prompt="Curve 'per batch' of the chapter 2 question (an epoch schedule, "
        "`StepLR(step_size=2, gamma=0.5)`, stepped every batch) is fed to `lc.diagnose` "
        "with `step_per='epoch', steps_per_epoch=4`. Which finding does the doctor report?",
        choices=tuple(f"`{code}`" for code in _DOCTOR_CODES),
        page=_L + "12_practice.ipynb",
        heading="The schedule doctor",
        answer=lambda: LETTERS[_DOCTOR_CODES.index(_doctor_code())],
        explain=lambda r: (
            f"'{_DOCTOR_CODES[LETTERS.index(r)]}': an epoch schedule stepped per "
            "batch runs steps_per_epoch times too fast."
        ),
        hint="the schedule is right; how often was it stepped?",
        known=lambda: [
            (
                LETTERS[_DOCTOR_CODES.index("stepped_before_optimizer")],
                "that shifts the schedule by one call; here it ran 4 times too fast.",
            )
        ],
    )
)


# ----------------------------------------------------------------------------- the checker


def _question(question_id: Any) -> Question:
    return QUESTIONS[as_choice("question_id", question_id, list(QUESTIONS))]


def quiz_ids(chapter: int | None = None) -> list[str]:
    """The quiz's question ids, in order, all of them or those of one ``chapter`` (1-12).

    >>> quiz_ids(4)
    ['cosine-past-tmax', 'restart-step', 'restarts-curve']
    """
    if chapter is None:
        return list(QUESTIONS)
    chapters = sorted({q.chapter for q in QUESTIONS.values()})
    chapter = as_choice("chapter", chapter, chapters)
    return [q.id for q in QUESTIONS.values() if q.chapter == chapter]


def quiz_curves(question_id: str) -> dict[str, np.ndarray]:
    """The unlabelled curves ``{"A": lrs, "B": lrs, ...}`` of a "which curve is this"
    question, for :func:`lrcourse.plot_curves`; the checker reads its answer off the same
    curves.

    >>> sorted(quiz_curves("restarts-curve"))
    ['A', 'B', 'C']
    """
    q = _question(question_id)
    if q.curves is None:
        curve_ids = [i for i, x in QUESTIONS.items() if x.curves is not None]
        raise fail("question_id", f"a curve question, one of {curve_ids}", question_id)
    return {letter: lrs.copy() for letter, (_, lrs) in q.curves().items()}


def _letter(q: Question, answer: Any) -> str:
    letters = list(LETTERS[: len(q.choices)])
    value = answer.strip().lower() if isinstance(answer, str) else answer
    return as_choice("answer", value, letters)


def _label(q: Question, answer: Any) -> str:
    if isinstance(answer, str):
        found = {c.lower(): c for c in q.choices}.get(answer.strip().strip("'\"").lower())
        if found is not None:
            return found
    return as_choice("answer", answer, list(q.choices))


def check_quiz(question_id: str, answer: Any) -> bool:
    """Check a quiz answer: a number, the letter of a choice (``"b"``) or, for a "which
    curve is this" question, the name of the scheduler or setting (one of its choices).

    The right answer is computed from the package when the checker runs. Prints ``Correct!
    <why> See: <section>`` or ``Not yet. <hint>`` (a recognised wrong answer, such as the
    folklore one or an off-by-one, gets its own hint) and returns ``True`` / ``False``. An
    unknown ``question_id`` or an answer that is not one (text for a number, a letter that
    is not offered) raises a ``ParameterError`` naming the parameter.

    Example::

        >>> check_quiz("cosine-past-tmax", 0.05)
        Correct! ...
        True
        >>> check_quiz("why-warmup", "a")
        Not yet. that is the folklore answer...
        False
    """
    q = _question(question_id)
    right = q.answer()
    if q.kind == "number":
        a = number("answer", answer)
        if close(a, right, q.rel) or (right == 0 and a == 0):
            return report(True, f"{q.explain(right)} See: {q.where}.")
        known = [(float(v), h) for v, h in q.known()]
        return wrong_number(
            a, float(right), known, q.rel, f"{q.hint} See: {q.where}.", skip_right=True
        )
    if q.kind == "choice":
        given = _letter(q, answer)
    else:
        given = _label(q, answer)
    if given == right:
        return report(True, f"{q.explain(right)} See: {q.where}.")
    hints = dict(q.known())
    if given in hints:
        return report(False, f"{hints[given]} See: {q.where}.")
    if q.kind == "curve" and q.curves is not None:
        drew = [k for k, (label, _) in q.curves().items() if label == given]
        if drew:
            return report(False, f"'{given}' drew curve {drew[0]}, not {q.asked}. Hint: {q.hint}")
    return report(False, f"not '{given}'. Hint: {q.hint} See: {q.where}.")
