"""Stage 1 as an asset: every registered source gathered into the raw store; the year's documents listed.

Documents published before that this run could not refresh stay in the year (ogi.acquire.keep);
a run in which every source failed leaves the published year as it was.
"""

from datetime import UTC, datetime
from functools import partial

import dagster as dg

from assets.common import BATCH, hold, stage_asset
from assets.settings import OgiSettings
from ogi.acquire.collect import YearIndex, gather, place
from ogi.acquire.fetch import Fetcher, Manifest, RawStore
from ogi.acquire.keep import is_withdrawn, kept_rows, load_withdrawn
from ogi.acquire.sources import load_sources
from ogi.parallel import batched, pool, read_years
from ogi.store.parquet import read_table, write_partition
from ogi.store.publication import recover

PUBLISHED_COLUMNS = ["doc_id", "publisher", "source", "source_url", "content_sha256", "fetched_at", "status",
                     "http_status", "content_type"]


@stage_asset(pool="ogi_fetch",  # one fetch step at a time across runs: hosts see one polite client
             description="Every document of every registered source, stored raw (content-addressed); the "
             "ones whose report year is this partition, listed in staging/fetched, with the documents "
             "published before that could not be refreshed kept from their stored bytes.")
def raw_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = hold(context, settings), settings.storage_root
    if recovered := recover(root, year):
        context.log.warning(f"year {year}: {recovered}")
    store, manifest, index = RawStore(root), Manifest(root), YearIndex(root)
    fetcher = Fetcher(store, settings.fetch_policy(), previous=manifest.latest())
    withdrawn = load_withdrawn(settings.withdrawn)
    started = datetime.now(UTC).replace(microsecond=0)
    results, unplaced, seen, failed = [], [], set(), []
    refreshed: set[str] = set()
    with pool(settings.workers) as executor, write_partition(root, "fetched", year) as append:
        for batch in batched(gather(load_sources(settings.sources), store, fetcher, context.log.info, year), BATCH):
            results += [r for _, r in batch if r is not None]
            found = [f for f, _ in batch if f is not None]
            rows = []
            for f, placed in zip(found, place(found, index, partial(read_years, executor)), strict=True):
                if placed is None:
                    unplaced.append({"source_url": f.source_url, "error": f.error or "no report year found"})
                elif placed == year and f.doc_id not in seen and not is_withdrawn(f.row(), withdrawn):
                    seen.add(f.doc_id)
                    (rows if f.status == "ok" else failed).append(f.row())
                    refreshed.update([f.source_url] if f.status == "ok" else [])
                f.data = None
            append(rows)
        published = read_table(root, "documents", year, staging=False, columns=PUBLISHED_COLUMNS).to_pylist()
        if published and not refreshed:
            raise dg.Failure(f"year {year}: no source gave a document in this run (all failed or are empty); the "
                             "published year is kept as it was", allow_retries=False)
        failures = {r.url: r.error for r in results if r.status == "error"} | {r["source_url"]: r["error"]
                                                                               for r in failed}
        kept = kept_rows(published, refreshed, failures, {d["content_sha256"] for d in published
                                                          if d["content_sha256"] and store.exists(d["content_sha256"])},
                         withdrawn, started)
        kept_urls = {r["source_url"] for r in kept}
        failed = [r for r in failed if r["source_url"] not in kept_urls]  # recorded beside the kept copy
        append(kept + failed)
    index.save()
    if results:
        manifest.append(results)
    statuses = [r.status for r in results]
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(refreshed) + len(kept) + len(failed),
        "fetch_errors": len(failed),
        "kept_from_store": len(kept),
        "urls_fetched": statuses.count("fetched"),
        "urls_not_modified": statuses.count("not_modified"),
        "urls_failed": statuses.count("error"),
        "unplaced_documents": dg.MetadataValue.md(
            "\n".join(f"- {u['source_url']}: {u['error']}" for u in unplaced[:200]) or "none"),
    })
