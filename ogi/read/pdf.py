"""PDF (with a text layer) to blocks: ruled tables as grids, every other line of text as a line.

pdfplumber finds tables from ruling lines and gives their cells; text outside them comes as
lines, interleaved with the tables by position. A table that runs over a page break simply
continues in the next page's grid: the extractor finds rows by their labels, so a repeated
header or group label after the break does no harm. Tables drawn without lines come out as
lines of text, which the text path reads like any flattened table.
"""

from __future__ import annotations

import io
import re

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from ogi.read import ocr as tesseract
from ogi.read.decode import UnreadableDocument
from ogi.read.document import Cell, Grid

MAX_PAGES = 300
MAX_PAGE_AREA = 16_000_000  # square points: about 4 m² (A0 is 8.3 million; A4 half a million)
MAX_PAGE_OBJECTS = 200_000  # characters, lines, rects, curves and images on one page
OCR_TITLE = "\x00ocr"  # marks a document read by OCR (see ogi.read.ocr)
_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$|^\s*第\s*\d+\s*页")


class NeedsOCR(UnreadableDocument):
    """A PDF whose pages are images: no text to read without OCR."""


def _check_sizes(pages) -> None:
    """Refuse a page whose area would make its tables (or its OCR image) enormous, before
    anything is drawn or searched: the size is in the page's MediaBox, read for free."""
    for page in pages:
        if page.width * page.height > MAX_PAGE_AREA:
            raise UnreadableDocument(f"page {page.page_number} is {page.width:.0f} × {page.height:.0f} points, "
                                     f"over the {MAX_PAGE_AREA:,} square-point limit")


def read_pdf(data: bytes, max_pages: int = MAX_PAGES, ocr: bool = False) -> tuple[list, str | None]:
    """(blocks, title) of a PDF; raises UnreadableDocument (or NeedsOCR) with the reason. ocr: a PDF
    without a text layer is read by OCR when Tesseract is installed."""
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError, PDFSyntaxError, ValueError, KeyError,
            TypeError) as exc:
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise UnreadableDocument("encrypted PDF: cannot be read without its password") from None
        raise UnreadableDocument(f"broken PDF: {type(cause).__name__} {cause}".strip()) from None
    with pdf:
        if len(pdf.pages) > max_pages:
            raise UnreadableDocument(f"PDF has {len(pdf.pages)} pages, over the {max_pages}-page limit")
        _check_sizes(pdf.pages)
        blocks, chars, images = [], 0, 0
        try:
            for page in pdf.pages:
                if sum(map(len, page.objects.values())) > MAX_PAGE_OBJECTS:
                    raise UnreadableDocument(f"page {page.page_number} has over {MAX_PAGE_OBJECTS:,} objects: refused")
                chars += len(page.chars)
                images += len(page.images)
                blocks.extend(_page_blocks(page))
        except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
            raise UnreadableDocument(f"broken PDF: {type(exc).__name__} {exc}".strip()) from None
        if chars == 0 and ocr and tesseract.available():
            return tesseract.ocr_pdf(data, max_pages), OCR_TITLE
        if chars == 0:
            raise NeedsOCR(f"needs OCR: the PDF has no text layer ({len(pdf.pages)} pages"
                           f"{', scanned images' if images else ''}); its tables cannot be read as text")
        title = _text((pdf.metadata or {}).get("Title"))
    return blocks, title


def _text(value) -> str | None:
    """A PDF info string: pdfminer leaves UTF-16 strings (with their BOM) as Latin-1 text."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str) or not value.strip():
        return None
    if value.startswith(("\xfe\xff", "\xff\xfe")):
        try:
            value = value.encode("latin-1").decode("utf-16")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
    return value.strip() or None


def _page_blocks(page) -> list:
    """Lines and grids of one page in reading order (top to bottom)."""
    tables = [t for t in page.find_tables() if t.rows and max(len(r.cells) for r in t.rows) >= 2]
    items = [(t.bbox[1], _grid(t)) for t in tables]
    for line in page.extract_text_lines(return_chars=False):
        middle = ((line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2)
        inside = any(x0 <= middle[0] <= x1 and top <= middle[1] <= bottom for x0, top, x1, bottom in
                     (t.bbox for t in tables))
        if not inside and not _PAGE_NUMBER.match(line["text"]):
            items.append((line["top"], line["text"]))
    items.sort(key=lambda item: item[0])
    return [block for _, block in items]


def _grid(table) -> Grid:
    """Cells pdfplumber reports as None continue a merged cell: kept once, as in HTML."""
    rows = []
    for row in table.extract():
        rows.append([Cell((text or "").strip()) for text in row if text is not None])
    return Grid([r for r in rows if r])
