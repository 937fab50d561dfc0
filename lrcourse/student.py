"""Student copies of the lessons: every solution removed, every output stripped.

A lesson's exercise uses sphinx-exercise's gated form, in this order of cells::

    md    ```{exercise-start}          (with :label: ex-name)
    ...   the exercise text / starter code
    md    ```{exercise-end}
    md    ```{solution-start} ex-name  (with :class: dropdown)
    code  the solution (one or more cells)
    md    ```{solution-end}
    code  lc.check_...(...)

:func:`make_student_notebook` replaces each run of cells from a ``solution-start`` cell through
its ``solution-end`` cell (both included) with one code cell reading ``# Your solution here``,
keeps the ``check_*`` cell so the learner can test the answer, and clears every output and
execution count. Run it over a folder with::

    python -m lrcourse.student lessons _build/student
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat

from .validation import fail

__all__ = ["PLACEHOLDER", "find_solution_blocks", "main", "make_student_notebook"]

#: The source of the code cell that takes the place of each solution.
PLACEHOLDER = "# Your solution here"

# A MyST directive fence (``` or :::, three or more) opening the cell, then the directive name.
_FENCE = r"\A\s*(?:`{3,}|:{3,})\s*\{%s\}"
_START = re.compile(_FENCE % "solution-start")
_END = re.compile(_FENCE % "solution-end")
# Anywhere in a cell (for spotting an end marker that does not open its cell).
_ANY_START = re.compile(r"^\s*(?:`{3,}|:{3,})\s*\{solution-start\}", re.MULTILINE)
_ANY_END = re.compile(r"^\s*(?:`{3,}|:{3,})\s*\{solution-end\}", re.MULTILINE)


def _source(cell: nbformat.NotebookNode) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def find_solution_blocks(nb: nbformat.NotebookNode, name: str = "notebook") -> list[range]:
    """Return the cell-index ranges of the solution blocks in ``nb``, start and end cells included.

    A block opens with a markdown cell whose first line is a ``{solution-start}`` fence and
    closes with the next markdown cell holding a ``{solution-end}`` fence (the same cell when a
    solution is prose only). A start inside an open block, an end without a start, or a block
    never closed raises ``ValueError`` naming ``name`` and the cell index.

    Example: cells ``[md, md start, code, md end, code]`` give ``[range(1, 4)]``.
    """
    cells = _cells(nb, name)
    blocks: list[range] = []
    open_at: int | None = None
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        src = _source(cell)
        has_start = _ANY_START.search(src) is not None
        has_end = _ANY_END.search(src) is not None
        if has_start and not _START.match(src):
            raise ValueError(
                f"{name}: cell {i} has a solution-start fence that does not open the cell; "
                "put each solution-start in a markdown cell of its own"
            )
        if has_start:
            if open_at is not None:
                raise ValueError(
                    f"{name}: cell {i} opens a solution while the one opened at cell {open_at} "
                    "has no solution-end"
                )
            if has_end:  # a prose-only solution in one cell
                blocks.append(range(i, i + 1))
            else:
                open_at = i
        elif has_end:
            if open_at is None:
                raise ValueError(f"{name}: cell {i} has a solution-end without a solution-start")
            blocks.append(range(open_at, i + 1))
            open_at = None
    if open_at is not None:
        raise ValueError(f"{name}: the solution opened at cell {open_at} has no solution-end")
    return blocks


def _cells(nb: nbformat.NotebookNode, name: str) -> list[nbformat.NotebookNode]:
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise fail(
            "nb", "a notebook (a mapping with a 'cells' list)", got=f"{name}, a {type(nb).__name__}"
        )
    return nb["cells"]


def _placeholder(
    start: nbformat.NotebookNode, index: int, nb: nbformat.NotebookNode
) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(PLACEHOLDER)
    # Stable between runs: reuse the removed start cell's id (unique in the notebook), or drop
    # the id where the notebook's format predates cell ids (nbformat < 4.5).
    if "id" in start:
        cell["id"] = start["id"]
    elif (nb.get("nbformat", 4), nb.get("nbformat_minor", 0)) < (4, 5):
        del cell["id"]
    else:
        cell["id"] = f"student-solution-{index}"
    return cell


def _strip(cell: nbformat.NotebookNode) -> None:
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell.get("metadata", {}).pop("execution", None)


def make_student_notebook(
    nb: nbformat.NotebookNode, name: str = "notebook"
) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` with each solution block replaced by a ``# Your solution here`` cell.

    Every code cell's outputs and execution count are cleared, as is the saved widget state.
    ``nb`` itself is not changed. Unbalanced solution markers raise ``ValueError`` naming
    ``name`` and the cell index (see :func:`find_solution_blocks`).

    Example::

        nb = nbformat.read("lessons/01_why_schedule.ipynb", as_version=4)
        student = make_student_notebook(nb, "01_why_schedule.ipynb")
    """
    blocks = find_solution_blocks(nb, name)
    out = copy.deepcopy(nb)
    cells = out["cells"]
    for block in reversed(blocks):  # back to front, so earlier indices stay valid
        cells[block.start : block.stop] = [_placeholder(cells[block.start], block.start, out)]
    for cell in cells:
        _strip(cell)
    out.get("metadata", {}).pop("widgets", None)
    return out


def main(src_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write a student copy of every ``*.ipynb`` in ``src_dir`` into ``out_dir``; return the paths.

    ``out_dir`` is created if needed; files already there with other names are left alone.
    Nothing is ever written over: an empty path, an ``out_dir`` equal to or inside ``src_dir``,
    or a notebook already at a target is refused (``ParameterError``, a ``ValueError``) before
    anything is written. Delete an old copy first to make a new one.

    Example: ``main("lessons", "_build/student")`` writes ``_build/student/01_why_schedule.ipynb``.
    """
    src, out = _path("src_dir", src_dir), _path("out_dir", out_dir)
    if not src.is_dir():
        raise fail("src_dir", "an existing folder", str(src_dir))
    if out.exists() and not out.is_dir():
        raise fail(
            "out_dir", "a folder or a path to create one at", got=f"{str(out_dir)!r}, a file"
        )
    if out.resolve() == src.resolve() or src.resolve() in out.resolve().parents:
        raise fail(
            "out_dir",
            f"a folder outside src_dir {str(src_dir)!r} (the lessons would be overwritten)",
            str(out_dir),
        )
    notebooks = sorted(src.glob("*.ipynb"))
    existing = [str(out / path.name) for path in notebooks if (out / path.name).exists()]
    if existing:
        raise fail(
            "out_dir",
            "a folder without notebooks of the same names (nothing is written over)",
            got=f"{str(out_dir)!r}, which holds {', '.join(existing)}",
        )
    # Convert everything first, so a bad notebook leaves out_dir untouched.
    converted = [
        (path.name, make_student_notebook(nbformat.read(path, as_version=4), str(path)))
        for path in notebooks
    ]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, nb in converted:
        nbformat.validate(nb)
        target = out / filename
        nbformat.write(nb, target)
        written.append(target)
    return written


def _path(name: str, value: str | os.PathLike[str]) -> Path:
    """A non-empty path (``""`` would silently mean the current folder)."""
    if not isinstance(value, str | os.PathLike) or not os.fspath(value).strip():
        raise fail(name, "a non-empty folder path", value)
    return Path(value)


def _cli(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lrcourse.student",
        description="Write solution-free, output-free copies of the lesson notebooks.",
    )
    parser.add_argument("src_dir", help="folder of lesson notebooks, e.g. lessons")
    parser.add_argument("out_dir", help="folder for the student copies, e.g. _build/student")
    args = parser.parse_args(argv)
    try:
        written = main(args.src_dir, args.out_dir)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} student notebook(s) to {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_cli())
