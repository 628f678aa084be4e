"""The fast PDF path (prose pages through pdfium, table pages through pdfplumber) reads the real
PDFs exactly as pdfplumber alone does."""

from __future__ import annotations

import io
import logging

import pdfplumber
import pytest

from ogi.read import pdf as pdf_reader
from ogi.read import pdftext
from ogi.read.decode import UnreadableDocument
from ogi.testing import random_report, render_pdf
from tests.conftest import REAL

REAL_PDFS = sorted(REAL.glob("*.pdf"))


@pytest.mark.parametrize("path", REAL_PDFS, ids=lambda p: p.name)
def test_fast_path_gives_the_same_blocks_as_pdfplumber_alone(path):
    data = path.read_bytes()
    assert pdf_reader.read_pdf(data) == pdf_reader.read_pdf(data, fast=False)


def test_the_real_prose_pages_are_read_through_pdfium_with_pdfplumbers_lines():
    prose = 0
    for path in REAL_PDFS:
        data = path.read_bytes()
        pages = pdftext.open_pages(data)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for light, page in zip(pages, pdf.pages, strict=True):
                if light.is_table_page():
                    assert page.find_tables()
                    continue
                lines, _, _ = light.read()
                assert lines is not None, f"{path.name} page {page.page_number} fell back to pdfplumber"
                prose += 1
                ref = page.extract_text_lines(return_chars=False)
                assert [line["text"] for line in lines] == [line["text"] for line in ref]
                assert [round(line["top"], 1) for line in lines] == [round(line["top"], 1) for line in ref]
    assert prose >= 5


def test_a_page_in_a_font_that_is_not_embedded_is_left_to_pdfplumber():
    pages = pdftext.open_pages(render_pdf(random_report(3, "2021"), fullwidth=True))
    assert all(light.read()[0] is None for light in pages)


def test_the_object_limit_holds_on_a_prose_page(monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PAGE_OBJECTS", 50)
    with pytest.raises(UnreadableDocument, match="page 1 has over 50 objects"):
        pdf_reader.read_pdf((REAL / "hongze_2023.pdf").read_bytes())


def test_pdfminer_debug_calls_are_no_ops():
    assert logging.getLogger("pdfminer.psparser").debug is pdf_reader._no_debug
