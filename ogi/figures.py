"""The `reports` dataset: one wide row per document, the figures people chart, named in English.

Every figure is a cell of the shipped format (`ogi/format/templates.yaml`, every version):

- t3, column `total`: `applications_received` (row new_received), `applications_carried_over`
  (carried_over), then each result row by its code (`granted`, `denied_state_secret`, …,
  `results_total`, `carried_forward`);
- t3 sums over the result rows of a group: `denied_total`, `unable_total`,
  `not_processed_total`, `other_total` (null when any row of the group is null or the
  document's version has none of them);
- t4, row `cases`: each column by its code (`review_upheld`, …, `lit_after_review_total`);
- t2: `<row>_<column>` (`regulations_issued`, `admin_licensing_decisions`, …) for the cells of
  either template.

A figure the document's version does not have, or whose cell is null, is null.
"""

from __future__ import annotations

from functools import lru_cache

from ogi.format import load_format

T3_NAMES = {"new_received": "applications_received", "carried_over": "applications_carried_over"}
GROUPS = {"denied_total": "denied_", "unable_total": "unable_", "not_processed_total": "not_processed_",
          "other_total": "other_"}


@lru_cache(maxsize=1)
def figures() -> dict[str, tuple[str, str, str]]:
    """English name -> (table, row, column) of every figure, in template order (the shipped format)."""
    out: dict[str, tuple[str, str, str]] = {}
    t2: dict[str, tuple[str, str, str]] = {}
    t4: dict[str, tuple[str, str, str]] = {}
    for version in load_format().versions.values():
        for table, row, column in version.cells():
            if table == "t3" and column == "total":
                out.setdefault(T3_NAMES.get(row, row), (table, row, column))
            elif table == "t4" and row == "cases":
                t4.setdefault(column, (table, row, column))
            elif table == "t2":
                t2.setdefault(f"{row}_{column}", (table, row, column))
    return {**out, **t4, **t2}


@lru_cache(maxsize=1)
def group_rows() -> dict[str, tuple[str, ...]]:
    """Sum column -> the t3 result rows it adds up (every version's leaf rows with the prefix)."""
    leaves = {row for name, (table, row, _) in figures().items() if table == "t3"}
    return {name: tuple(sorted(r for r in leaves if r.startswith(prefix))) for name, prefix in GROUPS.items()}


def figure_columns() -> list[str]:
    """The figure columns of `reports`, in order: t3 figures, the group sums, t4, t2."""
    names = list(figures())
    t3 = [n for n in names if figures()[n][0] == "t3"]
    return t3 + list(GROUPS) + [n for n in names if figures()[n][0] != "t3"]


def report_figures(cells: list[dict]) -> dict[str, float | None]:
    """The figures of one document from its cells (rows of `cells`)."""
    values = {(c["table"], c["row"], c["column"]): c["value"] for c in cells}
    out: dict[str, float | None] = {name: values.get(ref) for name, ref in figures().items()}
    for name, rows in group_rows().items():
        present = [values[("t3", r, "total")] for r in rows if ("t3", r, "total") in values]
        out[name] = None if not present or any(v is None for v in present) else float(sum(present))
    return out


def passed_error_rules(status: str, violations: list[dict]) -> bool | None:
    """True when no error rule is broken or left unjudged (waived or not); None for a document
    that could not be read."""
    if status != "ok":
        return None
    return not any(v["severity"] == "error" for v in violations)
