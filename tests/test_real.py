"""Real HTML, text and Markdown reports: every printed cell as checked by hand."""

from pathlib import Path

import pytest
import yaml

from ogi.report import extract_report
from tests.conftest import REAL, cell, rows

EXPECTED = yaml.safe_load((Path(__file__).parent / "expected" / "real_expected.yaml").read_text(encoding="utf-8"))


def _record(name):
    return extract_report((REAL / name).read_bytes(), name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_report(shared_corpus, name):
    record, expected = _record(name), EXPECTED[name]
    assert record["error"] is None
    for key in ("publisher", "year", "format_version", "published_date"):
        assert record[key] == expected[key], key
    got = rows(record)
    for table in ("t2", "t3", "t4"):
        if table in expected:
            assert got[table] == expected[table], table
    if expected["format_version"] == "legacy":
        assert record["cells"] == []


@pytest.mark.parametrize("year,page", [(2019, "80576"), (2023, "87885"), (2024, "97791"), (2025, "105587")])
def test_flattened_text_agrees_with_the_page(shared_corpus, year, page):
    """The flattened capture recovers every cell the HTML table shows, except cut-less t2 rows."""
    flat, html = rows(_record(f"pingtan_{year}_flattened.txt")), rows(_record(f"pingtan_{year}_{page}.html"))
    assert flat["t3"] == html["t3"]
    assert flat["t4"] == html["t4"]
    for row, values in flat["t2"].items():
        assert all(v is None or v == h for v, h in zip(values, html["t2"][row], strict=True)), row


def test_glued_digits_are_marked_inferred_and_ambiguity_is_flagged(shared_corpus):
    record = _record("pingtan_2020_flattened.txt")
    penalty = [cell(record, "t2", "admin_penalty", c) for c in ("prev_year_items", "change", "decisions")]
    assert penalty[0]["value"] == 2648 and penalty[0]["inferred"]
    assert [c["ambiguous"] for c in penalty[1:]] == [True, True]
    fees = [cell(record, "t2", "admin_fees", c)["value"] for c in ("prev_year_items", "change")]
    assert fees == [35, -15]  # `35-15`: a negative 本年增/减
    total = cell(record, "t3", "results_total", "total")
    assert total["value"] == 21 and total["inferred"] and total["raw"] == "21"


def test_real_arithmetic_error_is_reported(shared_corpus):
    """Pingtan 2020: result rows add up to 26 / 27 but （七）总计 says 20 / 21 (VARIANTS 6.1)."""
    broken = {(v["rule"], v["column"]) for v in _record("pingtan_2020_flattened.txt")["violations"]
              if v["status"] == "broken"}
    assert ("t3_results_total", "natural_person") in broken and ("t3_results_total", "total") in broken
    assert not any(rule == "t3_balance" for rule, _ in broken)


def test_procurement_in_yuan_is_converted(shared_corpus):
    c = cell(_record("pingtan_2019_80576.html"), "t2", "central_procurement", "procurement_amount")
    assert c["raw"] == "75394432.52元" and c["value"] == pytest.approx(7539.443252)
