"""Materialize report years in this process, recorded in the Dagster instance (DAGSTER_HOME)."""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from assets import ASSETS, YEAR_ASSETS
from assets.catalog import FORCE, report_catalog
from assets.gate import gate
from assets.partitions import report_years
from assets.settings import OgiSettings
from expectations.suites import GateConfigError, gate_settings
from ogi.acquire.catalog import Catalog
from ogi.acquire.keep import WithdrawnError, load_withdrawn
from ogi.acquire.sources import RegistryError, load_sources
from ogi.publishers import PublishersError, load_overrides
from ogi.rules.waivers import WaiverError, load_waivers
from orchestration.resources import SettingsError, resolved_settings


@dataclass
class YearOutcome:
    year: str
    success: bool
    published: bool
    documents: int
    failed_checks: list[str]  # every check that did not pass, warnings included
    failed_rules: list[str]  # the rules behind them
    error: str | None  # the root cause of a failed step other than the gate
    blocking_rules: list[str] = field(default_factory=list)  # error rules that held the year back
    held_documents: str = ""  # the blocking checks' failing documents (markdown rows)


SHIPPED_INSTANCE = Path(__file__).with_name("dagster.yaml")


def default_dagster_home() -> str:
    """DAGSTER_HOME, or .dagster in the working directory, created with the shipped dagster.yaml
    (queued runs, one run per report year at a time, a fetch pool, retries of crashed runs)."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(Path(".dagster").resolve())
        Path(home).mkdir(parents=True, exist_ok=True)
        config = Path(home, "dagster.yaml")
        if not config.exists():
            shutil.copyfile(SHIPPED_INSTANCE, config)
    Path(home).mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = home
    return home


def crawl(settings: OgiSettings, instance: dg.DagsterInstance) -> list[str]:
    """Crawl every source once into the catalog (a run of report_catalog); the report years it holds."""
    result = dg.materialize([report_catalog], instance=instance, resources={"settings": settings},
                            raise_on_error=False, tags=FORCE,
                            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
    if not result.success:
        errors = [_root_message(e.event_specific_data.error) for e in result.all_events
                  if e.event_type_value == "STEP_FAILURE"]
        raise CrawlFailed(f"the crawl failed: {errors[0] if errors else 'see the run in the Dagster UI'}")
    sources = [s.name for s in load_sources(settings.sources)]
    years = {r["report_year"] for r in Catalog(settings.storage_root).documents(sources)}
    first, last = year_range()
    return [str(y) for y in sorted(y for y in years if y is not None) if first <= y <= last]


def year_range() -> tuple[int, int]:
    """The first and last report year the pipeline has partitions for."""
    keys = report_years.get_partition_keys()
    return int(keys[0]), int(keys[-1])


def materialize_year(year: str, settings: OgiSettings, instance: dg.DagsterInstance,
                     crawl: bool = True) -> YearOutcome:
    """One year's run: the crawl first (unless it was just done for all the years), then the year."""
    result = dg.materialize((ASSETS if crawl else YEAR_ASSETS) + [gate], partition_key=year, instance=instance,
                            resources={"settings": settings}, raise_on_error=False,
                            tags={"ogi/year": year, **(FORCE if crawl else {})},
                            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    rules = sorted({r for c in failed for r in _rules(c)})
    blocking = [c for c in failed if c.severity == dg.AssetCheckSeverity.ERROR]
    published = any(m.asset_key.path[-1] == "documents" for m in result.get_asset_materialization_events()
                    for m in [m.event_specific_data.materialization])
    docs = next((int(m.event_specific_data.materialization.metadata["dagster/row_count"].value)
                 for m in result.get_asset_materialization_events()
                 if m.event_specific_data.materialization.asset_key.path[-1] == "validated_reports"), 0)
    errors = [_root_message(e.event_specific_data.error) for e in result.all_events
              if e.event_type_value == "STEP_FAILURE" and e.step_key and "gate" not in e.step_key]
    return YearOutcome(year, result.success, published, docs, [c.check_name for c in failed], rules,
                       errors[0] if errors else None, sorted({r for c in blocking for r in _rules(c)}),
                       "\n".join(str(c.metadata["failing_documents"].value) for c in blocking))


def _rules(check) -> list[str]:
    return [r.strip() for r in str(check.metadata["failed_rules"].value).split(",") if r.strip() != "none"]


def _root_message(error) -> str:
    """The innermost cause of a step failure: what went wrong, not Dagster's wrapper."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[-1]


class YearOutOfRange(ValueError):
    """A year the pipeline has no partition for."""


class CrawlFailed(RuntimeError):
    """The crawl of the sources failed as a whole; nothing was changed."""


CONFIG_ERRORS = (RegistryError, WaiverError, WithdrawnError, GateConfigError, YearOutOfRange, SettingsError,
                 PublishersError)


def check_settings(settings: OgiSettings) -> None:
    """Read every configuration file once before any run, so a mistake is one clear message
    (one of CONFIG_ERRORS) instead of a failed step or a silently ignored setting."""
    load_sources(settings.sources)
    load_waivers(settings.waivers)
    load_withdrawn(settings.withdrawn)
    load_overrides(settings.publishers)
    gate_settings(settings.gate or None)


def materialize(years: list[str] | None = None) -> Iterator[YearOutcome]:
    """Each year's outcome as soon as it is known (settings are checked now, before the first). The
    sources are crawled once for all the years, first (iterating raises CrawlFailed if that fails)."""
    default_dagster_home()
    settings = resolved_settings()
    check_settings(settings)
    first, last = year_range()
    for year in years or []:
        if not (year.isdigit() and first <= int(year) <= last):
            raise YearOutOfRange(f"{year} is not a report year here: the partitions run from {first} to {last} "
                                 "(the last year that has ended)")
    def run() -> Iterator[YearOutcome]:
        with dg.DagsterInstance.get() as instance:
            found = crawl(settings, instance)
            for year in years or found:
                yield materialize_year(year, settings, instance, crawl=False)

    return run()
