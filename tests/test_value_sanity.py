"""A cell whose printed text its column's type refuses (`1.5` or `-1` as a count, `-10` as a fee,
`abc`, `不适用`, `XX`) comes out as printed: value null, text in `raw`, never a crash; and no
exception inside one file's extraction costs `ogi extract` a later file's line."""

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml

import orchestration.cli
from expectations.residuals import rule_residuals
from expectations.suites import gate_settings, rule_suite
from expectations.validate import context, run_suite
from ogi.format import use_format
from ogi.report import extract_report
from ogi.testing import random_report, render_html, render_text
from tests.conftest import SHIPPED_FORMAT, T3_COLUMNS, cells_by_key, gate_frames, record_with_sections

MARK = 987654.0  # a value no random report prints, replaced by the text under test


def _render(report, how: str) -> tuple[bytes, str]:
    if how == "html":
        return render_html(report).encode(), "r.html"
    return render_text(report, how).encode(), "r.txt"


def _printed(cell, text: str, how: str = "html", version: str = "2021", blank_row: bool = False, seed: int = 3):
    """The record of a report whose `cell` prints `text` (the rest of its row blank if asked)."""
    report = random_report(seed, version)
    table, row, _ = cell
    if blank_row:
        for key in [k for k in report.values if k[:2] == (table, row)]:
            report.values[key] = None
    report.values[cell] = MARK
    data, name = _render(report, how)
    assert data.count(b"987654") == 1
    return report, extract_report(data.replace(b"987654", text.encode()), name)


REFUSED = [
    (("t3", "new_received", "natural_person"), "1.5"),
    (("t3", "new_received", "natural_person"), "-1"),
    (("t3", "granted", "total"), "-1"),
    (("t2", "admin_fees", "fee_amount"), "-10"),
    (("t2", "regulations", "issued"), "-1"),
    (("t4", "cases", "review_upheld"), "1.5"),
    (("t3", "granted", "commercial_enterprise"), "abc"),
    (("t3", "granted", "commercial_enterprise"), "不适用"),
    (("t3", "granted", "commercial_enterprise"), "XX"),
]


WORDS = ["abc", "不适用", "-"]
WORD_CELLS = [("t3", "granted", "natural_person"), ("t3", "granted", "total"), ("t2", "regulations", "issued"),
              ("t2", "admin_fees", "fee_amount"), ("t4", "cases", "review_upheld"), ("t4", "cases", "lit_direct_other")]
PRINTED = sorted({*((cell, text, how) for cell, text in REFUSED for how in ("html", "pipe", "lines")),
                  *((cell, text, how) for cell in WORD_CELLS for text in WORDS for how in ("lines", "tabs", "html", "pipe"))})


@pytest.mark.parametrize(("cell", "text", "how"), PRINTED)
def test_a_refused_value_or_word_keeps_its_text_and_loses_no_other_cell(cell, text, how):
    """In every layout, one cell per line included (the word on its own line, the tokenizer leaving
    it and the lines after it as text) and table 4's data row (a grid row with a word in it): the
    text stays in `raw`, value null, and every other cell of the report is read as printed."""
    report, record = _printed(cell, text, how)
    assert record["error"] is None
    cells = cells_by_key(record)
    assert (cells[cell]["value"], cells[cell]["raw"], cells[cell]["ambiguous"]) == (None, text, False)
    assert {k: c["value"] for k, c in cells.items() if k != cell} == {k: v for k, v in report.values.items() if k != cell}


def test_a_short_line_that_does_not_fill_the_row_is_not_read_as_a_cell():
    """A word is read as a cell only when the row's lines then give exactly its cells: a row
    printed without its blank cells keeps the word out of its values (and out of `raw`)."""
    report = random_report(3, "2021")
    report.values[("t3", "granted", "commercial_enterprise")] = MARK
    report.values[("t3", "granted", "research_institution")] = None  # dropped from one-per-line text
    text = render_text(report, "lines").replace("987654", "abc")
    cells = cells_by_key(extract_report(text.encode(), "r.txt"))
    assert all(c["raw"] != "abc" for c in cells.values())
    assert cells[("t3", "partially_granted", "total")]["value"] == report.values[("t3", "partially_granted", "total")]


@pytest.mark.parametrize("how", ["html", "pipe"])
@pytest.mark.parametrize("text", ["abc", "不适用", "-1", "1.5", "XX"])
@pytest.mark.parametrize("column", ["natural_person", "public_interest_org", "total"])
def test_a_refused_value_next_to_blank_cells_keeps_its_text(text, column, how):
    _, record = _printed(("t3", "granted", column), text, how, blank_row=True)
    row = [(c["value"], c["raw"]) for c in record["cells"] if c["row"] == "granted"]
    assert row == [(None, text if col == column else None) for col in T3_COLUMNS]


def test_blank_and_none_stay_null():
    report, record = _printed(("t3", "granted", "natural_person"), "无")
    cells = cells_by_key(record)
    assert (cells[("t3", "granted", "natural_person")]["value"], cells[("t3", "granted", "natural_person")]["raw"]) \
        == (None, "无")
    report.values[("t3", "granted", "natural_person")] = None
    record = extract_report(render_html(report).encode(), "r.html")
    assert cells_by_key(record)[("t3", "granted", "natural_person")]["value"] is None


def test_cli_prints_a_line_for_every_file_after_a_formerly_crashing_one(tmp_path):
    good = tmp_path / "good.html"
    good.write_bytes(render_html(random_report(4)).encode())
    report = random_report(3)
    report.values[("t3", "new_received", "natural_person")] = MARK
    bad = tmp_path / "bad.html"
    bad.write_bytes(render_html(report).replace("987654", "1.5").encode())
    files = [str(good), str(bad), str(good)]
    out = subprocess.run([sys.executable, "-m", "orchestration.cli", "extract", *files], capture_output=True,
                         text=True, check=False)
    assert (out.returncode, out.stderr) == (0, "")
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["source"] for r in records] == files and all(r["error"] is None for r in records)


@pytest.mark.parametrize("boom", [IndexError("list index out of range"), MemoryError(), ValueError("x")])
@pytest.mark.parametrize("where", ["extract", "read"])
def test_no_exception_in_one_file_stops_the_batch(tmp_path, monkeypatch, capsysbinary, boom, where):
    import ogi.parallel
    import ogi.report

    good = tmp_path / "good.html"
    good.write_bytes(render_html(random_report(4)).encode())
    crash = tmp_path / "crash.html"
    crash.write_bytes(b"<p>x</p>")
    monkeypatch.setattr(ogi.parallel, "cap_memory", lambda *a: None)  # not this test process
    real_extract, real_read = ogi.report.extract_report, orchestration.cli.Path.read_bytes

    def extract(data, source, *a, **k):
        if where == "extract" and source.endswith("crash.html"):
            raise boom
        return real_extract(data, source, *a, **k)

    def read_bytes(self):
        if where == "read" and self.name == "crash.html":
            raise boom
        return real_read(self)

    monkeypatch.setattr(ogi.report, "extract_report", extract)
    monkeypatch.setattr(orchestration.cli.Path, "read_bytes", read_bytes)
    files = [str(good), str(crash), str(good), str(crash), str(good)]
    assert orchestration.cli.main(["extract", *files]) == 0
    records = [json.loads(line) for line in capsysbinary.readouterr().out.decode().splitlines()]
    assert [r["source"] for r in records] == files
    assert [r["error"] is None for r in records] == [True, False, True, False, True]
    assert all(type(boom).__name__ in r["error"] for r in records[1::2])


# Value-sanity rules: data in templates.yaml (type_rules, text_rules), in the record's violations
# and in the gate's residuals and suites like every other rule.

EXPECTED_RULE = {"1.5": "count_not_whole", "-1": "count_negative", "-10": "amount_negative", "abc": "value_not_a_number",
                 "不适用": "value_not_a_number", "XX": "value_placeholder"}
TYPE_RULES = set(EXPECTED_RULE.values())


def _broken(record) -> set:
    return {(v["rule"], v["table"], v["row"], v["column"]) for v in record["violations"] if v["status"] == "broken"}


@pytest.mark.parametrize(("cell", "text"), REFUSED)
def test_a_refused_value_breaks_the_type_rule_that_says_what_is_wrong(cell, text):
    _, record = _printed(cell, text)
    rule = EXPECTED_RULE[text]
    assert {b for b in _broken(record) if b[0] in TYPE_RULES} == {(rule, *cell)}
    v = next(v for v in record["violations"] if v["rule"] == rule)
    assert (v["severity"], v["kind"]) == ("warning", "heuristic" if rule == "value_placeholder" else "structural")
    assert repr(text) in v["detail"]


@pytest.mark.parametrize("text", ["", "无", "-", "/", "0", "12"])
def test_blank_none_and_numbers_break_no_type_rule(text):
    _, record = _printed(("t3", "granted", "natural_person"), text)
    assert not {b for b in _broken(record) if b[0] in TYPE_RULES}


def test_a_negative_change_is_no_violation():
    _, record = _printed(("t2", "admin_licensing", "change"), "-18", version="2019")
    assert cells_by_key(record)[("t2", "admin_licensing", "change")]["value"] == -18
    assert not {b for b in _broken(record) if b[0] in TYPE_RULES}


def _html(report, edit=lambda s: s) -> dict:
    return record_with_sections(edit(render_html(report)).encode(), "r.html")


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_text_rules_empty_s5_empty_t3_and_misnumbered_headings(version):
    clean = _html(random_report(3, version))
    assert not {b for b in _broken(clean) if b[0] in ("s5_not_empty", "s3_table_not_empty", "section_numbering")}
    empty_s5 = _html(random_report(3, version), lambda s: s.replace("<p>公开深度有待提升。</p>", ""))
    assert ("s5_not_empty", None, None, None) in _broken(empty_s5)
    report = random_report(3, version)
    report.values.update({k: None for k in report.values if k[0] == "t3"})
    empty_t3 = _html(report)
    assert ("s3_table_not_empty", None, None, None) in _broken(empty_t3)
    assert all(c["value"] is None for c in empty_t3["cells"] if c["table"] == "t3")
    misnumbered = _html(random_report(3, version), lambda s: s.replace("二、主动公开", "三、主动公开"))
    hits = [v for v in misnumbered["violations"] if v["rule"] == "section_numbering" and v["status"] == "broken"]
    assert len(hits) == 1 and "s2 is numbered 3" in hits[0]["detail"]


def test_the_gate_recomputes_the_new_rules_and_warns():
    """The residuals agree with the record's violations; the suites name the rules as warnings."""
    report = random_report(3)
    report.values[("t3", "granted", "total")] = MARK
    report.values[("t2", "admin_fees", "fee_amount")] = MARK + 1
    html = render_html(report).replace("987654", "-1").replace("987655", "XX")
    html = html.replace("<p>公开深度有待提升。</p>", "").replace("二、主动公开", "三、主动公开")
    record = record_with_sections(html.encode(), "r.html")
    residuals = rule_residuals(*gate_frames([record]))
    failing = {(r, t, None if pd.isna(loc) else str(loc)) for r, t, loc, v in
               residuals[["rule", "table", "location", "residual"]].itertuples(index=False) if v < 0}
    assert failing == {("count_negative", "t3", "total"), ("value_placeholder", "t2", "fee_amount"),
                       ("s5_not_empty", "text", "s5"), ("section_numbering", "text", "s2")}
    broken = {(v["rule"], v["column"]) for v in record["violations"] if v["status"] == "broken"}
    assert {("count_negative", "total"), ("value_placeholder", "fee_amount"), ("s5_not_empty", None),
            ("section_numbering", None)} <= broken
    ctx, settings = context(), gate_settings()
    for table, rule in (("t3", "count_negative"), ("t2", "value_placeholder"), ("text", "s5_not_empty"),
                        ("text", "section_numbering")):
        suite = rule_suite(table, settings)
        assert rule in {e.meta["rule"] for e in suite.expectations}
        outcome = run_suite(ctx, suite, residuals[residuals["table"] == table], ["doc_id", "location"])
        failure = next(f for f in outcome.failures if f.rule == rule)
        assert failure.severity == "warning" and failure.doc_ids == [record["doc_id"]]
    assert {e.meta["rule"] for e in rule_suite("t4", settings).expectations} >= TYPE_RULES


def test_type_rules_are_data(tmp_path):
    """A type rule added to the format file is evaluated with no code change (first match wins)."""
    spec = yaml.safe_load(SHIPPED_FORMAT.read_text(encoding="utf-8"))
    spec["type_rules"].insert(0, {"id": "count_question_marks", "kind": "heuristic", "severity": "warning",
                                  "types": ["count"], "match": "^[?？]+$"})
    path = tmp_path / "templates.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with use_format(path):
        _, record = _printed(("t3", "granted", "natural_person"), "？？")
    assert ("count_question_marks", "t3", "granted", "natural_person") in _broken(record)
    _, record = _printed(("t3", "granted", "natural_person"), "？？")
    assert ("value_placeholder", "t3", "granted", "natural_person") in _broken(record)
