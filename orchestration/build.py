"""Assemble the Dagster definitions from the per-concern modules."""

import warnings

import dagster as dg

from assets import ASSETS, CHECKS, FRESHNESS_CHECKS
from orchestration.jobs import crawl_job, year_job
from orchestration.resources import settings_from_env
from orchestration.schedules import SCHEDULES
from orchestration.sensors import new_reports

# Evaluates the freshness check whenever a daemon is up, so the UI shows a late year by itself.
# Dagster 1.13 calls this sensor superseded by FreshnessPolicy; its per-partition deadline for
# yearly partitions is what the publication calendar needs, so it stays until that is checked.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    warnings.simplefilter("ignore", dg.SupersessionWarning)
    freshness_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=FRESHNESS_CHECKS, default_status=dg.DefaultSensorStatus.RUNNING)


def build_defs() -> dg.Definitions:
    """Settings set in the environment now (OGI_DATA, OGI_SOURCES, …) are read again when each run starts."""
    # Steps run one after the other in the run's process; the CPU-bound ones spread their
    # documents over the run's one worker pool (OgiSettings.worker_pool), so no per-step processes.
    return dg.Definitions(assets=ASSETS, asset_checks=[*CHECKS, *FRESHNESS_CHECKS], jobs=[year_job, crawl_job],
                          schedules=SCHEDULES, sensors=[freshness_sensor, new_reports],
                          resources={"settings": settings_from_env()}, executor=dg.in_process_executor)
