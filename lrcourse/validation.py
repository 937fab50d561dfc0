"""Every argument check of the package, in one place and one message format.

Each check takes the parameter's name and the value it received and returns the value in the
form the caller works with (a Python ``int``/``float``, a numpy array, ...), or raises a
:class:`ParameterError` whose message names the parameter::

    step_size must be an integer >= 1, got 0
    mode must be one of ['min', 'max'], got 'mni' (did you mean 'min'?)

numpy scalars and 0-d torch tensors are accepted wherever a Python number is. Every entry
point (the closed forms, the torch builders, the training loop, the range test, the
checkers) validates through this module, so the same bad value gets the same message
whichever function receives it, before torch sees it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "ParameterError",
    "as_array",
    "as_bool",
    "as_callable",
    "as_choice",
    "as_int",
    "as_int_list",
    "as_real",
    "check_keywords",
    "did_you_mean",
    "fail",
]


class ParameterError(ValueError, TypeError):
    """A bad argument: the message names the parameter and says what it must be.

    A ``ValueError`` (a bad value) and a ``TypeError`` (a bad keyword or type) at once, so
    callers may catch either.
    """

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def fail(
    name: str, requirement: str, value: Any = ..., *, got: str = "", hint: str = ""
) -> ParameterError:
    """The error for parameter ``name``: ``"<name> must be <requirement>, got <value>"``.

    ``got`` replaces the value's repr (e.g. ``"shape (2, 3)"``); ``hint`` is added in
    parentheses. Returned, not raised, so that the caller writes ``raise fail(...)``.
    """
    message = f"{name} must be {requirement}"
    if got:
        message += f", got {got}"
    elif value is not ...:
        message += f", got {_show(value)}"
    if hint:
        message += f" ({hint})"
    return ParameterError(name, message)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _scalar(value: Any) -> Any:
    """A numpy scalar or 0-d array/tensor as the Python number it holds; anything else as is."""
    if isinstance(value, bool | int | float):
        return value
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError, RuntimeError):
            return value
    return value


def did_you_mean(value: Any, options: Iterable[Any]) -> str:
    """``"did you mean 'x'?"`` for the option closest to a misspelt ``value`` ('' if none)."""
    if not isinstance(value, str):
        return ""
    names = [o for o in options if isinstance(o, str)]
    lowered = {o.lower(): o for o in names}
    if value.lower() in lowered:
        return f"did you mean {lowered[value.lower()]!r}?"
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def as_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as a Python ``int`` in ``[low, high]`` (bools are refused)."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise fail(name, _int_requirement(low, high), value)
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise fail(name, _int_requirement(low, high), value)
    return value


def _int_requirement(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"an integer in [{low}, {high}]"
    if low is not None:
        return f"an integer >= {low}"
    if high is not None:
        return f"an integer <= {high}"
    return "an integer"


def as_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a Python ``float`` within the bounds (``*_open``: the bound excluded)."""
    value = _scalar(value)
    requirement = _real_requirement(low, high, low_open, high_open, finite)
    if isinstance(value, bool) or not isinstance(value, Real):
        raise fail(name, requirement, value)
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise fail(name, requirement, value)
    if low is not None and (value <= low if low_open else value < low):
        raise fail(name, requirement, value)
    if high is not None and (value >= high if high_open else value > high):
        raise fail(name, requirement, value)
    return value


def _real_requirement(low, high, low_open, high_open, finite) -> str:  # noqa: ANN001
    kind = "a finite number" if finite else "a number"
    if low is not None and high is not None:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        return f"{kind} in {left}{low:g}, {high:g}{right}"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{kind} {'<' if high_open else '<='} {high:g}"
    return kind


def as_bool(name: str, value: Any) -> bool:
    """``value`` if it is ``True`` or ``False`` (numpy bools included)."""
    value = _scalar(value)
    if not isinstance(value, bool):
        raise fail(name, "True or False", value)
    return value


def as_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """``value`` if it is one of ``choices``; a misspelling gets a suggestion."""
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        raise fail(name, f"one of {list(choices)}", value, hint=did_you_mean(value, choices))
    return value


def as_callable(name: str, value: Any, what: str = "a callable") -> Callable[..., Any]:
    """``value`` if it can be called."""
    if not callable(value):
        raise fail(name, what, got=type(value).__name__)
    return value


def as_int_list(name: str, value: Any, *, low: int | None = None) -> list[int]:
    """A list or tuple (or 1-D array) of integers, each checked as :func:`as_int`."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise fail(name, "a list of integers", value)
    return [as_int(name, v, low=low) for v in value]


def as_array(
    name: str,
    value: Any,
    *,
    ndim: int | None = 1,
    finite: bool = True,
    low: float | None = None,
    nonempty: bool = True,
) -> np.ndarray:
    """``value`` as a float64 numpy array (lists, tuples, arrays and CPU tensors)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, str | bytes):
        raise fail(name, "an array of numbers", value)
    if not isinstance(value, np.ndarray) or value.dtype.kind in "OUSb":
        flat = np.asarray(value, dtype=object).ravel()
        bad = next((v for v in flat if isinstance(v, str | bytes | bool | np.bool_)), None)
        if bad is not None:  # numpy would read "5" as 5.0 and True as 1.0
            raise fail(name, "an array of numbers", got=f"{bad!r} in it")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise fail(name, "an array of numbers", got=type(value).__name__) from None
    if ndim is not None and arr.ndim != ndim:
        raise fail(name, f"a {ndim}-D array of numbers", got=f"shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise fail(name, "a non-empty array of numbers", value)
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
        raise fail(name, "an array of finite numbers", got=f"{arr.ravel()[bad]} at index {bad}")
    if low is not None and np.any(arr < low):
        bad = int(np.flatnonzero(arr.ravel() < low)[0])
        raise fail(
            name, f"an array of numbers >= {low:g}", got=f"{arr.ravel()[bad]} at index {bad}"
        )
    return arr


def check_keywords(owner: str, given: Iterable[str], valid: Sequence[str]) -> None:
    """Refuse a keyword that ``owner`` does not take, suggesting the closest valid one."""
    for key in given:
        if key not in valid:
            hint = did_you_mean(key, valid)
            message = f"{owner} takes no parameter {key!r}" + (f" ({hint})" if hint else "")
            message += f"; its parameters are: {', '.join(valid)}"
            raise ParameterError(key, message)
