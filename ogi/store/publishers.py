"""The `publishers` dataset: one file over every published year, rebuilt at each publication.

A publisher spans years, so the dataset is not partitioned: every publication of a year, once the
year's transaction is done, reads the publisher names of all published `documents` (every year),
places them (ogi.publishers: the division table, then the reviewed overrides) and replaces
`<root>/publishers/part-0.parquet` in one move. Readers see the old file or the new one.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from ogi.publishers import Publishers, publisher_rows
from ogi.store.files import filesystem, replacing
from ogi.store.parquet import SCHEMAS


def publishers_path(root: str) -> str:
    _, base = filesystem(root)
    return f"{base.rstrip('/')}/publishers/part-0.parquet"


def published_names(root: str) -> list[tuple[str | None, int]]:
    """(publisher as printed, report year) of every published document."""
    fs, base = filesystem(root)
    path = f"{base.rstrip('/')}/documents"
    if not fs.exists(path):
        return []
    data = pads.dataset(path, filesystem=fs, format="parquet",
                        partitioning=pads.partitioning(pa.schema([("year", pa.int32())]), flavor="hive"))
    table = data.to_table(columns=["publisher", "year"])
    return list(zip(table["publisher"].to_pylist(), table["year"].to_pylist(), strict=True))


def publisher_table(root: str, publishers: Publishers) -> pa.Table:
    return pa.Table.from_pylist(publisher_rows(published_names(root), publishers), schema=SCHEMAS["publishers"])


def write_publishers(root: str, publishers: Publishers) -> pa.Table:
    """Rebuild the dataset from every published year; the table written."""
    fs, _ = filesystem(root)
    table = publisher_table(root, publishers)
    with replacing(fs, publishers_path(root)) as temp, fs.open(temp, "wb") as handle:
        pq.write_table(table, handle, compression="zstd")
    return table
