"""The SQL catalog: a DuckDB view per dataset over every year, columns added later kept."""

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ogi.store.parquet import SCHEMA_VERSION, SCHEMAS, write_partition
from ogi.store.sql import write_sql_catalog


def test_views_read_every_year_and_a_column_added_later(tmp_path):
    old = pa.table({"doc_id": ["a"], "rule": ["t3_balance"]})  # a year written before more columns existed
    (tmp_path / "violations" / "year=2019").mkdir(parents=True)
    pq.write_table(old, tmp_path / "violations" / "year=2019" / "part-0.parquet")
    with write_partition(str(tmp_path), "violations", 2020, staging=False) as append:
        append([{"doc_id": "b", "rule": "t2_total", "severity": "error", "waived": False}])
    database, problems = write_sql_catalog(str(tmp_path), ("documents", "cells", "violations"))
    assert problems == []
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.sql("select year, doc_id, rule, severity from violations order by year").fetchall()
        assert rows == [(2019, "a", "t3_balance", None), (2020, "b", "t2_total", "error")]
        assert con.sql("select schema_version from ogi_schema").fetchall() == [(SCHEMA_VERSION,)]
        views = {r[0] for r in con.sql("select view_name from duckdb_views() where not internal").fetchall()}
        assert views == {"violations"}  # no view over a dataset without files
    metadata = pq.read_schema(tmp_path / "violations" / "year=2020" / "part-0.parquet").metadata
    assert metadata[b"ogi.schema_version"] == SCHEMA_VERSION.encode()
    assert SCHEMAS["documents"].metadata[b"ogi.schema_version"] == SCHEMA_VERSION.encode()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_damaged_file_costs_its_view_not_the_publication(tmp_path):
    for year in (2019, 2020):
        with write_partition(str(tmp_path), "cells", year, staging=False) as append:
            append([{"doc_id": "a", "table": "t3", "row": "new_received", "column": "total", "value": 1.0}])
    with write_partition(str(tmp_path), "documents", 2020, staging=False) as append:
        append([{"doc_id": "a", "publisher": "某县人民政府"}])
    damaged = tmp_path / "cells" / "year=2019" / "part-0.parquet"
    damaged.write_bytes(damaged.read_bytes()[:20])
    database, problems = write_sql_catalog(str(tmp_path), ("documents", "cells"))
    assert len(problems) == 1 and problems[0].startswith("no view of cells:") and "year=2019" in problems[0]
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.sql("select publisher from documents").fetchall() == [("某县人民政府",)]


def test_a_remote_root_gets_no_database():
    assert write_sql_catalog("memory://ogi-test", ("documents",)) == (None, [])
