"""Stage 3 as an asset: metadata and template cells of each document, on the worker pool."""

import dagster as dg

from assets.common import BATCH, Progress, hold, stage_asset
from assets.normalize import normalized_reports
from assets.settings import OgiSettings
from ogi.parallel import map_batches
from ogi.steps import CELL_COLUMNS, extract_row, narrow_row
from ogi.store.parquet import count_rows, read_partition, write_partition, year_before


@stage_asset(deps=[normalized_reports],
             description="Metadata (publisher, version, date) and every template cell of each document.")
def extracted_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = hold(context, settings), settings.storage_root
    docs = cells = with_value = 0
    previous, _ = year_before(root, year)  # narrows ambiguous cells; damaged, it cannot (validation says so)
    with settings.worker_pool() as executor, write_partition(root, "extracted", year) as add_doc, \
            write_partition(root, "cells", year) as add_cells:
        progress = Progress(context, "extracted", count_rows(root, "normalized", year))
        rows = (r for batch in read_partition(root, "normalized", year, batch_size=BATCH) for r in batch)
        for results in map_batches(executor, extract_row, rows, BATCH):
            results = [narrow_row(r, previous) for r in results]
            add_doc([doc for doc, _ in results])
            columns = {k: [v for _, cs in results for v in cs[k]] for k in CELL_COLUMNS}
            add_cells(columns)
            docs += len(results)
            progress.add(len(results))
            cells += len(columns["value"])
            with_value += sum(v is not None for v in columns["value"])
    return dg.MaterializeResult(metadata={"dagster/row_count": docs, "cells": cells, "cells_with_value": with_value})
