"""What the tests share (importable: pytest puts tests/ on sys.path).

* :func:`says` and :func:`checked`: a checker's printed feedback (and verdict);
* :func:`scalar_cases` and :func:`same`: every numeric argument of a public function given as a
  numpy scalar, a 0-d array or a 0-d tensor must give the same result as the Python number;
* :func:`bad_cases` and :func:`assert_named`: a bad value is refused with a
  :class:`~lrcourse.validation.ParameterError` that names the parameter, in the one format
  ``"<param> must be <requirement>, got <value>"``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pytest
import torch

from lrcourse.validation import ParameterError

Call = tuple[Callable[..., Any], dict[str, Any]]


def says(capsys, *words: str) -> str:
    """The checker's printed feedback, after asserting that it contains every word."""
    out = capsys.readouterr().out
    for w in words:
        assert w in out, f"{w!r} not in feedback: {out!r}"
    return out


def scalar_forms(value: int | float) -> list[Any]:
    """``value`` as numpy scalars, a 0-d numpy array and a 0-d torch tensor."""
    if isinstance(value, int):
        return [np.int64(value), np.int32(value), np.array(value), torch.tensor(value)]
    return [np.float64(value), np.array(value), torch.tensor(value, dtype=torch.float64)]


def scalar_cases(calls: Iterable[Call]) -> Iterator[Any]:
    """``pytest.param(fn, kwargs, name, form)`` for every numeric keyword of every call."""
    for fn, kwargs in calls:
        for name, value in kwargs.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            for form in scalar_forms(value):
                kind = f"{type(form).__module__.split('.')[0]}.{type(form).__name__}"
                yield pytest.param(fn, kwargs, name, form, id=f"{fn.__name__}-{name}-{kind}")


def bad_cases(rows: Iterable[tuple[Callable[..., Any], dict[str, Any], str, Any]]) -> Iterator[Any]:
    """``pytest.param(fn, kwargs, name, bad)`` with a readable id."""
    for fn, kwargs, name, bad in rows:
        yield pytest.param(fn, kwargs, name, bad, id=f"{fn.__name__}-{name}={bad!r}")


def assert_named(fn: Callable[..., Any], kwargs: dict[str, Any], name: str, bad: Any) -> str:
    """``fn(**kwargs, name=bad)`` raises a ParameterError naming ``name``; its message."""
    with pytest.raises(ParameterError) as err:
        fn(**{**kwargs, name: bad})
    message = str(err.value)
    assert err.value.param == name, message
    assert message.startswith(f"{name} must be "), message
    assert ", got " in message, message
    return message


def same(a: Any, b: Any) -> bool:
    """Equal results: tensors, arrays, modules (their weights), dataclasses, containers."""
    if type(a) is not type(b):
        return False
    if isinstance(a, torch.nn.Module):
        return repr(a) == repr(b) and same(dict(a.state_dict()), dict(b.state_dict()))
    if isinstance(a, torch.Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))
    if isinstance(a, np.ndarray | np.generic | float | int):
        return bool(np.array_equal(a, b, equal_nan=np.asarray(a).dtype.kind == "f"))
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if hasattr(a, "__dict__"):
        return same(vars(a), vars(b))
    return a == b


def checked(capsys, fn: Callable[..., Any], kwargs: dict[str, Any]) -> tuple[Any, str]:
    """A checker's verdict and the feedback it printed."""
    capsys.readouterr()
    verdict = fn(**kwargs)
    return verdict, capsys.readouterr().out


def argument_tests(calls: Iterable[Call], bad: Iterable[Any]) -> tuple[Any, Any]:
    """The two tests of a module's (or a chapter's checkers') arguments, parametrised.

    ``calls``: ``(fn, kwargs)`` with valid arguments; each numeric one given as a numpy scalar,
    0-d array or 0-d tensor must give the same result (and print the same) as the Python
    number. ``bad``: ``(fn, kwargs, name, value)`` rows; each is refused with a
    ParameterError naming ``name``, before anything is printed. Bind the two in the test
    module: ``test_scalars, test_bad = argument_tests(CALLS, BAD)``.
    """

    @pytest.mark.parametrize("fn, kwargs, name, form", list(scalar_cases(calls)))
    def test_numpy_and_torch_scalars_are_accepted(capsys, fn, kwargs, name, form):
        result, printed = checked(capsys, fn, {**kwargs, name: form})
        expected, expected_printed = checked(capsys, fn, kwargs)
        assert same(result, expected) and printed == expected_printed

    @pytest.mark.parametrize("fn, kwargs, name, value", list(bad_cases(bad)))
    def test_a_bad_value_is_refused_naming_the_parameter(capsys, fn, kwargs, name, value):
        assert_named(fn, kwargs, name, value)
        assert capsys.readouterr().out == ""  # refused, not judged

    return (
        test_numpy_and_torch_scalars_are_accepted,
        test_a_bad_value_is_refused_naming_the_parameter,
    )
