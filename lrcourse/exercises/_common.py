"""What every chapter's ``check_*`` functions share: argument checks and the feedback line.

Each checker prints specific feedback (what is wrong, and a hint) or a line starting with
"Correct", and returns ``True`` / ``False``. A wrong answer of the right type never raises;
input that is not an answer at all (a string where a number belongs, NaN, a 2-D array) raises
:class:`lrcourse.validation.ParameterError` (a ``TypeError`` and a ``ValueError``) whose
message names the argument: ``answer must be a finite number, got '0.04'``. The checkers'
own settings are checked the same way, through :mod:`lrcourse.validation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..validation import ParameterError, as_array, as_real, fail

__all__ = [
    "close",
    "evaluate",
    "first_mismatch",
    "misreading",
    "number",
    "number_list",
    "positive",
    "report",
    "unit",
    "whole",
    "wrong_number",
]


def number(name: str, value: Any) -> float:
    """A finite number: Python, numpy, or a 0-d or one-element array or tensor."""
    if getattr(value, "ndim", 0) and hasattr(value, "reshape") and len(value.reshape(-1)) == 1:
        value = value.reshape(())
    return as_real(name, value)


def positive(name: str, value: Any) -> float:
    """A finite number > 0 (an LR, a step size)."""
    return as_real(name, value, low=0.0, low_open=True)


def unit(name: str, value: Any) -> float:
    """A number in the open interval (0, 1) (a decay factor)."""
    return as_real(name, value, low=0.0, high=1.0, low_open=True, high_open=True)


def number_list(name: str, value: Any) -> np.ndarray:
    """A learner's list, array or tensor of finite numbers as a 1-D float array (may be empty)."""
    if value is None or isinstance(value, str | bytes | Mapping) or _kind(value) in "bSU":
        raise fail(name, "a list of numbers", value)
    return as_array(name, value, nonempty=False)


def _kind(value: Any) -> str:
    """numpy's dtype kind of ``value`` ('b' bool, 'U' str, ...; 'O' if it has none)."""
    try:
        return np.asarray(value.detach().cpu() if hasattr(value, "detach") else value).dtype.kind
    except (TypeError, ValueError, RuntimeError):
        return "O"


def evaluate(fn: Callable[[int], Any], steps: int, call: str) -> np.ndarray | str:
    """A learner's function of the step at ``t = 0 .. steps - 1`` as floats, or the feedback
    line if a call raises or returns something that is not a finite number."""
    values = []
    for t in range(steps):
        try:
            v = fn(t)
        except Exception as err:  # noqa: BLE001 - an error in the learner's code is feedback
            return f"{call}({t}) raised {type(err).__name__}: {err}"
        try:
            values.append(number(f"{call}({t})", v))
        except ParameterError:
            return f"{call}({t}) must return a finite number, got {v!r}"
    return np.array(values)


def first_mismatch(
    got: np.ndarray, want: np.ndarray, rtol: float = 1e-6, atol: float = 1e-12
) -> int | None:
    """The first index where two curves differ (``np.isclose``), or None if they agree
    everywhere and have the same length (a shorter one differs where it ends)."""
    n = min(len(got), len(want))
    bad = ~np.isclose(got[:n], want[:n], rtol=rtol, atol=atol)
    if bad.any():
        return int(np.argmax(bad))
    return None if len(got) == len(want) else n


def misreading(
    answer: float, known: Iterable[tuple[float, str]], rel: float, right: float | None = None
) -> str | None:
    """The hint of the first known wrong value within ``rel`` of ``answer`` (a recognised
    misreading), skipping values within ``rel`` of the ``right`` one; None if none matches."""
    for value, hint in known:
        if close(answer, value, rel) and (right is None or not close(value, right, rel)):
            return hint
    return None


def wrong_number(
    answer: float,
    right: float,
    known: Iterable[tuple[float, str]],
    rel: float,
    hint: str,
    *,
    skip_right: bool = False,
    fmt: str = ".4g",
    sides: tuple[str, str] = ("low", "high"),
) -> bool:
    """Feedback on a wrong number: the hint of a recognised misreading (:func:`misreading`,
    values near ``right`` skipped if ``skip_right``), else ``"<answer> is too <low|high>.
    Hint: <hint>"``. Prints it and returns False."""
    if found := misreading(answer, known, rel, right if skip_right else None):
        return report(False, found)
    side = sides[1] if answer > right else sides[0]
    return report(False, f"{answer:{fmt}} is too {side}. Hint: {hint}")


def whole(value: float) -> int | None:
    """``value`` as an int if it is a whole number, else None (to give feedback, not raise)."""
    return int(value) if float(value).is_integer() else None


def close(a: float, b: float, rel: float) -> bool:
    """``|a - b| <= rel * |b|``."""
    return abs(a - b) <= rel * abs(b)


def report(ok: bool, message: str) -> bool:
    """Print ``Correct! <message>`` or ``Not yet. <message>`` and return ``ok``."""
    print(("Correct! " if ok else "Not yet. ") + message)
    return ok
