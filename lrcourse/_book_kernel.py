"""Warnings and tracebacks that name no build-machine path (an IPython extension).

A warning names the file that raised it and a traceback each frame's file, as absolute paths:
``/home/me/.venv/lib/python3.11/site-packages/torch/optim/lr_scheduler.py:654: UserWarning:
...`` and ``/tmp/ipykernel_123/456.py:9: ...``. In the HTML book those would be the build
machine's paths. Loaded into a kernel, this extension names a library file by its path from
the top of its package (``torch/optim/lr_scheduler.py:654``) and a notebook cell by its number
(``Cell In[5], line 9``); the warning's category and text and the traceback's lines stay.

The lessons' kernels load it through ``PYTHONSTARTUP`` (``book/kernel_startup.py``), which the
Makefile sets for ``make execute``, ``make book``, ``make bookcheck`` and ``make lab``; by hand::

    %load_ext lrcourse._book_kernel
"""

from __future__ import annotations

import linecache
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["short_path", "format_warning", "load_ipython_extension", "unload_ipython_extension"]

CodeName = Callable[[str], "tuple[str, str] | None"]
_saved: dict[str, Any] = {}  # what load_ipython_extension replaced, for unload


def short_path(filename: str) -> str:
    """``filename`` from the top of its package: the directories above the first one without
    an ``__init__.py`` are dropped (a lone module keeps its name only). Names that are not
    absolute paths (``<string>``) come back unchanged.

    >>> short_path(torch.optim.lr_scheduler.__file__)
    'torch/optim/lr_scheduler.py'
    >>> short_path("<string>")
    '<string>'
    """
    path = Path(filename)
    if not path.is_absolute():
        return filename
    top = path.parent
    while (top / "__init__.py").is_file() and top != top.parent:
        top = top.parent
    return path.relative_to(top).as_posix()


def _where(filename: str, lineno: int, code_name: CodeName | None) -> str:
    """``Cell In[5], line 9`` for a notebook cell (IPython's own name for it), else
    ``short_path(filename):lineno``."""
    cell = code_name(filename) if code_name is not None else None
    if cell is not None:
        label, name = cell
        return f"{label} {name}, line {lineno}"
    return f"{short_path(filename)}:{lineno}"


def format_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
    *,
    code_name: CodeName | None = None,
) -> str:
    """``warnings.formatwarning`` with the file named by :func:`short_path` (or the cell by
    ``code_name``): ``where:lineno: Category: text``, then the source line indented.

    >>> print(format_warning("use get_last_lr()", UserWarning, "/v/torch/x.py", 7, "f()"))
    x.py:7: UserWarning: use get_last_lr()
      f()
    <BLANKLINE>
    """
    if line is None:
        line = linecache.getline(filename, lineno)
    text = f"{_where(filename, lineno, code_name)}: {category.__name__}: {message}\n"
    if line and line.strip():
        text += f"  {line.strip()}\n"
    return text


def load_ipython_extension(shell: Any) -> None:
    """Install the short names into ``shell`` (an IPython ``InteractiveShell``): the warnings'
    format, and the file names its tracebacks print (``shell.compile.format_code_name``, which
    names cells, now names every other file by :func:`short_path`)."""
    if _saved:
        return
    cell_name: CodeName = shell.compile.format_code_name
    _saved.update(formatwarning=warnings.formatwarning, compile=shell.compile)

    def formatwarning(message, category, filename, lineno, line=None):  # noqa: ANN001
        return format_warning(message, category, filename, lineno, line, code_name=cell_name)

    def format_code_name(name: str) -> tuple[str, str]:
        return cell_name(name) or ("File", short_path(name))

    warnings.formatwarning = formatwarning
    shell.compile.format_code_name = format_code_name


def unload_ipython_extension(shell: Any) -> None:
    """Put back what :func:`load_ipython_extension` replaced."""
    if not _saved:
        return
    warnings.formatwarning = _saved.pop("formatwarning")
    vars(_saved.pop("compile")).pop("format_code_name", None)
