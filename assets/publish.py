"""Publication as one multi-asset: the datasets users read, `documents`, `cells`, `violations` and `reports`.

After the year's transaction, `publishers` (over every published year) is rebuilt, the data
dictionary (ogi.dictionary) written beside the data and the SQL catalog written again.

Each is an asset key of its own, so the UI's lineage and catalog show what is published; all
three of a year are replaced together (ogi.store.publication), and only if the gate passed exactly
the staging being published (ogi.store.verdict), whatever was selected or retried.
"""

import dagster as dg

from assets.common import GROUP, OWNERS, hold
from assets.partitions import report_years
from assets.settings import OgiSettings
from assets.ui import chart_metadata, glance_metadata, preview, trends_metadata
from assets.validate import validated_reports
from ogi.dictionary import column_description, write_dictionary
from ogi.publishers import Publishers
from ogi.store.lock import release_year
from ogi.store.parquet import ACROSS_YEARS, PUBLISHED, SCHEMAS
from ogi.store.publication import publish_year
from ogi.store.publishers import write_publishers
from ogi.store.sql import write_sql_catalog
from ogi.store.verdict import NotApproved, approved_digest

DESCRIPTIONS = {
    "documents": "One row per document of the year: publisher, title, source, version, status, counts.",
    "cells": "One row per template cell of each document: value, printed text, inferred, ambiguous.",
    "violations": "One row per broken or not evaluable rule instance of each document, waived or not.",
    "reports": "One wide row per document: its publisher's level and region, the t2/t3/t4 figures people chart "
               "in English names, and whether it passed every error rule.",
}


def _column_schema(dataset: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type), description=column_description(dataset, f.name))
                                   for f in SCHEMAS[dataset]])


@dg.multi_asset(
    name="published_reports", partitions_def=report_years, group_name=GROUP, can_subset=False,
    specs=[dg.AssetSpec(name, deps=[validated_reports], owners=OWNERS, kinds={"parquet"},
                        description=f"{DESCRIPTIONS[name]} Parquet under {name}/year=YYYY/.",
                        metadata={"dagster/column_schema": _column_schema(name)}) for name in PUBLISHED],
)
def published_reports(context: dg.AssetExecutionContext, settings: OgiSettings):
    year, root = hold(context, settings), settings.storage_root
    try:
        counts = publish_year(root, year, PUBLISHED, approved_digest(root, year))
    except NotApproved as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None
    release_year(root, year, context.run.run_id)
    problems: list[str] = []
    publishers = write_publishers(root, Publishers(settings.publishers), problems).to_pydict()
    unplaced = sum(p == "unplaced" for p in publishers["placement"])
    context.log.info(f"publishers: {len(publishers['placement'])} over every published year, {unplaced} not placed "
                     "(ogi publishers lists them)")
    dictionary = write_dictionary(root)
    if database := write_sql_catalog(root, (*PUBLISHED, *ACROSS_YEARS), problems, files=dictionary):
        context.log.info(f"SQL catalog: duckdb {database}")
    for problem in problems:
        context.log.warning(f"publishers and SQL catalog: {problem}")
    extra = {"documents": {"preview": preview(root, year, staging=False), "publishers": len(publishers["placement"]),
                           "publishers_unplaced": unplaced, **glance_metadata(root, year)},
             "cells": chart_metadata(root, year), "reports": trends_metadata(root)}
    for name in PUBLISHED:
        yield dg.MaterializeResult(asset_key=name, metadata={"dagster/row_count": counts[name], **extra.get(name, {})})
