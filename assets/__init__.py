"""The pipeline as Dagster assets: the catalog of every source, then one report year per partition.

report_catalog (one crawl for all years) -> raw_reports -> normalized_reports -> extracted_reports -> validated_reports (staging, gated by
the Great Expectations checks in assets.gate) -> published_reports (the multi-asset of `documents`, `cells`, `violations` and `reports`, the Parquet users read).
"""

from assets.catalog import report_catalog
from assets.extract import extracted_reports
from assets.fetch import raw_reports
from assets.freshness import FRESHNESS_CHECKS
from assets.gate import gate
from assets.normalize import normalized_reports
from assets.publish import published_reports
from assets.validate import validated_reports

ASSETS = [report_catalog, raw_reports, normalized_reports, extracted_reports, validated_reports, published_reports]
CHECKS = [gate]
YEAR_ASSETS = ASSETS[1:]  # what a year runs once the catalog is crawled
__all__ = ["ASSETS", "CHECKS", "FRESHNESS_CHECKS", "YEAR_ASSETS"]
