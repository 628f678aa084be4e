"""What every stage asset shares: the year partitions, the group, the owner, the batch size."""

from functools import partial

import dagster as dg

from assets.partitions import report_years

GROUP = "annual_reports"
OWNERS = ["team:ogi-reports"]
BATCH = 256
# Every stage: one partition per report year, in one group, with one owner.
stage_asset = partial(dg.asset, partitions_def=report_years, group_name=GROUP, owners=OWNERS,
                      kinds={"python", "parquet"})


def partition_year(context: dg.AssetExecutionContext) -> int:
    return int(context.partition_key)
