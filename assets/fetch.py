"""Stage 1 of a year: the catalog's documents of this report year, listed for the later stages.

Nothing is fetched here (assets.catalog did it once for every year). A document that could not be
refreshed stays with its stored bytes and its failed attempt (the catalog keeps it); one in
withdrawn.yaml is left out.
"""

import dagster as dg

from assets.catalog import report_catalog
from assets.common import hold, stage_asset
from assets.settings import OgiSettings
from ogi.acquire.catalog import Catalog, document_row
from ogi.acquire.keep import is_withdrawn, load_withdrawn
from ogi.acquire.sources import load_sources
from ogi.store.parquet import write_partition
from ogi.store.publication import recover


@stage_asset(deps=[report_catalog],
             description="The documents of the catalog whose report year is this partition (bytes in the raw "
             "store), listed in staging/fetched; documents that could not be refreshed are kept with their "
             "last attempt, withdrawn ones left out.")
def raw_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = hold(context, settings), settings.storage_root
    if recovered := recover(root, year):
        context.log.warning(f"year {year}: {recovered}")
    withdrawn = load_withdrawn(settings.withdrawn)
    sources = [s.name for s in load_sources(settings.sources)]
    rows, seen = [], set()
    for entry in Catalog(root).documents(sources, year):
        row = document_row(entry)
        if row["doc_id"] not in seen and not is_withdrawn(row, withdrawn):
            seen.add(row["doc_id"])
            rows.append(row)
    with write_partition(root, "fetched", year) as append:
        append(rows)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows),
        "fetch_errors": sum(r["status"] != "ok" for r in rows),
    })
