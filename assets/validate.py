"""Stage 4 as an asset: the format's rules on each document (on the worker pool), waivers applied; the
staging the gate checks (documents with their publisher_id, violations, and the wide reports rows)."""

import dagster as dg

from assets.common import BATCH, hold, stage_asset
from assets.extract import extracted_reports
from assets.settings import OgiSettings
from assets.ui import preview
from ogi.figures import passed_error_rules
from ogi.parallel import map_chunks
from ogi.publishers import Publishers
from ogi.rules.waivers import load_waivers
from ogi.steps import validate_batch
from ogi.store.parquet import read_partition, write_partition, year_batches, year_before


@stage_asset(deps=[extracted_reports],
             description="Staging: the year's documents, cells and rule violations, ready to publish once the "
             "Great Expectations gate passes.")
def validated_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = hold(context, settings), settings.storage_root
    waivers = load_waivers(settings.waivers)
    publishers = Publishers(settings.publishers)
    # the fetch stage's rows, in the order every later stage kept: read alongside, not held for the year
    fetched = (r for rows in read_partition(root, "fetched", year, batch_size=BATCH) for r in rows)
    previous, note = year_before(root, year)  # damaged: only the cross-year rules cannot be judged
    if note:
        context.log.warning(note)
    totals = {"documents": 0, "broken_errors": 0, "waived": 0}
    with settings.worker_pool() as executor, write_partition(root, "violations", year) as add_violations, \
            write_partition(root, "documents", year) as add_documents, \
            write_partition(root, "reports", year) as add_reports:
        batches = ((docs, cells, {p: previous[p] for p in set(docs.column("publisher").to_pylist()) if p in previous})
                   for docs, cells in year_batches(root, year, BATCH))
        for chunk, results in map_chunks(executor, validate_batch, batches, 2):
            violations, documents, reports = [], [], []
            for (docs, _, _), per_doc in zip(chunk, results, strict=True):
                for doc, (found, cells) in zip(docs.to_pylist(), per_doc, strict=True):
                    for v in found:
                        v["waived"] = (v["doc_id"], v["rule"]) in waivers
                    violations += found
                    row = _document_row(doc, cells, found, _fetched_row(fetched, doc["doc_id"]), note)
                    placed = publishers.place(row["publisher"]) if row["publisher"] else None
                    row["publisher_id"] = placed.publisher_id if placed else None
                    documents.append(row)
                    reports.append(_report_row(row, cells["figures"], found, placed))
                    totals["broken_errors"] += sum(v["status"] == "broken" and v["severity"] == "error"
                                                   for v in found)
                    totals["waived"] += sum(v["waived"] for v in found)
            add_violations(violations)
            add_documents(documents)
            add_reports(reports)
            totals["documents"] += len(documents)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": totals["documents"], "broken_error_rules": totals["broken_errors"],
        "waived_violations": totals["waived"], "preview": preview(root, year, staging=True),
    })


def _fetched_row(fetched, doc_id: str) -> dict:
    row = next(fetched, None)
    if row is None or row["doc_id"] != doc_id:
        raise dg.Failure(f"the staging of the year is out of step ({doc_id} extracted, "
                         f"{row and row['doc_id']} fetched): materialize the year from raw_reports", allow_retries=False)
    return row


def _report_row(document: dict, figures: dict, violations: list[dict], placed) -> dict:
    place = placed.row() if placed else {}
    return {
        **{k: document[k] for k in ("doc_id", "publisher", "publisher_id", "format_version", "published_date",
                                    "status", "errors_broken", "warnings_broken")},
        **{k: place.get(k) for k in ("canonical_name", "level", "kind", "province", "prefecture", "county",
                                     "township", "division_code")},
        "passed_error_rules": passed_error_rules(document["status"], violations),
        **figures,
    }


def _document_row(doc: dict, cells: dict, violations: list[dict], fetched: dict, note: str | None) -> dict:
    """cells: the document's cell counts (ogi.steps.validate_batch)."""
    broken = [v for v in violations if v["status"] == "broken"]
    status = "fetch_error" if fetched["status"] != "ok" else ("unreadable" if doc["error"] else "ok")
    return {
        "doc_id": doc["doc_id"], "publisher": doc["publisher"] or fetched["publisher_hint"], "title": doc["title"],
        "source": fetched["source"], "source_url": fetched["source_url"], "format_version": doc["format_version"],
        "published_date": doc["published_date"], "content_sha256": fetched["content_sha256"],
        "fetched_at": fetched["fetched_at"], "status": status, "error": doc["error"] or fetched["error"],
        "http_status": fetched["http_status"], "content_type": fetched["content_type"],
        "last_attempt_at": fetched["last_attempt_at"], "last_attempt": fetched["last_attempt"],
        "cells_with_value": cells["cells_with_value"], "cells_inferred": cells["cells_inferred"],
        "cells_ambiguous": cells["cells_ambiguous"],
        "errors_broken": sum(v["severity"] == "error" for v in broken),
        "warnings_broken": sum(v["severity"] == "warning" for v in broken),
        "warnings": (doc["warnings"] or []) + ([note] if note and doc["format_version"] else []),
        "ocr": bool(doc.get("ocr")), "ocr_confidence": doc.get("ocr_confidence"),
    }
