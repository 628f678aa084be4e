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
    database = write_sql_catalog(str(tmp_path), ("documents", "cells", "violations"))
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


def test_a_damaged_year_costs_its_dataset_view_not_the_catalog(tmp_path):
    for dataset in ("documents", "cells"):
        with write_partition(str(tmp_path), dataset, 2020, staging=False) as append:
            append([{"doc_id": "a"}])
    damaged = tmp_path / "cells" / "year=2020" / "part-0.parquet"
    damaged.write_bytes(damaged.read_bytes()[:40])
    problems = []
    database = write_sql_catalog(str(tmp_path), ("documents", "cells"), problems)
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.sql("select doc_id from documents").fetchall() == [("a",)]
        views = {r[0] for r in con.sql("select view_name from duckdb_views() where not internal").fetchall()}
        assert views == {"documents"}
    assert len(problems) == 1 and problems[0].startswith("no view cells: ")


def test_a_remote_root_gets_no_database():
    assert write_sql_catalog("memory://ogi-test", ("documents",)) is None
