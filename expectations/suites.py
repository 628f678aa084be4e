"""Great Expectations suites generated from the format: one per table, one for documents.

Every rule of the format becomes one named expectation over the residual frame (row condition
`rule == id`), so a failure names the rule and, through the result's index list, the documents.
"""

from __future__ import annotations

import os
from pathlib import Path

import great_expectations as gx
import yaml
from great_expectations.expectations.row_conditions import Column

from ogi.format import load_format

GATE_FILE = Path(__file__).with_name("gate.yaml")


def gate_settings(path: str | None = None) -> dict:
    path = path or os.environ.get("OGI_GATE") or GATE_FILE
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {"tolerance": float(spec.get("tolerance", 1e-6)), "mostly": dict(spec.get("mostly") or {})}


def _rules() -> dict[str, dict]:
    """rule id -> {table, op, severity, kind}, over every version of the format."""
    out = {}
    for version in load_format().versions.values():
        for check in version.checks:
            out.setdefault(check.rule, {"table": check.table, "op": check.op, "severity": check.severity,
                                        "kind": check.kind})
        for check in version.cross_year_checks:
            out.setdefault(check.rule, {"table": "cross_year", "op": check.op, "severity": check.severity,
                                        "kind": check.kind})
        for rule in version.text_rules:
            out.setdefault(rule.id, {"table": "text", "op": ">=", "severity": rule.severity, "kind": rule.kind})
    return out


def rule_severities(table: str) -> set[str]:
    return {info["severity"] for info in _rules().values() if info["table"] == table}


def rule_suite(table: str, settings: dict) -> gx.ExpectationSuite:
    tol, mostly = settings["tolerance"], settings["mostly"]
    suite = gx.ExpectationSuite(name=f"{table}_rules")
    for rule, info in sorted(_rules().items()):
        if info["table"] != table:
            continue
        bounds = {"==": (-tol, tol), ">=": (-tol, None), "<=": (None, tol)}[info["op"]]
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(
            column="residual", min_value=bounds[0], max_value=bounds[1],
            mostly=float(mostly.get(rule, mostly.get("default", 1.0))),
            row_condition=Column("rule") == rule,
            description=f"{rule} ({info['kind']}, {info['severity']}) holds for every document",
            meta={"rule": rule, "severity": info["severity"], "kind": info["kind"]},
        ))
    return suite


def documents_suite(columns: list[str], year: int) -> gx.ExpectationSuite:
    suite = gx.ExpectationSuite(name="document_metadata")
    e = gx.expectations
    for expectation in (
        e.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True),
        e.ExpectColumnValuesToNotBeNull(column="doc_id"),
        e.ExpectColumnValuesToBeUnique(column="doc_id"),
        e.ExpectColumnValuesToBeInSet(column="status", value_set=["ok", "unreadable", "fetch_error"]),
        e.ExpectColumnValuesToBeInSet(column="format_version", value_set=list(load_format().versions)),
        e.ExpectColumnValuesToBeBetween(column="report_year", min_value=year, max_value=year),
        e.ExpectColumnValuesToNotBeNull(column="publisher", mostly=0.9),
    ):
        expectation.meta = {"rule": expectation.expectation_type, "severity": "error"}
        suite.add_expectation(expectation)
    publisher = suite.expectations[-1]
    publisher.meta = {"rule": "publisher_found", "severity": "warning"}
    return suite
