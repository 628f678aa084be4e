"""Pick the readings of a table's rows that its own arithmetic allows.

Each row comes with one or more readings (ogi.extract.values). A reading is dropped when some
equality rule of the format (row totals, 勾稽关系, t4 totals) cannot hold with it, whatever the
other rows' readings are; this repeats until nothing changes. A cell gets a value only when all
remaining readings of its row agree on it: never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from ogi.extract.values import Reading
from ogi.format import RuleCheck

INF = float("inf")


@dataclass(frozen=True)
class Resolved:
    value: float | None
    raw: str | None
    inferred: bool  # position recovered from arithmetic or reading, not from the layout
    ambiguous: bool  # readings disagree: left null


def _interval(cell: tuple[float | None, str | None]) -> tuple[float, float]:
    value = cell[0]
    return (0.0, INF) if value is None else (value, value)  # a blank is some unknown count >= 0


def _hull(readings: list[Reading], i: int) -> tuple[float, float]:
    lows, highs = zip(*(_interval(r[i]) for r in readings))
    return min(lows), max(highs)


def resolve(
    tiers: dict[str, list[list[Reading]]],
    columns: dict[str, tuple[str, ...]],
    checks: list[RuleCheck],
    table: str,
    unsure: set[str] = frozenset(),
) -> dict[tuple[str, str], Resolved]:
    """Cells (row, column) of one table from the rows' readings and the equality checks.

    A row's readings come in tiers: the next tier is tried only when arithmetic rules out every
    reading of the one before (e.g. a person's reading first, then any placement).
    """
    tiers = {row: ts for row, ts in tiers.items() if ts}
    several = {row: len(ts) > 1 or len(ts[0]) > 1 or row in unsure for row, ts in tiers.items()}
    index = {row: {c: i for i, c in enumerate(cols)} for row, cols in columns.items()}
    usable = [c for c in checks if c.op == "==" and c.severity == "error" and c.table == table]
    live: dict[str, list[Reading]] = {}

    rows_in = {id(c): {r for _, (_, r, _) in c.lhs + c.rhs} for c in usable}

    def rows_of(check: RuleCheck) -> set[str]:
        return rows_in[id(check)]

    hulls: dict[str, list[tuple[float, float]]] = {}

    def set_live(row: str, readings: list[Reading]) -> None:
        live[row] = readings
        hulls[row] = [_hull(readings, i) for i in range(len(readings[0]))]

    def bounds(row: str, col: str, fixed: Reading | None):
        if row not in live or col not in index.get(row, {}):
            return 0.0, INF
        i = index[row][col]
        return _interval(fixed[i]) if fixed is not None else hulls[row][i]

    def feasible(check: RuleCheck, row: str, reading: Reading) -> bool:
        low = high = 0.0
        for sign, terms in ((1, check.lhs), (-1, check.rhs)):
            for coef, (_, r, c) in terms:
                lo, hi = bounds(r, c, reading if r == row else None)
                k = sign * coef
                low, high = (low + k * lo, high + k * hi) if k > 0 else (low + k * hi, high + k * lo)
        return low <= 1e-9 and high >= -1e-9

    # A row's own total picks its tier: the first tier with a reading that can add up.
    stages: dict[str, list[list[RuleCheck]]] = {}
    for row, ts in tiers.items():
        mine = [c for c in usable if row in rows_of(c)]
        own = [c for c in mine if rows_of(c) == {row}]
        set_live(row, list(ts[0]))
        for tier in ts:
            if any(all(feasible(c, row, r) for c in own) for r in tier):
                set_live(row, list(tier))
                break
        if several[row] and mine:
            # If the report's own arithmetic rules out every reading, trust only the official
            # rule and the row's own total: structural column sums are what real reports break.
            official = [c for c in mine if c.kind == "official" or c in own]
            stages[row] = [mine, official] if official != mine else [mine]
    start = {row: list(rs) for row, rs in live.items()}
    stage = dict.fromkeys(stages, 0)

    changed = True
    while changed:
        changed = False
        for row, row_stages in stages.items():
            if stage[row] >= len(row_stages):
                continue
            before = live[row]
            after = [r for r in before if all(feasible(c, row, r) for c in row_stages[stage[row]])]
            if after and len(after) < len(before):
                set_live(row, after)
                changed = True
            elif not after:  # relax; past the last stage the printed arithmetic is no help
                stage[row] += 1
                set_live(row, list(start[row]))
                changed = True

    out = {}
    for row, cols in columns.items():
        rs = live.get(row)
        for i, col in enumerate(cols):
            seen = {r[i] for r in rs} if rs else {(None, None)}
            if len(seen) == 1:
                value, raw = next(iter(seen))
                out[(row, col)] = Resolved(value, raw, bool(several.get(row)) and value is not None, False)
            else:
                out[(row, col)] = Resolved(None, None, False, True)
    return out
