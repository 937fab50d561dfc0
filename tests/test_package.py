"""The package's public face: ``lc.__all__``, what the lessons call, and the API page."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import lrcourse as lc

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "book" / "api.md"
_LC_NAME = re.compile(r"\blc\.([A-Za-z_]\w*)\b(?!\*)")  # not the prose "lc.check_*"
_AUTOMODULE = re.compile(r"^\.\. automodule:: (\S+)", re.MULTILINE)


def _modules() -> list[str]:
    """Every public module of the package (no leading underscore)."""
    found = ["lrcourse"]
    for info in pkgutil.walk_packages(lc.__path__, "lrcourse."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return found


def test_all_is_explicit_unique_and_resolves():
    assert len(lc.__all__) == len(set(lc.__all__))
    missing = [name for name in lc.__all__ if not hasattr(lc, name)]
    assert not missing


def test_top_level_exports_what_learners_call_and_no_result_classes():
    """Classes (results, explorers) stay in their modules; the top level is functions,
    the registry and the range test's rule table."""
    classes = [n for n in lc.__all__ if inspect.isclass(getattr(lc, n))]
    assert not classes
    public = {n for n in vars(lc) if not n.startswith("_")}
    modules = {n for n in public if inspect.ismodule(getattr(lc, n))}
    assert public - modules - {"annotations"} == set(lc.__all__)


def test_every_name_a_lesson_or_book_page_uses_is_exported():
    sources = [*sorted((ROOT / "lessons").glob("*.ipynb")), *sorted((ROOT / "book").glob("*.md"))]
    used = {name for path in sources for name in _LC_NAME.findall(path.read_text("utf8"))}
    modules = {n for n in vars(lc) if inspect.ismodule(getattr(lc, n))}
    assert used, "no lesson calls lc.<name>?"
    assert not used - set(lc.__all__) - modules


@pytest.mark.parametrize("module", _modules())
def test_every_module_has_an_explicit_all_of_its_own_names(module):
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), list | tuple), f"{module} has no __all__"
    missing = [name for name in mod.__all__ if not hasattr(mod, name)]
    assert not missing, f"{module}.__all__ lists names it does not have: {missing}"


def test_the_api_page_documents_every_public_module_once():
    listed = _AUTOMODULE.findall(API_PAGE.read_text("utf8"))
    assert len(listed) == len(set(listed))
    expected = set(_modules()) - {"lrcourse", "lrcourse.exercises"}
    assert set(listed) == expected


def test_every_exported_name_is_documented_where_it_is_defined():
    """``lc.X`` appears on the API page: its module is listed and names it in ``__all__``."""
    listed = set(_AUTOMODULE.findall(API_PAGE.read_text("utf8")))
    for name in lc.__all__:
        obj = getattr(lc, name)
        home = getattr(obj, "__module__", None) if callable(obj) else None
        if home is None:  # data: the listed module that exports it
            home = next(
                m
                for m in sorted(listed)
                if name in importlib.import_module(m).__all__
                and getattr(importlib.import_module(m), name) is obj
            )
        assert home in listed, f"lc.{name} is defined in {home}, which the API page omits"
        assert name in importlib.import_module(home).__all__, f"{home}.__all__ lacks {name}"
