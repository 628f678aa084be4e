"""The publication gate: Great Expectations suites run as blocking checks on the staging asset.

A failing error-severity rule stops `published_reports`; the staging files stay on disk. Each
check's metadata lists the failing documents with their rule, location and detail, and links
the Data Docs of the run.
"""

import importlib
import threading

import dagster as dg
import pandas as pd

from assets.waivers import load_waivers
from orchestration.assets import validated_reports
from orchestration.parallel import batched
from orchestration.parquet import documents_with_cells, read_table
from orchestration.resources import OgiSettings



def _warm_up() -> None:
    """Import Great Expectations and matplotlib (seconds) while the first steps run."""
    importlib.import_module("expectations.validate")
    importlib.import_module("orchestration.report_metadata").pyplot()


threading.Thread(target=_warm_up, daemon=True).start()

CHECKS = {
    "t2_rules": "t2", "t3_rules": "t3", "t4_rules": "t4", "text_rules": "text", "document_metadata": None,
}


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(name, asset=validated_reports, blocking=True,
                             description=(f"Every rule of table {t} (format.yaml), as Great Expectations expectations"
                                          if t else "Document metadata and schema of the documents dataset"))
           for name, t in CHECKS.items()],
)
def gate(context: dg.AssetCheckExecutionContext, settings: OgiSettings):
    from expectations.residuals import rule_residuals
    from expectations.suites import documents_suite, gate_settings, rule_suite
    from expectations.validate import build_data_docs, run_suite
    from expectations.validate import context as gx_context

    year, root = int(context.op_execution_context.partition_key), settings.storage_root
    documents = read_table(root, "documents", year).to_pandas()
    violations = read_table(root, "violations", year, filters=[("status", "=", "broken")]).to_pandas()
    waivers = load_waivers(settings.waivers)
    residuals = _residuals(root, year, rule_residuals)
    waived = [(d, r) in waivers for d, r in zip(residuals["doc_id"], residuals["rule"])]
    checked = residuals[~pd.Series(waived, index=residuals.index, dtype=bool)]
    ctx = gx_context()
    gate_cfg = gate_settings(settings.gate or None)
    outcomes = {}
    for name, table in CHECKS.items():
        if table:
            outcomes[name] = run_suite(ctx, rule_suite(table, gate_cfg), checked[checked["table"] == table],
                                       ["doc_id", "location"])
        else:
            years = read_table(root, "extracted", year).select(["doc_id", "report_year"]).to_pandas()
            frame = documents.merge(years, on="doc_id", how="left")
            outcomes[name] = run_suite(ctx, documents_suite(list(frame.columns), year), frame, ["doc_id"])
    docs_url = build_data_docs(ctx, root, year)
    publisher = dict(zip(documents["doc_id"], documents["publisher"]))
    for name, outcome in outcomes.items():
        yield dg.AssetCheckResult(
            check_name=name,
            passed=not outcome.failures,
            severity=dg.AssetCheckSeverity.ERROR if outcome.blocking or (not outcome.failures and _gates(name))
            else dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": outcome.evaluated,
                "failed_rules": ", ".join(sorted({f.rule for f in outcome.failures})) or "none",
                "failing_documents": dg.MetadataValue.md(_failures_table(outcome, violations, publisher)),
                "waived_instances": int(sum(waived)) if CHECKS[name] else 0,
                "data_docs": dg.MetadataValue.url(docs_url),
            },
        )


def _residuals(root: str, year: int, rule_residuals) -> pd.DataFrame:
    """Residuals of the whole year, computed a batch of documents at a time: only the residual
    frame (a few dozen small rows per document) is ever held for the whole year."""
    parts = []
    for batch in batched(documents_with_cells(root, year), 512):
        extracted = pd.DataFrame([doc for doc, _ in batch], columns=["doc_id", "format_version", "sections"])
        cells = pd.DataFrame([c for _, cs in batch for c in cs], columns=["doc_id", "table", "row", "column", "value"])
        parts.append(rule_residuals(cells.astype({"value": "float64"}), extracted))
    return pd.concat(parts, ignore_index=True) if parts else rule_residuals(
        pd.DataFrame(columns=["doc_id", "table", "row", "column", "value"]),
        pd.DataFrame(columns=["doc_id", "format_version", "sections"]))


def _gates(check: str) -> bool:
    """Whether a check holds error-severity rules (so a failure would block publication)."""
    from expectations.suites import rule_severities

    return check == "document_metadata" or "error" in rule_severities(CHECKS[check])


def _failures_table(outcome, violations: pd.DataFrame, publisher: dict) -> str:
    rows = []
    for f in outcome.failures:
        if f.error:
            rows.append(f"| – | – | {f.rule} | – | expectation raised: {f.error} |")
        for doc_id, location in zip(f.doc_ids or ["–"], f.locations or [""] * max(len(f.doc_ids), 1)):
            hit = violations[(violations["doc_id"] == doc_id) & (violations["rule"] == f.rule)]
            hit = hit[(hit["column"] == location) | (hit["row"] == location)] if location else hit
            detail = hit["detail"].iloc[0] if len(hit) else ""
            rows.append(f"| {doc_id[:12]} | {publisher.get(doc_id) or ''} | {f.rule} ({f.severity}) | {location} "
                        f"| {detail} |")
    if not rows:
        return "none"
    return "| doc_id | publisher | rule | location | detail |\n|---|---|---|---|---|\n" + "\n".join(rows[:300])
