"""The doctor's casebook: every pitfall of the book that leaves an LR trace is named with its
expected code, every chapter's correct run gets a clean bill, and every pitfall a lesson lists
is either a case or explained as one the doctor cannot see."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import lrcourse as lc
from lrcourse import casebook as cb
from lrcourse.doctor import CODES, _close
from lrcourse.validation import ParameterError

ROOT = Path(__file__).resolve().parents[1]
PITFALLS = [c for c in cb.CASEBOOK if not c.correct]
CORRECT = [c for c in cb.CASEBOOK if c.correct]
_BOLD = re.compile(r"^\*\*\d+\. (.+?)\*\*", re.MULTILINE)


def _markdown(chapter: int) -> str:
    nb = json.loads((ROOT / "lessons" / f"{cb.LESSONS[chapter]}.ipynb").read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _pitfall_titles(chapter: int) -> list[str]:
    """The bold numbered titles of a lesson's Pitfalls section."""
    text = _markdown(chapter)
    start = text.index("## Pitfalls")
    end = text.find("\n## ", start + 1)
    return _BOLD.findall(text[start : end if end > 0 else None])


def _anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).strip().replace(" ", "-")


def _run(case: cb.Case) -> tuple[lc.doctor.Diagnosis, np.ndarray]:
    """The doctor's diagnosis of one reproduced run, and that run's trace."""
    run = case.reproduce()
    lrs = run.lrs.lrs if isinstance(run.lrs, lc.training.History) else run.lrs
    return case.diagnose(run), np.asarray(lrs, dtype=float)


@pytest.mark.parametrize("case", PITFALLS, ids=lambda c: f"ch{c.chapter}: {c.label}")
def test_every_pitfall_is_named_with_its_code(case):
    d, trace = _run(case)
    assert tuple(d.codes) == case.expected, str(d)
    assert 0 <= d.findings[0].step < len(trace)
    if case.expected != ("warmup_from_zero",):  # that one is the schedule itself
        assert not np.all(_close(trace, d.expected)), "the mistake left no mark on the trace"


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: f"ch{c.chapter}: {c.label}")
def test_every_correct_run_of_the_book_gets_a_clean_bill(case):
    d, trace = _run(case)
    assert d.ok, str(d)
    assert len(set(np.round(trace, 12))) > 1  # the LR really moved: not a vacuous clean bill
    np.testing.assert_allclose(d.expected, trace, rtol=1e-9)


@pytest.mark.parametrize("case", cb.CASEBOOK, ids=lambda c: f"ch{c.chapter}: {c.label}")
def test_a_float32_log_of_each_run_gets_the_same_verdict(case):
    """The same traces stored as TensorBoard's add_scalar stores them (float32): every finding,
    the ones that try the schedule with a setting changed included, and every clean bill."""
    run = case.reproduce()
    history = run.lrs if isinstance(run.lrs, lc.training.History) else None
    d = lc.diagnose(
        np.asarray(history.lrs if history else run.lrs, dtype=np.float32),
        case.intended,
        lr=case.lr,
        step_per=case.step_per,
        steps_per_epoch=history.steps_per_epoch if history else case.steps_per_epoch,
        metrics=run.metrics,
    )
    assert tuple(d.codes) == case.expected, str(d)


def test_every_chapter_has_a_correct_run_and_every_new_code_a_case():
    assert {c.chapter for c in CORRECT} >= set(range(1, 12))
    named = {code for c in PITFALLS for code in c.expected}
    assert set(CODES) - named == {"unexplained"}  # every mistake the doctor knows, shown once


@pytest.mark.parametrize("case", cb.CASEBOOK, ids=lambda c: f"ch{c.chapter}: {c.label}")
def test_every_case_has_a_chapter_a_title_a_link_and_an_expectation(case):
    assert case.chapter in cb.LESSONS and case.title and case.label
    assert all(code in CODES and code != "unexplained" for code in case.expected)
    path, _, anchor = case.link.partition("#")
    assert path == f"lessons/{cb.LESSONS[case.chapter]}.ipynb"
    if case.chapter == 12:  # chapter 12's lesson is written from this API
        return
    assert (ROOT / path).exists() and anchor
    text = _markdown(case.chapter)
    headings = [h.strip() for h in re.findall(r"^## (.+)$", text, re.MULTILINE)]
    assert anchor in {_anchor(h) for h in headings}, anchor
    if not case.correct:
        assert case.title in text, "the title must be the chapter's own words"


@pytest.mark.parametrize("chapter", range(1, 12))
def test_every_pitfall_a_lesson_lists_is_a_case_or_explained(chapter):
    """Fails when a lesson gains a pitfall that the casebook neither runs nor explains."""
    seen = {c.title.strip("*. ") for c in PITFALLS if c.chapter == chapter}
    unseen = {u.title.strip("*. ") for u in cb.UNSEEN_PITFALLS if u.chapter == chapter}
    for title in _pitfall_titles(chapter):
        assert title.strip("*. ") in seen | unseen, f"chapter {chapter}: {title!r} not covered"


@pytest.mark.parametrize("u", cb.UNSEEN_PITFALLS, ids=lambda u: f"ch{u.chapter}: {u.title}")
def test_the_pitfalls_the_doctor_cannot_see_say_why(u):
    assert u.chapter in range(1, 12) and len(u.why) > 30
    assert u.title in _pitfall_titles(u.chapter) or u.title.strip("*. ") in _markdown(u.chapter)
    assert u.link == f"lessons/{cb.LESSONS[u.chapter]}.ipynb#pitfalls"


def test_the_table_marks_a_wrong_expectation():
    case = next(c for c in PITFALLS if c.expected == ("gamma_upside_down",))
    wrong = cb.Case(**{**case.__dict__, "expected": ("wrong_unit",)})
    book = cb.run_casebook([case, wrong])
    assert [r.ok for r in book.rows] == [True, False] and not book.ok
    assert book.mismatches == [book.rows[1]]
    lines = str(book).splitlines()
    assert lines[0].split()[:6] == ["ch", "case", "expected", "found", "step", "sentence"]
    assert "MISMATCH" not in lines[1] and lines[2].endswith("<-- MISMATCH")
    assert book.rows[0].step == case.diagnose().findings[0].step
    assert book.rows[0].sentence.startswith("the run follows StepLR with gamma=10")
    records = book.records()
    assert [r["ok"] for r in records] == [True, False]
    assert records[1]["expected"] == "wrong_unit" and records[1]["found"] == "gamma_upside_down"


def test_chapters_select_rows_and_bad_chapters_are_named():
    book = lc.run_casebook(chapters=[4])
    assert book.rows and {r.case.chapter for r in book.rows} == {4}
    with pytest.raises(ParameterError) as err:
        lc.run_casebook(chapters=[13])
    assert err.value.param == "chapters"


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [({"step_per": "epochs"}, "step_per"), ({"order": "before"}, "order"), ({}, "metric")],
)
def test_real_loop_bad_input_names_the_parameter(kwargs, param):
    with pytest.raises(ParameterError) as err:
        cb.real_loop(lambda o: lc.make_scheduler("ReduceLROnPlateau", o), **kwargs)
    assert err.value.param == param
