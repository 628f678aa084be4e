"""Publication as an asset: the year's staged datasets replace the published ones (after the gate)."""

import dagster as dg

from assets.common import partition_year, stage_asset
from assets.settings import OgiSettings
from assets.ui import chart_metadata, preview
from assets.validate import validated_reports
from ogi.store.parquet import PUBLISHED, publish


@stage_asset(deps=[validated_reports],
             description="The published Parquet datasets documents, cells and violations for the year "
             "(Hive year=YYYY). Runs only when the gate on validated_reports passed.")
def published_reports(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    year, root = partition_year(context), settings.storage_root
    counts = publish(root, year, PUBLISHED)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": counts["documents"], "cells": counts["cells"], "violations": counts["violations"],
        "preview": preview(root, year, staging=False), **chart_metadata(root, year),
    })
