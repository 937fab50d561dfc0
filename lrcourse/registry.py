"""The schedule registry: every schedule's parameters, defaults and sensible ranges.

The widgets, the plots' labels and the tests read it; nothing else hard-codes a range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ParamKind = Literal["int", "float", "log", "choice", "bool"]


@dataclass(frozen=True)
class Param:
    """One keyword argument of a schedule.

    ``kind`` says how a slider should move: ``"int"`` and ``"float"`` linearly between
    ``low`` and ``high``, ``"log"`` on a log scale, ``"choice"`` among ``choices``,
    ``"bool"`` as a checkbox.
    """

    name: str
    default: Any
    kind: ParamKind
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class ScheduleInfo:
    """What the course knows about one schedule."""

    name: str
    family: str  # "constant", "step", "smooth decay", "cyclic", "warmup", "adaptive", "combined"
    summary: str  # one line, plain text
    formula: str  # LaTeX, without dollar signs
    params: tuple[Param, ...] = ()
    default_steps: int = 100
    is_torch: bool = True  # a class of torch.optim.lr_scheduler (False: lrcourse's own)
    needs_metrics: bool = False  # ReduceLROnPlateau
    needs_callable: bool = False  # LambdaLR, MultiplicativeLR
    needs_schedulers: bool = False  # SequentialLR, ChainedScheduler
    example: dict[str, Any] = field(default_factory=dict)  # extra kwargs for a demo curve

    def defaults(self) -> dict[str, Any]:
        """The default keyword arguments (the registry's, merged with ``example``)."""
        return {p.name: p.default for p in self.params} | dict(self.example)
