"""The publication gate for one staged year, as a plain function (no Dagster).

Recomputes every rule from the staged cells, runs the suites, writes Data Docs (expectations.data_docs)
and returns one outcome per check with the failing documents spelled out, and the Data Docs index.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow.compute as pc

from expectations import CHECKS
from expectations.data_docs import build_data_docs
from expectations.residuals import batch_residuals, rule_residuals
from expectations.suites import documents_suite, gate_settings, rule_severities, rule_suite
from expectations.validate import LISTED, context, run_suite
from ogi.format import cross_year_cells
from ogi.parallel import map_batches, pool
from ogi.rules.waivers import load_waivers
from ogi.store.parquet import (
    PUBLISHED,
    SCHEMAS,
    DamagedPartition,
    previous_year_values,
    read_table,
    year_batches,
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


def run_gate(root: str, year: int, waivers_path: str, gate_path: str | None, workers: int = 1
             ) -> tuple[list[CheckOutcome], str]:
    """workers: processes for recomputing the rules (0: one per usable CPU; 1: this process)."""
    staged = staging_digest(root, year, PUBLISHED)
    documents = _documents(root, year)
    waivers = load_waivers(waivers_path)
    try:
        previous = previous_year_values(root, year, cross_year_cells())
    except DamagedPartition:  # the validation stage recorded it; the cross-year rules are not judged
        previous = {}
    residuals = _residuals(root, year, previous, pd.CategoricalDtype(documents["doc_id"].unique()), workers)
    waived = _waived(residuals, waivers)
    checked = residuals[~waived] if waived.any() else residuals
    ctx, settings = context(), gate_settings(gate_path)
    publisher = documents.set_index("doc_id")["publisher"]
    outcomes = []
    for name, table in CHECKS.items():
        if table:
            outcome = run_suite(ctx, rule_suite(table, settings), checked[checked["table"] == table],
                                ["doc_id", "location"])
        else:
            expected = [*SCHEMAS["documents"].names, "report_year"]
            outcome = run_suite(ctx, documents_suite(expected, year), documents, ["doc_id"])
        outcomes.append(CheckOutcome(
            name=name, passed=not outcome.failures, blocking=outcome.blocking,
            gates=table is None or "error" in rule_severities(table), evaluated=outcome.evaluated,
            failed_rules=sorted({f.rule for f in outcome.failures}),
            failing_documents=_failures_table(outcome, root, year, publisher),
            waived=int(waived[residuals["table"] == table].sum()) if table else 0,
        ))
    write_verdict(root, year, staged, passed=not any(o.blocking for o in outcomes),
                  failed=sorted({r for o in outcomes if o.blocking for r in o.failed_rules}))
    return outcomes, build_data_docs(ctx, root, year)


def _documents(root: str, year: int) -> pd.DataFrame:
    """The staged documents with the report year extraction read (documents and extracted rows hold
    the same doc_ids: a lookup by index, not a merge that copies the frame)."""
    documents = read_table(root, "documents", year)
    years = read_table(root, "extracted", year, columns=["doc_id", "report_year"])
    found = pc.index_in(documents["doc_id"], value_set=years["doc_id"])
    documents = documents.append_column("report_year", pc.take(years["report_year"], found))
    return documents.to_pandas()


def _residuals(root: str, year: int, previous: dict[str, dict], doc_ids: pd.CategoricalDtype, workers: int
               ) -> pd.DataFrame:
    """Residuals of the whole year, a batch of documents at a time on the worker pool: only the
    residual frame is held for the whole year, every label in it categorical (doc_id too), about
    15 bytes a row."""
    doc_columns = ["doc_id", "format_version", "sections", "publisher"]
    cell_columns = ["doc_id", "table", "row", "column", "value", "raw"]

    def items():
        for docs, cells in year_batches(root, year, 512, doc_columns, cell_columns):
            publishers = zip(docs.column("doc_id").to_pylist(), docs.column("publisher").to_pylist(), strict=True)
            yield docs, cells, {d: previous[p] for d, p in publishers if p in previous}

    with pool(workers) as executor:
        parts = [part.astype({"doc_id": doc_ids}) for batch in map_batches(executor, batch_residuals, items(), 4)
                 for part in batch]
    if not parts:
        return rule_residuals(pd.DataFrame(columns=cell_columns), pd.DataFrame(columns=doc_columns))
    return pd.concat(parts, ignore_index=True)


def _waived(residuals: pd.DataFrame, waivers: dict) -> pd.Series:
    """Rows of a waived (doc_id, rule): only the rows of waived documents are looked at."""
    waived = pd.Series(False, index=residuals.index)
    mine = residuals["doc_id"].isin({d for d, _ in waivers})
    for i, doc_id, rule in residuals.loc[mine, ["doc_id", "rule"]].itertuples():
        waived[i] = (doc_id, rule) in waivers
    return waived


def _failures_table(outcome, root: str, year: int, publisher: pd.Series) -> str:
    """The first LISTED failing instances with their detail, then how many more. Only the
    violations of the listed documents are read, so the cost does not grow with the year."""
    listed, errors, total = [], [], 0
    for f in outcome.failures:
        if f.error:
            errors.append(f"| – | – | {f.rule} | – | expectation raised: {f.error} |")
        total += f.count
        locations = f.locations or [""] * len(f.doc_ids)
        listed += [(d, loc, f) for d, loc in zip(f.doc_ids, locations, strict=True)][:LISTED - len(listed)]
    shown = read_table(root, "violations", year, columns=["doc_id", "rule", "row", "column", "detail"],
                       filters=[("status", "=", "broken"), ("doc_id", "in", sorted({d for d, _, _ in listed}))]
                       ).to_pandas() if listed else pd.DataFrame(columns=["doc_id", "rule", "row", "column", "detail"])
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
