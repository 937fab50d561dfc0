"""``check_*`` functions for the lessons' exercises, one module per chapter.

Each checker prints specific feedback (what is wrong, and a hint) or a line starting with
"Correct", and returns ``True`` / ``False``. A wrong answer of the right type never raises;
input that is not an answer at all (a string where a number belongs, NaN, a 2-D array) raises
a ``ParameterError`` (both a ``TypeError`` and a ``ValueError``) naming the argument and saying
what was expected, e.g. ``answer must be a finite number, got '0.04'``.
"""

from . import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10, ch11, ch12, ch13

# one line per chapter: its module's checkers become lrcourse.exercises.check_*
_CHAPTERS = [ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, ch10, ch11, ch12, ch13]

__all__ = sorted(name for module in _CHAPTERS for name in module.__all__)
globals().update({name: getattr(m, name) for m in _CHAPTERS for name in m.__all__})
