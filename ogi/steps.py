"""Per-document stage functions the pipeline runs in worker processes (picklable, pure).

Each takes and returns plain rows, the shape of the Parquet datasets in ogi.store.parquet.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from ogi.extract.cross_year import narrow_across_years
from ogi.extract.metadata import read_metadata, title_year
from ogi.figures import report_figures
from ogi.format import load_format
from ogi.read.decode import UnreadableDocument
from ogi.read.document import Document
from ogi.read.normalize import OCR_CONFIDENCE, head_document
from ogi.report import Extracted, extract_stage, normalize_stage, validate_stage

if TYPE_CHECKING:  # a worker that only reads documents does not import pyarrow under its memory ceiling
    import pyarrow as pa


def title_report_year(item: tuple[bytes, str]) -> int | None:
    """The report year a document's title states (the title alone is read: cheap), or None."""
    data, name = item
    head = head_document(data, name)
    return title_year(head) if head is not None else None


TITLE_PAGES = 1  # a scan's pages read by OCR to find its year


def report_year(item: tuple[bytes, str], ocr: bool = True, title_read: bool = False) -> int | None:
    """The report year a document's content states, or None when it cannot be read: the title,
    else the whole document read as the extract stage will, except that a scan is read by OCR only
    as far as its first page (its title and year; the whole scan is read once, in normalize).
    title_read: the caller read the title already and it states none (it is not read twice)."""
    year = None if title_read else title_report_year(item)
    if year is not None:
        return year
    data, name = item
    doc, _ = normalize_stage(data, name, ocr=ocr, ocr_pages=TITLE_PAGES)
    return read_metadata(doc).year if doc is not None else None


TOO_BIG = "needs more memory to read than a worker may use (see Limits)"


def normalize_row(item: tuple[str, bytes, str, str | None], ocr: bool = True) -> dict:
    """ocr: a PDF without a text layer is read by OCR (the settings' `ocr`)."""
    doc_id, data, name, content_type = item
    try:
        doc, error = normalize_stage(data, name, content_type, ocr=ocr)
        document = json.dumps(doc.to_json(), ensure_ascii=False) if doc is not None else None
    except MemoryError:  # the worker's memory ceiling: this document's record, not the run
        document, error = None, TOO_BIG
    return {"doc_id": doc_id, "document": document, "error": error}


CELL_COLUMNS = ("doc_id", "table", "row", "column", "value", "raw", "inferred", "ambiguous", "candidates")


def extract_row(row: dict) -> tuple[dict, dict[str, list]]:
    """(extracted row, cells as columns) for one normalized document."""
    base = {"doc_id": row["doc_id"], "title": None, "publisher": None, "report_year": None, "format_version": None,
            "published_date": None, "sections": None, "warnings": [], "error": row["error"], "ocr": False,
            "ocr_confidence": None}
    if row["document"] is None:
        return base, cell_columns([])
    doc = Document.from_json(json.loads(row["document"]))
    confidence = doc.meta.get(OCR_CONFIDENCE)
    base.update(ocr=doc.kind == "pdf-ocr", ocr_confidence=float(confidence) if confidence else None)
    try:
        ex = extract_stage(doc)
    except UnreadableDocument as exc:
        return {**base, "error": str(exc)}, cell_columns([])
    except MemoryError:
        return {**base, "error": TOO_BIG}, cell_columns([])
    base.update(title=ex.title, publisher=ex.publisher, report_year=ex.year, format_version=ex.format_version,
                published_date=date.fromisoformat(ex.published_date) if ex.published_date else None,
                sections=json.dumps(ex.sections, ensure_ascii=False), warnings=ex.warnings)
    for c in ex.cells:
        c["doc_id"] = row["doc_id"]
        c["value"] = None if c["value"] is None else float(c["value"])
    return base, cell_columns(ex.cells)


def cell_columns(cells: list[dict]) -> dict[str, list]:
    return {k: [c[k] for c in cells] for k in CELL_COLUMNS}


def narrow_row(result: tuple[dict, dict[str, list]], previous: dict[str, dict]) -> tuple[dict, dict[str, list]]:
    """An extract_row result with its ambiguous cells narrowed by the publisher's published
    report of the year before (`previous`: publisher -> its cell values), the reasons in its
    warnings; unchanged when there is nothing to narrow."""
    doc, columns = result
    before = previous.get(doc["publisher"]) if doc["publisher"] else None
    if not before or doc["format_version"] is None or not any(columns["ambiguous"]):
        return result
    rows = [dict(zip(CELL_COLUMNS, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    cells, notes = narrow_across_years(load_format().versions[doc["format_version"]], rows, before)
    if not notes:
        return result
    for c in cells:
        c["value"] = None if c["value"] is None else float(c["value"])
    return {**doc, "warnings": list(doc["warnings"] or []) + notes}, cell_columns(cells)


def validate_batch(item: tuple[pa.Table, pa.Table, dict[str, dict]]) -> list[tuple[list[dict], dict]]:
    """For a batch of staged documents, as the validation step's workers run it: (extracted rows,
    their cells, in the same order, as Arrow tables: cheap to send; publisher -> its cell values of
    the year before). Per document, its violation rows and what its documents and reports rows
    take from its cells (counts, `figures`): the run's process never holds the cells as Python rows."""
    docs, cells, previous = item
    rows, i, out = cells.to_pylist(), 0, []
    for doc in docs.to_pylist():
        start = i
        while i < len(rows) and rows[i]["doc_id"] == doc["doc_id"]:
            i += 1
        mine = rows[start:i]
        found = validate_row((doc, mine, previous.get(doc["publisher"])))
        out.append((found, {"cells_with_value": sum(c["value"] is not None for c in mine),
                            "cells_inferred": sum(bool(c["inferred"]) for c in mine),
                            "cells_ambiguous": sum(bool(c["ambiguous"]) for c in mine),
                            "figures": report_figures(mine)}))
    return out


def validate_row(item: tuple[dict, list[dict], dict | None]) -> list[dict]:
    """Violation rows of one extracted document (none when it could not be read); the third
    element is the publisher's cell values of the year before, or None."""
    row, cells, previous = item
    if row["format_version"] is None:
        return []
    published = row["published_date"]
    extracted = Extracted(row["title"], row["publisher"], row["report_year"], row["format_version"],
                          published.isoformat() if published else None, cells,
                          json.loads(row["sections"] or "{}"), list(row["warnings"] or []))
    return [{"doc_id": row["doc_id"], **v} for v in validate_stage(extracted, previous)]
