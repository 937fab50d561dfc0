"""What the exercise-checker tests share (importable: pytest puts tests/ on sys.path)."""

from __future__ import annotations


def says(capsys, *words: str) -> str:
    """The checker's printed feedback, after asserting that it contains every word."""
    out = capsys.readouterr().out
    for w in words:
        assert w in out, f"{w!r} not in feedback: {out!r}"
    return out
