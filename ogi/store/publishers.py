"""The `publishers` dataset: one file over every published year, rebuilt at each publication.

A publisher spans years, so the dataset is not partitioned: every publication of a year, once the
year's transaction is done, reads the publisher names of all published `documents` (every year),
places them (ogi.publishers: the division table, then the reviewed overrides) and replaces
`<root>/publishers/part-0.parquet` in one move. Readers see the old file or the new one.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from ogi.publishers import Publishers, publisher_rows
from ogi.store.files import filesystem, replacing
from ogi.store.parquet import SCHEMAS, published_years


def publishers_path(root: str) -> str:
    _, base = filesystem(root)
    return f"{base.rstrip('/')}/publishers/part-0.parquet"


def published_names(root: str, problems: list[str] | None = None) -> list[tuple[str | None, int]]:
    """(publisher as printed, report year) of every published document; a year whose file cannot
    be read is left out and named in `problems`."""
    return [(name, year) for year, table in published_years(root, "documents", ["publisher"], problems).items()
            for name in table["publisher"].to_pylist()]


def publisher_table(root: str, publishers: Publishers, problems: list[str] | None = None) -> pa.Table:
    return pa.Table.from_pylist(publisher_rows(published_names(root, problems), publishers),
                                schema=SCHEMAS["publishers"])


def write_publishers(root: str, publishers: Publishers, problems: list[str] | None = None) -> pa.Table:
    """Rebuild the dataset from every published year; the table written."""
    fs, _ = filesystem(root)
    table = publisher_table(root, publishers, problems)
    with replacing(fs, publishers_path(root)) as temp, fs.open(temp, "wb") as handle:
        pq.write_table(table, handle, compression="zstd")
    return table
