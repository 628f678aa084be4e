"""Candidates of an ambiguous cell narrowed by the publisher's published report of the year before.

Only the format's cross-year equalities are used (上年结转 = the year before's 结转下年度继续办理,
and table 2's continuity rules): a candidate that equals last year's figure is no proof by itself,
but when a rule pins the cell to one value and exactly one candidate has it, that candidate is
the cell's value, marked inferred, and the record's warnings say why. Anything else stays as it
was: null, ambiguous, with its candidates.
"""

from __future__ import annotations

from ogi.format import PREVIOUS, RuleCheck, Version

Ref = tuple[str, str, str]


def narrow_across_years(version: Version, cells: list[dict], previous: dict[Ref, float | None]) -> tuple[list[dict], list[str]]:
    """(cells, notes): `cells` (record rows) with the ambiguous ones a cross-year rule decides
    given a value, and one note per cell so decided. `previous`: the publisher's cell values of
    the year before."""
    cells = [dict(c) for c in cells]
    by_ref = {(c["table"], c["row"], c["column"]): c for c in cells}
    notes: list[str] = []
    changed = True
    while changed:
        changed = False
        for check in version.cross_year_checks:
            decided = _decide(check, by_ref, previous, version)
            if decided is not None:
                ref, value, candidates = decided
                by_ref[ref].update(value=value, raw=str(int(value)), inferred=True, ambiguous=False, candidates=None)
                notes.append(f"{'.'.join(ref)} read as {int(value)} of its candidates {candidates}: the only one "
                             f"that satisfies {check.rule} with the year before's published values")
                changed = True
    return cells, notes


def _decide(check: RuleCheck, by_ref: dict, previous: dict, version: Version):
    """(cell, value, its candidates) when the check's one unknown is an ambiguous count cell of
    this year that exactly one of its candidates makes the equality hold; None otherwise."""
    if check.op != "==":
        return None
    rest, unknown = 0.0, {}
    for sign, terms in ((1, check.lhs), (-1, check.rhs)):
        for coef, (table, row, col) in terms:
            if table.endswith(PREVIOUS):
                value = previous.get((table[: -len(PREVIOUS)], row, col))
            else:
                cell = by_ref.get((table, row, col))
                if cell is not None and cell["value"] is None and cell["candidates"] \
                        and version.tables[table].columns[col].type == "count":
                    unknown[(table, row, col)] = unknown.get((table, row, col), 0.0) + sign * coef
                    continue
                value = cell["value"] if cell is not None else None
            if value is None:
                return None
            rest += sign * coef * value
    if len(unknown) != 1:
        return None
    (ref, k), = unknown.items()
    if not k:
        return None
    fits = [c for c in by_ref[ref]["candidates"] if abs(k * c + rest) < 1e-9]
    return (ref, fits[0], list(by_ref[ref]["candidates"])) if len(fits) == 1 else None
