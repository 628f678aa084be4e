"""Stage 1 as an asset: every registered source gathered into the raw store; the year's documents listed."""

from functools import partial

import dagster as dg

from assets.common import BATCH, hold, stage_asset
from assets.settings import OgiSettings
from ogi.acquire.collect import YearIndex, gather, place
from ogi.acquire.fetch import Fetcher, Manifest, RawStore
from ogi.acquire.sources import load_sources
from ogi.parallel import batched, pool, read_years
from ogi.store.parquet import write_partition
from ogi.store.publication import recover


@stage_asset(description="Every document of every registered source, stored raw (content-addressed); the "
             "ones whose report year is this partition, listed in staging/fetched.")
def raw_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = hold(context, settings), settings.storage_root
    if recovered := recover(root, year):
        context.log.warning(f"year {year}: {recovered}")
    store, manifest, index = RawStore(root), Manifest(root), YearIndex(root)
    fetcher = Fetcher(store, settings.fetch_policy(), previous=manifest.latest())
    results, unplaced, seen = [], [], set()
    counts = {"documents": 0, "fetch_errors": 0}
    with pool(settings.workers) as executor, write_partition(root, "fetched", year) as append:
        for batch in batched(gather(load_sources(settings.sources), store, fetcher, context.log.info, year), BATCH):
            results += [r for _, r in batch if r is not None]
            found = [f for f, _ in batch if f is not None]
            rows = []
            for f, placed in zip(found, place(found, index, partial(read_years, executor)), strict=True):
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
