"""lrcourse.exercises.ch13: the quiz's bank, its checker, its curves, its links and its notebook."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml
from feedback import argument_tests, checked
from myst_parser.mdit_to_docutils.base import default_slugify

import lrcourse as lc
from lrcourse.exercises import ch13
from lrcourse.exercises.ch13 import LETTERS, QUESTIONS, check_quiz, quiz_curves, quiz_ids

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "lessons" / "13_quiz.ipynb"
IDS = list(QUESTIONS)
INTERVIEW = ["why-warmup", "plateau-vs-cosine", "one-cycle"]


def _right_input(q: ch13.Question):
    """The right answer as a learner types it."""
    return q.answer()


def _a_wrong_input(q: ch13.Question):
    """An answer of the right type that is not right, and the hint it must get: its own if it
    is a recognised misreading, else the question's."""
    right, known = q.answer(), dict(q.known())
    if q.kind == "number":
        return float(right) * 3.7 + 1.3, q.hint
    options = list(LETTERS[: len(q.choices)]) if q.kind == "choice" else list(q.choices)
    wrong = [o for o in options if o != right]
    unknown = [o for o in wrong if o not in known]
    return (unknown[0], q.hint) if unknown else (wrong[0], known[wrong[0]])


# ----------------------------------------------------------------------------- the bank


def test_exported_at_top_level():
    assert lc.check_quiz is check_quiz
    assert lc.quiz_curves is quiz_curves and lc.quiz_ids is quiz_ids
    assert {"check_quiz", "quiz_curves", "quiz_ids"} <= set(lc.exercises.__all__)


def test_the_bank_covers_every_chapter_and_every_kind():
    assert len(QUESTIONS) >= 25
    assert {q.chapter for q in QUESTIONS.values()} >= set(range(1, 13))
    kinds = Counter(q.kind for q in QUESTIONS.values())
    assert set(kinds) == set(ch13.KINDS) and min(kinds.values()) >= 5
    assert all(q.id == key for key, q in QUESTIONS.items())
    assert set(INTERVIEW) <= set(QUESTIONS)
    assert quiz_ids() == IDS
    assert [i for c in range(1, 13) for i in quiz_ids(c)] == sorted(
        IDS, key=lambda i: QUESTIONS[i].chapter
    )


@pytest.mark.parametrize("qid", IDS)
def test_a_question_is_complete(qid):
    q = QUESTIONS[qid]
    assert q.prompt.strip() and q.hint.strip() and q.heading.strip()
    right = q.answer()
    if q.kind == "choice":
        assert 3 <= len(q.choices) <= len(LETTERS) and right in LETTERS[: len(q.choices)]
    if q.kind == "curve":
        curves = q.curves()
        assert q.asked in curves and right == curves[q.asked][0]
        labels = [label for label, _ in curves.values()]
        assert len(labels) == len(set(labels)) >= 3  # each curve tells a different setting
        assert right in q.choices and set(labels) <= set(q.choices)
    if q.kind == "number":
        assert math.isfinite(float(right))
    for value, hint in q.known():
        assert hint.strip()
        if q.kind == "number":  # a misreading is not the right answer
            assert not ch13.close(float(value), float(right), q.rel)
        else:
            assert value != right


# ----------------------------------------------------------------------------- the answers


def test_the_computed_answers_follow_the_formulas_the_chapters_teach():
    q = {i: QUESTIONS[i].answer() for i in IDS}
    assert q["bowl-stability"] == pytest.approx(2 / 4)
    assert q["steplr-value"] == pytest.approx(0.1 * 0.1 ** (60 // 30))
    assert q["cosine-past-tmax"] == pytest.approx(0.1 * (1 + math.cos(math.pi * 150 / 100)) / 2)
    assert q["restart-step"] == 10 + 20 + 40
    assert q["warmup-first-lr"] == pytest.approx(0.1 * 1 / 50)
    assert q["onecycle-final-lr"] == pytest.approx(0.1 / 25 / 1e4)
    assert q["onecycle-momentum"] == pytest.approx(0.85, abs=1e-5)
    assert q["wsd-value"] == pytest.approx(0.1 * (100 - 90) / 20)
    assert q["sweep-lr"] == pytest.approx(1e-5 * (10 / 1e-5) ** (100 / 199))
    assert q["half-life"] == pytest.approx(math.log(2) / -math.log1p(-0.1 * 5e-4))
    assert q["adamw-constant-shrink"] == pytest.approx((1 - 1e-3 * 0.05) ** 1000)
    assert 0.9 < q["adam-first-step"] <= 1.0
    assert q["resume-steplr"] == 10  # the first decay after the resume, step_size from 7
    assert q["doctor-code"] == LETTERS[ch13._DOCTOR_CODES.index("wrong_unit")]
    assert q["call-order-curve"] == "scheduler first"
    assert q["resume-curve"] == "model"


@pytest.mark.parametrize("qid", IDS)
def test_the_right_answer_is_accepted_with_its_section(capsys, qid):
    q = QUESTIONS[qid]
    ok, out = checked(capsys, check_quiz, {"question_id": qid, "answer": _right_input(q)})
    assert ok is True
    assert out.startswith("Correct! ") and f"See: {q.where}." in out


@pytest.mark.parametrize("qid", IDS)
def test_a_wrong_answer_is_rejected_with_a_hint(capsys, qid):
    q = QUESTIONS[qid]
    wrong, hint = _a_wrong_input(q)
    ok, out = checked(capsys, check_quiz, {"question_id": qid, "answer": wrong})
    assert ok is False
    assert out.startswith("Not yet. ") and "Correct" not in out
    assert hint in out


@pytest.mark.parametrize(
    "qid, value", [(q.id, v) for q in QUESTIONS.values() for v, _ in q.known()]
)
def test_a_recognised_misreading_gets_its_own_hint(capsys, qid, value):
    q = QUESTIONS[qid]
    hint = dict((str(v), h) for v, h in q.known())[str(value)]
    ok, out = checked(capsys, check_quiz, {"question_id": qid, "answer": value})
    assert ok is False and out.startswith("Not yet. ") and hint in out


@pytest.mark.parametrize("qid", INTERVIEW)
def test_the_folklore_answer_to_an_interview_question_is_named(capsys, qid):
    ok, out = checked(capsys, check_quiz, {"question_id": qid, "answer": "a"})
    assert ok is False and "folklore" in out


def test_choices_take_any_case_and_curves_any_case_or_quotes(capsys):
    assert check_quiz("why-warmup", " B ") is True
    assert check_quiz("decays-curve", "'multisteplr'") is True
    assert check_quiz("decays-curve", "StepLR") is False
    assert "drew curve C, not A" in capsys.readouterr().out


def test_a_number_near_the_right_one_is_accepted_within_the_question_tolerance(capsys):
    right = QUESTIONS["sweep-lr"].answer()
    assert check_quiz("sweep-lr", round(right, 5)) is True
    assert check_quiz("sweep-lr", 0.0100) is False  # the off-by-one, 3.5% away
    assert "off by one" in capsys.readouterr().out


# ----------------------------------------------------------------------------- the curves


@pytest.mark.parametrize("qid", [q.id for q in QUESTIONS.values() if q.kind == "curve"])
def test_quiz_curves_are_the_curves_the_checker_reads(qid):
    shown = quiz_curves(qid)
    hidden = QUESTIONS[qid].curves()
    assert list(shown) == list(hidden) == [chr(ord("A") + i) for i in range(len(shown))]
    for letter, lrs in shown.items():
        assert np.array_equal(lrs, hidden[letter][1]) and lrs.ndim == 1 and lrs.size > 1
    shown["A"][:] = -1.0  # a copy: drawing on it does not change the next call
    assert np.all(quiz_curves(qid)["A"] >= 0)


def test_the_curves_show_what_their_labels_say():
    decays = quiz_curves("decays-curve")
    drops = {k: np.flatnonzero(v[1:] < 0.5 * v[:-1]) + 1 for k, v in decays.items()}
    assert drops["A"].tolist() == [50, 80] and drops["C"].tolist() == [30, 60, 90]
    restarts = quiz_curves("restarts-curve")
    assert (np.flatnonzero(np.diff(restarts["B"]) > 0) + 1).tolist() == [10, 30]
    resumed = quiz_curves("resume-curve")
    assert np.isclose(resumed["C"][25], resumed["C"][0])  # the schedule started again
    assert np.array_equal(resumed["B"], lc.lr_curve("OneCycleLR", 40, max_lr=0.1, total_steps=40))


# ----------------------------------------------------------------------------- bad input


CALLS = [
    (check_quiz, {"question_id": "steplr-value", "answer": 0.001}),
    (check_quiz, {"question_id": "restart-step", "answer": 70}),
    (quiz_ids, {"chapter": 4}),
]
BAD = [
    (check_quiz, {"answer": 0.001}, "question_id", "steplr"),
    (check_quiz, {"answer": 0.001}, "question_id", 3),
    (check_quiz, {"question_id": "steplr-value"}, "answer", "0.001"),
    (check_quiz, {"question_id": "steplr-value"}, "answer", math.nan),
    (check_quiz, {"question_id": "steplr-value"}, "answer", None),
    (check_quiz, {"question_id": "why-warmup"}, "answer", "e"),
    (check_quiz, {"question_id": "why-warmup"}, "answer", 2),
    (check_quiz, {"question_id": "why-warmup"}, "answer", ["b"]),
    (check_quiz, {"question_id": "decays-curve"}, "answer", "CosineAnnealingLR"),
    (check_quiz, {"question_id": "decays-curve"}, "answer", 0),
    (quiz_curves, {}, "question_id", "steplr-value"),
    (quiz_curves, {}, "question_id", "nope"),
    (quiz_ids, {}, "chapter", 13),
]
test_scalars, test_bad = argument_tests(CALLS, BAD)


# ----------------------------------------------------------------------------- the links


def _headings(page: Path) -> list[tuple[int, str]]:
    """``(level, text)`` of every markdown heading on a page (notebook or .md), in order."""
    if page.suffix == ".ipynb":
        nb = nbformat.read(page, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    else:
        text = page.read_text("utf8")
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.M | re.S)  # not in code blocks
    return [
        (len(m.group(1)), m.group(2).strip()) for m in re.finditer(r"^(#{1,6}) (.+)$", text, re.M)
    ]


def _slugs(page: Path, depth: int) -> list[str]:
    """The anchors MyST gives the page's headings, duplicates numbered as MyST numbers them."""
    found: list[str] = []
    for level, text in _headings(page):
        if level > depth:
            continue
        slug = default_slugify(text.replace("`", ""))
        base, i = slug, 1
        while slug in found:
            slug, i = f"{base}-{i}", i + 1
        found.append(slug)
    return found


@pytest.mark.parametrize("qid", IDS)
def test_every_link_target_exists(qid):
    q = QUESTIONS[qid]
    page = ROOT / q.page
    assert page.is_file(), q.page
    depth = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"][
        "myst_heading_anchors"
    ]
    levels = [level for level, text in _headings(page) if text == q.heading]
    assert levels and levels[0] <= depth, f"{q.page} has no heading {q.heading!r} to link"
    assert q.anchor == default_slugify(q.heading.replace("`", ""))
    assert q.anchor in _slugs(page, depth)
    target = (NOTEBOOK.parent / q.link.split("#")[0]).resolve()
    assert target == page.resolve()


def test_the_slug_is_myst_s():
    for text in ["Why warm up?", 'Is this "super-convergence"? How much faster?', "Adam + L2"]:
        assert ch13.slugify(text) == default_slugify(text)


# ----------------------------------------------------------------------------- the notebook


def _flat(text: str) -> str:
    """The text with every run of white space as one space (the notebook wraps its lines)."""
    return " ".join(text.split())


def _cells() -> list[nbformat.NotebookNode]:
    return nbformat.read(NOTEBOOK, as_version=4).cells


def test_the_notebook_asks_every_question_once_with_its_link_and_checker():
    cells = _cells()
    md = [c.source for c in cells if c.cell_type == "markdown"]
    code = [c.source for c in cells if c.cell_type == "code"]
    assert md[0].startswith("# 13. Quiz")
    labels = [m.group(1) for s in md for m in re.finditer(r"^:label: (\S+)$", s, re.M)]
    assert sorted(labels) == sorted(f"quiz-{i}" for i in IDS)
    for qid, q in QUESTIONS.items():
        exercise = _flat(next(s for s in md if f":label: quiz-{qid}\n" in s))
        assert _flat(q.prompt) in exercise
        for i, choice in enumerate(q.choices if q.kind == "choice" else ()):
            assert _flat(f"- **{LETTERS[i]}.** {choice}") in exercise
        assert sum(f"]({q.link})" in s for s in md) >= 1, f"{qid}: no link to {q.link}"
        assert sum(f'lc.check_quiz("{qid}", ' in s for s in code) == 1
        if q.kind == "curve":
            assert any(f'lc.plot_curves(lc.quiz_curves("{qid}")' in s for s in code)


def test_every_chapter_has_its_part_of_the_notebook_in_order():
    headings = [c.source for c in _cells() if c.cell_type == "markdown"]
    numbers = [
        int(m.group(1)) for s in headings for m in re.finditer(r"^## Chapter (\d+):", s, re.M)
    ]
    assert numbers == list(range(1, 13))
