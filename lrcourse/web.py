"""What the static page's explorers read: the registry as JSON and the curves in JavaScript.

The explorers of the HTML book run without a kernel: their sliders are built from
:func:`registry_json` (the same :data:`lrcourse.SCHEDULES` the Python explorer reads,
serialised, not retyped) and their curves come from ``lrcourse/static/lrcurve.js``
(:data:`LRCURVE_JS`), one ES module of closed forms for every schedule. The tests hold its
``lrCurve`` equal to :func:`lrcourse.lr_curve` in an embedded JavaScript engine.

The explorers' one front end is ``lrcourse/static/explorer.js`` (:data:`EXPLORER_JS`), an
anywidget module: :func:`explorer_module` bundles lrcurve.js into it (the live widget's
``_esm``), :func:`explorer_script` is the same code as a classic script, and
:func:`static_explorer_html` runs it in a page with no kernel (a local model over the
explorer's values), as :class:`lrcourse.widgets.Explorer`'s ``text/html`` representation.

Callables cannot be serialised. In JavaScript a callable argument (``lr_lambda``,
``scale_fn``) is a number ``c`` (the function ``k -> c``: MultiplicativeLR's "multiply by
``c`` at every step") or ``[name, kwargs]``, one of the course's factor schedules
(:data:`lrcourse.schedules.MODERN`, e.g. LambdaLR over ``cosine_with_warmup``);
:func:`python_callable` and :func:`python_kwargs` give the Python counterparts.

The JSON (``json.loads(registry_json())``)::

    {"version": 1,
     "schedules": {name: {"summary", "formula", "default_steps", "is_torch",
                          "needs_metrics", "needs_schedulers", "combinable",
                          "params": [param, ...],   # the sliders, in display order
                          "extra": [param, ...],    # the other keyword arguments
                          "example": {...}}},       # the explorer's extra starting values
     "combinable": [name, ...],                     # what SequentialLR/ChainedScheduler take
     "factor_schedules": [name, ...],               # the names a callable may use
     "metrics": {"ReduceLROnPlateau": [...]}}       # lc.synthetic_metric(n), mode "min"

with ``param = {"name", "kind", "default", "low", "high", "choices", "help", "counts",
"required", "signature_default", "callable"}`` (:class:`lrcourse.registry.Param`;
``signature_default`` is ``null`` where ``required``; ``callable``: the value is a callable).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .registry import Param, ScheduleInfo
from .schedules import COMBINABLE, MODERN, SCHEDULES
from .validation import fail

__all__ = [
    "CALLABLE_PARAMS",
    "EXPLORER_JS",
    "LRCURVE_JS",
    "explorer_module",
    "explorer_script",
    "jsonable",
    "lrcurve_script",
    "python_callable",
    "python_kwargs",
    "registry_dict",
    "registry_json",
    "schedule_dict",
    "static_explorer_html",
]

#: The ES module of closed forms (shipped in the package: ``lrcourse/static/lrcurve.js``).
LRCURVE_JS: Path = Path(__file__).parent / "static" / "lrcurve.js"
#: The explorer's front end (an anywidget module importing lrcurve.js).
EXPLORER_JS: Path = Path(__file__).parent / "static" / "explorer.js"
#: The keyword arguments whose value is a callable (a number or ``[name, kwargs]`` in JSON).
CALLABLE_PARAMS: tuple[str, ...] = ("lr_lambda", "scale_fn")
VERSION = 1


def lrcurve_script() -> str:
    """``lrcurve.js`` as a classic script (its ``export`` keywords removed), for an engine
    that evaluates scripts but not modules (the tests' embedded V8)."""
    return re.sub(r"^export ", "", LRCURVE_JS.read_text(encoding="utf-8"), flags=re.MULTILINE)


_IMPORT = re.compile(r"^import \{([^}]*)\} from \"\./lrcurve\.js\";$", re.MULTILINE)


def explorer_module() -> str:
    """``explorer.js`` with ``lrcurve.js`` bundled in: one ES module, no import, no network
    (the explorer widget's ``_esm``). Its import line becomes a scope holding lrcurve.js.

    >>> module = explorer_module()
    >>> "import " in module, "export default" in module, "function lrCurve" in module
    (False, True, True)
    """
    explorer = EXPLORER_JS.read_text(encoding="utf-8")
    found = _IMPORT.search(explorer)
    if found is None:  # pragma: no cover - the shipped file has it
        raise fail("explorer.js", "an import of lrcurve.js", "none")
    names = found.group(1).strip()
    scope = f"const {{ {names} }} = (() => {{\n{lrcurve_script()}\nreturn {{ {names} }};\n}})();"
    return explorer[: found.start()] + scope + explorer[found.end() :]


def explorer_script() -> str:
    """:func:`explorer_module` as a classic script: no ``export``; the module's default export
    is the constant ``explorerModule`` (``explorerModule.render({model, el})``)."""
    module = explorer_module().replace("export default ", "const explorerModule = ")
    return re.sub(r"^export ", "", module, flags=re.MULTILINE)


_SERIAL = itertools.count()


def static_explorer_html(
    state: Mapping[str, Any], *, render: str = "render", schedule: str | None = None, text: str = ""
) -> str:
    """An explorer for a page with no kernel: ``<div class="lrc-explorer">`` (with
    ``data-schedule``) and an inline module script running the front end
    (:func:`explorer_script`), ``explorerModule[render]({model: localModel(state), el})``.
    Nothing is fetched; ``text`` shows where scripts do not run.

    >>> page = static_explorer_html({"index": [0]}, render="renderRangeTest")
    >>> page.startswith('<div class="lrc-explorer" id="lrc-explorer-')
    True
    """
    data = json.dumps(jsonable(dict(state)), allow_nan=False, separators=(",", ":"))
    digest = hashlib.sha1(data.encode()).hexdigest()[:10]
    element_id = f"lrc-explorer-{digest}-{next(_SERIAL)}"
    script = explorer_script() + (
        f"\nexplorerModule.{render}({{model: localModel({data}), "
        f'el: document.getElementById("{element_id}")}});\n'
    )
    script = re.sub(r"</(script)", r"<\\/\1", script, flags=re.IGNORECASE)
    attrs = f' data-schedule="{html.escape(schedule)}"' if schedule is not None else ""
    return (
        f'<div class="lrc-explorer"{attrs} id="{element_id}">'
        f"<noscript>{html.escape(text)}</noscript></div>\n"
        f'<script type="module">\n{script}</script>\n'
    )


def jsonable(value: Any) -> Any:
    """``value`` in JSON's terms: tuples as lists, numpy values as numbers, a callable as its
    ``js_value`` (a :class:`ParameterError` for one without).

    >>> jsonable({"schedulers": [("StepLR", {"step_size": 3})]})
    {'schedulers': [['StepLR', {'step_size': 3}]]}
    """
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if callable(value):
        if not hasattr(value, "js_value"):
            raise fail("value", "a callable with a js_value (a form the static page runs)", value)
        return jsonable(value.js_value)
    return value


def _param(p: Param) -> dict[str, Any]:
    return {
        "name": p.name,
        "kind": p.kind,
        "default": jsonable(p.default),
        "low": p.low,
        "high": p.high,
        "choices": jsonable(p.choices),
        "help": p.help,
        "counts": p.counts,
        "required": p.required,
        "signature_default": None if p.required else jsonable(p.signature_default),
        "callable": p.name in CALLABLE_PARAMS,
    }


def _schedule(info: ScheduleInfo) -> dict[str, Any]:
    return {
        "summary": info.summary,
        "formula": info.formula,
        "default_steps": info.default_steps,
        "is_torch": info.is_torch,
        "needs_metrics": info.needs_metrics,
        "needs_schedulers": info.needs_schedulers,
        "combinable": info.combinable,
        "params": [_param(p) for p in info.params],
        "extra": [_param(p) for p in info.extra],
        "example": jsonable(info.example),
    }


def schedule_dict(name: str) -> dict[str, Any]:
    """One schedule's entry of :func:`registry_dict` (what one explorer's page needs).

    >>> schedule_dict("StepLR")["params"][0]["name"]
    'step_size'
    """
    if name not in SCHEDULES:
        raise fail("name", f"a schedule, one of {list(SCHEDULES)}", name)
    return _schedule(SCHEDULES[name])


def registry_dict(metric_steps: int | None = None) -> dict[str, Any]:
    """The registry as plain data (see the module's docstring), with ``metric_steps`` values of
    :func:`lrcourse.synthetic_metric` (default: the explorer's longest ReduceLROnPlateau run,
    4 times its ``default_steps``)."""
    from .widgets import STEPS_RANGE, synthetic_metric  # widgets imports this module

    if metric_steps is None:
        metric_steps = STEPS_RANGE * SCHEDULES["ReduceLROnPlateau"].default_steps
    return {
        "version": VERSION,
        "schedules": {name: _schedule(info) for name, info in SCHEDULES.items()},
        "combinable": list(COMBINABLE),
        "factor_schedules": list(MODERN),
        "metrics": {"ReduceLROnPlateau": synthetic_metric(metric_steps).tolist()},
    }


def registry_json(metric_steps: int | None = None) -> str:
    """:func:`registry_dict` as JSON text (strict: no NaN or infinity).

    >>> import json
    >>> reg = json.loads(registry_json())
    >>> [p["name"] for p in reg["schedules"]["StepLR"]["params"]]
    ['step_size', 'gamma']
    """
    return json.dumps(registry_dict(metric_steps), allow_nan=False)


class _Constant:
    """``k -> value`` at every step (picklable; its JSON form is the number)."""

    def __init__(self, value: float) -> None:
        self.js_value = float(value)

    def __call__(self, step: int) -> float:
        return self.js_value

    def __repr__(self) -> str:
        return f"python_callable({self.js_value!r})"


def python_callable(value: Any, name: str = "lr_lambda") -> Any:
    """The Python callable of a JavaScript callable argument: a number ``c`` is ``k -> c``,
    ``[factor_name, kwargs]`` is ``MODERN[factor_name](**kwargs)``.

    >>> python_callable(0.97)(5)
    0.97
    >>> python_callable(["linear_warmup", {"warmup_steps": 4}])(1)
    0.5
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _Constant(value)
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and value[0] in MODERN
        and isinstance(value[1], Mapping)
    ):
        return MODERN[value[0]](**value[1])
    raise fail(name, "a number or [factor_name, kwargs] with a name from MODERN", value)


def python_kwargs(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """JavaScript-side keyword arguments of schedule ``name`` as :func:`lrcourse.lr_curve`
    takes them (callables built by :func:`python_callable`, sub-schedulers likewise).

    >>> python_kwargs("MultiplicativeLR", {"lr_lambda": 0.9})
    {'lr_lambda': python_callable(0.9)}
    """
    out = dict(kwargs)
    for key in CALLABLE_PARAMS:
        if out.get(key) is not None:
            out[key] = python_callable(out[key], key)
    if "schedulers" in out:
        out["schedulers"] = [(sub, python_kwargs(sub, kw)) for sub, kw in out["schedulers"]]
    return out
