"""What the one execution of each lesson showed (run after the book build).

``make test`` executes every lesson once, into the book build's execution cache (jupyter-cache),
and the strict book build reads it (a lesson whose untagged cell raised is not cached, so the
build runs it again and fails). This file then reads the cache and checks what nbval used to
check on a second execution: every current lesson was executed, no untagged cell raised, and
every cell tagged ``raises-exception`` did raise, and every number the prose quotes is
accounted for by what the lesson printed or set (``tests/quoted_numbers.py``). How long each
lesson took is a speed figure: ``make bench`` reports it against the 60 s budget. Not collected
by a plain ``pytest tests`` (its name does not start with ``test_``): ``make test`` runs it
after the build.

With ``LRCOURSE_EXPORT_EXECUTED=DIR`` set, it also writes the executed notebooks to ``DIR``
(to diff a change's outputs before and after).
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache
from quoted_numbers import CITED, unaccounted

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
CACHE = ROOT / "_build" / ".jupyter_cache"


@pytest.fixture(scope="module")
def cache():
    if not CACHE.is_dir():
        pytest.fail(f"no execution cache at {CACHE}: run `make bookcheck` first")
    return get_cache(str(CACHE))


def _executed(cache, path: Path) -> nbformat.NotebookNode:
    try:
        record = cache.match_cache_file(str(path))
    except KeyError:
        pytest.fail(f"{path.name} was not executed by the book build (or it failed)")
    return cache.get_cache_bundle(record.pk).nb


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_executed_once_without_unexpected_errors(cache, path):
    nb = _executed(cache, path)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        expected = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        if errors and not expected:
            pytest.fail(f"{path.name} code cell {i} raised {errors[0]['ename']}")
        if expected and not errors:
            pytest.fail(f"{path.name} code cell {i} is tagged raises-exception but raised nothing")
    export = os.environ.get("LRCOURSE_EXPORT_EXECUTED")
    if export:
        Path(export).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, Path(export) / path.name)


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_quoted_number_was_printed_or_set(cache, path):
    missing = unaccounted(
        nbformat.read(path, as_version=4), _executed(cache, path), CITED[path.stem]
    )
    assert not missing, (
        f"{path.name}: the prose quotes numbers this execution did not print or set "
        "(fix the prose, print the figure where it is derived, or cite it in "
        "tests/quoted_numbers.py):\n  " + "\n  ".join(map(str, missing))
    )


def _perturbed(text: str, quote, shift: float) -> str:
    """``text`` with every number that rounds to ``quote`` (decimal or scientific) moved by
    ``shift``, printed with as many digits as before."""

    def move(match: re.Match) -> str:
        printed = match.group()
        value = float(printed)
        if abs(value - quote.value) > 0.5 * 10.0**-quote.decimals:
            return printed
        if "e" in printed.lower():
            digits = len(printed.lower().split("e")[0].split(".")[-1])
            return f"{value + shift:.{digits}e}"
        return f"{value + shift:.{len(printed.split('.')[1])}f}"

    return re.sub(r"\d+\.\d+(?:[eE][-+]?\d+)?", move, text)


def _outputs_removed(executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    bare = copy.deepcopy(executed)
    for cell in bare.cells:
        cell["outputs"] = []
    return bare


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_a_changed_printed_value_is_caught(cache, path):
    """Change one quoted figure wherever the execution printed it: the check names it."""
    lesson, executed = nbformat.read(path, as_version=4), _executed(cache, path)
    cited = CITED[path.stem]
    # the decimal figures only the outputs account for (not the code, not a citation)
    printed_only = [
        q
        for q in unaccounted(lesson, _outputs_removed(executed), cited)
        if q.decimals and not q.percent
    ]
    if not printed_only:
        pytest.skip(f"{path.name} quotes no printed decimal figure")
    quote = printed_only[0]
    shift = 7 * 10.0**-quote.decimals
    for cell in executed.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = _perturbed(out["text"], quote, shift)
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    out["data"][mime] = _perturbed(value, quote, shift)
    missing = unaccounted(lesson, executed, cited)
    assert quote.text in {m.text for m in missing}, f"{path.name}: {quote} changed unnoticed"
