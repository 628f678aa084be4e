"""The pipeline as Dagster assets, one report year per partition; each a thin loop over `ogi`.

raw_reports -> normalized_reports -> extracted_reports -> validated_reports (staging, gated by
the Great Expectations checks in assets.gate) -> published_reports (the multi-asset of `documents`, `cells` and `violations`, the Parquet users read).
"""

from assets.extract import extracted_reports
from assets.fetch import raw_reports
from assets.freshness import FRESHNESS_CHECKS
from assets.gate import gate
from assets.normalize import normalized_reports
from assets.publish import published_reports
from assets.validate import validated_reports

ASSETS = [raw_reports, normalized_reports, extracted_reports, validated_reports, published_reports]
CHECKS = [gate]
__all__ = ["ASSETS", "CHECKS", "FRESHNESS_CHECKS"]
