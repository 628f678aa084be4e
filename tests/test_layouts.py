"""Each layout and normalization, on reports generated with known values."""

import pytest

from ogi.read.textnorm import normalize
from ogi.report import extract_report
from ogi.testing import random_report, render_html, render_text
from tests.conftest import cell, cell_values


def _check(record, report, ambiguous_ok=()):
    assert record["error"] is None
    assert record["format_version"] == report.version
    assert (record["publisher"], record["year"], record["published_date"]) == (
        report.publisher, report.year, report.published)
    got = cell_values(record)
    for key, value in report.values.items():
        if key[:2] in ambiguous_ok:
            assert got[key] in (value, None), key
        else:
            assert got[key] == pytest.approx(value) if value is not None else got[key] is None, key


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_html_with_spans_chrome_and_nested_layout_table(version, seed):
    report = random_report(seed, version)
    _check(extract_report(render_html(report).encode(), "page.html"), report)


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("layout", ["lines", "pipe", "tabs"])
def test_text_layouts(version, layout):
    report = random_report(7, version)
    _check(extract_report(render_text(report, layout).encode(), "report.txt"), report)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_flattened_text_recovers_tables_with_totals(version):
    """Digits of neighbouring cells run together: t3 and t4 come back through their totals;
    t2 rows with several cells and no total stay null unless the digits allow one reading."""
    report = random_report(11, version)
    record = extract_report(render_text(report, "flattened").encode(), "flat.txt")
    multi = {("t2", r) for (t, r, c) in report.values if t == "t2" and len(report.row("t2", r)) > 1}
    _check(record, report, ambiguous_ok=multi)
    assert all(c["inferred"] for c in record["cells"] if c["table"] == "t3" and c["value"] is not None)


def test_traditional_pinyin_and_fullwidth_digits():
    report = random_report(5, "2021")
    text = render_text(report, "lines", traditional=True, fullwidth=True)
    assert "數(shù)據(jù)" in text and "０" in text
    _check(extract_report(text.encode(), "trad.txt"), report)


def test_blank_cells_stay_null_and_nbsp_is_blank():
    report = random_report(3, "2019")
    for col in ("commercial_enterprise", "research_institution"):
        report.values[("t3", "granted", col)] = None
    record = extract_report(render_html(report).encode(), "blank.html")
    c = cell(record, "t3", "granted", "commercial_enterprise")
    assert c["value"] is None and c["raw"] is None and not c["ambiguous"]
    assert {v["rule"] for v in record["violations"] if v["status"] == "not_evaluable"} >= {"t3_row_total"}


@pytest.mark.parametrize("declared", ['<meta charset="gb2312">', '<meta http-equiv="Content-Type" content="text/html; charset=GBK">', ""])
def test_gbk_pages(declared):
    report = random_report(9, "2021")
    page = render_html(report, chrome=False).replace('<meta charset="utf-8">', declared)
    record = extract_report(page.encode("gbk"), "gbk.html")
    _check(record, report)
    assert record["warnings"] == []


def test_http_header_charset_wins_over_nothing():
    report = random_report(9, "2021")
    page = render_html(report, chrome=False).replace('<meta charset="utf-8">', "")
    _check(extract_report(page.encode("gb18030"), "h.html", content_type="text/html; charset=gb2312"), report)


def test_utf8_bom_text():
    report = random_report(4, "2019")
    _check(extract_report(b"\xef\xbb\xbf" + render_text(report, "pipe").encode(), "bom.txt"), report)


def test_normalize_repairs_script_width_pinyin_and_broken_labels():
    assert normalize("規範性檔案") == "规范性文件"
    assert normalize("數(shù)據(jù)統(tǒng)計") == "数据统计"
    assert normalize("（一）予以公開　１２") == "(一)予以公开 12"
    assert normalize("三、\n本\n年度办 理结果", join_lines=True) == "三、本年度办理结果"
    assert normalize("社会公益 组织 12 3") == "社会公益组织 12 3"


def _normalize_as_stated(text: str, join_lines: bool) -> str:
    """normalize() spelled as its rules say, each space or annotation found after the character
    before it (lookbehind first; the module's patterns start with what they remove, to be fast)."""
    import re
    import unicodedata

    from ogi.read.textnorm import _INVISIBLE, _SPACES, _repairs, _t2s, load_format
    cjk = r"\u3001-\u303f\u3400-\u9fff\u201c\u201d\u2018\u2019()/,:;"
    text = re.sub("[^\x00-\x7f\u4e00-\u9fff]+", lambda m: unicodedata.normalize("NFKC", m.group()),
                  _INVISIBLE.sub("", text))
    text = _t2s().convert(re.sub(r"(?<=[\u3400-\u9fff])\([a-zA-Z\u00e0-\u00fc\u0101-\u01dc]{1,7}\)", "", text))
    text = _repairs().sub(lambda m: load_format().label_repairs[m.group(0)], text)
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = re.sub(r"(?<=\d[.、])[ \t]+(?=[\u3400-\u9fff])", "", text)
    space = "[ \t\n]" if join_lines else "[ \t]"
    return re.sub(rf"(?<=[{cjk}]){space}+(?=[{cjk}])", "", text)


def test_normalize_matches_its_rules_as_stated_on_random_text():
    import random

    rng = random.Random(7)
    alphabet = list("中文數 \t\n\r1.、(shù)ａ，。（）　b规範") + ["\u200b", "\u00e0", "ǜ", "“", "\x00", "e\u0301",
                                                                 "\u0301", "\u0327", "\u1100\u1161", "\u11a8", "ﬁ", "①"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for join_lines in (False, True):
            assert normalize(text, join_lines) == _normalize_as_stated(text, join_lines), repr(text)


def test_chrome_filter_matches_its_rule_value_by_value_on_random_classes():
    """The chrome elements found over all class and id values at once (lowercased ASCII, words
    first) are those whose value the page-chrome pattern finds, value by value, in document order."""
    import random

    from lxml import etree

    from ogi.read.html import _CHROME, _PARSER, _chrome

    rng = random.Random(5)
    parts = ["nav", "NAV", "Navbar", "menu", "footer", "foot", "x", "-", "_", " ", "\n", "friend", "links",
             "friend-link", "tools", "toolbar", "k", "\u212a", "\u017f", "ſhare", "bdshare", "crumb", "İ", "1"]
    found = 0
    for _ in range(1500):
        divs = []
        for _ in range(rng.randint(0, 6)):
            attrs = "".join(f' {name}="{"".join(rng.choices(parts, k=rng.randint(0, 4)))}"'
                            for name in ("class", "id") if rng.random() < 0.6)
            divs.append(f"<div{attrs}>t</div>")
        root = etree.fromstring("<html><body>" + "".join(divs) + "</body></html>", _PARSER)
        expected = [el for el in root.iter("div")
                    if any(_CHROME.search(el.get(name) or "") for name in ("class", "id"))]
        assert _chrome(root) == expected, divs
        found += len(expected)
    assert found > 1000


def test_damaged_header_label_still_reads_the_row():
    """`本年增/` (the `减` lost) must not hide the 2019 t2 rows (seed 000 prints it so)."""
    report = random_report(8, "2019")
    text = render_text(report, "lines").replace("本年增/减", "本年增/")
    _check(extract_report(text.encode(), "damaged.txt"), report)


def test_section_numbering_variants():
    report = random_report(12, "2019")
    text = render_text(report, "lines").replace("二、主动公开", "2、 主动公开").replace("三、收到", "（3） 收到")
    _check(extract_report(text.encode(), "numbering.txt"), report)
