"""Printed cell text to numbers, and every reading of a row whose cells were dropped or glued.

A reading ("candidate") of a row is one tuple of (value, raw) per template column. Which reading
is right is decided later from the table's arithmetic (ogi.extract.solve); here we only list the
readings the printed characters allow.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import combinations, pairwise
from math import comb

from ogi.format import load_format

Reading = tuple[tuple[float | None, str | None], ...]
BLANK = (None, None)
MAX_READINGS = 20_000

_NUMBER = re.compile(r"^([+-]?)(\d+)(?:\.(\d+))?(万元|万|元)?$")
_CELL_UNIT = re.compile(r"(?:件|项|条|个|次|人次|宗)$")
_PIECE = re.compile(r"[+-]?\d+(?:\.\d+)?(?:万元|万|元)?|无|/|—+|–|-")
VALUE_RUN = re.compile(r"^(?:[+-]?\d+(?:\.\d+)?(?:万元|万|元)?|[无/—–\-]|\s)+$")


def null_markers() -> frozenset[str]:
    return load_format().null_markers


@lru_cache(maxsize=8192)
def is_value_cell(text: str) -> bool:
    """A table cell that holds a value (or a printed nothing), not a label."""
    text = text.strip()
    if not text or text in null_markers():
        return True
    return parse_number(_clean_cell(text)) is not None


def _clean_cell(text: str) -> str:
    return _CELL_UNIT.sub("", text.replace(",", "").replace(" ", ""))


@lru_cache(maxsize=8192)
def parse_number(raw: str, type_name: str | None = None) -> float | None:
    """The number a printed string means for a column type, or None if it cannot be one."""
    m = _NUMBER.match(raw)
    if not m:
        return None
    sign, whole, frac, unit = m.groups()
    if len(whole) > 1 and whole[0] == "0":
        return None
    if type_name is not None:
        vt = load_format().value_type(type_name)
        if (sign == "-" and not vt["signed"]) or (sign == "+" and not vt["signed"]):
            return None
        if (frac or unit) and not vt["money"]:
            return None
    value = float(f"{whole}.{frac}" if frac else whole)
    if unit == "元":
        value /= 10_000
    return -value if sign == "-" else value


def within_fen(raw: str) -> bool:
    """Whether a printed amount is a whole number of 分 (0.01 元): at most 2 decimals in 元, at
    most 6 in 万元, the unit printed or (none printed) the template's 万元. A cut of glued
    digits that leaves more is not a reading; a number printed whole is read as printed."""
    m = _NUMBER.match(raw)
    if not m:
        return True
    return len(m.group(3) or "") <= (2 if m.group(4) == "元" else 6)


@lru_cache(maxsize=8192)
def cell_value(text: str, type_name: str) -> tuple[float | None, str | None, bool]:
    """(value, raw, ok) for one positioned cell; ok is False when the text is no value at all."""
    raw = text.strip()
    if not raw:
        return None, None, True
    if raw in null_markers():
        return None, raw, True
    value = parse_number(_clean_cell(raw), type_name)
    return value, raw, value is not None


def positional_reading(cells: list[str], types: list[str]) -> Reading | None:
    """The one reading of cells printed in their template positions (a real table row)."""
    cells = list(cells)
    while len(cells) > len(types) and not cells[-1].strip():
        cells.pop()
    if len(cells) != len(types):
        return None
    reading = []
    for text, type_name in zip(cells, types, strict=True):
        value, raw, ok = cell_value(text, type_name)
        if not ok:
            return None
        reading.append((value, raw))
    return tuple(reading)


def kept_reading(cells: list[str], types: list[str]) -> Reading | None:
    """The reading of cells printed in their template positions where a cell the column type
    refuses (`1.5` or `-1` as a count, `-10` as a fee, `abc`) keeps its printed text with value
    null: the printed text is never dropped, no number is invented. None when the cells do not
    fill the row's positions."""
    cells = list(cells)
    while len(cells) > len(types) and not cells[-1].strip():
        cells.pop()
    if len(cells) != len(types):
        return None
    return tuple((value, raw) for value, raw, _ in (cell_value(text, t) for text, t in zip(cells, types, strict=True)))


def dropped_readings(tokens: list[str], types: list[str], anchors: tuple[int, int] | None = None) -> list[Reading]:
    """Readings of whole cells printed in order with blank cells left out.

    `anchors` (first, last) pins the first and last printed cell to those columns: the reading a
    person makes of a 申请人 row (自然人 first, 总计 last).
    """
    n, m = len(types), len(tokens)
    if m > n or m == 0:
        return []
    if anchors and m >= 2:
        first, last = anchors
        inner = [i for i in range(n) if i not in (first, last)]
        slot_sets = [(first, *mid, last) for mid in combinations(inner, m - 2)]
    else:
        slot_sets = list(combinations(range(n), m))
    readings = []
    for slots in slot_sets:
        reading = [BLANK] * n
        for token, slot in zip(tokens, slots, strict=True):
            value, raw, ok = cell_value(token, types[slot])
            if not ok:
                break
            reading[slot] = (value, raw)
        else:
            readings.append(tuple(reading))
    return readings


def run_cells(run: str) -> list[str]:
    """The printed cells of a run whose cells are separated by whitespace (`无无` is two)."""
    return [m.group() for chunk in run.split() for m in _PIECE.finditer(chunk)]


def glued_readings(run: str, types: list[str]) -> list[Reading] | None:
    """Readings of a run whose cells are printed with nothing between them (`396442278`).

    Whitespace in the run is a certain cell boundary; inside a chunk every cut that gives valid
    numbers for the columns is a reading. None when there are too many to list.
    """
    pieces = _pieces(run)
    if pieces is None:
        return []
    n = len(types)
    digits = sum(len(re.sub(r"\D", "", p)) for p in pieces)
    if comb(max(digits - 1, 0), max(n - len(pieces), 0)) > MAX_READINGS:
        return None
    readings: list[Reading] = []
    caps = [1 if p in null_markers() else sum(ch.isdigit() for ch in p) for p in pieces]
    rest_cap = [sum(caps[i:]) for i in range(len(pieces) + 1)]

    def rec(pi: int, slot: int, acc: list):
        if pi == len(pieces):
            if slot == n:
                readings.append(tuple(acc))
            return
        piece, need = pieces[pi], n - slot
        fewest, most = max(1, need - rest_cap[pi + 1]), need - (len(pieces) - pi - 1)
        if piece in null_markers():
            if fewest <= 1 <= most:
                rec(pi + 1, slot + 1, acc + [(None, piece)])
            return
        for parts in _cuts(piece, fewest, most):
            values = [parse_number(p, types[slot + i]) for i, p in enumerate(parts)]
            if all(v is not None for v in values) and all(map(within_fen, parts)):
                rec(pi + 1, slot + len(parts), acc + list(zip(values, parts, strict=True)))

    rec(0, 0, [])
    return readings


def _pieces(run: str) -> list[str] | None:
    """The printed numbers and null markers of a run, or None if anything else is printed."""
    pieces = []
    for chunk in run.split():
        pos = 0
        for m in _PIECE.finditer(chunk):
            if m.start() != pos:
                return None
            pieces.append(m.group())
            pos = m.end()
        if pos != len(chunk):
            return None
    return pieces


def _cuts(piece: str, fewest: int, most: int):
    """Every way to cut one printed number into fewest..most numbers (sign first, unit last)."""
    m = re.match(r"^([+-]?)([\d.]+)(万元|万|元)?$", piece)
    sign, body, unit = m.group(1), m.group(2), m.group(3) or ""
    positions = [i for i in range(1, len(body)) if body[i] != "." and body[i - 1] != "."]
    for k in range(max(fewest - 1, 0), min(most, len(positions) + 1)):
        for cut in combinations(positions, k):
            bounds = (0, *cut, len(body))
            parts = [body[a:b] for a, b in pairwise(bounds)]
            parts[0] = sign + parts[0]
            parts[-1] = parts[-1] + unit
            yield parts
