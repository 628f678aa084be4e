"""Notice new reports: ask each report column conditionally, crawl when one changed, then run the years
whose reports are new or changed. Off by default; turn it on in the UI (Automation)."""

import json
from concurrent.futures import ThreadPoolExecutor

import dagster as dg

from assets.catalog import report_catalog
from assets.partitions import report_years
from assets.settings import OgiSettings
from ogi.acquire.catalog import Catalog, validators
from ogi.acquire.fetch import Fetcher, RawStore
from ogi.acquire.politeness import HostGate
from ogi.acquire.sources import load_sources
from orchestration.jobs import crawl_job, year_job

INTERVAL = 6 * 3600  # seconds between two probes of the report columns


@dg.sensor(jobs=[crawl_job, year_job], minimum_interval_seconds=INTERVAL,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Every 6 hours, asks the first page of each listing source with a conditional request; "
           "when one changed, launches a crawl; when a crawl found new or changed reports, runs their years.")
def new_reports(context: dg.SensorEvaluationContext, settings: OgiSettings):
    cursor = json.loads(context.cursor) if context.cursor else None
    records = context.instance.fetch_materializations(report_catalog.key, limit=1).records
    latest = records[0].storage_id if records else 0
    if cursor is not None and latest > cursor["catalog"]:
        context.update_cursor(json.dumps({"catalog": latest}))
        metadata = records[0].asset_materialization.metadata
        changed = str(metadata["changed_years"].value).split(", ") if "changed_years" in metadata else []
        years = [y for y in changed if report_years.has_partition_key(y)]
        if years:
            return [dg.RunRequest(run_key=f"catalog-{latest}-{y}", job_name=year_job.name, partition_key=y)
                    for y in years]
        return dg.SkipReason("the last crawl found no new or changed report")
    context.update_cursor(json.dumps({"catalog": latest}))
    changed = _changed_columns(settings)
    if not changed:
        return dg.SkipReason("no report column changed since the last crawl")
    context.log.info(f"changed report columns: {', '.join(changed)}")
    return dg.RunRequest(run_key=f"columns-{latest}-{'-'.join(sorted(changed))}", job_name=crawl_job.name)


def _changed_columns(settings: OgiSettings) -> list[str]:
    """The listing sources whose first page answers with other bytes than at the last crawl (many
    hosts at once, one request at a time per host)."""
    catalog, store = Catalog(settings.storage_root), RawStore(settings.storage_root)
    policy = settings.fetch_policy()
    gate = HostGate(policy.per_host_delay)

    def changed(source) -> bool:
        rows = {r["url"]: r for r in catalog.read(source.name)}
        fetcher = Fetcher(store, policy, previous=validators(list(rows.values())), gate=gate)
        result = fetcher.fetch(source.url, allow_private=source.allow_private)
        before = rows.get(source.url)
        return result.status == "fetched" and (before is None or before["sha256"] != result.sha256)

    listings = [s for s in load_sources(settings.sources) if s.kind == "listing"]
    with ThreadPoolExecutor(settings.hosts) as executor:
        return [s.name for s, c in zip(listings, executor.map(changed, listings), strict=True) if c]
