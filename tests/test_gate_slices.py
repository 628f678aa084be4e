"""The gate checks a year slice by slice (bounded memory) and says exactly what it says in one piece."""

import itertools
import re
from pathlib import Path

import dagster as dg
import pandas as pd

from expectations.gate import run_gate
from expectations.suites import rule_suite
from expectations.validate import LISTED, context, merge_outcomes, run_suite
from ogi.format import load_format
from orchestration.run import materialize_year
from tests.conftest import folder_settings


def _summary(outcome):
    return (outcome.success, outcome.evaluated,
            [(f.rule, f.severity, f.doc_ids, f.locations, f.error, f.count) for f in outcome.failures])


def test_results_of_slices_merge_into_the_result_of_the_whole_frame():
    """Counts add, the first LISTED failing rows are kept in order, and `mostly` is judged over the
    whole frame: a slice failing it alone does not fail the merged result."""
    n = LISTED + 60
    frame = pd.DataFrame({
        "doc_id": [f"d{i:04d}" for i in range(n)] * 2, "location": "total",
        "rule": ["t3_balance"] * n + ["t3_results_total"] * n,
        # t3_balance fails everywhere but the last row; t3_results_total fails on 10 of the first 30
        # rows only (a share under 1 - 0.9 of the whole, over it in the first slice), one row null
        "residual": [-1.0] * (n - 1) + [0.0] + [-1.0 if i < 10 else None if i == 20 else 0.0 for i in range(n)],
    }).sort_values("doc_id", kind="stable", ignore_index=True)
    ctx = context()
    suite = rule_suite("t3", {"tolerance": 1e-6, "mostly": {"default": 1.0, "t3_results_total": 0.9}})
    whole = run_suite(ctx, suite, frame, ["doc_id", "location"])
    cuts = [0, 30, 31, 400, len(frame)]  # uneven slices, one of a single row
    parts = [run_suite(ctx, suite, frame.iloc[a:b], ["doc_id", "location"]) for a, b in itertools.pairwise(cuts)]
    assert not parts[0].success and "t3_results_total" in {f.rule for f in parts[0].failures}
    merged = merge_outcomes(parts)
    assert _summary(merged) == _summary(whole)
    failure, = merged.failures
    assert failure.rule == "t3_balance" and failure.count == n - 1 and len(failure.doc_ids) == LISTED


def test_the_gate_over_small_slices_gives_the_same_checks_as_in_one_piece(tmp_path):
    from ogi.testing import random_report, render_html

    folder = tmp_path / "reports"
    folder.mkdir()
    t2 = load_format().versions["2021"].tables["t2"]
    count = next(("t2", r, c) for r, c in t2.cells() if t2.columns[c].type == "count")
    for i in range(10):
        report = random_report(700 + i, "2021", 2023)
        if i in (0, 1, 6):  # count_negative in t2 (a warning); two of the first slice's three documents
            report.values[count] = -5.0
        (folder / f"r{i}.html").write_text(render_html(report), encoding="utf-8")
    settings = folder_settings(tmp_path, folder)
    gate = tmp_path / "gate.yaml"  # 7 of 10 hold: passes over the year, fails in the first slice alone
    gate.write_text("mostly:\n  count_negative: 0.7\n", encoding="utf-8")
    outcome = materialize_year("2023", settings, dg.DagsterInstance.ephemeral())
    assert outcome.documents == 10
    root = settings.storage_root

    def checks(slice_documents):
        outcomes, docs = run_gate(root, 2023, settings.waivers, str(gate), 1, slice_documents)
        index = Path(docs).read_text(encoding="utf-8")
        pages = re.findall(r'<a href="(validations/t2_rules/[^"]+)">', index)
        assert len(set(pages)) == -(-10 // slice_documents)  # each slice's result linked to its own page
        assert all((Path(docs).parent / page).exists() for page in pages)
        return {o.name: o for o in outcomes}

    whole, sliced = checks(10_000), checks(3)
    assert sliced == whole
    assert whole["t2_rules"].passed and whole["t3_rules"].passed
    strict = tmp_path / "strict.yaml"  # every instance must hold: the three are listed, in order
    strict.write_text("mostly:\n  default: 1.0\n", encoding="utf-8")
    gate = strict
    whole, sliced = checks(10_000), checks(3)
    assert sliced == whole and not whole["t2_rules"].passed
    assert whole["t2_rules"].failing_documents.count("count_negative") == 3


def test_the_documents_suite_sees_the_columns_it_checks_as_in_the_whole_rows(tmp_path):
    """The gate gives the documents suite only the columns its expectations read (the others by
    name): the same result as over the staged rows whole, a wrong column set still caught."""
    import pyarrow.compute as pc

    from expectations.gate import _documents
    from expectations.suites import documents_suite
    from ogi.store.parquet import SCHEMAS, read_table, write_partition

    root, ids = str(tmp_path), [f"{i:064x}" for i in range(4)]
    rows = [{**dict.fromkeys(SCHEMAS["documents"].names), "doc_id": d, "status": "ok", "format_version": "2021",
             "publisher": "某县人民政府" if i else None, "warnings": []} for i, d in enumerate(ids)]
    rows[3]["doc_id"] = ids[2]  # a repeated doc_id, and a status the suite refuses
    rows[1]["status"] = "lost"
    with write_partition(root, "documents", 2023) as add, write_partition(root, "extracted", 2023) as add_extracted:
        add(rows)
        add_extracted([{"doc_id": d, "report_year": 2023 if i else 2022, "warnings": []} for i, d in enumerate(ids)])
    ctx = context()
    suite = documents_suite([*SCHEMAS["documents"].names, "report_year"], 2023)
    whole = read_table(root, "documents", 2023)
    years = read_table(root, "extracted", 2023, columns=["doc_id", "report_year"])
    whole = whole.append_column("report_year", pc.take(years["report_year"], pc.index_in(whole["doc_id"],
                                                                                         value_set=years["doc_id"])))
    expected = run_suite(ctx, suite, whole.to_pandas(), ["doc_id"])
    got = run_suite(ctx, suite, _documents(root, 2023, suite), ["doc_id"])
    assert _summary(got) == _summary(expected)
    assert {f.rule for f in got.failures} >= {"expect_column_values_to_be_unique", "expect_column_values_to_be_in_set",
                                               "expect_column_values_to_be_between"}
    narrower = documents_suite([*SCHEMAS["documents"].names[1:], "report_year"], 2023)
    assert "expect_table_columns_to_match_set" in {f.rule for f in run_suite(
        ctx, narrower, _documents(root, 2023, narrower), ["doc_id"]).failures}

