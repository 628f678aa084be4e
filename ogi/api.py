"""The Python API for people who do not run Dagster: read one report, read the published data."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from ogi.report import extract_report
from ogi.store.files import filesystem
from ogi.store.parquet import ACROSS_YEARS, PUBLISHED, SCHEMAS


def read_report(source: str | Path | bytes, name: str | None = None, content_type: str | None = None,
                ocr: bool = True) -> dict:
    """The record `ogi extract` prints for one report: a path, or the file's bytes with a name
    (its extension tells the format when the bytes do not). Never raises for a bad file: the
    record's `error` says why it could not be read. ocr=False: as `ogi extract --no-ocr`."""
    if isinstance(source, bytes):
        return extract_report(source, name or "report", content_type, ocr=ocr)
    path = Path(source)
    return extract_report(path.read_bytes(), name or str(path), content_type, ocr=ocr)


def read_dataset(dataset: str, root: str = "data", years: list[int] | None = None,
                 columns: list[str] | None = None) -> pa.Table:
    """A published dataset (`documents`, `cells`, `violations`) as one Arrow table with its
    `year` column, or `publishers` (over all years, no `year`), from a local storage root or any
    fsspec URL (`s3://bucket/ogi`)."""
    if dataset not in (*PUBLISHED, *ACROSS_YEARS):
        raise ValueError(f"unknown dataset {dataset!r}: one of {', '.join((*PUBLISHED, *ACROSS_YEARS))}")
    fs, base = filesystem(root)
    if dataset in ACROSS_YEARS:
        path = f"{base.rstrip('/')}/{dataset}/part-0.parquet"
        if not fs.exists(path):
            return SCHEMAS[dataset].empty_table().select(columns) if columns else SCHEMAS[dataset].empty_table()
        with fs.open(path, "rb") as handle:
            return pq.read_table(handle, columns=columns)
    schema = SCHEMAS[dataset].append(pa.field("year", pa.int32()))
    path = f"{base.rstrip('/')}/{dataset}"
    if not fs.exists(path):
        return schema.empty_table().select(columns) if columns else schema.empty_table()
    data = pads.dataset(path, filesystem=fs, format="parquet", schema=schema,
                        partitioning=pads.partitioning(pa.schema([("year", pa.int32())]), flavor="hive"))
    where = pc.field("year").isin(years) if years else None
    return data.to_table(columns=columns, filter=where)
