"""What a schedule definition is (lrcourse.registry): parameters with their defaults and
checks, derived defaults."""

from __future__ import annotations

from functools import partial

import pytest

import lrcourse as lc
from lrcourse.registry import REQUIRED, Param, ScheduleInfo
from lrcourse.validation import as_int


def test_a_param_validates_with_its_check_and_knows_its_signature_default():
    p = Param("step_size", 30, "int", 1, 100, check=partial(as_int, low=1), call_default=REQUIRED)
    assert p.required and p.validate(7) == 7
    with pytest.raises(ValueError, match="step_size must be an integer >= 1, got 0"):
        p.validate(0)
    q = Param("total_steps", 100, "int", call_default=None)
    assert not q.required and q.signature_default is None and q.default == 100
    assert Param("gamma", 0.1, "float").signature_default == 0.1


def test_defaults_are_the_sliders_then_the_example_and_signature_defaults_skip_required():
    info = ScheduleInfo(
        "X",
        "summary",
        "f",
        (Param("a", 1, "int", call_default=REQUIRED), Param("b", 2.0, "float")),
        extra=(Param("c", None, "fixed"),),
        example={"a": 5},
    )
    assert info.defaults() == {"a": 5, "b": 2.0}
    assert info.signature_defaults() == {"b": 2.0, "c": None}
    assert [p.name for p in info.arguments] == ["a", "b", "c"] and not info.combinable


def test_every_slider_of_the_course_is_drawable():
    for info in lc.SCHEDULES.values():
        for p in info.params:
            assert p.kind != "fixed", (info.name, p.name)
        for p in info.extra:
            assert p.kind == "fixed", (info.name, p.name)
