"""What a schedule definition is: its parameters (default, valid range, slider) and its rule.

Each schedule of the course is one :class:`ScheduleInfo`, written once in
:mod:`lrcourse.schedules` next to its closed form: the name lists, the defaults, the
validation of every path that builds it and the explorers' sliders are derived from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .validation import as_bool, as_choice

__all__ = ["REQUIRED", "Counts", "Param", "ParamKind", "ScheduleInfo"]

#: How a parameter's slider moves (``"fixed"``: no slider).
ParamKind = Literal["int", "float", "log", "choice", "bool", "fixed"]
#: What a parameter counts: ``"calls"``, a number (or list) of ``scheduler.step()`` calls;
#: ``"per_call"``, a factor applied at every call; ``""``, neither (a factor, an LR, a shape).
Counts = Literal["", "calls", "per_call"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: ``Param.call_default`` of a keyword argument torch requires (``default`` is then a demo value).
REQUIRED: Any = _Required()
_SAME: Any = object()


@dataclass(frozen=True)
class Param:
    """One keyword argument of a schedule.

    ``default`` is the value an explorer starts from (torch's default where it has one);
    ``call_default`` the function's own default when that differs (:data:`REQUIRED`: torch
    requires the argument). ``check(name, value)`` returns the value validated and normalised
    (the range torch accepts). ``kind`` says how a slider moves: ``"int"`` and ``"float"``
    linearly between ``low`` and ``high``, ``"log"`` on a log scale, ``"choice"`` among
    ``choices``, ``"bool"`` as a checkbox; ``"fixed"``: no slider (callables, lists).
    """

    name: str
    default: Any
    kind: ParamKind
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    help: str = ""
    check: Callable[[str, Any], Any] | None = field(default=None, compare=False, repr=False)
    call_default: Any = field(default=_SAME, repr=False)
    counts: Counts = ""

    @property
    def required(self) -> bool:
        """Torch requires this argument (no default in the signature)."""
        return self.call_default is REQUIRED

    @property
    def signature_default(self) -> Any:
        """The default the scheduler itself uses when the argument is left out."""
        return self.default if self.call_default is _SAME else self.call_default

    def validate(self, value: Any) -> Any:
        """``value`` checked against the range torch accepts, in normalised form (a
        ``"choice"`` or ``"bool"`` parameter without ``check``: one of ``choices``, a bool)."""
        if self.check is not None:
            return self.check(self.name, value)
        if self.kind == "choice":
            return as_choice(self.name, value, self.choices)
        if self.kind == "bool":
            return as_bool(self.name, value)
        return value


@dataclass(frozen=True)
class ScheduleInfo:
    r"""Everything the course knows about one schedule, in one place.

    ``params``: the explorer's sliders, in display order; ``extra``: the other keyword
    arguments (no slider). ``closed_form(k, base, **kwargs)`` gives the LR at the steps ``k``
    (``kwargs`` complete and validated); ``update_map(j, base, kw)`` the recursive update
    torch applies at local epoch ``j >= 1`` as an affine map ``lr -> a lr + b`` (only the
    schedulers SequentialLR and ChainedScheduler can compose); ``initial_map`` what
    construction does; ``restart_map`` what SequentialLR's restart at a milestone does (torch's
    ``_get_closed_form_lr`` at epoch 0) where that is not the closed form at step 0;
    ``consistency(kwargs)`` checks across parameters (and warns where torch silently
    surprises). ``formula`` is LaTeX; the explorer's header shows it.
    """

    name: str
    summary: str  # one line, plain text
    formula: str  # LaTeX, without dollar signs
    params: tuple[Param, ...] = ()
    extra: tuple[Param, ...] = ()
    default_steps: int = 100
    is_torch: bool = True  # a class of torch.optim.lr_scheduler (False: lrcourse's own)
    needs_metrics: bool = False  # ReduceLROnPlateau
    needs_schedulers: bool = False  # SequentialLR, ChainedScheduler
    example: dict[str, Any] = field(default_factory=dict)  # extra kwargs for a demo curve
    closed_form: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    update_map: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    initial_map: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    restart_map: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    consistency: Callable[[dict[str, Any]], None] | None = field(
        default=None, compare=False, repr=False
    )
    factory: Callable[..., Any] | None = field(default=None, compare=False, repr=False)

    @property
    def arguments(self) -> tuple[Param, ...]:
        """Every keyword argument: the sliders, then the others."""
        return self.params + self.extra

    @property
    def combinable(self) -> bool:
        """SequentialLR and ChainedScheduler can compose it in closed form."""
        return self.update_map is not None

    def defaults(self) -> dict[str, Any]:
        """The explorer's starting keyword arguments (the slider defaults, then ``example``)."""
        return {p.name: p.default for p in self.params} | dict(self.example)

    def signature_defaults(self) -> dict[str, Any]:
        """The defaults the scheduler itself applies to the arguments left out."""
        return {p.name: p.signature_default for p in self.arguments if not p.required}
