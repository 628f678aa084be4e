"""One report file in, one record out: the JSON object of CONTRACT.md (`ogi extract` prints it).

Errors are values here: a file that cannot be read gets its record with `error` set.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict

from assets.decode import UnreadableDocument
from assets.extract import detect_version, extract_tables
from assets.format import load_format
from assets.metadata import read_metadata
from assets.normalize import MAX_BYTES, normalize_document
from assets.rules import evaluate

_REPORT_WORDS = re.compile(r"政府信息公开.{0,12}(?:年度报告|年报)|信息公开年度报告|信息公开年报")


def _number(value: float | None):
    return int(value) if value is not None and float(value).is_integer() else value


def empty_record(source: str, doc_id: str | None, error: str) -> dict:
    return {
        "source": source, "doc_id": doc_id, "title": None, "publisher": None, "year": None,
        "format_version": None, "published_date": None, "cells": None, "violations": None,
        "warnings": [], "error": error,
    }


def extract_report(data: bytes, source: str, content_type: str | None = None, max_bytes: int = MAX_BYTES) -> dict:
    """The record for one file; never raises for anything wrong with the file itself."""
    doc_id = hashlib.sha256(data).hexdigest()
    try:
        return _extract(data, source, doc_id, content_type, max_bytes)
    except UnreadableDocument as exc:
        return empty_record(source, doc_id, str(exc))
    except RecursionError:
        return empty_record(source, doc_id, "document nested too deeply to read")


def _extract(data: bytes, source: str, doc_id: str, content_type: str | None, max_bytes: int) -> dict:
    doc = normalize_document(data, source, content_type, max_bytes)
    meta = read_metadata(doc)
    text = doc.plain_text()
    version_code = detect_version(text, meta.year)
    if version_code == "legacy" and not _REPORT_WORDS.search((meta.title or "") + text[:5000]):
        raise UnreadableDocument("no annual report found: no report title and no template table")
    version = load_format().versions[version_code]
    tables = extract_tables(doc, version_code)
    values = {ref: cell.value for ref, cell in tables.cells.items()}
    violations = evaluate(version, values, tables.sections, meta.year, meta.published_date)
    cells = []
    for table, row, column in version.cells():
        cell = tables.cells[(table, row, column)]
        cells.append({
            "table": table, "row": row, "column": column, "value": _number(cell.value), "raw": cell.raw,
            "inferred": cell.inferred, "ambiguous": cell.ambiguous,
        })
    warnings = list(doc.warnings)
    if version.tables and not tables.found:
        warnings.append("template labels found but no table values could be read")
    return {
        "source": source,
        "doc_id": doc_id,
        "title": meta.title,
        "publisher": meta.publisher,
        "year": meta.year,
        "format_version": version_code,
        "published_date": meta.published_date,
        "cells": cells,
        "violations": [{k: v for k, v in asdict(x).items()} for x in violations],
        "warnings": warnings,
        "error": None,
    }
