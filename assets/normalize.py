"""Stage 2 as an asset: each document decoded and normalized, on the worker pool."""

from functools import partial

import dagster as dg

from assets.common import BATCH, Progress, hold, stage_asset
from assets.fetch import raw_reports
from assets.settings import OgiSettings
from ogi.acquire.fetch import RawStore, RawStoreCorrupt
from ogi.parallel import map_batches
from ogi.steps import normalize_row
from ogi.store.parquet import count_rows, read_partition, write_partition


@stage_asset(deps=[raw_reports],
             description="Each document decoded and normalized (simplified script, half-width, tables as grids).")
def normalized_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = hold(context, settings), settings.storage_root
    store = RawStore(root)
    done = unreadable = 0
    normalize = partial(normalize_row, ocr=settings.ocr)
    with settings.worker_pool() as executor, write_partition(root, "normalized", year) as append:
        progress = Progress(context, "normalized", count_rows(root, "fetched", year))
        for rows in read_partition(root, "fetched", year, batch_size=BATCH):
            items, failed = [], {}
            for r in rows:
                try:
                    data = store.get(r["content_sha256"]) if r["content_sha256"] else None
                except RawStoreCorrupt as exc:  # dropped from the store: the next run fetches it again
                    data, r = None, {**r, "error": f"{exc}; it is fetched again on the next run"}
                if data is None:
                    failed[r["doc_id"]] = {"doc_id": r["doc_id"], "document": None, "error": r["error"]}
                else:
                    items.append((r["doc_id"], data, r["source_url"], r["content_type"]))
            out = {r["doc_id"]: r for batch in map_batches(executor, normalize, items, BATCH) for r in batch}
            batch = [out.get(r["doc_id"]) or failed[r["doc_id"]] for r in rows]
            unreadable += sum(b["error"] is not None for b in batch)
            done += len(batch)
            progress.add(len(batch))
            append(batch)
    return dg.MaterializeResult(metadata={"dagster/row_count": done, "unreadable": unreadable})
