"""Freshness: the previous report year must be published by 30 April (reports are due 31 January,
aggregate reports 31 March); the UI shows a warning on `documents` when it is not."""

import warnings

import dagster as dg

from assets.publish import published_reports

# Dagster 1.13 calls these checks superseded by FreshnessPolicy; their per-partition deadline for
# yearly partitions is what the publication calendar needs, so they stay until that is checked.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    warnings.simplefilter("ignore", dg.SupersessionWarning)
    FRESHNESS_CHECKS = dg.build_time_partition_freshness_checks(
        assets=[published_reports], deadline_cron="0 0 1 5 *", timezone="Asia/Shanghai",
        severity=dg.AssetCheckSeverity.WARN)
