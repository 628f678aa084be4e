"""The Great Expectations suites: generated from the format, able to fail, naming documents."""


import pandas as pd
import pytest

from expectations.residuals import rule_residuals
from expectations.suites import documents_suite, gate_settings, rule_suite
from expectations.validate import context, run_suite
from ogi.report import extract_report
from ogi.store.parquet import SCHEMAS
from tests.conftest import REAL, SEEDS, gate_frames

FILES = [SEEDS / "000_79a8b3009d0b47ce.txt", SEEDS / "001_b4298fc88d3c412f.txt", REAL / "pingtan_2020_flattened.txt",
         REAL / "pingtan_2024_97791.html", REAL / "shuyang_2025.txt"]


@pytest.fixture(scope="module")
def records(shared_corpus):
    return [extract_report(p.read_bytes(), p.name) for p in FILES]


def test_residuals_agree_with_the_rules_module(records):
    """Two independent evaluations of the same rules: broken and not evaluable sets match."""
    residuals = rule_residuals(*gate_frames(records))
    residuals = residuals[residuals["table"] != "text"]
    tol = gate_settings()["tolerance"]
    op_ok = {"==": lambda r: abs(r) <= tol, ">=": lambda r: r >= -tol, "<=": lambda r: r <= tol}
    from_gate = {(d, r, str(loc), "not_evaluable" if pd.isna(v) else "broken")
                 for d, r, loc, op, v in residuals[["doc_id", "rule", "location", "op", "residual"]].itertuples(index=False)
                 if pd.isna(v) or not op_ok[op](v)}
    from_rules = {(r["doc_id"], v["rule"], str(v["column"] or v["row"]), v["status"])
                  for r in records for v in r["violations"] if v["table"] in ("t2", "t3", "t4")}
    assert from_gate == from_rules
    assert any(s == "broken" for *_, s in from_gate)


def test_rule_suite_names_rules_and_documents(records):
    residuals = rule_residuals(*gate_frames(records))
    outcome = run_suite(context(), rule_suite("t3", gate_settings()), residuals[residuals["table"] == "t3"],
                        ["doc_id", "location"])
    failed = {f.rule: f for f in outcome.failures}
    assert set(failed) >= {"t3_balance", "t3_results_total"}
    assert failed["t3_balance"].severity == "error"
    assert set(failed["t3_balance"].doc_ids) == {records[1]["doc_id"]}  # seed 001
    assert sorted(failed["t3_balance"].locations) == ["natural_person", "total"]
    assert outcome.blocking


def test_mostly_relaxes_a_rule(records):
    residuals = rule_residuals(*gate_frames(records))
    strict = run_suite(context(), rule_suite("t3", gate_settings()), residuals[residuals["table"] == "t3"], ["doc_id"])
    lenient = run_suite(context(), rule_suite("t3", {"tolerance": 1e-6, "mostly": {"default": 1.0,
                                                                                   "t3_balance": 0.5,
                                                                                   "t3_results_total": 0.5}}),
                        residuals[residuals["table"] == "t3"], ["doc_id"])
    assert "t3_balance" in {f.rule for f in strict.failures}
    assert not {"t3_balance", "t3_results_total"} & {f.rule for f in lenient.failures}


def test_document_suite_can_fail():
    columns = [*SCHEMAS["documents"].names, "report_year"]
    frame = pd.DataFrame([dict.fromkeys(columns)]).assign(doc_id="a", status="ok", format_version="2021",
                                                         publisher="x", report_year=2019)
    wrong_year = run_suite(context(), documents_suite(columns, 2020), frame, ["doc_id"])
    assert [(f.rule, f.doc_ids) for f in wrong_year.failures] == [("expect_column_values_to_be_between", ["a"])]
    missing = run_suite(context(), documents_suite(columns, 2020), frame.drop(columns=["title"]).assign(report_year=2020),
                        ["doc_id"])
    assert [f.rule for f in missing.failures] == ["expect_table_columns_to_match_set"]


def test_a_report_dated_before_its_year_ended_is_a_gate_warning():
    from datetime import date

    columns = [*SCHEMAS["documents"].names, "report_year"]
    frame = pd.DataFrame([dict.fromkeys(columns), dict.fromkeys(columns)]).assign(
        doc_id=["early", "on_time"], status="ok", format_version="2021", publisher="x", report_year=2020,
        published_date=[date(2020, 11, 3), date(2021, 1, 20)])
    outcome = run_suite(context(), documents_suite(columns, 2020), frame, ["doc_id"])
    assert [(f.rule, f.severity, f.doc_ids) for f in outcome.failures] == [
        ("published_after_report_year", "warning", ["early"])]
    assert not outcome.blocking


@pytest.mark.parametrize("text, message", [
    ("mostly: {t3_balance: 0}", "is not a share in \\(0, 1\\]"),
    ("mostly: {t3_balance: '0.9'}", "is not a share"),
    ("mostly: {t3_balans: 0.9}", "unknown rule 't3_balans'"),
    ("tolerance: -1", "tolerance must be a number >= 0"),
    ("strictness: high", "expected only `tolerance` and `mostly`"),
    ("mostly: [1]", "`mostly` must map rule ids"),
    ("mostly: {t3_balance: 0.9", "cannot read gate settings"),
])
def test_gate_settings_that_would_switch_a_rule_off_or_are_malformed_are_refused(tmp_path, text, message):
    from expectations.suites import GateConfigError

    path = tmp_path / "gate.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GateConfigError, match=message):
        gate_settings(str(path))


def test_a_check_lists_the_first_failures_and_counts_the_rest(tmp_path):
    from expectations.gate import _failures_tables
    from expectations.validate import LISTED, Failure, SuiteOutcome
    from ogi.store.parquet import write_partition

    n = 2 * LISTED
    docs = [f"{i:064x}" for i in range(n)]
    with write_partition(str(tmp_path), "violations", 2023) as append:
        append({"doc_id": docs, "rule": ["t3_balance"] * n, "kind": ["official"] * n, "severity": ["error"] * n,
                "status": ["broken"] * n, "table": ["t3"] * n, "row": ["total"] * n, "column": ["natural_person"] * n,
                "detail": [f"{i} + 0 != {i} + 1" for i in range(n)], "waived": [False] * n})
    # as GX's SUMMARY result gives it: the first LISTED rows and the count of all
    failure = Failure("t3_balance", "error", docs[:LISTED], ["natural_person"] * LISTED, count=n)
    outcome = SuiteOutcome("t3_rules", False, 1, [failure])
    table = _failures_tables({"t3_rules": outcome}, str(tmp_path), 2023,
                             pd.Series({docs[0]: "某县人民政府"}))["t3_rules"].splitlines()
    assert len(table) == 2 + LISTED + 1 and table[-1].endswith(f"{LISTED:,} more failing instances in the "
                                                                      "`violations` dataset |")
    assert table[2] == f"| {docs[0][:12]} | 某县人民政府 | t3_balance (error) | natural_person | 0 + 0 != 0 + 1 |"
    assert table[-2].endswith(f"| {LISTED - 1} + 0 != {LISTED - 1} + 1 |")


def test_a_result_names_the_first_failing_rows_and_counts_them_all():
    from expectations.validate import LISTED

    n = LISTED + 50
    frame = pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "rule": "t3_balance", "location": "total",
                          "residual": [-1.0] * (n - 1) + [0.0]})
    outcome = run_suite(context(), rule_suite("t3", gate_settings()), frame, ["doc_id", "location"])
    failure, = outcome.failures
    assert failure.count == n - 1 and failure.doc_ids == [f"d{i}" for i in range(LISTED)]


def test_the_gate_reads_documents_and_their_cells_in_batches_as_the_stages_staged_them(tmp_path):
    from ogi.steps import CELL_COLUMNS
    from ogi.store.parquet import write_partition, year_batches

    root, docs = str(tmp_path), [f"{i:064x}" for i in range(7)]
    cells_of = {d: i % 3 for i, d in enumerate(docs)}  # 0, 1 or 2 cells: some documents have none
    with write_partition(root, "extracted", 2023) as add_doc, write_partition(root, "cells", 2023) as add_cells:
        for part in (docs[:4], docs[4:]):  # two writes, as two batches of the extract stage
            add_doc([{"doc_id": d, "warnings": []} for d in part])
            cells = [{**dict.fromkeys(CELL_COLUMNS), "doc_id": d, "table": "t3", "row": "total", "column": str(k),
                      "value": float(k)} for d in part for k in range(cells_of[d])]
            add_cells(cells)
    expected = [(d, [str(k) for k in range(cells_of[d])]) for d in docs]
    batches = list(year_batches(root, 2023, batch_size=3))
    assert [len(d) for d, _ in batches] == [3, 3, 1]
    got = [(d, [c for i, c in zip(cells["doc_id"].to_pylist(), cells["column"].to_pylist(), strict=True) if i == d])
           for docs_, cells in batches for d in docs_["doc_id"].to_pylist()]
    assert got == expected and sum(len(c) for _, c in batches) == sum(cells_of.values())
