"""Figures a report restates in its prose (`共收到政府信息公开申请75件`), found by the phrases of
the format's text rules: the phrases are data (templates.yaml), this module only applies them.

A figure counts only when a phrase binds it (`{n}` in the phrase); a phrase whose clause starts
with `not_in_clause` (`上年`, `其中` …) is skipped; two different figures for one rule, or a figure
in Chinese numerals beyond the trivial ones, leave the rule without a figure (not evaluable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from ogi.format import HEADING, Prose, chinese_numeral

_SPACE = re.compile(r"\s+")
_CLAUSE = re.compile(r"[,;。:!?()]")


@dataclass(frozen=True)
class Figure:
    value: float | None  # None: the prose states no figure, or more than one
    tolerance: float  # half a unit of the last printed digit, in the cell's unit (exact for counts)
    detail: str  # what the prose says, or why there is no figure


@lru_cache(maxsize=64)
def compact(text: str) -> str:
    """Section text with line breaks and spaces removed (PDF lines break inside words and numbers
    stand between spaces: `受理政府信息公开申请 21 件`), except between two digits (table cells).
    Cached: every prose rule of a document reads the same sections."""
    parts = _SPACE.split(text)  # the text between runs of spaces: a run's neighbours are its parts' ends
    out = [parts[0]]
    for before, after in pairwise(parts):
        if before[-1:].isdigit() and after[:1].isdigit():
            out.append(" ")
        out.append(after)
    return "".join(out)


def prose_text(sections: dict[str, str]) -> str:
    """Every section's text, compact, one clause boundary between sections (not the headings kept
    beside them under `<code>.heading`)."""
    return "。".join(compact(text) for code, text in sections.items() if text and not code.endswith(HEADING))


def _number(text: str, factor: float) -> tuple[float | None, float]:
    digits = re.sub(r"[,，、]", "", text)
    if not digits[:1].isdigit():
        value = chinese_numeral(digits)
        return (None, 0.0) if value is None else (value * factor, 1e-6)
    decimals = len(digits.partition(".")[2])
    tolerance = 0.5 * 10 ** -decimals * factor if decimals or factor != 1 else 1e-6
    return float(digits) * factor, tolerance


def _skipped(prose: Prose, text: str, start: int) -> bool:
    if prose.not_in_clause is None:
        return False
    clause = _CLAUSE.split(text[max(0, start - 60): start])[-1]
    return bool(prose.not_in_clause.search(clause))


def find_figure(prose: Prose, text: str) -> Figure:
    """The figure the prose states for one rule; `text` is the document's prose_text, built once
    for all its prose rules."""
    if not text:
        return Figure(None, 0.0, "no section text")
    found: dict[float, tuple[float, str]] = {}
    unread = []
    for pattern in prose.phrases:
        for m in pattern.finditer(text):
            if _skipped(prose, text, m.start()):
                continue
            value, tolerance = _number(m.group("n"), prose.units.get(m.groupdict().get("u") or "", 1.0))
            if value is None:
                unread.append(m.group())
            else:
                found.setdefault(round(value, 9), (tolerance, m.group()))
    for pattern in prose.zero:
        for m in pattern.finditer(text):
            if not _skipped(prose, text, m.start()):
                found.setdefault(0.0, (1e-6, m.group()))
    if len(found) > 1:
        return Figure(None, 0.0, "prose states different figures: " + "; ".join(s for _, s in found.values()))
    if not found:
        why = f"figure in Chinese numerals: {unread[0]}" if unread else "prose states no figure"
        return Figure(None, 0.0, why)
    (value, (tolerance, said)), = found.items()
    return Figure(value, tolerance, said)


def table_side(prose: Prose, values: dict) -> tuple[float | None, list]:
    """The sum of the rule's cells, or None and the cells that are null."""
    missing = [ref for _, ref in prose.cells if values.get(ref) is None]
    if missing:
        return None, missing
    return sum(coef * values[ref] for coef, ref in prose.cells), []
