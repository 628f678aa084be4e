"""Trends over the published years and a year at a glance: the figures the UI shows at each publication.

`applications_by_year` and `at_a_glance` are pure functions of Arrow tables (rows of the
published datasets); `published_reports` reads the `reports` of every published year.
Applications are the t3 figure `applications_received` (new applications of the year, total
column); a document that does not give it counts among the year's documents but adds nothing.
A publisher not placed in the administrative divisions has the level `unplaced`.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ogi.publishers import LEVELS
from ogi.store.parquet import published_years

UNPLACED = "unplaced"
TREND_COLUMNS = ["level", "applications_received"]


def published_reports(root: str, problems: list[str] | None = None,
                      columns: list[str] | None = None) -> dict[int, pa.Table]:
    """Year -> the columns `columns` (default TREND_COLUMNS) of that year's published `reports`;
    a year whose file cannot be read is left out and named in `problems`."""
    return published_years(root, "reports", columns or TREND_COLUMNS, problems)


def applications_by_year(reports: dict[int, pa.Table]) -> tuple[list[str], list[dict]]:
    """(levels, rows): the levels present in any year (administrative order, `unplaced` last) and
    one row per year in order: `year`, `documents`, `reporting` (documents giving the figure),
    `applications_received` (their sum) and the sum of each level."""
    sums: dict[int, dict[str, float]] = {}
    rows = []
    for year in sorted(reports):
        table = reports[year]
        levels = [lv or UNPLACED for lv in table["level"].to_pylist()]
        values = table["applications_received"].to_pylist()
        per_level: dict[str, float] = {}
        for level, value in zip(levels, values, strict=True):
            per_level[level] = per_level.get(level, 0.0) + (value or 0.0)
        sums[year] = per_level
        rows.append({"year": year, "documents": table.num_rows, "reporting": sum(v is not None for v in values),
                     "applications_received": float(sum(v for v in values if v is not None))})
    present = {level for per_level in sums.values() for level in per_level}
    order = [lv for lv in (*LEVELS, UNPLACED) if lv in present] + sorted(present - {*LEVELS, UNPLACED})
    for row in rows:
        row.update({level: sums[row["year"]].get(level, 0.0) for level in order})
    return order, rows


def at_a_glance(documents: pa.Table, violations: pa.Table, top: int = 5) -> dict:
    """A year in a few figures, from its `documents` (publisher_id, status) and `violations`
    (rule, severity, status, waived): documents, of them readable (`ok`), distinct publishers,
    rule instances broken by severity (waived ones included, as in `documents.errors_broken`),
    of them waived, rules not evaluable, and the `top` most broken rules as (rule, severity,
    count), most first (ties by rule)."""
    broken = violations.filter(pc.equal(violations["status"], "broken"))
    severities = broken["severity"].to_pylist()
    counts: dict[tuple[str, str], int] = {}
    for rule, severity in zip(broken["rule"].to_pylist(), severities, strict=True):
        counts[(rule, severity)] = counts.get((rule, severity), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {
        "documents": documents.num_rows,
        "documents_ok": sum(s == "ok" for s in documents["status"].to_pylist()),
        "publishers": len({p for p in documents["publisher_id"].to_pylist() if p is not None}),
        "errors_broken": severities.count("error"),
        "warnings_broken": severities.count("warning"),
        "broken_waived": sum(bool(w) for w in broken["waived"].to_pylist()),
        "not_evaluable": sum(s == "not_evaluable" for s in violations["status"].to_pylist()),
        "most_broken": [(rule, severity, n) for (rule, severity), n in ranked[:top]],
    }
