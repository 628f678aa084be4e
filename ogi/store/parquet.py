"""The Parquet datasets: explicit schemas, one file per year, replaced atomically.

Layout under the storage root (a local folder or any fsspec URL):
`<root>/[staging/]<dataset>/year=YYYY/part-0.parquet`. A year is written to a hidden temporary
file beside the final one and moved into place, so readers see the old file or the new one,
never half of one; other years are not touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ogi.figures import figure_columns
from ogi.format import cross_year_cells
from ogi.store.files import filesystem, replacing

_STR, _BOOL, _I32 = pa.string(), pa.bool_(), pa.int32()

SCHEMAS = {
    # what the fetch stage found for the year (staging only)
    "fetched": pa.schema([
        ("doc_id", _STR), ("source", _STR), ("source_url", _STR), ("publisher_hint", _STR),
        ("content_sha256", _STR), ("fetched_at", pa.timestamp("us", tz="UTC")), ("status", _STR),
        ("http_status", pa.int16()), ("content_type", _STR), ("error", _STR),
        ("last_attempt_at", pa.timestamp("us", tz="UTC")), ("last_attempt", _STR),
    ]),
    "normalized": pa.schema([("doc_id", _STR), ("document", _STR), ("error", _STR)]),
    "extracted": pa.schema([
        ("doc_id", _STR), ("title", _STR), ("publisher", _STR), ("report_year", pa.int16()),
        ("format_version", _STR), ("published_date", pa.date32()), ("sections", _STR),
        ("warnings", pa.list_(_STR)), ("error", _STR), ("ocr", _BOOL), ("ocr_confidence", pa.float64()),
    ]),
    # the published datasets of CONTRACT.md
    "documents": pa.schema([
        ("doc_id", _STR), ("publisher", _STR), ("publisher_id", _STR), ("title", _STR), ("source", _STR), ("source_url", _STR),
        ("format_version", _STR), ("published_date", pa.date32()), ("content_sha256", _STR),
        ("fetched_at", pa.timestamp("us", tz="UTC")), ("status", _STR), ("error", _STR),
        ("http_status", pa.int16()), ("content_type", _STR),
        ("last_attempt_at", pa.timestamp("us", tz="UTC")), ("last_attempt", _STR), ("cells_with_value", _I32),
        ("cells_inferred", _I32), ("cells_ambiguous", _I32), ("errors_broken", _I32),
        ("warnings_broken", _I32), ("warnings", pa.list_(_STR)), ("ocr", _BOOL), ("ocr_confidence", pa.float64()),
    ]),
    "cells": pa.schema([
        ("doc_id", _STR), ("table", _STR), ("row", _STR), ("column", _STR), ("value", pa.float64()),
        ("raw", _STR), ("inferred", _BOOL), ("ambiguous", _BOOL), ("candidates", pa.list_(pa.float64())),
    ]),
    "violations": pa.schema([
        ("doc_id", _STR), ("rule", _STR), ("kind", _STR), ("severity", _STR), ("status", _STR),
        ("table", _STR), ("row", _STR), ("column", _STR), ("detail", _STR), ("waived", _BOOL),
    ]),
    # one wide row per document: its publisher's place and the figures people chart (ogi.figures)
    "reports": pa.schema([
        ("doc_id", _STR), ("publisher", _STR), ("publisher_id", _STR), ("canonical_name", _STR), ("level", _STR),
        ("kind", _STR), ("province", _STR), ("prefecture", _STR), ("county", _STR), ("township", _STR),
        ("division_code", _STR), ("format_version", _STR), ("published_date", pa.date32()), ("status", _STR),
        ("passed_error_rules", _BOOL), ("errors_broken", _I32), ("warnings_broken", _I32),
        *((name, pa.float64()) for name in figure_columns()),
    ]),
    # one row per publisher over every published year (not partitioned: ogi.store.publishers)
    "publishers": pa.schema([
        ("publisher_id", _STR), ("canonical_name", _STR), ("names", pa.list_(_STR)), ("level", _STR),
        ("kind", _STR), ("province", _STR), ("prefecture", _STR), ("county", _STR), ("township", _STR),
        ("division_code", _STR), ("parent_id", _STR), ("parent_name", _STR), ("placement", _STR), ("note", _STR),
        ("first_year", pa.int16()), ("last_year", pa.int16()), ("documents", _I32),
    ]),
}
PUBLISHED = ("documents", "cells", "violations", "reports")  # one file per year, published together (a transaction)
ACROSS_YEARS = ("publishers",)  # one file over every year, rebuilt at each publication
# Recorded in every Parquet file's metadata (`ogi.schema_version`). MAJOR.MINOR: a column added
# raises MINOR (readers by name keep working; older years read it as null); a column removed,
# renamed, or given another type or meaning raises MAJOR.
SCHEMA_VERSION = "1.4"  # 1.4: documents.ocr, ocr_confidence; 1.3: cells.candidates, the dictionary; 1.2: documents.publisher_id, publishers, reports
SCHEMAS = {name: schema.with_metadata({"ogi.schema_version": SCHEMA_VERSION}) for name, schema in SCHEMAS.items()}


class DamagedPartition(Exception):
    """A year's Parquet file exists but cannot be read; the message names the file."""


def partition_path(root: str, dataset: str, year: int | str, staging: bool = False) -> str:
    _, base = filesystem(root)
    return f"{base.rstrip('/')}{'/staging' if staging else ''}/{dataset}/year={year}/part-0.parquet"


@contextmanager
def write_partition(root: str, dataset: str, year: int | str, staging: bool = True):
    """Yield a function that appends rows (a list of dicts, or a dict of columns or an Arrow table,
    which are much cheaper for many rows); the year's file appears only on success."""
    fs, _ = filesystem(root)
    schema = SCHEMAS[dataset]
    with replacing(fs, partition_path(root, dataset, year, staging)) as tmp, fs.open(tmp, "wb") as handle, \
            pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        def append(rows: list[dict] | dict[str, list] | pa.Table) -> None:
            if isinstance(rows, pa.Table):
                writer.write_table(rows.select(schema.names).cast(schema))
            elif isinstance(rows, dict):
                writer.write_table(pa.Table.from_pydict(rows, schema=schema))
            elif rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))

        yield append


def count_rows(root: str, dataset: str, year: int | str, staging: bool = True) -> int:
    """Rows of one year's file, from its footer (nothing else is read)."""
    fs, _ = filesystem(root)
    path = partition_path(root, dataset, year, staging)
    if not fs.exists(path):
        return 0
    with fs.open(path, "rb") as handle, _named(path):
        return pq.ParquetFile(handle).metadata.num_rows


def column_names(root: str, dataset: str, year: int | str, staging: bool = True) -> list[str]:
    """The columns of one year's file, from its footer (the dataset's schema if it was never written)."""
    fs, _ = filesystem(root)
    path = partition_path(root, dataset, year, staging)
    if not fs.exists(path):
        return SCHEMAS[dataset].names
    with fs.open(path, "rb") as handle, _named(path):
        return pq.ParquetFile(handle).schema_arrow.names


def read_partition(root: str, dataset: str, year: int | str, staging: bool = True,
                   batch_size: int = 256, columns: list[str] | None = None) -> Iterator[list[dict]]:
    """Rows of one year in batches, streamed from disk; nothing if the year was never written."""
    fs, _ = filesystem(root)
    path = partition_path(root, dataset, year, staging)
    if not fs.exists(path):
        return
    with fs.open(path, "rb") as handle, _named(path):
        for batch in pq.ParquetFile(handle).iter_batches(batch_size=batch_size, columns=columns):
            yield batch.to_pylist()


def read_table(root: str, dataset: str, year: int | str, staging: bool = True, filters=None,
               columns: list[str] | None = None) -> pa.Table:
    fs, _ = filesystem(root)
    path = partition_path(root, dataset, year, staging)
    if not fs.exists(path):
        table = SCHEMAS[dataset].empty_table()
        return table.select(columns) if columns else table
    with fs.open(path, "rb") as handle, _named(path):
        return pq.read_table(handle, filters=filters, columns=columns)


def published_years(root: str, dataset: str, columns: list[str],
                    problems: list[str] | None = None) -> dict[int, pa.Table]:
    """Year -> `columns` of that year's published `dataset`, for every published year; a year whose
    file cannot be read is left out and named in `problems`."""
    fs, base = filesystem(root)
    out = {}
    for path in sorted(fs.glob(f"{base.rstrip('/')}/{dataset}/year=*/part-0.parquet")):
        try:
            with _named(path), fs.open(path, "rb") as handle:
                out[int(path.rsplit("/", 2)[-2].split("=", 1)[1])] = pq.read_table(handle, columns=columns)
        except DamagedPartition as exc:
            (problems if problems is not None else []).append(str(exc))
    return out


@contextmanager
def _named(path: str):
    try:
        yield
    except (pa.ArrowInvalid, OSError) as exc:
        raise DamagedPartition(f"{path} cannot be read: {exc}") from None


def year_batches(root: str, year: int | str, batch_size: int = 512, doc_columns: list[str] | None = None,
                 cell_columns: list[str] | None = None) -> Iterator[tuple[pa.Table, pa.Table]]:
    """(extracted rows, their cells) as Arrow tables, batch_size documents at a time (both staged
    files hold documents in the same order): cheap to send to a worker, never Python rows here."""
    cells = (b for b in _batches(root, "cells", year, 65536, cell_columns))
    schema = SCHEMAS["cells"]
    pending = pa.schema([schema.field(c) for c in cell_columns or schema.names]).empty_table()
    for docs in _batches(root, "extracted", year, batch_size, doc_columns):
        ids = docs.column("doc_id")
        while True:
            mine = pc.is_in(pending.column("doc_id"), value_set=ids)
            first_other = pc.index(mine, False).as_py()
            if first_other >= 0:
                break
            more = next(cells, None)
            if more is None:
                first_other = len(pending)
                break
            pending = pa.concat_tables([pending, pa.Table.from_batches([more])])
        yield pa.Table.from_batches([docs]), pending.slice(0, first_other)
        pending = pending.slice(first_other)


def _batches(root: str, dataset: str, year: int | str, batch_size: int, columns: list[str] | None):
    fs, _ = filesystem(root)
    path = partition_path(root, dataset, year, staging=True)
    if not fs.exists(path):
        return
    with fs.open(path, "rb") as handle, _named(path):
        yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_size, columns=columns)


def year_before(root: str, year: int | str) -> tuple[dict[str, dict], str | None]:
    """(previous_year_values of the cells the cross-year rules read, None), or ({}, why) when the
    year before is damaged: every stage that compares with it (extraction, validation, the gate)
    goes on without it, the same way."""
    try:
        return previous_year_values(root, year, cross_year_cells()), None
    except DamagedPartition as exc:
        return {}, f"cross-year rules not evaluable: the year before is damaged ({exc})"


def previous_year_values(root: str, year: int | str, refs: set[tuple[str, str, str]]) -> dict[str, dict]:
    """publisher -> {cell: value} of its published report of the year before, for the cells the
    cross-year rules read; publishers with more than one report that year are left out."""
    docs = read_table(root, "documents", int(year) - 1, staging=False, columns=["doc_id", "publisher", "status"])
    by_publisher: dict[str, list[str]] = {}
    for doc_id, publisher, status in zip(*(docs[c].to_pylist() for c in ("doc_id", "publisher", "status")), strict=True):
        if publisher and status == "ok":
            by_publisher.setdefault(publisher, []).append(doc_id)
    owner = {ids[0]: p for p, ids in by_publisher.items() if len(ids) == 1}
    values: dict[str, dict] = {p: {} for p in owner.values()}
    if not owner or not refs:
        return values
    ids = sorted(owner)  # only the cells asked for, of these documents, are read into Python
    wanted = [[("doc_id", "in", ids), ("table", "=", t), ("row", "=", r), ("column", "=", c)] for t, r, c in refs]
    cells = read_table(root, "cells", int(year) - 1, staging=False, filters=wanted,
                       columns=["doc_id", "table", "row", "column", "value"])
    for doc_id, t, r, c, value in zip(*(cells[k].to_pylist() for k in cells.column_names), strict=True):
        values[owner[doc_id]][(t, r, c)] = value
    return values
