"""The fast PDF path (every page through pdfium: its lines, and its tables cut by pdfplumber's table
finder from pdfium's characters and paths) reads the real PDFs exactly as pdfplumber alone does."""

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


def test_the_real_table_pages_are_cut_from_pdfiums_paths_and_characters_as_pdfplumber_cuts_them():
    tables, vertical = 0, 0
    for path in REAL_PDFS:
        data = path.read_bytes()
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for light, page in zip(pdftext.open_pages(data), pdf.pages, strict=True):
                def shown(edges):
                    return [(e["object_type"], e["orientation"], *(round(e[k], 3) for k in ("x0", "top", "x1", "bottom")))
                            for e in edges]

                assert shown(light.edges()) == shown(page.edges)
                found = light.tables()
                assert found is not None, f"{path.name} page {page.page_number} fell back to pdfplumber"
                assert [t.extract() for t in found] == [t.extract() for t in page.find_tables()]
                tables += len(found)
                vertical += sum(c["x1"] - c["x0"] == c["bottom"] - c["top"] and c["text"] in "三、本年度办理结果"
                                for c in light.chars())
    assert tables >= 9 and vertical >= 9  # the labels written downwards in hongze's table 3


def test_a_path_is_shaped_as_pdfminer_shapes_it():
    """pdfium closes a rectangle with a line back to its start; pdfminer with h."""
    square = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    kind, edges = pdftext._shape_edges("mlllh", square)
    assert kind == "rect" and [e["orientation"] for e in edges] == ["h", "h", "v", "v"]
    assert pdftext._shape_edges("ml", square[:2])[0] == "line"
    kind, edges = pdftext._shape_edges("mllll", [(0, 0), (10, 0), (12, 10), (0, 10), (0, 0)])
    assert kind == "curve" and [e["orientation"] for e in edges] == ["h", None, "h", "v"]


def test_a_page_in_a_font_that_is_not_embedded_is_left_to_pdfplumber():
    pages = pdftext.open_pages(render_pdf(random_report(3, "2021"), fullwidth=True))
    assert all(light.read()[0] is None for light in pages)


def test_the_object_limit_holds_on_a_prose_page(monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PAGE_OBJECTS", 50)
    with pytest.raises(UnreadableDocument, match="page 1 has over 50 objects"):
        pdf_reader.read_pdf((REAL / "hongze_2023.pdf").read_bytes())


def test_pdfminer_debug_calls_are_no_ops():
    assert logging.getLogger("pdfminer.psparser").debug is pdf_reader._no_debug
