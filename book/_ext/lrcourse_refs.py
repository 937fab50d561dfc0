"""Resolve the package's own cross-references on the API page (a local Sphinx extension).

Docstrings refer to objects by the name a learner uses (``lrcourse.lr_curve``, or ``lr_curve``
from inside a module), while the API page documents each object in the module that defines
it (``lrcourse.schedules.api.lr_curve``). This maps the first to the second by importing the
object and reading its ``__module__``; references that still do not resolve stay warnings.
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def _import_path(path: str) -> Any:
    """The object at a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name, None)
        return obj
    return None


def _lookup(target: str, module: str | None) -> Any:
    """The object a reference names, searched from ``module`` up to ``lrcourse``."""
    if target.startswith("lrcourse."):
        return _import_path(target)
    parts = (module or "lrcourse").split(".")
    for i in range(len(parts), 0, -1):
        obj = _import_path(".".join([*parts[:i], target]))
        if obj is not None:
            return obj
    return _import_path(f"lrcourse.{target}")


def _real_name(obj: Any) -> str | None:
    if isinstance(obj, type(importlib)):
        return obj.__name__
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if module and qualname and module.startswith("lrcourse"):
        return f"{module}.{qualname}"
    return None


def resolve(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    obj = _lookup(target, node.get("py:module"))
    real = _real_name(obj) if obj is not None else None
    if real is None or real == target:
        return None
    domain = env.get_domain("py")
    builder, doc = app.builder, node["refdoc"]
    found = domain.resolve_xref(env, doc, builder, node["reftype"], real, node, contnode)
    if found is None:
        matches = domain.resolve_any_xref(env, doc, builder, real, node, contnode)
        found = matches[0][1] if matches else None
    return found


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
