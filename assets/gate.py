"""The publication gate as blocking asset checks on the staging asset (work in expectations.gate).

A failing error-severity rule stops `published_reports`; the staging files stay on disk. Each
check's metadata lists the failing documents with their rule, location and detail, and links
the Data Docs of the run: over HTTP as `ogi docs` serves them (settings.docs_url; browsers do not
follow file:// links from the UI) and as a path.
"""

import warnings

import dagster as dg

from assets.common import hold
from assets.partitions import report_years
from assets.settings import OgiSettings
from assets.validate import validated_reports
from expectations import CHECKS

with warnings.catch_warnings():
    # Per-partition checks are a preview feature of Dagster 1.13 (pinned in pyproject.toml); each
    # report year needs its own gate result, so it is used, without a warning on every command.
    warnings.simplefilter("ignore", dg.PreviewWarning)
    SPECS = [dg.AssetCheckSpec(name, asset=validated_reports, blocking=True, partitions_def=report_years,
                               description=(f"Every {t} rule of ogi/format/templates.yaml, as Great Expectations "
                                            "expectations (expectations/suites.py)" if t else
                                            "Document metadata and schema of the documents dataset "
                                            "(expectations/suites.py)"))
             for name, t in CHECKS.items()]


@dg.multi_asset_check(specs=SPECS)
def gate(context: dg.AssetCheckExecutionContext, settings: OgiSettings):
    from expectations.gate import run_gate

    year = hold(context.op_execution_context, settings)
    with settings.worker_pool() as executor:
        outcomes, docs_index = run_gate(settings.storage_root, year, settings.waivers, settings.gate or None,
                                        executor)
    docs_url = f"{settings.docs_url.rstrip('/')}/year={year}/index.html"
    for o in outcomes:
        yield dg.AssetCheckResult(
            check_name=o.name,
            passed=o.passed,
            severity=dg.AssetCheckSeverity.ERROR if o.blocking or (o.passed and o.gates) else dg.AssetCheckSeverity.WARN,
            metadata={
                "expectations": o.evaluated,
                "failed_rules": ", ".join(o.failed_rules) or "none",
                "failing_documents": dg.MetadataValue.md(o.failing_documents),
                "waived_instances": o.waived,
                "data_docs": dg.MetadataValue.url(docs_url),  # served by `ogi docs`
                "data_docs_path": dg.MetadataValue.path(docs_index),
            },
        )
