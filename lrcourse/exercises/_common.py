"""What every chapter's ``check_*`` functions share: argument checks and the feedback line.

Each checker prints specific feedback (what is wrong, and a hint) or a line starting with
"Correct", and returns ``True`` / ``False``. A wrong answer of the right type never raises;
input that is not an answer at all (a string where a number belongs, NaN, a 2-D array) raises
``TypeError`` or ``ValueError`` saying what was expected.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = ["close", "number", "report"]


def number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        elif hasattr(value, "item") and callable(value.item):  # a 0-d torch tensor
            value = value.item()
        else:
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * abs(b)


def report(ok: bool, message: str) -> bool:
    print(("Correct! " if ok else "Not yet. ") + message)
    return ok
