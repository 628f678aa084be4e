"""Acquisition as one asset outside the year partitions: every source crawled once into the catalog.

A year's run includes it (so `--select '*' --partition YEAR` runs all a year needs), but the
runs of a backfill do not crawl again: a crawl younger than `crawl_max_age` of the same registry
is reused, and the fetch pool lets one crawl run at a time. A run tagged `ogi/crawl=force`
(`ogi materialize`, the new-reports sensor) always crawls.
"""

from collections import Counter
from datetime import UTC, datetime
from functools import partial

import dagster as dg

from assets.common import OWNERS, Progress
from assets.settings import OgiSettings
from ogi.acquire.catalog import Catalog, registry_digest
from ogi.acquire.crawl import crawl
from ogi.acquire.fetch import RawStore
from ogi.acquire.sources import load_sources
from ogi.parallel import read_years

FORCE = {"ogi/crawl": "force"}


@dg.asset(group_name="acquisition", owners=OWNERS, kinds={"python", "parquet"},
          pool="ogi_fetch",  # one crawl at a time across runs: each host sees one polite client
          description="Every report of every registered source, fetched once into the raw store "
          "(content-addressed) and listed in the catalog (catalog/source=NAME.parquet): URL, publisher and "
          "year, sha256, status, validators for conditional requests. The year partitions read it.")
def report_catalog(context: dg.AssetExecutionContext, settings: OgiSettings) -> dg.MaterializeResult:
    catalog, digest = Catalog(settings.storage_root), registry_digest(settings.sources)
    last, now = catalog.last_crawl(), datetime.now(UTC)
    age = (now - datetime.fromisoformat(last["finished_at"])).total_seconds() if last else None
    if (context.run.tags.get("ogi/crawl") != "force" and last and last["registry"] == digest
            and age < settings.crawl_max_age):
        context.log.info(f"the crawl of {last['finished_at']} is {age:.0f} s old: reused (crawl_max_age "
                         f"{settings.crawl_max_age:g} s)")
        return dg.MaterializeResult(metadata={"crawl": f"reused the crawl of {last['finished_at']}"})
    sources = load_sources(settings.sources)
    previous = {s.name: catalog.read(s.name) for s in sources}
    progress: list[Progress] = []

    def fetched(done: int, total: int) -> None:
        progress or progress.append(Progress(context, "crawl", total))
        progress[0].add(done - progress[0].done)

    with settings.worker_pool() as executor:
        years_of = partial(read_years, executor, ocr=settings.ocr)
        result = crawl(sources, RawStore(settings.storage_root), previous, years_of,
                       settings.fetch_policy(), context.log.info, settings.hosts, progress=fetched)
    if not result.answered and any(r["status"] == "ok" for rows in previous.values() for r in rows):
        raise dg.Failure("no source gave a document in this run (all failed or are empty); the catalog and the "
                         "published years are kept as they were", allow_retries=False)
    for name, rows in result.rows.items():
        catalog.write(name, rows)
    finished = datetime.now(UTC).replace(microsecond=0)
    catalog.crawled(finished, digest)
    docs = [r for rows in result.rows.values() for r in rows if r["kind"] == "report"]
    years = Counter(r["report_year"] for r in docs)
    seconds = (finished - now).total_seconds()
    return dg.MaterializeResult(metadata={
        "crawl": f"crawled at {finished.isoformat()}",
        "dagster/row_count": len(docs),
        "reports_by_year": dg.MetadataValue.md("| year | reports |\n|---|---|\n" + "\n".join(
            f"| {y if y is not None else 'not placed'} | {n} |" for y, n in sorted(years.items(), key=str))),
        "changed_years": ", ".join(sorted({str(r["report_year"]) for r in result.changed if r["report_year"]})),
        "requests": len(result.requests),
        "urls_fetched": result.count("fetched"),
        "urls_not_modified": result.count("not_modified"),
        "urls_failed": result.count("error"),
        "requests_per_second": round(len(result.requests) / seconds, 2) if seconds else 0.0,
        "unplaced_documents": dg.MetadataValue.md("\n".join(
            f"- {r['url']}: {r['error'] or 'no report year found'}" for r in docs
            if r["report_year"] is None)[:20000] or "none"),
    })
