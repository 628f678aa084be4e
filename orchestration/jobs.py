"""The jobs: every stage of one report year (its run reuses a recent crawl), and the crawl alone."""

import dagster as dg

year_job = dg.define_asset_job(
    "annual_reports_year", selection=dg.AssetSelection.groups("annual_reports", "acquisition"),
    description="Fetch, normalize, extract, validate and (if the gate passes) publish one report year.",
)

crawl_job = dg.define_asset_job(
    "crawl_sources", selection=dg.AssetSelection.groups("acquisition"), tags={"ogi/crawl": "force"},
    description="Crawl every registered source into the catalog (what the new-reports sensor launches).",
)
