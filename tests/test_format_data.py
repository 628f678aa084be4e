"""A template that exists only as data: the fictitious "2031" of tests/fixtures/format_2031.yaml,
added to the shipped format, detected and read from a report written in it with no code change."""

import pytest

from ogi.extract.labels import scanner
from ogi.extract.tables import detect_version
from ogi.format import load_format, use_format
from ogi.report import extract_report
from ogi.testing import random_report, render_text
from tests.conftest import FIXTURES, cell_values, format_2031_file

REPORT = (FIXTURES / "report_2031.txt").read_text(encoding="utf-8")


def _row(values: dict, table: str, row: str) -> list:
    return [v for (t, r, _), v in values.items() if (t, r) == (table, row)]


def test_a_report_in_the_new_template_is_detected_and_read(format_2031):
    record = extract_report(REPORT.encode(), "report_2031.txt")
    assert record["error"] is None and record["format_version"] == "2031"
    assert (record["publisher"], record["year"], record["published_date"]) == ("某某县人民政府", 2031, "2032-01-20")
    values = cell_values(record)
    assert len(values) == len(format_2031.versions["2031"].cells())
    assert None not in values.values()  # every cell is printed, every one is read
    assert not any(c["inferred"] or c["ambiguous"] for c in record["cells"])
    assert _row(values, "t2", "regulations") == [2, 0, 15, 1]  # new column 本年解读件数
    assert _row(values, "t2", "admin_inspection") == [57]  # new row 行政检查
    assert _row(values, "t2", "admin_fees") == [1.5]
    assert _row(values, "t3", "new_received") == [20, 2, 0, 0, 1, 1, 0, 24]  # new column 新闻媒体 before 其他
    assert _row(values, "t3", "other_withdrawn") == [2, 0, 0, 0, 1, 0, 0, 3]  # new row
    assert _row(values, "t3", "carried_forward") == [1, 1, 0, 0, 0, 0, 0, 2]  # relabelled row
    assert _row(values, "t4", "cases") == [1, 0, 0, 1, 2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]


def test_the_new_template_rules_are_evaluated(format_2031):
    """Its own rule is broken (5 interpretations of 3 documents); every other rule, the 勾稽关系
    and totals over the new column and row included, holds."""
    record = extract_report(REPORT.encode(), "report_2031.txt")
    broken = [(v["rule"], v["row"], v["status"]) for v in record["violations"]]
    assert broken == [("t2_interpreted_le_issued", "normative_documents", "broken")]
    checks = format_2031.versions["2031"].checks
    assert {"news_media", "total"} <= {c.column for c in checks if c.rule == "t3_balance"}
    assert "other_withdrawn" in {c.row for c in checks if c.rule == "t3_row_total"}


def test_dropped_blanks_are_placed_by_the_new_columns_and_rules(format_2031):
    """A row printed as text without its blank cells: its first and last cells are read as
    自然人 and 总计 (`row_ends`), the two in between placed by the template's arithmetic."""
    text = REPORT.replace("| （一）予以公开 | 12 | 1 | 0 | 0 | 0 | 1 | 0 | 14 |", "（一）予以公开\n12 1 1 14")
    granted = [c for c in extract_report(text.encode(), "report.txt")["cells"] if c["row"] == "granted"]
    assert [c["value"] for c in granted] == [12, 1, None, None, None, 1, None, 14]
    assert all(c["inferred"] for c in granted if c["value"] is not None)


def test_detection_among_three_templates(format_2031):
    text_2021 = render_text(random_report(3, "2021"), "lines")
    text_2019 = render_text(random_report(3, "2019"), "lines")
    assert detect_version(REPORT, 2031) == detect_version(REPORT, 2023) == "2031"  # its labels decide
    assert detect_version(text_2021, 2023) == "2021"
    assert detect_version(text_2021, 2032) == "2031"  # a tie goes to the template in force that year
    assert detect_version(text_2021, None) == "2031"  # or to the latest
    assert detect_version(text_2019, 2020) == detect_version(text_2019, 2032) == "2019"
    assert detect_version("某县2031年政府信息公开工作年度报告", 2031) == "legacy"


def test_use_format_swaps_the_format_and_what_is_built_from_it(tmp_path):
    shipped, shipped_scanner = load_format(), scanner("2021")
    with use_format(format_2031_file(tmp_path)) as fmt:
        assert load_format() is fmt and list(fmt.versions) == ["2019", "2021", "legacy", "2031"]
        assert scanner("2021") is not shipped_scanner
    assert load_format() is shipped and "2031" not in shipped.versions
    assert scanner("2021") is shipped_scanner


def test_use_format_refuses_what_is_cached_without_a_key(tmp_path):
    path = format_2031_file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("null_markers:", "null_markers:\n- 暂无"),
                    encoding="utf-8")
    with pytest.raises(ValueError, match="null_markers"), use_format(path):
        pass
    assert "2031" not in load_format().versions
