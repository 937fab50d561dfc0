"""What the one execution of each lesson showed (run after the book build).

``make test`` executes every lesson once, into the book build's execution cache (jupyter-cache),
and the strict book build reads it (a lesson whose untagged cell raised is not cached, so the
build runs it again and fails). This file then reads the cache and checks what nbval used to
check on a second execution: every current lesson was executed, no untagged cell raised, and
every cell tagged ``raises-exception`` did raise. How long each lesson took is a speed figure:
``make bench`` reports it against the 60 s budget. Not collected by a plain ``pytest tests``
(its name does not start with ``test_``): ``make test`` runs it after the build.

With ``LRCOURSE_EXPORT_EXECUTED=DIR`` set, it also writes the executed notebooks to ``DIR``
(to diff a change's outputs before and after).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

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
