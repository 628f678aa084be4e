"""The publication gate for one staged year, as a plain function (no Dagster).

Recomputes every rule from the staged cells, runs the suites, writes Data Docs (expectations.data_docs)
and returns one outcome per check with the failing documents spelled out, and the Data Docs index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from expectations import CHECKS
from expectations.data_docs import build_data_docs
from expectations.residuals import batch_residuals, rule_residuals
from expectations.suites import documents_suite, gate_settings, rule_severities, rule_suite
from expectations.validate import LISTED, SuiteOutcome, context, merge_outcomes, run_suite
from ogi.parallel import LazyPool, map_chunks, pool
from ogi.rules.waivers import load_waivers
from ogi.store.parquet import PUBLISHED, SCHEMAS, column_names, read_table, year_batches, year_before
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


SLICE = 10_000  # documents whose residuals are checked at once: the gate holds a slice, never the whole year


def run_gate(root: str, year: int, waivers_path: str, gate_path: str | None, workers: int | LazyPool | None = 1,
             slice_documents: int = SLICE) -> tuple[list[CheckOutcome], str]:
    """workers: processes for recomputing the rules (0: one per usable CPU; 1: this process), or the
    run's pool (None: this process). The rule suites run over slices of `slice_documents` documents, their results
    merged (expectations.validate.merge_outcomes), so memory does not grow with the year."""
    staged = staging_digest(root, year, PUBLISHED)
    ctx, settings = context(), gate_settings(gate_path)
    metadata = documents_suite([*SCHEMAS["documents"].names, "report_year"], year)
    documents = _documents(root, year, metadata)
    waivers = load_waivers(waivers_path)
    previous, _ = year_before(root, year)  # damaged: validation recorded it; the cross-year rules are not judged
    tables = {name: table for name, table in CHECKS.items() if table}
    suites = {name: rule_suite(table, settings) for name, table in tables.items()}
    slices: dict[str, list[SuiteOutcome]] = {name: [] for name in tables}
    waived_instances = dict.fromkeys(tables, 0)
    with _pool(workers) as executor:
        for residuals in _residual_slices(executor, root, year, previous, slice_documents):
            waived = _waived(residuals, waivers)
            checked = residuals[~waived] if waived.any() else residuals
            for name, table in tables.items():
                slices[name].append(run_suite(ctx, suites[name], checked[checked["table"] == table],
                                              ["doc_id", "location"]))
                waived_instances[name] += int(waived[residuals["table"] == table].sum())
    results = {name: merge_outcomes(slices[name]) if table else run_suite(ctx, metadata, documents, ["doc_id"])
               for name, table in CHECKS.items()}
    listed = _failures_tables(results, root, year, documents.set_index("doc_id")["publisher"])
    outcomes = [CheckOutcome(
        name=name, passed=not outcome.failures, blocking=outcome.blocking,
        gates=CHECKS[name] is None or "error" in rule_severities(CHECKS[name]), evaluated=outcome.evaluated,
        failed_rules=sorted({f.rule for f in outcome.failures}), failing_documents=listed[name],
        waived=waived_instances.get(name, 0),
    ) for name, outcome in results.items()]
    write_verdict(root, year, staged, passed=not any(o.blocking for o in outcomes),
                  failed=sorted({r for o in outcomes if o.blocking for r in o.failed_rules}))
    return outcomes, build_data_docs(ctx, root, year)


@contextmanager
def _pool(workers: int | LazyPool | None):
    """The pool given, or one of `workers` processes for the gate alone."""
    if not isinstance(workers, int):
        yield workers
        return
    with pool(workers) as executor:
        yield executor


def _documents(root: str, year: int, suite) -> pd.DataFrame:
    """The staged documents as the documents suite checks them: the columns its expectations read,
    with the report year extraction read (documents and extracted rows hold the same doc_ids: a
    lookup by index, not a merge that copies the frame), and every other column of the file by its
    name only, empty (the suite checks names): a few hundred bytes a document, not whole rows."""
    read = {e.column for e in suite.expectations if getattr(e, "column", None)}
    names = column_names(root, "documents", year)
    documents = read_table(root, "documents", year, columns=[c for c in names if c in read])
    years = read_table(root, "extracted", year, columns=["doc_id", "report_year"])
    found = pc.index_in(documents["doc_id"], value_set=years["doc_id"])
    frame = documents.append_column("report_year", pc.take(years["report_year"], found)).to_pandas()
    empty = pd.Categorical.from_codes(np.full(len(frame), -1, dtype="int8"), categories=[])
    return frame.assign(**{c: empty for c in names if c not in read})[[*names, "report_year"]]


def _residual_slices(executor, root: str, year: int, previous: dict[str, dict], slice_documents: int
                     ) -> Iterator[pd.DataFrame]:
    """Residuals of the year, `slice_documents` documents at a time (at least one frame, empty for
    an empty year), recomputed a batch of documents at a time on the worker pool; every label
    categorical (doc_id too), about 1.3 kB a document."""
    doc_columns = ["doc_id", "format_version", "sections", "publisher"]
    cell_columns = ["doc_id", "table", "row", "column", "value", "raw"]
    batch = min(256, slice_documents)

    def items():
        for docs, cells in year_batches(root, year, batch, doc_columns, cell_columns):
            publishers = zip(docs.column("doc_id").to_pylist(), docs.column("publisher").to_pylist(), strict=True)
            yield docs, cells, {d: previous[p] for d, p in publishers if p in previous}

    parts, documents, any_slice = [], 0, False
    for chunk, frames in map_chunks(executor, batch_residuals, items(), 2):
        for (docs, _, _), frame in zip(chunk, frames, strict=True):
            parts.append(frame)
            documents += len(docs)
            if documents >= slice_documents:
                yield _slice(parts)
                parts, documents, any_slice = [], 0, True
    if parts or not any_slice:
        yield _slice(parts) if parts else rule_residuals(pd.DataFrame(columns=cell_columns),
                                                         pd.DataFrame(columns=doc_columns))


def _slice(parts: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype({"doc_id": "category"})


def _waived(residuals: pd.DataFrame, waivers: dict) -> pd.Series:
    """Rows of a waived (doc_id, rule): only the rows of waived documents are looked at."""
    waived = pd.Series(False, index=residuals.index)
    mine = residuals["doc_id"].isin({d for d, _ in waivers})
    for i, doc_id, rule in residuals.loc[mine, ["doc_id", "rule"]].itertuples():
        waived[i] = (doc_id, rule) in waivers
    return waived


def _failures_tables(outcomes: dict[str, SuiteOutcome], root: str, year: int, publisher: pd.Series
                     ) -> dict[str, str]:
    """Per check, the first LISTED failing instances with their detail, then how many more. The
    violations of the listed documents alone are read, once for every check, so the cost does not
    grow with the year."""
    listed: dict[str, list[tuple]] = {}
    for name, outcome in outcomes.items():
        mine = listed[name] = []
        for f in outcome.failures:
            locations = f.locations or [""] * len(f.doc_ids)
            mine += [(d, loc, f) for d, loc in zip(f.doc_ids, locations, strict=True)][:LISTED - len(mine)]
    wanted = sorted({d for mine in listed.values() for d, _, _ in mine})
    columns = ["doc_id", "rule", "row", "column", "detail"]
    shown = read_table(root, "violations", year, columns=columns,
                       filters=[("status", "=", "broken"), ("doc_id", "in", wanted)]).to_pandas() \
        if wanted else pd.DataFrame(columns=columns)
    details: dict[tuple[str, str], list[tuple]] = {}
    for doc_id, rule, row, column, detail in shown[columns].itertuples(index=False):
        details.setdefault((doc_id, rule), []).append((row, column, detail))
    return {name: _failures_table(outcomes[name], listed[name], details, publisher) for name in outcomes}


def _failures_table(outcome: SuiteOutcome, listed: list[tuple], details: dict, publisher: pd.Series) -> str:
    rows = [f"| – | – | {f.rule} | – | expectation raised: {f.error} |" for f in outcome.failures if f.error]
    for doc_id, location, f in listed:
        hits = details.get((doc_id, f.rule), [])
        detail = next((d for r, c, d in hits if not location or location in (r, c)), "")
        rows.append(f"| {doc_id[:12]} | {publisher.get(doc_id) or ''} | {f.rule} ({f.severity}) | {location} "
                    f"| {detail} |")
    if not rows:
        return "none"
    total = sum(f.count for f in outcome.failures)
    more = [f"| … | | | | {total - len(listed):,} more failing instances in the `violations` dataset |"] \
        if total > len(listed) else []
    return "| doc_id | publisher | rule | location | detail |\n|---|---|---|---|---|\n" + "\n".join(rows + more)
