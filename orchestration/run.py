"""Materialize report years in this process, recorded in the Dagster instance (DAGSTER_HOME)."""

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import dagster as dg

from assets import ASSETS
from assets.gate import gate
from assets.settings import OgiSettings
from expectations.suites import GateConfigError, gate_settings
from ogi.acquire.collect import YearIndex, gather, place
from ogi.acquire.fetch import Fetcher, Manifest, RawStore
from ogi.acquire.keep import WithdrawnError, load_withdrawn
from ogi.acquire.sources import RegistryError, load_sources
from ogi.parallel import pool, read_years
from ogi.rules.waivers import WaiverError, load_waivers
from orchestration.resources import settings_from_env


@dataclass
class YearOutcome:
    year: str
    success: bool
    published: bool
    documents: int
    failed_checks: list[str]
    failed_rules: list[str]
    error: str | None


def default_dagster_home() -> str:
    """DAGSTER_HOME, or .dagster in the working directory (created)."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(Path(".dagster").resolve())
        Path(home).mkdir(parents=True, exist_ok=True)
        config = Path(home, "dagster.yaml")
        if not config.exists():
            config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    Path(home).mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = home
    return home


def years_in_sources(settings: OgiSettings) -> list[str]:
    """Report years the registered sources hold (placements are remembered for the pipeline)."""
    root = settings.storage_root
    store, index = RawStore(root), YearIndex(root)
    fetcher = Fetcher(store, settings.fetch_policy(), previous=Manifest(root).latest())
    found, requests = [], []
    for item, result in gather(load_sources(settings.sources), store, fetcher, log=lambda _: None):
        if result is not None:
            requests.append(result)
        if item is not None:
            found.append(item)
    with pool(settings.workers) as executor:
        years = {y for y in place(found, index, partial(read_years, executor)) if y is not None}
    index.save()
    if requests:
        Manifest(root).append(requests)
    last = int(dg.TimeWindowPartitionsDefinition(start="2008", fmt="%Y", cron_schedule="0 0 1 1 *")
               .get_last_partition_key())
    return [str(y) for y in sorted(years) if 2008 <= y <= last]


def materialize_year(year: str, settings: OgiSettings, instance: dg.DagsterInstance) -> YearOutcome:
    result = dg.materialize(ASSETS + [gate], partition_key=year, instance=instance,
                            resources={"settings": settings}, raise_on_error=False, tags={"ogi/year": year},
                            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    rules = sorted({r.strip() for c in failed for r in str(c.metadata["failed_rules"].value).split(",") if r.strip()})
    published = any(m.asset_key.path[-1] == "documents" for m in result.get_asset_materialization_events()
                    for m in [m.event_specific_data.materialization])
    docs = next((int(m.event_specific_data.materialization.metadata["dagster/row_count"].value)
                 for m in result.get_asset_materialization_events()
                 if m.event_specific_data.materialization.asset_key.path[-1] == "validated_reports"), 0)
    errors = [_root_message(e.event_specific_data.error) for e in result.all_events
              if e.event_type_value == "STEP_FAILURE" and e.step_key and "gate" not in e.step_key]
    return YearOutcome(year, result.success, published, docs, [c.check_name for c in failed], rules,
                       errors[0] if errors else None)


def _root_message(error) -> str:
    """The innermost cause of a step failure: what went wrong, not Dagster's wrapper."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[-1]


CONFIG_ERRORS = (RegistryError, WaiverError, WithdrawnError, GateConfigError)


def check_settings(settings: OgiSettings) -> None:
    """Read every configuration file once before any run, so a mistake is one clear message
    (one of CONFIG_ERRORS) instead of a failed step or a silently ignored setting."""
    load_sources(settings.sources)
    load_waivers(settings.waivers)
    load_withdrawn(settings.withdrawn)
    gate_settings(settings.gate or None)


def materialize(years: list[str] | None = None) -> list[YearOutcome]:
    default_dagster_home()
    settings = settings_from_env()
    check_settings(settings)
    years = years or years_in_sources(settings)
    with dg.DagsterInstance.get() as instance:
        return [materialize_year(y, settings, instance) for y in years]
