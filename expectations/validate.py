"""Run the suites on one year's staged data and say what failed, document by document."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

from ogi.store.files import filesystem

logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass
class Failure:
    rule: str
    severity: str
    doc_ids: list[str]
    locations: list[str]
    error: str | None = None  # the expectation itself raised: a bug, not a data failure


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failures: list[Failure] = field(default_factory=list)
    docs_url: str | None = None

    @property
    def blocking(self) -> bool:
        return any(f.severity == "error" for f in self.failures)


def context():
    """An in-memory GX context, progress bars off."""
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def run_suite(ctx, suite: gx.ExpectationSuite, frame: pd.DataFrame, index_columns: list[str]) -> SuiteOutcome:
    name = suite.name
    source = ctx.data_sources.add_or_update_pandas(f"ogi_{name}")
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("year")
    suite = ctx.suites.add_or_update(suite)
    definition = ctx.validation_definitions.add_or_update(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
    )
    failures = []
    for r in result.results:
        if r.success:
            continue
        meta = r.expectation_config.meta or {}
        raised = (r.exception_info or {}).get("raised_exception")
        index = r.result.get("unexpected_index_list") or []
        failures.append(Failure(
            rule=meta.get("rule", r.expectation_config.type), severity=meta.get("severity", "error"),
            doc_ids=[str(i.get("doc_id")) for i in index if isinstance(i, dict)],
            locations=[str(i.get("location", "")) for i in index if isinstance(i, dict)],
            error=str((r.exception_info or {}).get("exception_message")) if raised else None,
        ))
    return SuiteOutcome(name, bool(result.success), len(result.results), failures)


def build_data_docs(ctx, root: str, year: int | str) -> str:
    """Write GX's HTML Data Docs for this run under <root>/data_docs/year=YYYY/; return index URL."""
    fs, base = filesystem(root)
    target = f"{base.rstrip('/')}/data_docs/year={year}"
    local = fs.protocol in ("file", "local") or "file" in (fs.protocol if isinstance(fs.protocol, tuple) else ())
    build_dir = target if local else tempfile.mkdtemp(prefix="ogi-docs-")
    Path(build_dir).mkdir(parents=True, exist_ok=True)
    site = f"year_{year}"
    ctx.add_data_docs_site(site_name=site, site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": build_dir},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    ctx.build_data_docs(site_names=[site])
    if not local:
        fs.put(build_dir, target, recursive=True)
        return f"{fs.unstrip_protocol(target)}/index.html"
    return Path(target, "index.html").resolve().as_uri()
