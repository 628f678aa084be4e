"""The pipeline as Dagster assets, one report year per partition. Thin: the work is in assets/.

raw_reports -> normalized_reports -> extracted_reports -> validated_reports (staging, gated by
the Great Expectations checks) -> published_reports (the Parquet users read).
"""

from functools import partial

import dagster as dg

from assets.collect import YearIndex, gather, place
from assets.fetch import Fetcher, Manifest, RawStore
from assets.format import cross_year_cells
from assets.sources import load_sources
from assets.steps import CELL_COLUMNS, extract_row, normalize_row, validate_row
from assets.waivers import load_waivers
from orchestration.parallel import batched, map_batches, pool, read_years
from orchestration.parquet import (
    PUBLISHED,
    documents_with_cells,
    previous_year_values,
    publish,
    read_partition,
    write_partition,
)
from orchestration.partitions import report_years
from orchestration.report_metadata import chart_metadata, preview
from orchestration.resources import OgiSettings

GROUP = "annual_reports"
OWNERS = ["team:ogi-reports"]
BATCH = 256
# Every stage: one partition per report year, in one group, with one owner.
stage_asset = partial(dg.asset, partitions_def=report_years, group_name=GROUP, owners=OWNERS,
                      kinds={"python", "parquet"})


def _year(context: dg.AssetExecutionContext) -> int:
    return int(context.partition_key)


@stage_asset(description="Every document of every registered source, stored raw (content-addressed); the "
             "ones whose report year is this partition, listed in staging/fetched.")
def raw_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = _year(context), settings.storage_root
    store, manifest, index = RawStore(root), Manifest(root), YearIndex(root)
    fetcher = Fetcher(store, settings.fetch_policy(), previous=manifest.latest())
    results, unplaced, seen = [], [], set()
    counts = {"documents": 0, "fetch_errors": 0}
    with pool(settings.workers) as executor, write_partition(root, "fetched", year) as append:
        for batch in batched(gather(load_sources(settings.sources), store, fetcher, context.log.info, year), BATCH):
            results += [r for _, r in batch if r is not None]
            found = [f for f, _ in batch if f is not None]
            rows = []
            for f, placed in zip(found, place(found, index, partial(read_years, executor))):
                if placed is None:
                    unplaced.append({"source_url": f.source_url, "error": f.error or "no report year found"})
                elif placed == year and f.doc_id not in seen:
                    seen.add(f.doc_id)
                    rows.append(f.row())
                    counts["documents"] += 1
                    counts["fetch_errors"] += f.status != "ok"
                f.data = None
            append(rows)
    index.save()
    if results:
        manifest.append(results)
    statuses = [r.status for r in results]
    return dg.MaterializeResult(metadata={
        "dagster/row_count": counts["documents"],
        "fetch_errors": counts["fetch_errors"],
        "urls_fetched": statuses.count("fetched"),
        "urls_not_modified": statuses.count("not_modified"),
        "urls_failed": statuses.count("error"),
        "unplaced_documents": dg.MetadataValue.md(
            "\n".join(f"- {u['source_url']}: {u['error']}" for u in unplaced[:200]) or "none"),
    })


@stage_asset(deps=[raw_reports],
             description="Each document decoded and normalized (simplified script, half-width, tables as grids).")
def normalized_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = _year(context), settings.storage_root
    store = RawStore(root)
    done = unreadable = 0
    with pool(settings.workers) as executor, write_partition(root, "normalized", year) as append:
        for rows in read_partition(root, "fetched", year, batch_size=BATCH):
            ok = [r for r in rows if r["content_sha256"]]
            items = [(r["doc_id"], store.get(r["content_sha256"]), r["source_url"], r["content_type"]) for r in ok]
            out = {r["doc_id"]: r for batch in map_batches(executor, normalize_row, items, BATCH) for r in batch}
            failed = {r["doc_id"]: {"doc_id": r["doc_id"], "document": None, "error": r["error"]}
                      for r in rows if not r["content_sha256"]}
            batch = [out.get(r["doc_id"]) or failed[r["doc_id"]] for r in rows]
            unreadable += sum(b["error"] is not None for b in batch)
            done += len(batch)
            append(batch)
    return dg.MaterializeResult(metadata={"dagster/row_count": done, "unreadable": unreadable})


@stage_asset(deps=[normalized_reports],
             description="Metadata (publisher, version, date) and every template cell of each document.")
def extracted_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = _year(context), settings.storage_root
    docs = cells = with_value = 0
    with pool(settings.workers) as executor, write_partition(root, "extracted", year) as add_doc, \
            write_partition(root, "cells", year) as add_cells:
        for rows in read_partition(root, "normalized", year, batch_size=BATCH):
            for results in map_batches(executor, extract_row, rows, BATCH):
                add_doc([doc for doc, _ in results])
                columns = {k: [v for _, cs in results for v in cs[k]] for k in CELL_COLUMNS}
                add_cells(columns)
                docs += len(results)
                cells += len(columns["value"])
                with_value += sum(v is not None for v in columns["value"])
    return dg.MaterializeResult(metadata={"dagster/row_count": docs, "cells": cells, "cells_with_value": with_value})


@stage_asset(deps=[extracted_reports],
             description="Staging: the year's documents, cells and rule violations, ready to publish once the "
             "Great Expectations gate passes.")
def validated_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = _year(context), settings.storage_root
    waivers = load_waivers(settings.waivers)
    fetched = {r["doc_id"]: r for rows in read_partition(root, "fetched", year, batch_size=4096) for r in rows}
    previous = previous_year_values(root, year, cross_year_cells())
    totals = {"documents": 0, "broken_errors": 0, "waived": 0}
    with write_partition(root, "violations", year) as add_violations, \
            write_partition(root, "documents", year) as add_documents:
        for items in batched(documents_with_cells(root, year), BATCH):
            violations, documents = [], []
            items = [(doc, cells, previous.get(doc["publisher"])) for doc, cells in items]
            for (doc, cells, _), found in zip(items, map(validate_row, items)):
                for v in found:
                    v["waived"] = (v["doc_id"], v["rule"]) in waivers
                violations += found
                documents.append(_document_row(doc, cells, found, fetched[doc["doc_id"]]))
                totals["broken_errors"] += sum(v["status"] == "broken" and v["severity"] == "error" for v in found)
                totals["waived"] += sum(v["waived"] for v in found)
            add_violations(violations)
            add_documents(documents)
            totals["documents"] += len(documents)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": totals["documents"], "broken_error_rules": totals["broken_errors"],
        "waived_violations": totals["waived"], "preview": preview(root, year, staging=True),
    })


def _document_row(doc: dict, cells: list[dict], violations: list[dict], fetched: dict) -> dict:
    broken = [v for v in violations if v["status"] == "broken"]
    status = "fetch_error" if fetched["status"] != "ok" else ("unreadable" if doc["error"] else "ok")
    return {
        "doc_id": doc["doc_id"], "publisher": doc["publisher"] or fetched["publisher_hint"], "title": doc["title"],
        "source": fetched["source"], "source_url": fetched["source_url"], "format_version": doc["format_version"],
        "published_date": doc["published_date"], "content_sha256": fetched["content_sha256"],
        "fetched_at": fetched["fetched_at"], "status": status, "error": doc["error"] or fetched["error"],
        "http_status": fetched["http_status"], "content_type": fetched["content_type"],
        "cells_with_value": sum(c["value"] is not None for c in cells),
        "cells_inferred": sum(bool(c["inferred"]) for c in cells),
        "cells_ambiguous": sum(bool(c["ambiguous"]) for c in cells),
        "errors_broken": sum(v["severity"] == "error" for v in broken),
        "warnings_broken": sum(v["severity"] == "warning" for v in broken),
        "warnings": doc["warnings"] or [],
    }


@stage_asset(deps=[validated_reports],
             description="The published Parquet datasets documents, cells and violations for the year "
             "(Hive year=YYYY). Runs only when the gate on validated_reports passed.")
def published_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = _year(context), settings.storage_root
    counts = publish(root, year, PUBLISHED)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": counts["documents"], "cells": counts["cells"], "violations": counts["violations"],
        "preview": preview(root, year, staging=False), **chart_metadata(root, year),
    })


ASSETS = [raw_reports, normalized_reports, extracted_reports, validated_reports, published_reports]
