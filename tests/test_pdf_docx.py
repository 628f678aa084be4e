"""PDF and Word reports: fixtures built here (reportlab, python-docx), real files, bad files."""

import io
import shutil
import subprocess
import time
import zipfile

import pdfplumber
import pytest

from ogi.read.decode import UnreadableDocument
from ogi.read.limits import time_limit
from ogi.read.pdf import read_pdf
from ogi.report import extract_report
from ogi.testing import random_report, render_docx, render_pdf
from tests.conftest import REAL, cell_values


def _assert_values(record, report):
    assert record["error"] is None, record["error"]
    assert (record["publisher"], record["year"], record["format_version"]) == (
        report.publisher, report.year, report.version)
    got = cell_values(record)
    assert {k: got[k] for k in report.values} == pytest.approx(report.values)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_pdf_with_table_3_over_a_page_break_and_vertical_labels(version):
    report = random_report(21, version)
    data = render_pdf(report, vertical=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # the fixture really splits t3, header repeated
        pages_with_t3_header = [p.page_number for p in pdf.pages if "申请人情况" in (p.extract_text() or "")]
    assert len(pages_with_t3_header) == 2
    _assert_values(extract_report(data, "report.pdf"), report)


def test_pdf_tables_drawn_without_lines_are_read_as_text():
    report = random_report(28, "2021")
    data = render_pdf(report, ruled=False, vertical=False)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert not any(p.find_tables() for p in pdf.pages)
    record = extract_report(data, "unruled.pdf")
    got = cell_values(record)
    assert {k: got[k] for k in report.values} == pytest.approx(report.values)


def test_pdf_full_width_digits():
    report = random_report(22, "2021")
    _assert_values(extract_report(render_pdf(report, fullwidth=True), "report.pdf"), report)


@pytest.mark.parametrize("version", ["2019", "2021"])
def test_docx_merged_cells_and_a_table_nested_in_a_cell(version):
    report = random_report(23, version)
    _assert_values(extract_report(render_docx(report, nested=True), "report.docx"), report)


def test_docx_full_width_digits():
    report = random_report(24, "2019")
    _assert_values(extract_report(render_docx(report, fullwidth=True), "report.docx"), report)


def test_scanned_pdf_needs_ocr():
    record = extract_report(render_pdf(random_report(1, "2021"), scanned=True), "scan.pdf", ocr=False)
    assert record["error"].startswith("needs OCR: the PDF has no text layer")
    assert record["cells"] is None  # never an empty report


def test_encrypted_and_broken_pdfs():
    locked = render_pdf(random_report(2, "2021"), password="secret")
    assert extract_report(locked, "locked.pdf")["error"] == "encrypted PDF: cannot be read without its password"
    whole = render_pdf(random_report(2, "2021"))
    assert extract_report(whole[: len(whole) // 3], "cut.pdf")["error"].startswith("broken PDF")


def test_page_limit():
    with pytest.raises(UnreadableDocument, match="over the 1-page limit"):
        read_pdf(render_pdf(random_report(3, "2021")), max_pages=1)


def test_zip_bomb_and_non_word_zip_are_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (300 * 1024 * 1024))
    assert "zip bomb" in extract_report(bomb.getvalue(), "bomb.docx")["error"]
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("readme.txt", "hello")
    assert extract_report(plain.getvalue(), "x.zip")["error"] == (
        "zip archive without word/document.xml: not a DOCX document")


def test_old_word_without_libreoffice(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    error = extract_report(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "report.wps")["error"]
    assert error == "WPS file: reading it needs LibreOffice (soffice), not installed"


def test_time_limit_per_document():
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match="gave up after 0.2 s"), time_limit(0.2):
        while True:
            pass
    assert time.monotonic() - started < 2


def test_official_template_docx_is_an_empty_2021_report(shared_corpus):
    record = extract_report((REAL / "template_2021_blank.docx").read_bytes(), "template_2021_blank.docx")
    assert record["error"] is None and record["format_version"] == "2021"
    assert len(record["cells"]) == 200 and all(c["value"] is None for c in record["cells"])
    assert not any(c["ambiguous"] for c in record["cells"])


def test_old_word_through_libreoffice(tmp_path, monkeypatch):
    """The conversion path with a stand-in `soffice` that writes the HTML LibreOffice would."""
    from ogi.testing import render_html

    report = random_report(25, "2019")
    (tmp_path / "converted.html").write_text(render_html(report, chrome=False), encoding="utf-8")
    soffice = tmp_path / "bin" / "soffice"
    soffice.parent.mkdir()
    soffice.write_text(f"#!/bin/sh\n# args: ... --outdir DIR FILE\nfor a; do last=$prev; prev=$a; done\n"
                       f"cp {tmp_path / 'converted.html'} \"$last/report.html\"\n", encoding="utf-8")
    soffice.chmod(0o755)
    monkeypatch.setenv("PATH", f"{soffice.parent}:/usr/bin:/bin")
    _assert_values(extract_report(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "report.doc"), report)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed here (.ci/run installs it)")
def test_old_word_through_real_libreoffice(tmp_path):
    """A .doc written by LibreOffice itself, read back through `soffice --convert-to html`."""
    report = random_report(61, "2021")
    (tmp_path / "report.docx").write_bytes(render_docx(report, nested=False))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "doc", "--outdir", str(tmp_path), str(tmp_path / "report.docx")],
                   capture_output=True, timeout=180, check=True)
    _assert_values(extract_report((tmp_path / "report.doc").read_bytes(), "report.doc"), report)
