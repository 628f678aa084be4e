"""Stage 2: any supported file's bytes to one normalized Document (text blocks + table grids)."""

from __future__ import annotations

import re

from ogi.read.decode import UnreadableDocument, charset_from_content_type, decode
from ogi.read.document import Cell, Document, Grid
from ogi.read.html import read_head, read_html
from ogi.read.pdf import OCR_TITLE, read_pdf
from ogi.read.text import read_text
from ogi.read.textnorm import normalize
from ogi.read.word import convert_with_libreoffice, read_docx

MAX_BYTES = 20 * 1024 * 1024
_SEP = "\x1f"  # neither whitespace nor CJK: survives normalization and never joins two strings
_HTML_HINT = re.compile(r"<(?:!doctype html|html|head|body|table|div|p|meta|title)[\s>/]", re.IGNORECASE)
_OLD_OFFICE = ("doc", "wps", "et", "xls")


def sniff_kind(text: str, name: str = "") -> str:
    if name.lower().endswith((".htm", ".html", ".shtml", ".xhtml")):
        return "html"
    return "html" if _HTML_HINT.search(text[:4000]) else "text"


def too_big(size: int, max_bytes: int = MAX_BYTES) -> str:
    """Why a file of `size` bytes is refused (the same words wherever the size is checked)."""
    return f"file is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB limit for one report"


OCR_CONFIDENCE = "ocr_confidence"  # the meta key of a document read by OCR


def normalize_document(data: bytes, name: str = "", content_type: str | None = None,
                       max_bytes: int = MAX_BYTES, ocr: bool = True, ocr_pages: int | None = None) -> Document:
    """Decode, parse and normalize; raises UnreadableDocument with a readable reason. ocr: read a PDF
    without a text layer by OCR (see ogi.read.ocr); ocr_pages: only its first pages."""
    if not data.strip():
        raise UnreadableDocument("empty file")
    if len(data) > max_bytes:
        raise UnreadableDocument(too_big(len(data), max_bytes))
    binary = _read_binary(data, name, ocr, ocr_pages)
    if binary is not None:
        return binary
    decoded = decode(data, charset_from_content_type(content_type))
    kind = sniff_kind(decoded.text, name)
    title, meta = None, {}
    if kind == "html":
        _check_not_truncated(decoded.text)
        blocks, title, meta = read_html(decoded.text)
    else:
        blocks = read_text(decoded.text)
    doc = Document(kind, _normalize_blocks(blocks, join_lines=kind == "html"), decoded.encoding, title, meta)
    if doc.title:
        doc.title = normalize(doc.title)
    doc.meta = {k: normalize(v) for k, v in meta.items()}
    if decoded.mismatch:
        doc.warnings.append(f"declared charset {decoded.declared} is wrong; decoded as {decoded.encoding}")
    return doc


def _read_binary(data: bytes, name: str, ocr: bool = True, ocr_pages: int | None = None) -> Document | None:
    """PDF, DOCX and the old Office/WPS formats, by their first bytes; None for text."""
    head = data[:8].lstrip()
    if head.startswith(b"%PDF"):
        blocks, title = read_pdf(data, ocr=ocr, ocr_pages=ocr_pages)
        kind = "pdf"
        if title == OCR_TITLE:
            return ocr_document(blocks)
    elif data.startswith(b"PK\x03\x04"):
        blocks, title = read_docx(data)
        kind = "docx"
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "doc"
        html = convert_with_libreoffice(data, suffix if suffix in _OLD_OFFICE else "doc")
        blocks, title, _ = read_html(html)
        kind = "doc"
    else:
        return None
    return Document(kind, _normalize_blocks(blocks, join_lines=True), "binary", normalize(title) if title else None)


def ocr_document(reading) -> Document:
    """A document read by OCR (an ogi.read.ocr.Reading): its mean confidence in `meta`, and
    warnings that its values are readings and which pages went unread."""
    doc = Document("pdf-ocr", _normalize_blocks(list(reading), join_lines=False), "binary")
    if reading.confidence is not None:
        doc.meta[OCR_CONFIDENCE] = f"{reading.confidence:.4f}"
    doc.warnings.append("read by OCR (no text layer): every value is a reading to check against the page")
    if reading.skipped:
        doc.warnings.append(f"read by OCR: pages {', '.join(map(str, reading.skipped))} left unread "
                            "for lack of time (the tables' pages were read first)")
    return doc


def _check_not_truncated(text: str) -> None:
    tail = text[-2000:].lower()
    if "</html" in tail or "</body" in tail:
        return
    lower = text.lower()
    if lower.count("<table") > lower.count("</table"):
        raise UnreadableDocument("truncated HTML: the page ends inside a table, before </html>")


def _normalize_blocks(blocks: list, join_lines: bool) -> list:
    """Normalize every string in one call: per-cell calls would cost more than the parse."""
    strings = []
    for block in blocks:
        if isinstance(block, Grid):
            strings.extend(cell.text for row in block.rows for cell in row)
        else:
            strings.append(block)
    if any(_SEP in s for s in strings):
        strings = [s.replace(_SEP, " ") for s in strings]
    normalized = iter([s.strip() for s in normalize(_SEP.join(strings), join_lines=join_lines).split(_SEP)])
    out = []
    for block in blocks:
        if isinstance(block, Grid):
            # a cell whose text normalizing left as it was is kept (most cells are digits)
            out.append(Grid([[c if (t := next(normalized)) == c.text else Cell(t, c.spanned) for c in row]
                             for row in block.rows]))
        else:
            text = next(normalized)
            if text:
                out.append(text)
    return out


def head_document(data: bytes, name: str = "", lines: int = 40) -> Document | None:
    """Only what names a report (HTML title and meta, or a text's first lines), normalized;
    None when the bytes cannot be read at all."""
    try:
        decoded = decode(data)
    except UnreadableDocument:
        return None
    if sniff_kind(decoded.text, name) == "html":
        title, meta = read_head(decoded.text)
        return Document("html", [], decoded.encoding, normalize(title) if title else None,
                        {k: normalize(v) for k, v in meta.items()})
    head = [ln for ln in decoded.text.splitlines() if ln.strip()][:lines]
    return Document("text", _normalize_blocks(head, join_lines=False), decoded.encoding)
