"""How real reports deviate, as fixtures: generated reports and real pages edited the way
unseen reports print them (values run into prose, label typos, covering letters, a lone table 4)."""

import re

import pytest

from ogi.report import extract_report
from ogi.testing import random_report, render_html, render_text
from tests.conftest import REAL, cell_values, rows


def _flat(version, seed=11):
    report = random_report(seed, version)
    return report, render_text(report, "flattened")


def _check_flat(record, report, tables=("t2", "t3", "t4")):
    """Every cell of the tables as generated; a t2 row of several glued cells may stay null."""
    assert record["error"] is None and record["format_version"] == report.version
    got = cell_values(record)
    for key, value in report.values.items():
        if key[0] not in tables:
            continue
        if key[0] == "t2" and len(report.row("t2", key[1])) > 1:
            assert got[key] in (value, None), key
        else:
            assert got[key] == pytest.approx(value) if value is not None else got[key] is None, key


def _read(text, name="report.txt"):
    return extract_report(text.encode(), name)


# 1. A row's last value runs straight into what follows.

@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("follows", ["我局严格落实《条例》要求。", "2025年，我局继续做好政府信息公开工作。",
                                     " (五)存在的问题", "1.加强政策解读。"])
def test_table_4_runs_into_what_follows(version, follows):
    report, flat = _flat(version)
    text = flat.replace("五、存在的主要问题及改进情况", follows + "五、存在的主要问题及改进情况")
    _check_flat(_read(text), report)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_last_t3_row_runs_into_a_date(version):
    report, flat = _flat(version)
    text = re.sub(r"(结转下年度继续办理\d+)(四、)", r"\g<1>2025年，我局共收到申请若干。\2", flat)
    _check_flat(_read(text), report)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_fee_row_runs_into_an_ascii_bracket_heading(version):
    report, flat = _flat(version)
    text = re.sub(r"(行政事业性收费[\d.\-]+)", r"\1 (二)主动公开平台建设情况", flat)
    _check_flat(_read(text), report)


def test_a_number_of_the_prose_is_never_read_as_a_cell():
    """`…0000003件`: where the values end is not printed, so the row is not read (never a guess)."""
    report, flat = _flat("2021")
    text = re.sub(r"(结转下年度继续办理\d+)(四、)", r"\g<1>3件申请已办结。\2", flat)
    record = _read(text)
    got = cell_values(record)
    assert all(got[("t3", "carried_forward", c)] is None for c in ("natural_person", "total"))
    _check_flat(record, report, tables=("t2", "t4"))


def test_a_word_starting_with_wu_is_not_a_null_cell():
    """`…0000000无收取…`: the 无 starts the prose, it is not an eighth cell."""
    report, flat = _flat("2021")
    text = flat.replace("五、存在的主要问题及改进情况", "无收取信息处理费情况。五、存在的主要问题及改进情况")
    _check_flat(_read(text), report)


def test_a_clean_run_is_preferred_to_prose_that_names_the_row():
    """A sentence that names a row and runs into a number is not read when the table prints it."""
    report, flat = _flat("2021")
    text = flat.replace("申请人情况", "(本年度结转下年度继续办理6，全部按期办结。)申请人情况", 1)
    _check_flat(_read(text), report)


def test_real_table_4_running_into_prose(shared_corpus):
    text = (REAL / "pingtan_2025_flattened.txt").read_text(encoding="utf-8")
    edited = text.replace("25380363300630003五、", "25380363300630003我局严格落实政府信息公开制度。五、", 1)
    assert edited != text
    edited = edited.replace("结转下年度继续办理4200006四、", "结转下年度继续办理42000062025年，我局四、", 1)
    before, after = rows(_read(text)), rows(_read(edited))
    assert after["t4"] == before["t4"] and any(after["t4"])
    assert after["t3"]["carried_forward"] == before["t3"]["carried_forward"] == [4, 2, 0, 0, 0, 0, 6]


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_the_ordinal_of_an_unknown_numbered_row_is_not_a_digit_of_the_row_before(version):
    """`8.属于行政查询事项4000015` + `9.其他情形0000000`: the `9` belongs to the unknown row."""
    report, flat = _flat(version)
    text = re.sub(r"(8\.属于行政查询事项\d+)", r"\g<1>9.其他不予公开情形0000000", flat)
    assert text != flat
    _check_flat(_read(text), report)


# 2. Label variants and typos (in the format data: templates.yaml).

TYPOS = {"属于行政执法案卷": "属于行政执法案件", "勾稽": "钩稽", "现行有效件数": "先行有效件数", "行政复议": "行政法复议"}
PRINTED_BY = {"2019": sorted(set(TYPOS) - {"现行有效件数"}), "2021": sorted(TYPOS)}  # the 2019 template has no 现行有效件数


@pytest.mark.parametrize("layout", ["flattened", "lines"])
@pytest.mark.parametrize(("version", "typo"), [(v, t) for v, typos in PRINTED_BY.items() for t in typos])
def test_label_typos(version, layout, typo):
    report = random_report(11, version)
    text = render_text(report, layout)
    assert typo in text
    record = _read(text.replace(typo, TYPOS[typo]))
    if layout == "flattened":
        _check_flat(record, report)
    else:
        assert cell_values(record) == pytest.approx(report.values)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_section_numbers_shifted_by_an_extra_fee_section(version):
    report = random_report(11, version)
    text = render_text(report, "lines")
    for old, new in (("六、其他需要", "七、其他需要"), ("五、存在", "六、存在"), ("四、政府信息公开行政", "五、政府信息公开行政"),
                     ("三、收到和处理", "三、行政事业性收费情况\n本机关收费严格按规定执行。\n四、收到和处理")):
        text = text.replace(old, new)
    assert cell_values(_read(text)) == pytest.approx(report.values)


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("layout", ["flattened", "lines"])
def test_table_2_without_its_regulations_row(version, layout):
    report = random_report(11, version)
    text = re.sub(r"规章[\n\d.\-]*?(?=行政规范性文件|规范性文件)", "", render_text(report, layout), count=1)
    record = _read(text)
    assert all(v is None for k, v in cell_values(record).items() if k[:2] == ("t2", "regulations"))
    report.values = {k: v for k, v in report.values.items() if k[:2] != ("t2", "regulations")}
    _check_flat(record, report)


# 3, 8. Covering letters and titles without a year.

def _letter(report, with_org=True):
    org = report.publisher if with_org else ""
    return (f"{org}关于报送{report.year}年政府信息公开工作年度报告的函\n市人民政府办公室：\n"
            f"现将我局{report.year}年政府信息公开工作年度报告报送你们，请审阅。\n{report.publisher}\n"
            f"{report.year + 1}年1月10日\n")


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_covering_letter_above_the_report(seed):
    report = random_report(seed, "2021")
    text = render_text(report, "lines")
    for letter in (_letter(report), _letter(report, with_org=False)):
        record = _read(letter + text)
        assert (record["publisher"], record["year"]) == (report.publisher, report.year)
        assert record["title"] == text.split("\n")[0]
    # the letter's title is the only one: its publisher without `关于报送`
    record = _read(_letter(report) + text.split("\n", 1)[1])
    assert (record["publisher"], record["year"]) == (report.publisher, report.year)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_title_without_a_year_still_names_the_publisher(seed):
    report = random_report(seed, "2021")
    text = render_text(report, "lines").replace(f"{report.year}年政府信息公开", "政府信息公开", 1)
    for prefix in ("", _letter(report)):
        record = _read(prefix + text)
        assert (record["publisher"], record["year"]) == (report.publisher, report.year)
        assert cell_values(record) == pytest.approx(report.values)


# 7. A report holding only some of the tables: the version from any table found, the rest read.

CUTS = {"only t4": r"二、主动公开政府信息情况.*?(?=四、政府信息公开行政)",
        "no t3": r"三、收到和处理.*?(?=四、政府信息公开行政)",
        "no t2": r"二、主动公开政府信息情况.*?(?=三、收到和处理)"}


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("layout", ["flattened", "lines", "html"])
@pytest.mark.parametrize("cut", sorted(CUTS))
def test_report_with_some_tables_missing(version, layout, cut):
    report = random_report(11, version)
    text = render_html(report) if layout == "html" else render_text(report, layout)
    edited = re.sub(CUTS[cut], "", text, flags=re.S)
    assert edited != text
    record = _read(edited, "page.html" if layout == "html" else "report.txt")
    assert record["format_version"] == version and record["year"] == report.year
    kept = {"only t4": ("t4",), "no t3": ("t2", "t4"), "no t2": ("t3", "t4")}[cut]
    got = cell_values(record)
    assert all(v is None for k, v in got.items() if k[0] not in kept)
    _check_flat(record, report, tables=kept)
    assert any(got[k] for k in got if k[0] == "t4")


def test_real_report_cut_down_to_table_4(shared_corpus):
    text = (REAL / "pingtan_2025_flattened.txt").read_text(encoding="utf-8")
    edited = re.sub(r"二、主动公开政府信息情况.*?(?=四、政府信息公开行政)", "", text, count=1, flags=re.S)
    assert "本年新收" not in edited and "第二十条" not in edited
    record = _read(edited)
    assert record["format_version"] == "2021"
    assert rows(record)["t4"] == rows(_read(text))["t4"] == [25, 3, 8, 0, 36, 3, 3, 0, 0, 6, 3, 0, 0, 0, 3]


@pytest.mark.parametrize("layout", ["flattened", "lines", "pipe"])
@pytest.mark.parametrize("seed", [5, 11])
def test_2021_report_printing_the_2019_single_other_handling_row(layout, seed):
    """The single row is the sum of the three 2021 sub-rows: its values are read into 3.其他,
    marked inferred, with a warning saying so; a 0 is a 0 in all three sub-rows (counts are not
    negative), any other value leaves 1. and 2. null. Every other cell is read, and the version
    stays 2021."""
    report = random_report(seed, "2021")
    text = render_text(report, layout)
    subs = ("other_no_correction", "other_fee_unpaid", "other_misc")
    cols = [c for (t, r, c) in report.values if (t, r) == ("t3", "granted")]
    sums = [int(sum(report.values[("t3", r, c)] or 0 for r in subs)) for c in cols]
    assert 0 in sums and any(sums)
    if layout == "pipe":
        row = "| （六）其他处理 | " + " | ".join(map(str, sums)) + " |\n"
        edited = re.sub(r"\| （六）其他处理.*?(?=\| （七）总计)", row, text, flags=re.S)
    else:
        sep = "" if layout == "flattened" else "\n"
        edited = re.sub(r"（六）其他处理.*?(?=（七）总计)", sep.join(["（六）其他处理", *map(str, sums)]) + sep, text,
                        flags=re.S)
    assert edited != text
    record = _read(edited)
    cells = {(c["row"], c["column"]): c for c in record["cells"] if c["table"] == "t3"}
    for col, total in zip(cols, sums, strict=True):
        assert (cells[("other_misc", col)]["value"], cells[("other_misc", col)]["raw"]) == (total, str(total))
        assert cells[("other_misc", col)]["inferred"]
        for sub in subs[:2]:
            assert cells[(sub, col)]["value"] == (0 if total == 0 else None)
            assert cells[(sub, col)]["inferred"] == (total == 0)
    assert any("（六）其他处理 printed as one row" in w and "t3.other_misc" in w for w in record["warnings"])
    report.values = {k: v for k, v in report.values.items() if k[1] not in subs}
    _check_flat(record, report)


def test_a_2021_report_printing_its_sub_rows_gets_no_such_warning():
    record = _read(render_text(random_report(5, "2021"), "lines"))
    assert not any("其他处理" in w for w in record["warnings"])
