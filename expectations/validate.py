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
class Tally:
    """One expectation's result over one frame, with what merging results of slices needs."""

    failure: Failure  # its failing rows (none when every row is as expected)
    success: bool
    mostly: float
    considered: int  # rows its condition selects whose value is not null


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failures: list[Failure] = field(default_factory=list)
    tallies: list[Tally] = field(default_factory=list)  # every expectation, in the suite's order

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
    tallies = []
    for r in result.results:
        meta = r.expectation_config.meta or {}
        raised = (r.exception_info or {}).get("raised_exception")
        index = r.result.get("partial_unexpected_index_list") or []
        failure = Failure(
            rule=meta.get("rule", r.expectation_config.type), severity=meta.get("severity", "error"),
            doc_ids=[str(i.get("doc_id")) for i in index if isinstance(i, dict)],
            locations=[str(i.get("location", "")) for i in index if isinstance(i, dict)],
            error=str((r.exception_info or {}).get("exception_message")) if raised else None,
            count=r.result.get("unexpected_count") or len(index),
        )
        considered = (r.result.get("element_count") or 0) - (r.result.get("missing_count") or 0)
        tallies.append(Tally(failure, bool(r.success), float(r.expectation_config.kwargs.get("mostly") or 1.0),
                             considered))
    return SuiteOutcome(name, bool(result.success), len(result.results),
                        [t.failure for t in tallies if not t.success], tallies)


def merge_outcomes(outcomes: list[SuiteOutcome]) -> SuiteOutcome:
    """One suite's results over consecutive slices of a frame as one result over the whole frame:
    counts add, the first LISTED failing rows are kept in frame order, and an expectation holds when
    its `mostly` holds over the sum of the slices (for `mostly` 1: when it held in every slice).
    For map expectations (every rule suite's), whose result is decided by these counts."""
    first, *rest = outcomes
    if not rest:
        return first
    merged = []
    for tallies in zip(*(o.tallies for o in outcomes), strict=True):
        considered = sum(t.considered for t in tallies)
        count = sum(t.failure.count for t in tallies)
        error = next((t.failure.error for t in tallies if t.failure.error), None)
        doc_ids, locations = [], []
        for t in tallies:
            doc_ids += t.failure.doc_ids[:LISTED - len(doc_ids)]
            locations += t.failure.locations[:LISTED - len(locations)]
        mostly = tallies[0].mostly
        success = error is None and (not considered or (considered - count) / considered >= mostly)
        f = tallies[0].failure
        merged.append(Tally(Failure(f.rule, f.severity, doc_ids, locations, error, count), success, mostly,
                            considered))
    return SuiteOutcome(first.suite, all(t.success for t in merged), first.evaluated,
                        [t.failure for t in merged if not t.success], merged)
