"""lrcourse.student: solution blocks out, placeholder in, outputs stripped, bad markers refused."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lrcourse.student import PLACEHOLDER, _cli, find_solution_blocks, main, make_student_notebook

EX_START = "```{exercise-start}\n:label: ex-{n}\n```\nWrite a warmup of {n} steps."
EX_END = "```{exercise-end}\n```"
SOL_START = "```{solution-start} ex-{n}\n:class: dropdown\n```"
SOL_END = "```{solution-end}\n```"


def _code(src: str, count: int | None = None) -> nbformat.NotebookNode:
    cell = new_code_cell(src, execution_count=count)
    if count is not None:
        cell.outputs = [new_output("stream", name="stdout", text=f"out {count}\n")]
    return cell


def _exercise(n: int, solution_cells: int = 1) -> list[nbformat.NotebookNode]:
    """The lessons' gated layout: exercise, solution (dropdown), then the check cell."""
    return [
        new_markdown_cell(EX_START.replace("{n}", str(n))),
        _code(f"starter_{n} = None"),
        new_markdown_cell(EX_END),
        new_markdown_cell(SOL_START.replace("{n}", str(n))),
        *[_code(f"answer_{n}_{k} = {k}", count=10 * n + k) for k in range(solution_cells)],
        new_markdown_cell(SOL_END),
        _code(f"lc.check_warmup(answer_{n}_0)", count=10 * n + 9),
    ]


def _lesson() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# 1. A lesson"),
        _code("import lrcourse as lc", count=1),
        *_exercise(1, solution_cells=1),
        new_markdown_cell("Between the exercises."),
        *_exercise(2, solution_cells=3),
    ]
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


def _sources(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells]


def test_each_solution_block_becomes_one_placeholder_cell():
    nb = _lesson()
    out = make_student_notebook(nb, "lesson.ipynb")
    solution_cells = 1 + 3
    markers = 2 * 2  # a start and an end per exercise
    assert len(out.cells) == len(nb.cells) - solution_cells - markers + 2
    srcs = _sources(out)
    assert srcs.count(PLACEHOLDER) == 2
    assert not any("answer_" in s and "check" not in s for s in srcs)
    assert not any("{solution-start}" in s or "{solution-end}" in s for s in srcs)
    # The placeholder is a code cell sitting right before the check cell, after the exercise.
    for n in (1, 2):
        i = srcs.index(f"lc.check_warmup(answer_{n}_0)")
        assert out.cells[i - 1].cell_type == "code" and srcs[i - 1] == PLACEHOLDER
        assert srcs[i - 2] == EX_END
    # Everything that is not a solution is kept, in order.
    kept = [s for s in srcs if s != PLACEHOLDER]
    original = _sources(nb)
    assert kept == [s for s in original if s in kept]
    assert "starter_1 = None" in kept and "Between the exercises." in kept


def test_outputs_and_counts_stripped_and_input_untouched():
    nb = _lesson()
    before = json.dumps(nb, sort_keys=True)
    out = make_student_notebook(nb)
    assert json.dumps(nb, sort_keys=True) == before  # the input notebook is not modified
    code = [c for c in out.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert "widgets" not in out.metadata
    assert out.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(out)


def test_result_is_deterministic_and_idempotent():
    a = make_student_notebook(_lesson())
    b = make_student_notebook(_lesson())
    # Cell ids are random per _lesson() call, so compare sources and types, then ids within a run.
    assert [(c.cell_type, c.source) for c in a.cells] == [(c.cell_type, c.source) for c in b.cells]
    ids = [c.id for c in a.cells]
    assert len(set(ids)) == len(ids)
    again = make_student_notebook(a)
    assert json.dumps(again, sort_keys=True) == json.dumps(a, sort_keys=True)


def test_colon_fence_and_prose_only_solution():
    nb = new_notebook(
        cells=[
            new_markdown_cell(":::{solution-start} ex-a\n:class: dropdown\n:::"),
            _code("x = 1"),
            new_markdown_cell(":::{solution-end}\n:::"),
            new_markdown_cell(
                "````{solution-start} ex-b\n:class: dropdown\n````\nBecause.\n"
                "````{solution-end}\n````"
            ),
            new_markdown_cell("tail"),
        ]
    )
    assert find_solution_blocks(nb) == [range(0, 3), range(3, 4)]
    out = make_student_notebook(nb)
    assert _sources(out) == [PLACEHOLDER, PLACEHOLDER, "tail"]


def test_markers_in_code_cells_are_not_markers():
    nb = new_notebook(cells=[_code('print("```{solution-start} x")'), _code("y = 2")])
    assert find_solution_blocks(nb) == []
    assert _sources(make_student_notebook(nb)) == _sources(nb)


@pytest.mark.parametrize(
    ("cells", "index", "what"),
    [
        ([new_markdown_cell(SOL_START), _code("x = 1")], 0, "no solution-end"),
        ([_code("x = 1"), new_markdown_cell(SOL_END)], 1, "without a solution-start"),
        (
            [
                new_markdown_cell(SOL_START),
                new_markdown_cell(SOL_START),
                new_markdown_cell(SOL_END),
            ],
            1,
            "opened at cell 0",
        ),
        ([new_markdown_cell("Text first.\n" + SOL_START)], 0, "does not open the cell"),
    ],
)
def test_unbalanced_markers_name_notebook_and_cell(cells, index, what):
    nb = new_notebook(cells=cells)
    with pytest.raises(ValueError, match=rf"bad\.ipynb: .*cell {index}") as err:
        make_student_notebook(nb, "bad.ipynb")
    assert what in str(err.value)


def test_not_a_notebook_is_a_value_error():
    with pytest.raises(ValueError, match="nb must be a notebook"):
        make_student_notebook({"cells": "nope"})


def test_main_writes_student_copies(tmp_path):
    src, out = tmp_path / "lessons", tmp_path / "student"
    src.mkdir()
    nbformat.write(_lesson(), src / "01_a.ipynb")
    nbformat.write(new_notebook(cells=[_code("1 + 1", count=3)]), src / "02_b.ipynb")
    (src / "notes.md").write_text("not a notebook")
    written = main(src, out)
    assert [p.name for p in written] == ["01_a.ipynb", "02_b.ipynb"]
    first = nbformat.read(out / "01_a.ipynb", as_version=4)
    assert _sources(first).count(PLACEHOLDER) == 2
    second = nbformat.read(out / "02_b.ipynb", as_version=4)
    assert second.cells[0].outputs == [] and second.cells[0].execution_count is None
    assert not (out / "notes.md").exists()
    # The lessons themselves still hold their solutions.
    assert "{solution-start}" in json.dumps(nbformat.read(src / "01_a.ipynb", as_version=4))


def test_main_refuses_bad_input_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="src_dir"):
        main(tmp_path / "missing", tmp_path / "out")
    src = tmp_path / "lessons"
    src.mkdir()
    with pytest.raises(ValueError, match="out_dir"):
        main(src, src)
    nbformat.write(_lesson(), src / "01_ok.ipynb")
    nbformat.write(new_notebook(cells=[new_markdown_cell(SOL_START)]), src / "02_bad.ipynb")
    with pytest.raises(ValueError, match=r"02_bad\.ipynb: the solution opened at cell 0"):
        main(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli(tmp_path, capsys):
    src = tmp_path / "lessons"
    src.mkdir()
    nbformat.write(_lesson(), src / "01_a.ipynb")
    assert _cli([str(src), str(tmp_path / "s")]) == 0
    assert "wrote 1 student notebook" in capsys.readouterr().out
    assert _cli([str(tmp_path / "missing"), str(tmp_path / "s")]) == 1
    assert "src_dir" in capsys.readouterr().err


def _lessons_folder(tmp_path):
    src = tmp_path / "lessons"
    src.mkdir()
    nbformat.write(_lesson(), src / "01_a.ipynb")
    return src


def _snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("param", ["src_dir", "out_dir"])
@pytest.mark.parametrize("empty", ["", "  "])
def test_main_refuses_an_empty_path(tmp_path, monkeypatch, param, empty):
    """'' would mean the current folder, and overwrite a solutions notebook of the same name."""
    src, work = _lessons_folder(tmp_path), tmp_path / "work"
    work.mkdir()
    nbformat.write(_lesson(), work / "01_a.ipynb")  # the instructor's copy, with solutions
    monkeypatch.chdir(work)
    before = _snapshot(tmp_path)
    args = {"src_dir": src, "out_dir": tmp_path / "out", param: empty}
    with pytest.raises(ValueError, match=f"{param} must be a non-empty folder path"):
        main(**args)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("inside", [".", "student", "a/b"])
def test_main_refuses_out_dir_equal_to_or_inside_src_dir(tmp_path, inside):
    src = _lessons_folder(tmp_path)
    before = _snapshot(src)
    with pytest.raises(ValueError, match="out_dir must be a folder outside src_dir"):
        main(src, src / inside)
    assert _snapshot(src) == before
    assert not (src / "student").exists()


def test_main_refuses_to_write_over_an_existing_notebook(tmp_path):
    src, out = _lessons_folder(tmp_path), tmp_path / "out"
    nbformat.write(new_notebook(cells=[new_markdown_cell("b")]), src / "02_b.ipynb")
    out.mkdir()
    (out / "02_b.ipynb").write_text("a solutions notebook of the same name")
    before = _snapshot(out)
    with pytest.raises(ValueError, match=r"out_dir must be a folder without notebooks.*02_b"):
        main(src, out)
    assert _snapshot(out) == before  # not even 01_a.ipynb was written
    # A second run into the same folder is refused too: delete the old copy first.
    (out / "02_b.ipynb").unlink()
    main(src, out)
    with pytest.raises(ValueError, match="01_a.ipynb"):
        main(src, out)


def test_main_refuses_an_out_dir_that_is_a_file(tmp_path):
    src = _lessons_folder(tmp_path)
    target = tmp_path / "student.ipynb"
    target.write_text("keep me")
    with pytest.raises(ValueError, match="out_dir must be a folder or a path to create one at"):
        main(src, target)
    assert target.read_text() == "keep me"


def test_cli_refuses_overwriting(tmp_path, capsys):
    src, out = _lessons_folder(tmp_path), tmp_path / "s"
    assert _cli([str(src), str(out)]) == 0
    capsys.readouterr()
    assert _cli([str(src), str(out)]) == 1
    assert "nothing is written over" in capsys.readouterr().err
    assert _cli([str(src), ""]) == 1
    assert "out_dir must be a non-empty folder path" in capsys.readouterr().err
