"""Assemble the Dagster definitions from the per-concern modules."""

import dagster as dg

from assets import ASSETS
from assets.gate import gate
from orchestration.jobs import year_job
from orchestration.resources import settings_from_env
from orchestration.schedules import SCHEDULES


def build_defs() -> dg.Definitions:
    """Settings are read from the environment (OGI_DATA, OGI_SOURCES, OGI_WAIVERS, OGI_GATE) now."""
    # Steps run one after the other in the run's process; each CPU-bound step spreads its
    # documents over every core itself (ogi.parallel), so no per-step processes.
    return dg.Definitions(assets=ASSETS, asset_checks=[gate], jobs=[year_job], schedules=SCHEDULES,
                          resources={"settings": settings_from_env()}, executor=dg.in_process_executor)
