"""The publication gate for one staged year, as a plain function (no Dagster).

Recomputes every rule from the staged cells, runs the suites, writes Data Docs (expectations.data_docs)
and returns one outcome per check with the failing documents spelled out, and the Data Docs index.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from expectations import CHECKS
from expectations.data_docs import build_data_docs
from expectations.residuals import rule_residuals
from expectations.suites import documents_suite, gate_settings, rule_severities, rule_suite
from expectations.validate import context, run_suite
from ogi.format import cross_year_cells
from ogi.parallel import batched
from ogi.rules.waivers import load_waivers
from ogi.store.parquet import (
    PUBLISHED,
    SCHEMAS,
    DamagedPartition,
    documents_with_cells,
    previous_year_values,
    read_table,
)
from ogi.store.verdict import staging_digest, write_verdict


@dataclass(frozen=True)
class CheckOutcome:
    name: str
    passed: bool
    blocking: bool  # failed on an error-severity rule
    gates: bool  # holds error-severity rules at all
    evaluated: int
    failed_rules: list[str]
    failing_documents: str  # markdown table
    waived: int


def run_gate(root: str, year: int, waivers_path: str, gate_path: str | None) -> tuple[list[CheckOutcome], str]:
    staged = staging_digest(root, year, PUBLISHED)
    documents = read_table(root, "documents", year).to_pandas()
    violations = read_table(root, "violations", year, filters=[("status", "=", "broken")]).to_pandas()
    waivers = load_waivers(waivers_path)
    try:
        previous = previous_year_values(root, year, cross_year_cells())
    except DamagedPartition:  # the validation stage recorded it; the cross-year rules are not judged
        previous = {}
    residuals = _residuals(root, year, previous)
    waived = pd.Series([(d, r) in waivers for d, r in zip(residuals["doc_id"], residuals["rule"], strict=True)],
                       index=residuals.index, dtype=bool)
    checked = residuals[~waived]
    ctx, settings = context(), gate_settings(gate_path)
    publisher = dict(zip(documents["doc_id"], documents["publisher"], strict=True))
    outcomes = []
    for name, table in CHECKS.items():
        if table:
            outcome = run_suite(ctx, rule_suite(table, settings), checked[checked["table"] == table],
                                ["doc_id", "location"])
        else:
            years = read_table(root, "extracted", year, columns=["doc_id", "report_year"]).to_pandas()
            frame = documents.merge(years, on="doc_id", how="left")
            expected = [*SCHEMAS["documents"].names, "report_year"]
            outcome = run_suite(ctx, documents_suite(expected, year), frame, ["doc_id"])
        outcomes.append(CheckOutcome(
            name=name, passed=not outcome.failures, blocking=outcome.blocking,
            gates=table is None or "error" in rule_severities(table), evaluated=outcome.evaluated,
            failed_rules=sorted({f.rule for f in outcome.failures}),
            failing_documents=_failures_table(outcome, violations, publisher),
            waived=int(waived[residuals["table"] == table].sum()) if table else 0,
        ))
    write_verdict(root, year, staged, passed=not any(o.blocking for o in outcomes),
                  failed=sorted({r for o in outcomes if o.blocking for r in o.failed_rules}))
    return outcomes, build_data_docs(ctx, root, year)


def _residuals(root: str, year: int, previous: dict[str, dict]) -> pd.DataFrame:
    """Residuals of the whole year, a batch of documents at a time: only the residual frame (a
    few dozen small rows per document, categorical labels) is held for the whole year."""
    cell_columns = ["doc_id", "table", "row", "column", "value", "raw"]
    doc_columns = ["doc_id", "format_version", "sections"]
    parts = []
    for batch in batched(documents_with_cells(root, year), 512):
        extracted = pd.DataFrame([doc for doc, _ in batch], columns=doc_columns)
        cells = pd.DataFrame([c for _, cs in batch for c in cs], columns=cell_columns)
        before = {doc["doc_id"]: previous[doc["publisher"]] for doc, _ in batch if doc["publisher"] in previous}
        parts.append(rule_residuals(cells.astype({"value": "float64"}), extracted, before))
    if not parts:
        return rule_residuals(pd.DataFrame(columns=cell_columns), pd.DataFrame(columns=doc_columns))
    return pd.concat(parts, ignore_index=True)


MAX_LISTED = 300  # failing instances spelled out in a check's metadata; all of them are in `violations`


def _failures_table(outcome, violations: pd.DataFrame, publisher: dict) -> str:
    """The first MAX_LISTED failing instances with their detail, then how many more. Only the
    violations of the listed documents are looked at, so the cost does not grow with the year."""
    listed, errors, total = [], [], 0
    for f in outcome.failures:
        if f.error:
            errors.append(f"| – | – | {f.rule} | – | expectation raised: {f.error} |")
        total += len(f.doc_ids)
        locations = f.locations or [""] * len(f.doc_ids)
        listed += [(d, loc, f) for d, loc in zip(f.doc_ids, locations, strict=True)][:MAX_LISTED - len(listed)]
    shown = violations[violations["doc_id"].isin({d for d, _, _ in listed})]
    details: dict[tuple[str, str], list[tuple]] = {}
    for doc_id, rule, row, column, detail in shown[["doc_id", "rule", "row", "column", "detail"]].itertuples(
            index=False):
        details.setdefault((doc_id, rule), []).append((row, column, detail))
    rows = list(errors)
    for doc_id, location, f in listed:
        hits = details.get((doc_id, f.rule), [])
        detail = next((d for r, c, d in hits if not location or location in (r, c)), "")
        rows.append(f"| {doc_id[:12]} | {publisher.get(doc_id) or ''} | {f.rule} ({f.severity}) | {location} "
                    f"| {detail} |")
    if not rows:
        return "none"
    more = [f"| … | | | | {total - len(listed):,} more failing instances in the `violations` dataset |"] \
        if total > len(listed) else []
    return "| doc_id | publisher | rule | location | detail |\n|---|---|---|---|---|\n" + "\n".join(rows + more)
