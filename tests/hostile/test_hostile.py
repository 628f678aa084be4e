"""Hostile and unlucky input: each costs its own record with a clear error, never the batch."""

import json
import os
import subprocess
import sys

import pytest

from ogi.report import extract_report
from ogi.testing import random_report, render_html
from tests.conftest import ROOT

NOT_CHARSETS = ["base64", "rot13", "hex", "zlib", "uu", "bz2", "quopri", "punycode", "undefined"]


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_a_codec_that_is_not_a_charset_is_ignored(label):
    page = render_html(random_report(7)).replace("<head>", f'<head><meta charset="{label}">', 1)
    for record in (extract_report(page.encode("utf-8"), "report.html"),
                   extract_report(page.encode("utf-8"), "report.html", f"text/html; charset={label}")):
        assert record["error"] is None and record["format_version"] == "2021"
        assert sum(c["value"] is not None for c in record["cells"]) > 100


def test_utf8_declared_as_a_single_byte_charset_is_read_as_utf8_and_reported():
    page = render_html(random_report(8)).replace("<head>", '<head><meta charset="iso-8859-1">', 1)
    record = extract_report(page.encode("utf-8"), "report.html", "text/html; charset=ISO-8859-1")
    assert record["error"] is None and record["publisher"]
    assert any("iso8859-1" in w and "utf-8" in w for w in record["warnings"]), record["warnings"]


@pytest.mark.slow
def test_ogi_extract_prints_valid_utf8_for_any_file_name_and_exits_0(tmp_path):
    good = tmp_path / "good.html"
    good.write_text(render_html(random_report(9)), encoding="utf-8")
    gbk_name = os.fsencode(tmp_path) + b"/" + "平潭2022年报.html".encode("gbk")
    with open(gbk_name, "wb") as handle:
        handle.write(good.read_bytes())
    bad_charset = tmp_path / "bad.html"
    bad_charset.write_text('<meta charset="base64">' + good.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii:strict"}
    run = subprocess.run([sys.executable, "-m", "orchestration.cli", "extract", os.fsdecode(gbk_name),
                          str(bad_charset), str(tmp_path / "missing.html"), str(good)],
                         cwd=ROOT, env=env, capture_output=True, check=False)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    records = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert len(records) == 4
    assert os.fsencode(tmp_path).decode() in records[0]["source"] and "\\xc4" in records[0]["source"]
    assert records[0]["error"] is None
    assert records[1]["error"] is None and records[3]["error"] is None
    assert records[2]["error"].startswith("cannot read file")


@pytest.mark.slow
def test_a_conversion_cut_short_leaves_no_libreoffice_behind(tmp_path, monkeypatch):
    """soffice runs soffice.bin as its own child; when the document's time is up, both go."""
    import time

    from ogi.read.decode import UnreadableDocument
    from ogi.read.limits import time_limit
    from ogi.read.word import convert_with_libreoffice

    soffice = tmp_path / "bin" / "soffice"
    soffice.parent.mkdir()
    soffice.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {tmp_path}/child.pid\nwait\n", encoding="utf-8")
    soffice.chmod(0o755)
    monkeypatch.setenv("PATH", f"{soffice.parent}:/usr/bin:/bin")
    with pytest.raises(UnreadableDocument, match="takes too long"), time_limit(1):
        convert_with_libreoffice(b"\xd0\xcf\x11\xe0" + b"\0" * 600, "doc")
    child = int((tmp_path / "child.pid").read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("the converter's child process outlived the conversion")


def test_a_document_over_the_memory_ceiling_costs_its_own_record():
    """Workers read under RLIMIT_AS: a document that needs more fails alone, the batch goes on."""
    from ogi.parallel import map_batches, pool
    from ogi.steps import TOO_BIG, normalize_row

    good = render_html(random_report(11)).encode("utf-8")
    huge = "".join(f"<p>第{i}段 行政许可 {i} {i + 1}</p>" for i in range(400_000)).encode()
    items = [("huge", huge, "huge.html", None), ("good", good, "good.html", None)]
    with pool(2, memory_mib=200) as executor:
        rows = [r for batch in map_batches(executor, normalize_row, items) for r in batch]
    assert rows[0]["error"] == TOO_BIG
    assert rows[1]["error"] is None and rows[1]["document"]


def _falsified_docx(real_size: int) -> bytes:
    """A DOCX whose zip directory claims a tiny document.xml that really inflates to real_size."""
    import io
    import struct
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * real_size + b"</w:document>")
    data = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            struct.pack_into("<I", data, at + offset, 1000)
            start = at + 4
    return bytes(data)


def test_a_docx_bomb_with_falsified_sizes_is_refused():
    record = extract_report(_falsified_docx(300 * 2**20), "bomb.docx")
    assert record["cells"] is None
    assert "zip bomb" in record["error"] or "broken zip archive" in record["error"], record["error"]


def test_a_table_that_spans_into_millions_of_cells_is_refused_before_it_is_built():
    row = "<tr>" + '<td rowspan="100" colspan="100">1</td>' * 60 + "</tr>"
    page = f"<html><body><h1>示例县2022年政府信息公开工作年度报告</h1><table>{row * 700}</table></body></html>"
    record = extract_report(page.encode("utf-8"), "spans.html")
    assert record["error"] == "a table expands to over 100,000 cells: refused"


def test_a_pdf_page_too_large_to_read_is_refused_before_it_is_read():
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(14400, 14400))  # 23 KB or less, 5 m × 5 m
    page.drawString(100, 100, "示例县2022年政府信息公开工作年度报告")
    page.showPage()
    page.save()
    record = extract_report(buffer.getvalue(), "huge.pdf")
    assert record["error"] == "page 1 is 14400 × 14400 points, over the 16,000,000 square-point limit"


def test_a_pdf_page_with_too_many_objects_is_refused(monkeypatch):
    from ogi.read import pdf
    from ogi.testing import render_pdf

    monkeypatch.setattr(pdf, "MAX_PAGE_OBJECTS", 50)
    record = extract_report(render_pdf(random_report(12)), "busy.pdf")
    assert record["error"].startswith("page 1 has over 50 objects")
