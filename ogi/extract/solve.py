"""Pick the readings of a table's rows that its own arithmetic allows.

Each row comes with one or more readings (ogi.extract.values). A reading is dropped when some
equality rule of the format (row totals, 勾稽关系, t4 totals) cannot hold with it, whatever the
other rows' readings are; this repeats until nothing changes. A cell gets a value only when all
remaining readings of its row agree on it: never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ogi.extract.values import Reading
from ogi.format import RuleCheck

INF = float("inf")


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is 10x slower, and a table has hundreds
class Resolved:
    value: float | None
    raw: str | None
    inferred: bool  # position recovered from arithmetic or reading, not from the layout
    ambiguous: bool  # readings disagree: left null
    # an ambiguous cell's possible values, ascending: the distinct values the row's remaining
    # readings give it (None when not ambiguous, or when some remaining reading leaves it blank)
    candidates: tuple[float, ...] | None = None
    # the rules that ruled out the other readings of its row (a row read in several ways), in the
    # format's order: what decided a cell that arithmetic decided
    decided_by: tuple[str, ...] = ()


def _interval(cell: tuple[float | None, str | None]) -> tuple[float, float]:
    value = cell[0]
    return (0.0, INF) if value is None else (value, value)  # a blank is some unknown count >= 0


def _hull(readings: list[Reading], i: int) -> tuple[float, float]:
    lows, highs = zip(*(_interval(r[i]) for r in readings), strict=True)
    return min(lows), max(highs)


@lru_cache(maxsize=64)
def _positions(columns: tuple[str, ...]) -> dict[str, int]:
    """Column -> its place in a reading (rows of a table share their columns)."""
    return {c: i for i, c in enumerate(columns)}


def resolve(
    tiers: dict[str, list[list[Reading]]],
    columns: dict[str, tuple[str, ...]],
    checks: list[RuleCheck],
    table: str,
    unsure: set[str] = frozenset(),
) -> dict[tuple[str, str], Resolved]:
    """Cells (row, column) of one table from the rows' readings and the equality checks.

    A row's readings come in tiers: the next tier is tried only when arithmetic rules out every
    reading of the one before (e.g. a person's reading first, then any placement). A tier holds at
    least one reading (ogi.extract.tables drops the empty ones); a row without tiers says nothing.
    """
    solver = _Solver({row: ts for row, ts in tiers.items() if ts}, columns, checks, table, unsure)
    solver.narrow()
    return solver.cells()


class _Solver:
    """The live readings of each row, narrowed by interval arithmetic over the equality checks."""

    def __init__(self, tiers, columns, checks, table, unsure):
        self.columns = columns
        self.several = {row: len(ts) > 1 or len(ts[0]) > 1 or row in unsure for row, ts in tiers.items()}
        self.index = {row: _positions(cols) for row, cols in columns.items()}
        self.usable = [c for c in checks if c.op == "==" and c.severity == "error" and c.table == table]
        self.rows_in = {id(c): {r for _, (_, r, _) in c.lhs + c.rhs} for c in self.usable}
        self.order: dict[str, int] = {}  # each rule's place in the format
        for c in self.usable:
            self.order.setdefault(c.rule, len(self.order))
        self.checks_of: dict[str, list[RuleCheck]] = {}  # each row's checks, in the format's order
        for c in self.usable:
            for r in self.rows_in[id(c)]:
                self.checks_of.setdefault(r, []).append(c)
        self.live: dict[str, list[Reading]] = {}
        self.hulls: dict[str, list[tuple[float, float]]] = {}
        self.stages: dict[str, list[list[RuleCheck]]] = {}
        for row, ts in tiers.items():
            self._pick_tier(row, ts)
        self.start = {row: list(rs) for row, rs in self.live.items()}
        self.ruled_out: dict[str, dict[str, None]] = {}  # row: the rules that dropped its readings

    def _set_live(self, row: str, readings: list[Reading]) -> None:
        self.live[row] = readings
        if len(readings) == 1:  # a real table row: its one reading is its hull
            self.hulls[row] = [_interval(cell) for cell in readings[0]]
        else:
            self.hulls[row] = [_hull(readings, i) for i in range(len(readings[0]))]

    def _bounds(self, row: str, col: str, fixed: Reading | None) -> tuple[float, float]:
        if row not in self.live or col not in self.index.get(row, {}):
            return 0.0, INF
        i = self.index[row][col]
        return _interval(fixed[i]) if fixed is not None else self.hulls[row][i]

    def _feasible(self, check: RuleCheck, row: str, reading: Reading) -> bool:
        low = high = 0.0
        for sign, terms in ((1, check.lhs), (-1, check.rhs)):
            for coef, (_, r, c) in terms:
                lo, hi = self._bounds(r, c, reading if r == row else None)
                k = sign * coef
                low, high = (low + k * lo, high + k * hi) if k > 0 else (low + k * hi, high + k * lo)
        return low <= 1e-9 and high >= -1e-9

    def _pick_tier(self, row: str, tiers: list[list[Reading]]) -> None:
        """A row's own total picks its tier: the first tier with a reading that can add up."""
        mine = self.checks_of.get(row, [])
        own = [c for c in mine if self.rows_in[id(c)] == {row}]
        self._set_live(row, list(tiers[0]))
        for tier in tiers if len(tiers) > 1 else ():  # one tier: nothing to pick
            if any(all(self._feasible(c, row, r) for c in own) for r in tier):
                self._set_live(row, list(tier))
                break
        if self.several[row] and mine:
            # If the report's own arithmetic rules out every reading, trust only the official
            # rule and the row's own total: structural column sums are what real reports break.
            official = [c for c in mine if c.kind == "official" or c in own]
            self.stages[row] = [mine, official] if official != mine else [mine]

    def narrow(self) -> None:
        """Drop readings no check allows until nothing changes; relax a row's checks when they
        rule out all of its readings (past the last stage the printed arithmetic is no help)."""
        stage = dict.fromkeys(self.stages, 0)
        changed = True
        while changed:
            changed = False
            for row, row_stages in self.stages.items():
                if stage[row] >= len(row_stages):
                    continue
                before, after, rules = self.live[row], [], {}
                for r in before:  # each reading dropped is named by the first check it fails
                    failed = next((c for c in row_stages[stage[row]] if not self._feasible(c, row, r)), None)
                    if failed is None:
                        after.append(r)
                    else:
                        rules[failed.rule] = None
                if after and len(after) < len(before):
                    self.ruled_out.setdefault(row, {}).update(rules)
                    self._set_live(row, after)
                    changed = True
                elif not after:
                    stage[row] += 1
                    self.ruled_out.pop(row, None)
                    self._set_live(row, list(self.start[row]))
                    changed = True

    def cells(self) -> dict[tuple[str, str], Resolved]:
        """A value where every live reading of its row agrees; null and ambiguous elsewhere, with
        the values the live readings leave it as its candidates."""
        out = {}
        for row, cols in self.columns.items():
            rs = self.live.get(row)
            decided_by = tuple(sorted(self.ruled_out.get(row, ()), key=self.order.__getitem__))
            if rs and len(rs) == 1:  # a real table row: every cell is its one reading's
                inferred, reading = bool(self.several.get(row)), rs[0]
                for i, col in enumerate(cols):
                    value, raw = reading[i]
                    out[(row, col)] = Resolved(value, raw, inferred and value is not None, False, None, decided_by)
                continue
            for i, col in enumerate(cols):
                seen = {r[i] for r in rs} if rs else {(None, None)}
                if len(seen) == 1:
                    value, raw = next(iter(seen))
                    out[(row, col)] = Resolved(value, raw, bool(self.several.get(row)) and value is not None, False,
                                               None, decided_by)
                else:
                    values = {value for value, _ in seen}
                    candidates = None if None in values else tuple(sorted(values))
                    out[(row, col)] = Resolved(None, None, False, True, candidates)
        return out
