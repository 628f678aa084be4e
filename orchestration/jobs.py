"""One job: every stage of one report year, from fetch to publication."""

import dagster as dg

year_job = dg.define_asset_job(
    "annual_reports_year", selection=dg.AssetSelection.groups("annual_reports"),
    description="Fetch, normalize, extract, validate and (if the gate passes) publish one report year.",
)
