"""Every number a chapter's prose quotes, found where it came from.

A number in a lesson's markdown is *accounted for* when it appears

- in what that lesson printed (its executed outputs), rounded as the prose rounds it: prose
  ``0.13`` accounts for a printed ``0.128``, prose ``63%`` for a printed ``63.4%`` or
  ``0.634``, prose ``3e-4`` for a printed ``0.000312``;
- in the lesson's code (the setting that made it: ``epochs=20``);
- or in the lesson's short list of cited constants (:data:`CITED`), each with its source: a
  text (a paper, a dataset) or an expression that computes it (``"=math.log(10)"``).

A derived number (a ratio of two printed values) is printed by the cell that derives it, so it
is found like any other. What is not a quote: labels (headings, list numbers, "chapter 4",
"exercise 3"), citations and cross-references, link targets, version numbers. Integers up to
12 are not checked (counts and indices that every lesson's code holds anyway).

``tests/executed_lessons.py`` applies :func:`unaccounted` to each lesson after ``make test``
has executed it once; ``tests/test_quoted_numbers.py`` tests the rules.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import nbformat
import numpy as np

__all__ = ["CITED", "Quote", "Token", "prose_quotes", "tokens", "unaccounted", "merge"]

# Each lesson's cited constants: the number as the prose writes it -> where it comes from.
# A source starting with "=" is a Python expression (math, np, inspect, torch and lrcourse as lc
# available) whose value must round to the number; any other source is a citation, reviewed by
# hand. Keep each list short: a figure a cell computes is better printed by that cell.
CITED: dict[str, dict[str, str]] = {
    "01_why_schedule": {},
    "02_training_loop": {
        "2000": "=_default(torch.optim.lr_scheduler.CyclicLR, 'step_size_up')",
    },
    "03_step_multistep_exponential": {},
    "04_cosine_and_restarts": {},
    "05_reduce_on_plateau": {
        "450": "=len(lc.load_digits_data().y_val)",
        "0.0022": "=1 / len(lc.load_digits_data().y_val)",  # one image of the validation set
        "0.0175": "=(1.0 - 0.3) / 40",  # noisy_plateau_metric's progress per epoch, onset 40
        "64": "=_default(lc.train_classifier, 'hidden')",
        "179": "=len(lc.load_digits_data(val_fraction=0.9).y_train)",
        "1618": "=len(lc.load_digits_data(val_fraction=0.9).y_val)",
    },
    "06_warmup": {
        "10^{-8}": "=_default(torch.optim.Adam, 'eps')",
        "20,000": "=_default(lc.adaptive_lr_spread, 'n')",
        "2.30": "=math.log(10)",  # chance level of a 10-way cross-entropy
        "2048": "=8 * 256",  # exercise: k = 8 times Goyal et al.'s reference batch of 256
    },
    "07_one_cycle_and_cyclic": {
        "1024": "the notes' scenario table (../shared/sources), quoted to be checked",
    },
    "08_custom_and_combined": {},
    "09_lr_range_test": {
        "1000": "check_range_test_settings' cap on num_iter (lrcourse/exercises/ch09.py)",
    },
    "10_weight_decay": {
        "1e-4": "the notes' tuning table, 'Keep weight_decay constant' (../shared/sources)",
    },
    "11_adamw": {
        "3e-4": "the scheduler guide's ViT tip (../shared/sources/scheduler-guide.md, section 6)",
        "0.05": "the guide's ViT tip; DeiT's weight decay (touvron2021training)",
        "1e-4": "the guide's CNN tip; ResNet's weight decay (he2016deep)",
    },
    "12_practice": {
        "1e-4": "the scheduler guide's recipe and scenario table (../shared/sources), checked",
        "1024": "the scheduler guide's scenario table (../shared/sources), quoted to be checked",
        # chapter 3's StepLR(step_size=10) over 100 epochs from 1e-2: the last LR, and the LR
        # at the half-way point
        "10^{-11}": "=lc.lr_curve('StepLR', 100, lr=1e-2, step_size=10)[-1]",
        "10^{-7}": "=lc.lr_curve('StepLR', 100, lr=1e-2, step_size=10)[50]",
    },
    "13_quiz": {},
}

_NUMBER = (
    r"(?<![\w.\\])"  # not inside an identifier, a longer number or a TeX command
    r"(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d[\d_]*(?:\.\d+)?)"  # 26,378 / 1_281_167 / 0.128
    r"(?:[eE](?P<exp>[-+−]?\d+))?"  # 3e-4
    r"(?P<pow>\s*\\times\s*10\^\{?[-−]?\d+\}?)?"  # 3 \times 10^{-4}
    r"(?P<pct>\s*\\?%)?"
    r"(?:[x×](?!\w))?"  # 2.5x
    r"(?![\w]|\.\d)"  # not a version number (2.13.0) or a prefix of a name
)
_TEN_POWER = r"(?<![\w.\\])10\^\{?(?P<tpow>[-−]?\d+)\}?"  # 10^{-6}
_QUOTE_RE = re.compile(f"{_TEN_POWER}|{_NUMBER}")
_LABEL = re.compile(
    r"\b(?:chapters?|exercises?|pitfalls?|sections?|figures?|tables?|steps? \d+ (?:and|to)|"
    r"issues?|part|Python|torch|PyTorch|jupyter-book|versions?|release)\s+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quote:
    """A number in the prose: its value, how many decimals (or significant digits) it shows."""

    cell: int
    text: str
    value: float
    decimals: int | None  # None: compare significant digits (scientific notation)
    digits: int
    percent: bool
    context: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.text!r} in ...{self.context}..."


@dataclass(frozen=True)
class Token:
    """A number the lesson printed or set."""

    text: str
    value: float
    decimals: int
    percent: bool


def _strip_markup(md: str) -> str:
    """The prose without what is not prose: roles' targets, links, labels, code blocks."""
    md = re.sub(r"^(```|~~~).*?^\1", " ", md, flags=re.M | re.S)  # fenced code
    md = re.sub(r"\{(?:cite(?::\w+)?|ref|doc|numref|eq|download|term)\}`[^`]*`", " ", md)
    md = re.sub(r"\]\([^)]*\)", "] ", md)  # link targets
    md = re.sub(r"<[^>]+>", " ", md)  # html tags and autolinks
    md = re.sub(r"https?://\S+", " ", md)
    md = re.sub(r"^\s*#+ .*$", " ", md, flags=re.M)  # headings are labels
    md = re.sub(r"^\s*\(\w[\w-]*\)=\s*$", " ", md, flags=re.M)  # targets
    md = re.sub(r"^\s*:{3,}.*$|^\s*`{3,}\{.*$", " ", md, flags=re.M)  # directive fences
    md = re.sub(r"^\s*:[\w-]+:.*$", " ", md, flags=re.M)  # directive options
    md = re.sub(r"^(\s*)\d+\.\s", r"\1 ", md, flags=re.M)  # ordered-list numbers
    return md


def _parse(match: re.Match) -> tuple[float, int | None, int, bool]:
    """(value, decimals or None for significant digits, significant digits, percent)."""
    if match.group("tpow") is not None:
        return 10.0 ** int(match.group("tpow").replace("−", "-")), None, 1, False
    num = match.group("num").replace(",", "").replace("_", "")
    mantissa = float(num)
    decimals = len(num.split(".")[1]) if "." in num else 0
    digits = len(num.replace(".", "").lstrip("0")) or 1
    exp = match.group("exp")
    power = match.group("pow")
    if power:
        exp = re.search(r"[-−]?\d+(?=\}?\s*$)", power).group()
    if exp is not None:
        return mantissa * 10.0 ** int(exp.replace("−", "-")), None, digits, False
    return mantissa, decimals, digits, bool(match.group("pct"))


def prose_quotes(markdown: str, cell: int = 0) -> list[Quote]:
    """The numbers one markdown cell quotes (labels, citations and links left out)."""
    text = _strip_markup(markdown)
    quotes = []
    for match in _QUOTE_RE.finditer(text):
        value, decimals, digits, percent = _parse(match)
        if _LABEL.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        if decimals == 0 and not percent and value <= 12:
            continue
        context = " ".join(text[max(0, match.start() - 40) : match.end() + 30].split())
        quotes.append(Quote(cell, match.group(), value, decimals, digits, percent, context))
    return quotes


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PLAIN = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+(?!\d)|\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?)(\s*%)?"
)


def tokens(text: str) -> list[Token]:
    """The numbers in printed output or code, as printed."""
    out = []
    text = re.sub(r"(?<!\w)[x×](?=\d)", " ", _ANSI.sub("", text))  # x7.5: a factor of 7.5
    for match in _PLAIN.finditer(text):
        raw = match.group(1).replace(",", "").replace("_", "")
        try:
            value = float(raw)
        except ValueError:
            continue
        mantissa = raw.split("e")[0].split("E")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        if "e" in raw.lower():  # printed in scientific notation: all its digits count
            decimals = 99
        out.append(Token(match.group(1), value, decimals, bool(match.group(2))))
    return out


def _rounds_to(quote: Quote, value: float, decimals: int) -> bool:
    if quote.decimals is None:  # significant digits
        if value == 0 or quote.value == 0:
            return value == quote.value
        step = 10.0 ** (math.floor(math.log10(abs(quote.value))) - quote.digits + 1)
        return abs(abs(value) - quote.value) <= 0.5 * step * (1 + 1e-9)
    if decimals < quote.decimals and quote.decimals > 0:
        return False  # the prose shows more digits than were printed
    return abs(abs(value) - quote.value) <= 0.5 * 10.0**-quote.decimals * (1 + 1e-9)


def _accounts_for(token: Token, quote: Quote) -> bool:
    if quote.percent and not token.percent:  # a fraction, or a column of percentages
        as_fraction = _rounds_to(quote, token.value * 100, max(0, token.decimals - 2))
        return as_fraction or _rounds_to(quote, token.value, token.decimals)
    return _rounds_to(quote, token.value, token.decimals)


def _default(function, parameter: str):
    """A parameter's default value, as the signature declares it."""
    return inspect.signature(function).parameters[parameter].default


def _cited(quote: Quote, source: str) -> bool:
    if not source.startswith("="):
        return True
    import torch

    import lrcourse as lc

    names = {"math": math, "np": np, "inspect": inspect, "torch": torch, "lc": lc}
    value = float(eval(source[1:], {**names, "_default": _default}))  # noqa: S307 - reviewed
    return _rounds_to(quote, value, 99)


def merge(lesson: nbformat.NotebookNode, executed: nbformat.NotebookNode):
    """The lesson's cells with the outputs of its execution (the cache keeps code cells only)."""
    code = [c for c in executed.cells if c.cell_type == "code"]
    source_code = [c for c in lesson.cells if c.cell_type == "code"]
    if len(code) != len(source_code):
        raise ValueError(f"executed notebook has {len(code)} code cells, lesson {len(source_code)}")
    outputs = iter(code)
    return [
        (c, next(outputs).get("outputs", []) if c.cell_type == "code" else []) for c in lesson.cells
    ]


def _printed(outputs: Iterable[Mapping]) -> str:
    parts = []
    for out in outputs:
        if "text" in out:
            parts.append(out["text"])
        if out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
        data = out.get("data", {})
        for mime in ("text/plain", "text/markdown", "text/html", "text/latex"):
            if mime in data:
                parts.append(data[mime])
    return "\n".join(parts)


def unaccounted(
    lesson: nbformat.NotebookNode,
    executed: nbformat.NotebookNode,
    cited: Mapping[str, str] | None = None,
) -> list[Quote]:
    """The quotes of ``lesson``'s prose that nothing in ``executed`` (or ``cited``) accounts for."""
    cited = dict(cited or {})
    cells = merge(lesson, executed)
    pool = []
    for cell, outputs in cells:
        if cell.cell_type == "code":
            pool += tokens(cell.source) + tokens(_printed(outputs))
    missing = []
    for i, (cell, _) in enumerate(cells):
        if cell.cell_type != "markdown":
            continue
        for quote in prose_quotes(cell.source, i):
            if quote.text in cited and _cited(quote, cited[quote.text]):
                continue
            if not any(_accounts_for(t, quote) for t in pool):
                missing.append(quote)
    return missing
