"""One report file in, one record out: the JSON object of CONTRACT.md (`ogi extract` prints it).

The three stage functions are what the pipeline runs one asset at a time; `extract_report`
runs them in a row. Errors are values here: a file that cannot be read gets `error` set.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ogi.extract.metadata import read_metadata
from ogi.extract.tables import detect_version, extract_tables
from ogi.format import load_format
from ogi.read.decode import UnreadableDocument
from ogi.read.document import Document
from ogi.read.limits import time_limit
from ogi.read.normalize import MAX_BYTES, normalize_document
from ogi.rules.evaluate import evaluate


@dataclass
class Extracted:
    """Stage 3's output for one document: metadata, every template cell, section texts."""

    title: str | None
    publisher: str | None
    year: int | None
    format_version: str
    published_date: str | None
    cells: list[dict]
    sections: dict[str, str]
    warnings: list[str]


def _number(value: float | None):
    return int(value) if value is not None and float(value).is_integer() else value


def empty_record(source: str, doc_id: str | None, error: str) -> dict:
    return {
        "source": source, "doc_id": doc_id, "title": None, "publisher": None, "year": None,
        "format_version": None, "published_date": None, "cells": None, "violations": None,
        "warnings": [], "error": error,
    }


def normalize_stage(data: bytes, source: str, content_type: str | None = None,
                    max_bytes: int = MAX_BYTES, ocr: bool = True,
                    ocr_pages: int | None = None) -> tuple[Document | None, str | None]:
    """(document, None) or (None, why it cannot be read); ocr: a PDF without text by OCR (ocr_pages:
    only its first pages)."""
    try:
        with time_limit():
            return normalize_document(data, source, content_type, max_bytes, ocr, ocr_pages), None
    except UnreadableDocument as exc:
        return None, str(exc)
    except RecursionError:
        return None, "document nested too deeply to read"


def extract_stage(doc: Document) -> Extracted:
    """Metadata, version and cells; raises UnreadableDocument for a page with no report."""
    meta = read_metadata(doc)
    text = doc.plain_text()
    fmt = load_format()
    version_code = detect_version(text, meta.year)
    detection = fmt.detection
    if version_code == detection.no_template and not detection.report_title.search((meta.title or "") + text[:5000]):
        raise UnreadableDocument("no annual report found: no report title and no template table")
    version = fmt.versions[version_code]
    tables = extract_tables(doc, version_code)
    cells = []
    for table, row, column in version.cells():
        cell = tables.cells[(table, row, column)]
        cells.append({
            "table": table, "row": row, "column": column, "value": _number(cell.value), "raw": cell.raw,
            "inferred": cell.inferred or (doc.kind == "pdf-ocr" and cell.value is not None),
            "ambiguous": cell.ambiguous,
            "candidates": None if cell.candidates is None else [_number(v) for v in cell.candidates],
        })
    warnings = list(doc.warnings) + tables.notes
    if doc.kind == "pdf-ocr" and not any(c["value"] is not None for c in cells):
        raise UnreadableDocument("needs OCR: the PDF has no text layer and OCR could not read its tables")
    if version.tables and not tables.found:
        warnings.append("template labels found but no table values could be read")
    return Extracted(meta.title, meta.publisher, meta.year, version_code, meta.published_date, cells,
                     tables.sections, warnings)


def validate_stage(extracted: Extracted, previous: dict | None = None) -> list[dict]:
    """Every broken or not evaluable rule of the document's version (the cross-year ones too
    when `previous`, the publisher's cell values of the year before, is given)."""
    version = load_format().versions[extracted.format_version]
    values = {(c["table"], c["row"], c["column"]): c["value"] for c in extracted.cells}
    raws = {(c["table"], c["row"], c["column"]): c.get("raw") for c in extracted.cells}
    violations = evaluate(version, values, extracted.sections, extracted.year, extracted.published_date, previous,
                          raws)
    return [v.as_dict() for v in violations]


def extract_report(data: bytes, source: str, content_type: str | None = None, max_bytes: int = MAX_BYTES,
                   ocr: bool = True) -> dict:
    """The record for one file; never raises for anything wrong with the file itself. ocr: a PDF
    without a text layer is read by OCR when the ocr extra is installed (see ogi.read.ocr)."""
    doc_id = hashlib.sha256(data).hexdigest()
    doc, error = normalize_stage(data, source, content_type, max_bytes, ocr)
    if doc is None:
        return empty_record(source, doc_id, error)
    try:
        extracted = extract_stage(doc)
    except UnreadableDocument as exc:
        return empty_record(source, doc_id, str(exc))
    return {
        "source": source,
        "doc_id": doc_id,
        "title": extracted.title,
        "publisher": extracted.publisher,
        "year": extracted.year,
        "format_version": extracted.format_version,
        "published_date": extracted.published_date,
        "cells": extracted.cells,
        "violations": validate_stage(extracted),
        "warnings": extracted.warnings,
        "error": None,
    }
