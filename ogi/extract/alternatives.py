"""Grid cells read unsurely (OCR: `17?`) that come with alternative readings (ogi.read.ocr).

The row is read in every combination of its cells' alternatives, and ogi.extract.solve narrows
those readings with the table's arithmetic like any row read in several ways. A wrong number is
worse than none, so an unsure cell takes a value only when one reading is left, an equality whose
every term has a value holds with it (having ruled the others out), and no equality of the format
that involves the cell and has every term valued is broken by it (the solver stops once its row
has one reading, so a column total may be left unchecked); otherwise it stays null with what was
read in `raw` and its possible values as `candidates`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import product
from math import prod

from ogi.extract.labels import Token
from ogi.extract.solve import Resolved
from ogi.extract.values import BLANK, Reading, cell_value, positional_reading
from ogi.format import RuleCheck

MAX_READINGS = 512  # combinations of one row's alternatives; beyond, its unsure cells stay null


@dataclass
class UnsureRow:
    readings: list[Reading]  # one per combination the column types accept (none when too many to list)
    printed: dict[int, str]  # position of an unsure cell: what was read (`17?`)
    values: dict[int, tuple[float, ...]]  # position of an unsure cell: its alternatives' values, ascending


def unsure_row(run: list[Token], types: list[str], convert: Callable[[Reading], Reading] = lambda r: r
               ) -> UnsureRow | None:
    """The readings of a grid row with cells that have alternatives, each passed through `convert`
    (元 to 万元) like the row's other readings; None for a row without alternatives. Readings are
    listed only when there are at least two and not more than MAX_READINGS combinations."""
    if run[0].grid_row is None or not any(t.alternatives for t in run):
        return None
    choices = [t.alternatives or (t.text,) for t in run]
    readings = []
    if prod(map(len, choices)) <= MAX_READINGS:
        readings = [convert(r) for texts in product(*choices)
                    if (r := positional_reading(list(texts), types)) is not None]
    printed = {i: t.text for i, t in enumerate(run) if t.alternatives and i < len(types)}
    base = [BLANK] * len(types)
    values = {}
    for i in printed:  # each alternative in the row as printed, converted as the row would be
        alone = (convert(tuple(base[:i] + [cell_value(a, types[i])[:2]] + base[i + 1:]))[i][0]
                 for a in run[i].alternatives)
        values[i] = tuple(sorted({v for v in alone if v is not None}))
    return UnsureRow(readings if len(readings) > 1 else [], printed, values)


def settle(resolved: dict[tuple[str, str], Resolved], table: str, row: str, columns: tuple[str, ...],
           unsure: UnsureRow, checks: list[RuleCheck]) -> list[str]:
    """Each unsure cell of the row given a value only when arithmetic decided it exactly (see the
    module), else left null with its reading and candidates; one note per cell decided, for the
    record's warnings."""
    notes = []
    for i, printed in unsure.printed.items():
        cell = resolved[(row, columns[i])]
        ref = (table, row, columns[i])
        involving = [c for c in checks if c.op == "==" and ref in c.cells()]
        exact = [rule for rule in cell.decided_by if any(c.rule == rule and _holds(c, resolved, table) for c in involving)]
        broken = any(_holds(c, resolved, table) is False for c in involving)
        if not unsure.readings or cell.value is None or not exact or broken:
            candidates = (cell.candidates if unsure.readings else None) or unsure.values[i] or None
            resolved[(row, columns[i])] = Resolved(None, printed, False, True, candidates)
            continue
        resolved[(row, columns[i])] = replace(cell, inferred=True)
        read = printed.rstrip("?")
        how = "confirmed" if cell.raw == read else "corrected"
        notes.append(f"{table}.{row}.{columns[i]} read by OCR as {read}, unsurely; of its readings "
                     f"{', '.join(_figure(v) for v in unsure.values[i])} only {cell.raw} satisfies "
                     f"{', '.join(exact)}: {how} by the table's arithmetic")
    return notes


def _holds(check: RuleCheck, resolved: dict[tuple[str, str], Resolved], table: str) -> bool | None:
    """Whether the equality holds; None unless every one of its terms is a value of this table."""
    total = 0.0
    for sign, terms in ((1, check.lhs), (-1, check.rhs)):
        for coef, (t, r, c) in terms:
            cell = resolved.get((r, c)) if t == table else None
            if cell is None or cell.value is None:
                return None
            total += sign * coef * cell.value
    return abs(total) < 1e-9


def _figure(value: float) -> str:
    return f"{value:g}"
