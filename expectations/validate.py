"""Run the suites on one year's staged data and say what failed, document by document."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig

logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass
class Failure:
    rule: str
    severity: str
    doc_ids: list[str]  # the first LISTED failing rows' documents
    locations: list[str]
    error: str | None = None  # the expectation itself raised: a bug, not a data failure
    count: int = 0  # every failing row


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return any(f.severity == "error" for f in self.failures)


def context():
    """An in-memory GX context, progress bars off."""
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


LISTED = 300  # failing rows a result names: GX's SUMMARY format, so a result's size does not grow with the year


def run_suite(ctx, suite: gx.ExpectationSuite, frame: pd.DataFrame, index_columns: list[str]) -> SuiteOutcome:
    name = suite.name
    source = ctx.data_sources.add_or_update_pandas(f"ogi_{name}")
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("year")
    suite = ctx.suites.add_or_update(suite)
    definition = ctx.validation_definitions.add_or_update(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    result = definition.run(
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": LISTED,
                       "unexpected_index_column_names": index_columns},
    )
    failures = []
    for r in result.results:
        if r.success:
            continue
        meta = r.expectation_config.meta or {}
        raised = (r.exception_info or {}).get("raised_exception")
        index = r.result.get("partial_unexpected_index_list") or []
        failures.append(Failure(
            rule=meta.get("rule", r.expectation_config.type), severity=meta.get("severity", "error"),
            doc_ids=[str(i.get("doc_id")) for i in index if isinstance(i, dict)],
            locations=[str(i.get("location", "")) for i in index if isinstance(i, dict)],
            error=str((r.exception_info or {}).get("exception_message")) if raised else None,
            count=r.result.get("unexpected_count") or len(index),
        ))
    return SuiteOutcome(name, bool(result.success), len(result.results), failures)

