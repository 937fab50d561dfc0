"""Hygiene of the lesson notebooks and of the table of contents.

Every ``lessons/*.ipynb`` must be listed in ``_toc.yml``, be stored without outputs, run on the
``python3`` kernel, import ``lrcourse``, pair its exercise and solution markers, and tag a cell
``raises-exception`` only where the cell is meant to show an error. Every ``book/*.md`` page
must be in the table of contents too.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from lrcourse.student import find_solution_blocks

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))
BOOK_PAGES = sorted((ROOT / "book").glob("*.md"))

_IMPORT = re.compile(r"^\s*(import lrcourse\b|from lrcourse\b)", re.MULTILINE)
_FENCE = r"^\s*(?:`{3,}|:{3,})\s*\{%s\}"
_EX_START = re.compile(_FENCE % "exercise-start", re.MULTILINE)
_EX_END = re.compile(_FENCE % "exercise-end", re.MULTILINE)
_SOL_START_LABEL = re.compile(r"\{solution-start\}[ \t]*([^\s`]+)")
_LABEL = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)
# An exception named in prose or code: TypeError, ValueError, KeyError, StopIteration, ...
_EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(Error|Exception)\b|\bStopIteration\b")
_HIDDEN = {"remove-cell", "remove-input", "remove-output", "hide-cell", "hide-output"}


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every ``file:`` entry of a jb-book table of contents (root first), without suffix."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key, []))

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    return [
        str(Path(f).with_suffix("")) if Path(f).suffix in {".md", ".ipynb"} else f for f in files
    ]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _src(cell: nbformat.NotebookNode) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


# --------------------------------------------------------------------------- the toc


def test_toc_files_exist_and_are_unique():
    files = toc_files()
    assert len(files) == len(set(files)), "a file is listed twice in _toc.yml"
    missing = [
        f for f in files if not any((ROOT / f).with_suffix(s).is_file() for s in (".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_toc_parts_are_not_empty():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
    assert toc["format"] == "jb-book"
    for part in toc.get("parts", []):
        assert part.get("chapters"), f"part {part.get('caption')!r} has no chapters"


@pytest.mark.parametrize("page", BOOK_PAGES, ids=_ids(BOOK_PAGES))
def test_book_page_in_toc(page):
    assert str(page.relative_to(ROOT).with_suffix("")) in toc_files(), (
        f"{page.relative_to(ROOT)} is not in _toc.yml"
    )


# --------------------------------------------------------------------------- each lesson


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_in_toc_and_named_by_number(path):
    assert re.fullmatch(r"\d{2}_[a-z0-9_]+\.ipynb", path.name), (
        f"{path.name}: lessons are named NN_topic.ipynb"
    )
    assert f"lessons/{path.stem}" in toc_files(), f"{path.name} is not in _toc.yml"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_is_valid_and_stored_without_outputs(path):
    nb = _read(path)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have stored outputs or execution counts"
    assert "widgets" not in nb.metadata, f"{path.name}: saved widget state in the metadata"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_kernel_and_import(path):
    nb = _read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: kernelspec name must be python3"
    )
    code = [_src(c) for c in nb.cells if c.cell_type == "code"]
    assert any(_IMPORT.search(src) for src in code), f"{path.name}: never imports lrcourse"


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_exercise_and_solution_markers_pair_up(path):
    nb = _read(path)
    # Solutions: every solution-start has its solution-end (raises ValueError otherwise).
    blocks = find_solution_blocks(nb, path.name)
    # Exercises: starts and ends alternate, in markdown cells, each start with a :label:.
    labels, open_at = [], None
    for i, cell in enumerate(nb.cells):
        src = _src(cell)
        if cell.cell_type != "markdown":
            continue
        if _EX_START.search(src):
            assert open_at is None, f"{path.name}: cell {i} opens an exercise inside cell {open_at}"
            found = _LABEL.search(src)
            assert found, f"{path.name}: cell {i}: exercise-start without a :label:"
            labels.append(found.group(1))
            open_at = i
        if _EX_END.search(src):
            assert open_at is not None, f"{path.name}: cell {i}: exercise-end without a start"
            open_at = None
    assert open_at is None, f"{path.name}: the exercise opened at cell {open_at} is never closed"
    # Each solution names an exercise of this notebook, defined before it, and has a dropdown.
    for block in blocks:
        src = _src(nb.cells[block.start])
        found = _SOL_START_LABEL.search(src)
        assert found, f"{path.name}: cell {block.start}: solution-start names no exercise"
        assert found.group(1) in labels, (
            f"{path.name}: cell {block.start}: solution for unknown exercise {found.group(1)!r}"
        )
        assert re.search(r"^:class:.*\bdropdown\b", src, re.MULTILINE), (
            f"{path.name}: cell {block.start}: solutions are shown as dropdowns (:class: dropdown)"
        )


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_raises_exception_only_where_expected(path):
    """A cell may carry ``raises-exception`` only to *show* an error.

    So it must be visible in the book, name the exception it raises (in its code or in the
    markdown cell just before it), and not be the import cell, a solution or a check cell.
    """
    nb = _read(path)
    in_solution = {i for block in find_solution_blocks(nb, path.name) for i in block}
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "raises-exception" not in tags:
            continue
        where = f"{path.name}: cell {i} is tagged raises-exception"
        src = _src(cell)
        assert cell.cell_type == "code", f"{where} but is not a code cell"
        assert i not in in_solution, f"{where} inside a solution"
        assert not _IMPORT.search(src), f"{where} and imports lrcourse"
        assert not re.search(r"\bcheck_\w+\s*\(", src), f"{where} and calls a check_* function"
        assert not tags & _HIDDEN, f"{where} but hidden ({sorted(tags & _HIDDEN)})"
        before = _src(nb.cells[i - 1]) if i > 0 and nb.cells[i - 1].cell_type == "markdown" else ""
        assert _EXCEPTION_NAME.search(src) or _EXCEPTION_NAME.search(before), (
            f"{where} but neither it nor the markdown before it names the exception it shows"
        )


# Claims about runs no cell shows: "in the other seeds we tried", "every set of seeds we ran".
_UNSHOWN_RUNS = re.compile(
    r"\b(?:seeds?|runs?|settings?|machines?)\s+(?:that\s+)?(?:we|I)\s+(?:tried|ran|checked)\b"
    r"|\bwe (?:also )?(?:tried|checked) (?:other|more) seeds\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("path", LESSONS + BOOK_PAGES, ids=_ids(LESSONS + BOOK_PAGES))
def test_no_claim_about_runs_that_no_cell_shows(path):
    """The prose speaks of the runs the chapter executes, never of others "we tried"."""
    if path.suffix == ".ipynb":
        text = "\n".join(
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"
        )
    else:
        text = path.read_text()
    found = [m.group() for m in _UNSHOWN_RUNS.finditer(text)]
    assert not found, f"{path.name} speaks of runs no cell shows: {found}"
