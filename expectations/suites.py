"""Great Expectations suites generated from the format: one per table, one for documents.

Every rule of the format becomes one named expectation over the residual frame (row condition
`rule == id`), so a failure names the rule and, through the result's index list, the documents.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import great_expectations as gx
import yaml
from great_expectations.expectations.row_conditions import Column

from ogi.format import load_format

GATE_FILE = Path(__file__).with_name("gate.yaml")


class GateConfigError(ValueError):
    """gate.yaml is malformed; the message says where and what is allowed."""


def gate_settings(path: str | None = None) -> dict:
    """Tolerance and `mostly` per rule, checked: a `mostly` of 0 would silently turn a rule off,
    so only 0 < mostly <= 1 is accepted, for rules the format has (or `default`)."""
    path = Path(path or GATE_FILE)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise GateConfigError(f"cannot read gate settings {path}: {exc}") from None
    if not isinstance(spec, dict) or set(spec) - {"tolerance", "mostly"}:
        raise GateConfigError(f"{path}: expected only `tolerance` and `mostly`")
    tolerance, mostly = spec.get("tolerance", 1e-6), spec.get("mostly") or {}
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
        raise GateConfigError(f"{path}: tolerance must be a number >= 0, not {tolerance!r}")
    if not isinstance(mostly, dict):
        raise GateConfigError(f"{path}: `mostly` must map rule ids to shares")
    for rule, share in mostly.items():
        if rule != "default" and rule not in _rules():
            raise GateConfigError(f"{path}: mostly: unknown rule {rule!r} (rules: {', '.join(sorted(_rules()))})")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise GateConfigError(f"{path}: mostly: {rule}: {share!r} is not a share in (0, 1]; to stop checking "
                                  "a rule for some documents, waive them in waivers.yaml")
    return {"tolerance": float(tolerance), "mostly": {str(k): float(v) for k, v in mostly.items()}}


def _rules() -> dict[str, dict]:
    """rule id -> {tables, op, severity, kind}, over every version of the format (a type rule is
    checked in the suite of every table: its residuals are in the table of the cell)."""
    out = {}
    fmt = load_format()
    for version in fmt.versions.values():
        for check in version.checks:
            out.setdefault(check.rule, {"tables": {check.table}, "op": check.op, "severity": check.severity,
                                        "kind": check.kind})
        for check in version.cross_year_checks:
            out.setdefault(check.rule, {"tables": {"cross_year"}, "op": check.op, "severity": check.severity,
                                        "kind": check.kind})
        for rule in version.text_rules:
            out.setdefault(rule.id, {"tables": {"text"}, "op": ">=", "severity": rule.severity, "kind": rule.kind})
    for rule in fmt.type_rules:
        out[rule.id] = {"tables": set(fmt.layouts), "op": ">=", "severity": rule.severity, "kind": rule.kind}
    return out


def rule_severities(table: str) -> set[str]:
    return {info["severity"] for info in _rules().values() if table in info["tables"]}


def rule_suite(table: str, settings: dict) -> gx.ExpectationSuite:
    tol, mostly = settings["tolerance"], settings["mostly"]
    suite = gx.ExpectationSuite(name=f"{table}_rules")
    for rule, info in sorted(_rules().items()):
        if table not in info["tables"]:
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
    # The format's document rule: a report covers a calendar year, so it is published after it.
    rule = load_format().document_rules["published_after_report_year"]
    suite.add_expectation(e.ExpectColumnValuesToBeBetween(
        column="published_date", min_value=date(year + 1, 1, 1), meta={"rule": rule["id"], "severity": rule["severity"]},
        description=f"{rule['id']} ({rule['kind']}, {rule['severity']}): {rule['note']}"))
    return suite
