"""The format module holds both templates and every rule of the official format description."""

import re

import pytest
import yaml

from ogi.format import chinese_numeral, heading_number, load_format
from ogi.read.textnorm import normalize
from tests.conftest import SHARED


def _shared_format():
    return yaml.safe_load((SHARED / "report-format" / "format.yaml").read_text(encoding="utf-8"))


def test_template_cell_counts():
    fmt = load_format()
    assert len(fmt.versions["2019"].cells()) == 198
    assert len(fmt.versions["2021"].cells()) == 200
    assert fmt.versions["legacy"].cells() == []


def test_every_rule_of_the_official_description_is_in_the_format(shared_corpus):
    spec = _shared_format()
    for code in ("2019", "2021"):
        version = load_format().versions[code]
        ours = {c.rule for c in version.checks} | {c.rule for c in version.cross_year_checks}
        ours |= {r.id for r in version.text_rules}
        theirs = {r["id"] for r in spec["versions"]["v" + code]["rules"]}
        theirs |= {r["id"] for r in spec["versions"]["v" + code].get("text_rules", [])}
        assert theirs <= ours, theirs - ours
        severities = {r["id"]: r["severity"] for r in spec["versions"]["v" + code]["rules"]}
        for check in version.checks:
            assert check.severity == severities.get(check.rule, check.severity)


def test_every_official_label_is_recognised(shared_corpus):
    """Each row label of both templates, as printed, matches its own row pattern and no other."""
    spec = _shared_format()
    for code in ("2019", "2021"):
        tables = load_format().versions[code].tables
        for table in ("t2", "t3"):
            for row in spec["versions"]["v" + code]["tables"][table]["rows"]:
                name = row["code"].split(".")[-1]
                label = normalize(row["label"], join_lines=True)
                matches = [r.code for r in tables[table].rows.values() if r.match and re.fullmatch(r.match, label)]
                assert matches == [name], (code, label, matches)


def test_rule_expansion_locates_each_instance():
    checks = [c for c in load_format().versions["2021"].checks if c.rule == "t3_balance"]
    assert [c.column for c in checks] == [
        "natural_person", "commercial_enterprise", "research_institution", "public_interest_org",
        "legal_service_org", "other_org", "total",
    ]
    assert all(c.severity == "error" and c.kind == "official" for c in checks)


def test_versions_and_detection_of_the_shipped_format():
    """The version list and the year tie-break come from the data and still mean what they did:
    a template report whose labels do not tell 2019 from 2021 goes by its year."""
    from ogi.extract.tables import detect_version

    fmt = load_format()
    assert list(fmt.versions) == ["2019", "2021", "legacy"]
    assert list(fmt.layouts) == ["t2", "t3", "t4"]
    bare = "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量"
    assert [detect_version(bare, y) for y in (2010, 2020, 2021, 2024, None)] == ["2019", "2019", "2021", "2021", "2021"]
    assert detect_version("2018年政府信息公开工作年度报告", 2018) == "legacy"


def test_gate_checks_come_from_the_format():
    from expectations import CHECKS

    assert CHECKS == {"t2_rules": "t2", "t3_rules": "t3", "t4_rules": "t4", "text_rules": "text",
                      "cross_year_rules": "cross_year", "document_metadata": None}


@pytest.mark.parametrize(("text", "value"), [
    ("零", 0), ("〇", 0), ("两", 2), ("九", 9), ("十", 10), ("十二", 12), ("两十", 20), ("二十", 20), ("九十九", 99),
    ("一百", None), ("零十", None), ("〇十五", None), ("一二", None), ("十十", None), ("二十三四", None), ("", None)])
def test_chinese_numerals_up_to_ninety_nine(text, value):
    assert chinese_numeral(text) == value


@pytest.mark.parametrize(("heading", "value"), [
    ("三、主动公开政府信息情况", 3), ("十二、其他", 12), (" 3、主动公开", 3), ("第三章", None), ("三 主动公开", None)])
def test_the_ordinal_a_heading_prints(heading, value):
    assert heading_number(heading) == value
