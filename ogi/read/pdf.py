"""PDF (with a text layer) to blocks: ruled tables as grids, every other line of text as a line.

pdfplumber finds tables from ruling lines and gives their cells; text outside them comes as
lines, interleaved with the tables by position. A table that runs over a page break simply
continues in the next page's grid: the extractor finds rows by their labels, so a repeated
header or group label after the break does no harm. Tables drawn without lines come out as
lines of text, which the text path reads like any flattened table.

Every page is read through pdfium's text layer when it can be (ogi.read.pdftext): its lines
clustered as pdfplumber clusters them and, on a page whose text holds the format's table words,
its tables cut by pdfplumber's table finder from pdfium's characters and painted paths, so that
pdfminer never interprets the page. A page pdfium cannot describe as pdfminer would (see
ogi.read.pdftext) goes through pdfplumber. `fast=False` reads every page with pdfplumber (the
reference the fast path is tested on).
"""

from __future__ import annotations

import io
import logging
import re

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from ogi.read import pdftext
from ogi.read.decode import UnreadableDocument
from ogi.read.document import Cell, Grid

MAX_PAGES = 300
MAX_PAGE_AREA = 16_000_000  # square points: about 4 m² (A0 is 8.3 million; A4 half a million)
MAX_PAGE_OBJECTS = 200_000  # characters, lines, rects, curves and images on one page
OCR_TITLE = "\x00ocr"  # marks a document read by OCR (see ogi.read.ocr)
_PAGE_NUMBER = re.compile(r"^\s*[-—–]?\s*\d{1,3}\s*[-—–]?\s*$|^\s*第\s*\d+\s*页")


def _quiet_pdfminer() -> None:
    """pdfminer logs every token it parses at DEBUG: two million disabled `log.debug` calls for the
    real reports, each a trip through `Logger.isEnabledFor`. Where DEBUG is off for pdfminer (as it
    is unless someone turns it on before this import), its loggers' `debug` becomes a no-op."""
    for name in [n for n in logging.root.manager.loggerDict if n == "pdfminer" or n.startswith("pdfminer.")]:
        logger = logging.getLogger(name)
        if not logger.isEnabledFor(logging.DEBUG):
            logger.debug = _no_debug


def _no_debug(*args, **kwargs) -> None:
    return None


_quiet_pdfminer()


class NeedsOCR(UnreadableDocument):
    """A PDF whose pages are images: no text to read without OCR."""


def _check_sizes(pages) -> None:
    """Refuse a page whose area would make its tables (or its OCR image) enormous, before
    anything is drawn or searched: the size is in the page's MediaBox, read for free."""
    for page in pages:
        if page.width * page.height > MAX_PAGE_AREA:
            raise UnreadableDocument(f"page {page.page_number} is {page.width:.0f} × {page.height:.0f} points, "
                                     f"over the {MAX_PAGE_AREA:,} square-point limit")


def read_pdf(data: bytes, max_pages: int = MAX_PAGES, ocr: bool = True, fast: bool = True,
             ocr_pages: int | None = None) -> tuple[list, str | None]:
    """(blocks, title) of a PDF; raises UnreadableDocument (or NeedsOCR) with the reason. ocr: a PDF
    without a text layer is read by OCR when the `ocr` extra is installed (the blocks are then an
    ogi.read.ocr.Reading, which also says how sure OCR was). fast: prose pages are read
    through pdfium (see the module's doc); False reads every page with pdfplumber. ocr_pages: read
    only the first pages by OCR (where a scan's title and year are), not the whole scan."""
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
        light = pdftext.open_pages(data) if fast else None
        if light is not None and len(light) != len(pdf.pages):
            light = None
        try:
            blocks, chars, images = _read_pages(pdf.pages, light)
        except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
            raise UnreadableDocument(f"broken PDF: {type(exc).__name__} {exc}".strip()) from None
        if chars == 0:
            from ogi.read import ocr as ocr_engine  # numpy and the models only for a scan read by OCR

            if ocr and ocr_engine.available():
                return ocr_engine.ocr_pdf(data, min(max_pages, ocr_pages or max_pages)), OCR_TITLE  # image-only: read by OCR
            raise NeedsOCR(f"needs OCR: the PDF has no text layer ({len(pdf.pages)} pages"
                           f"{', scanned images' if images else ''}); its tables cannot be read as text "
                           + ("(OCR is turned off)" if ocr_engine.available() else "(pip install -e '.[ocr]')"))
        title = _text((pdf.metadata or {}).get("Title"))
    return blocks, title


def _read_pages(pages, light: list | None) -> tuple[list, int, int]:
    """(blocks, characters, images) of every page: through pdfium when `light` has it (pdftext.Page)
    and pdfium can read it, through pdfplumber otherwise."""
    blocks, chars, images = [], 0, 0
    for number, page in enumerate(pages):
        lines, tables = None, []
        if light is not None and light[number].textpage.count_chars() > MAX_PAGE_OBJECTS:
            raise UnreadableDocument(f"page {page.page_number} has over {MAX_PAGE_OBJECTS:,} objects: refused")
        if light is not None:
            lines, count, objects = light[number].read()
        if lines is not None and light[number].is_table_page():
            tables = light[number].tables()
            lines = None if tables is None else lines
        if lines is None:
            objects, count = sum(map(len, page.objects.values())), len(page.chars)
        if objects > MAX_PAGE_OBJECTS:
            raise UnreadableDocument(f"page {page.page_number} has over {MAX_PAGE_OBJECTS:,} objects: refused")
        chars += count
        if lines is None:
            images += len(page.images)
            blocks.extend(_page_blocks(page))
        else:
            images += count == 0 and light[number].images()
            blocks.extend(_lines_blocks(lines, _ruled(tables)))
    return blocks, chars, images


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
    return _lines_blocks(page.extract_text_lines(return_chars=False), _ruled(page.find_tables()))


def _ruled(tables: list) -> list:
    """The tables found that have a row of two cells or more."""
    return [t for t in tables if t.rows and max(len(r.cells) for r in t.rows) >= 2]


def _lines_blocks(lines: list[dict], tables: list) -> list:
    """The page's tables as grids and its lines outside them (page numbers dropped), by position."""
    items = [(t.bbox[1], _grid(t)) for t in tables]
    for line in lines:
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
