"""The embedded SQL catalog: `<root>/ogi.duckdb`, a view per published dataset over all its years.

A dataset that is not partitioned by year (`publishers`) is a view over its one file.

Rewritten after each publication, so `duckdb data/ogi.duckdb` answers at once. The views read the
Parquet files where they are (absolute paths: the file works from any directory, and is written
again if the storage root moves), `union_by_name` so that a column added later is not dropped
from the years written before it, and the `year` of each row from its folder. Local storage
roots only: over object storage, DuckDB would need its httpfs extension, which it downloads.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from ogi.store.files import filesystem
from ogi.store.parquet import SCHEMA_VERSION

DATABASE = "ogi.duckdb"


def write_sql_catalog(root: str, datasets: tuple[str, ...], problems: list[str] | None = None,
                      files: dict[str, str] | None = None) -> Path | None:
    """Write the database file (replacing the old one in one move); None for a remote root. A
    dataset with a file DuckDB cannot read (a damaged year) gets no view, and `problems` says why:
    one bad file of another year must not fail the publication of this one. `files`: more views,
    each over one Parquet file under the root ({view name: path}, the data dictionary's)."""
    fs, base = filesystem(root)
    if "file" not in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)):
        return None
    base = Path(base).resolve()
    target, temp = base / DATABASE, base / f".{DATABASE}.{uuid.uuid4().hex}.tmp"
    try:
        with duckdb.connect(str(temp)) as con:
            for name in datasets:
                try:
                    _view(con, base, name)
                except duckdb.Error as exc:
                    (problems if problems is not None else []).append(f"no view {name}: {str(exc).splitlines()[0]}")
            for name, path in (files or {}).items():
                file = str(Path(path).resolve()).replace("'", "''")
                try:
                    con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet(\'{file}\')')
                except duckdb.Error as exc:
                    (problems if problems is not None else []).append(f"no view {name}: {str(exc).splitlines()[0]}")
            con.execute("CREATE TABLE ogi_schema AS SELECT ? AS schema_version", [SCHEMA_VERSION])
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def _view(con, base: Path, name: str) -> None:
    if any(base.glob(f"{name}/year=*/*.parquet")):
        files = str(base / name / "year=*" / "*.parquet").replace("'", "''")
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet(\'{files}\', '
                    "hive_partitioning = true, union_by_name = true)")
    elif (base / name / "part-0.parquet").exists():  # a dataset over all years (publishers)
        file = str(base / name / "part-0.parquet").replace("'", "''")
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet(\'{file}\')')
