"""The lessons' kernels print no build-machine path (lrcourse/_book_kernel.py).

A kernel started as the Makefile starts the lessons' kernels (its ``PYTHONSTARTUP``) prints a
warning from a library file and a traceback through one: both name the files from the top of
their package, keep the category and the text, and show no absolute path.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lrcourse._book_kernel import format_warning, short_path

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf8")


def _make_variable(name: str) -> str:
    return re.search(rf"^{name}\s*:=\s*(.*)$", MAKEFILE, re.M).group(1)


def test_short_path_names_a_file_from_the_top_of_its_package():
    assert short_path(json.decoder.__file__) == "json/decoder.py"
    assert short_path(warnings.__file__) == "warnings.py"  # a lone module: its name
    assert short_path(str(ROOT / "lrcourse" / "schedules" / "api.py")) == (
        "lrcourse/schedules/api.py"
    )


def test_a_warning_keeps_its_category_text_and_source_line():
    text = format_warning("too late", RuntimeWarning, json.decoder.__file__, 1, "x = 1")
    assert text == "json/decoder.py:1: RuntimeWarning: too late\n  x = 1\n"
    cell = format_warning("w", UserWarning, "/tmp/k/1.py", 9, "", code_name=lambda f: ("C", "1"))
    assert cell == "C 1, line 9: UserWarning: w\n"


def test_every_target_that_runs_lessons_starts_kernels_with_the_startup_file():
    startup = _make_variable("KERNEL_STARTUP")
    assert startup == "PYTHONSTARTUP=$(CURDIR)/book/kernel_startup.py"
    assert (ROOT / "book" / "kernel_startup.py").is_file()
    assert "$(KERNEL_STARTUP)" in _make_variable("NBENV")
    for target in ("book", "execute", "bookcheck", "lab"):
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M).group(1)
        assert "$(NBENV)" in recipe, f"make {target} runs kernels without $(NBENV)"


@pytest.fixture(scope="module")
def kernel_outputs() -> tuple[str, list[str]]:
    """What a kernel started with the Makefile's PYTHONSTARTUP printed for a library warning
    and a library traceback, and the names its namespace gained."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(code)
        for code in (
            "import json, warnings\n"
            "warnings.warn_explicit('from a library', UserWarning, json.decoder.__file__, 2)",
            "json.loads('{')",
            "print(sorted(name for name in globals() if not name.startswith('_')))",
        )
    ]
    env = {"PYTHONSTARTUP": str(ROOT / "book" / "kernel_startup.py"), "PYTHONPATH": str(ROOT)}
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        with tempfile.TemporaryDirectory() as cwd:
            NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute(
                cwd=cwd
            )
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key)
            else:
                os.environ[key] = value
    printed = []
    for cell in nb.cells:
        for out in cell.outputs:
            printed.append(out.get("text", "") + "\n".join(out.get("traceback", [])))
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(printed))  # the traceback's colours
    return text, nb.cells[2].outputs[0]["text"]


def test_the_kernel_names_no_absolute_path(kernel_outputs):
    text, _ = kernel_outputs
    assert re.search(r"^json/decoder\.py:2: UserWarning: from a library$", text, re.M)
    assert "File json/decoder.py, line" in text and "JSONDecodeError" in text
    for machine_path in {sys.prefix, sys.base_prefix, tempfile.gettempdir(), str(ROOT)}:
        assert machine_path not in text
    assert "site-packages" not in text and "ipykernel_" not in text


def test_the_startup_file_binds_no_name_in_the_notebook(kernel_outputs):
    _, names = kernel_outputs
    assert "lrcourse" not in names and "load_extension" not in names
    assert "json" in names  # what the cells imported is there
