"""Resolve the package's own cross-references on the API page (a local Sphinx extension).

Docstrings refer to objects by the name a learner uses (``lrcourse.lr_curve``, or ``lr_curve``
from inside a module), while the API page documents each object in the module that defines
it (``lrcourse.schedules.api.lr_curve``). This maps the first to the second by importing the
object and reading its ``__module__``; references that still do not resolve stay warnings.

It also repairs two things every page's head carried that a browser reports as console errors
(``tests/book_in_browser.py`` checks there are none): see :func:`page_context`.
"""

from __future__ import annotations

import importlib
import sys
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
    """The object a reference names: an absolute path, or searched from ``module`` upwards,
    or a name kept in its module (``lrcourse.History`` is ``lrcourse.training.History``)."""
    if target.startswith("lrcourse."):
        found = _import_path(target)
    else:
        parts = (module or "lrcourse").split(".")
        paths = (".".join([*parts[:i], target]) for i in range(len(parts), 0, -1))
        found = next((obj for obj in map(_import_path, paths) if obj is not None), None)
    if found is None:
        name = target.rpartition(".")[2]
        for mod_name, mod in sorted(sys.modules.items()):
            if mod_name.startswith("lrcourse.") and name in getattr(mod, "__all__", ()):
                return getattr(mod, name)
    return found


def _documented_name(obj: Any, domain: Any) -> str | None:
    """Where the API page documents ``obj``: its defining module for functions and classes;
    for data, the lrcourse module that lists it in ``__all__`` and that the page documents."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if isinstance(module, str) and module.startswith("lrcourse") and qualname:
        return f"{module}.{qualname}"
    for mod_name, mod in sorted(sys.modules.items()):
        if not mod_name.startswith("lrcourse"):
            continue
        for name in getattr(mod, "__all__", ()):
            full = f"{mod_name}.{name}"
            if getattr(mod, name, None) is obj and full in domain.objects:
                return full
    return None


def resolve(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    obj = _lookup(target, node.get("py:module"))
    domain = env.get_domain("py")
    real = _documented_name(obj, domain) if obj is not None else None
    if real is None or real == target:
        return None
    builder, doc = app.builder, node["refdoc"]
    node["reftarget"] = real
    found = domain.resolve_xref(env, doc, builder, node["reftype"], real, node, contnode)
    if found is None:
        matches = domain.resolve_any_xref(env, doc, builder, real, node, contnode)
        found = matches[0][1] if matches else None
    return found


def page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Two fixes to the page's head, each an error in the browser's console otherwise.

    - pydata-sphinx-theme sets the colour mode from ``localStorage`` or the template variable
      ``default_mode``, which nothing sets: on a reader's first visit the mode is ``""`` and the
      theme logs "Got invalid theme mode". It is now ``auto`` (the theme's own default).
    - Sphinx 7.4 writes a body-only script registered after the builder started twice (once as
      file ``None``, once as ``''``); sphinx-thebe registers ``const THEBE_JS_URL = ...`` that
      way, and the second copy is an uncaught SyntaxError on every page. Repeats are dropped.
    """
    context.setdefault("default_mode", "auto")
    scripts, seen = [], set()
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", script) or "", tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    if "script_files" in context:
        context["script_files"] = scripts


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", resolve)
    app.connect("html-page-context", page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
