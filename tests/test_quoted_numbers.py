"""The rules of the quoted-number check (``tests/quoted_numbers.py``) on hand-made cells."""

from __future__ import annotations

import nbformat
import pytest
from quoted_numbers import CITED, _cited, prose_quotes, unaccounted
from test_notebooks import LESSONS


def _quoted(markdown: str) -> list[str]:
    return [q.text for q in prose_quotes(markdown)]


def test_measured_figures_are_quotes():
    text = "loss 0.128, 26,378 weights, 63% of runs, 2.5x faster, lr $3 \\times 10^{-4}$, 1e-3"
    assert _quoted(text) == ["0.128", "26,378", "63%", "2.5x", "3 \\times 10^{-4}", "1e-3"]


@pytest.mark.parametrize(
    "markdown",
    [
        "# 3. Step schedules in 20 epochs",  # a heading is a label
        "as chapter 14 showed, and exercise 13 asks",
        "{cite}`goyal2017accurate` and {ref}`sec-2017`",
        "[the paper](https://arxiv.org/abs/1608.03983)",
        "with torch 2.13.0 and version 25.1",
        "13. the thirteenth item of a list",
        "a count of 3, of 12, seed 0",  # small integers are not checked
        ":label: ex-2024",
        "```python\nlr = 0.37\n```",
    ],
)
def test_labels_links_and_versions_are_not_quotes(markdown):
    assert _quoted(markdown) == []


def _notebook(prose: str, code: str, printed: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    return nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell(prose)])


@pytest.mark.parametrize(
    ("prose", "printed", "found"),
    [
        ("0.13", "loss 0.128", True),  # rounded as the prose rounds it
        ("0.13", "loss 0.124", False),
        ("0.1280", "loss 0.128", False),  # more digits than were printed
        ("63%", "share 0.634", True),  # a fraction quoted as a percentage
        ("63%", "share 63.4%", True),
        ("64%", "share 63.4%", False),
        ("3e-4", "lr 0.000312", True),  # significant digits
        ("3e-4", "lr 0.00036", False),
        ("$10^{-6}$", "eps 1e-06", True),
        ("1.27", "speed-up 1.2", False),
        ("450", "450 validation images", True),
    ],
)
def test_a_quote_is_found_in_what_was_printed(prose, printed, found):
    nb = _notebook(f"The run gave {prose} here.", "print()", printed)
    missing = unaccounted(nb, nb)
    assert (missing == []) is found, missing


def test_a_setting_in_the_code_accounts_for_its_quote():
    nb = _notebook("We train for 40 epochs at 0.37.", "fit(epochs=40, lr=0.37)", "")
    assert unaccounted(nb, nb) == []
    nb = _notebook("We train for 41 epochs at 0.37.", "fit(epochs=40, lr=0.37)", "")
    assert [q.text for q in unaccounted(nb, nb)] == ["41"]


def test_cited_constants_carry_their_source():
    nb = _notebook("Chance is 2.30, the batch 8192 (Goyal et al.).", "print()", "")
    assert {q.text for q in unaccounted(nb, nb)} == {"2.30", "8192"}
    assert unaccounted(nb, nb, {"2.30": "=math.log(10)", "8192": "Goyal et al. (2017)"}) == []
    wrong = unaccounted(nb, nb, {"2.30": "=math.log(11)", "8192": "Goyal et al."})
    assert [q.text for q in wrong] == ["2.30"]  # an expression must compute the number


def test_the_executed_cells_must_be_the_lessons():
    nb = _notebook("0.5", "print()", "0.5")
    other = nbformat.v4.new_notebook(cells=[])
    with pytest.raises(ValueError, match="code cells"):
        unaccounted(nb, other)


def test_every_lesson_has_a_reviewed_list_and_every_list_a_lesson():
    assert set(CITED) == {p.stem for p in LESSONS}


def test_the_cited_lists_stay_short_and_computed_ones_compute():
    for lesson, cited in CITED.items():
        assert len(cited) <= 12, f"{lesson}: print the figures instead of citing {len(cited)}"
        for number, source in cited.items():
            (quote,) = prose_quotes(f"a value of {number} here")
            assert _cited(quote, source), f"{lesson}: {number} is not what {source} gives"
