"""A cell whose printed text its column's type refuses (`1.5` or `-1` as a count, `-10` as a fee,
`abc`, `不适用`, `XX`) comes out as printed: value null, text in `raw`, never a crash; and no
exception inside one file's extraction costs `ogi extract` a later file's line."""

import json
import subprocess
import sys

import pytest

import orchestration.cli
from ogi.report import extract_report
from ogi.testing import random_report, render_html, render_text

MARK = 987654.0  # a value no random report prints, replaced by the text under test
T3 = ("natural_person", "commercial_enterprise", "research_institution", "public_interest_org",
      "legal_service_org", "other_org", "total")


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


def _cells(record) -> dict:
    return {(c["table"], c["row"], c["column"]): c for c in record["cells"]}


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


@pytest.mark.parametrize("how", ["html", "pipe"])
@pytest.mark.parametrize(("cell", "text"), REFUSED)
def test_a_refused_value_is_kept_as_printed_and_loses_no_other_cell(cell, text, how):
    report, record = _printed(cell, text, how)
    assert record["error"] is None
    cells = _cells(record)
    assert (cells[cell]["value"], cells[cell]["raw"], cells[cell]["ambiguous"]) == (None, text, False)
    others = {k: c["value"] for k, c in cells.items() if k != cell}
    assert others == {k: v for k, v in report.values.items() if k != cell}  # every other cell read as printed


@pytest.mark.parametrize(("cell", "text"), [(c, t) for c, t in REFUSED if c[0] != "t4"])
def test_a_refused_value_in_text_lines_does_not_crash(cell, text):
    """One cell per line: numbers the type refuses keep their text; a word ends the value run
    there (reading words inside text runs is the tokenizer's part), but nothing raises."""
    _, record = _printed(cell, text, "lines")
    assert record["error"] is None
    if text in ("1.5", "-1", "-10"):
        assert _cells(record)[cell]["raw"] == text


@pytest.mark.parametrize("how", ["html", "pipe"])
@pytest.mark.parametrize("text", ["abc", "不适用", "-1", "1.5", "XX"])
@pytest.mark.parametrize("column", ["natural_person", "public_interest_org", "total"])
def test_a_refused_value_next_to_blank_cells_keeps_its_text(text, column, how):
    _, record = _printed(("t3", "granted", column), text, how, blank_row=True)
    row = [(c["value"], c["raw"]) for c in record["cells"] if c["row"] == "granted"]
    assert row == [(None, text if col == column else None) for col in T3]


def test_blank_and_none_stay_null():
    report, record = _printed(("t3", "granted", "natural_person"), "无")
    cells = _cells(record)
    assert (cells[("t3", "granted", "natural_person")]["value"], cells[("t3", "granted", "natural_person")]["raw"]) \
        == (None, "无")
    report.values[("t3", "granted", "natural_person")] = None
    record = extract_report(render_html(report).encode(), "r.html")
    assert _cells(record)[("t3", "granted", "natural_person")]["value"] is None


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
