"""Trends over the published years and a year at a glance, on small hand-made tables."""

import pyarrow as pa
import pyarrow.parquet as pq

from ogi.trends import applications_by_year, at_a_glance, published_reports


def _reports(levels, applications):
    return pa.table({"level": pa.array(levels, pa.string()),
                     "applications_received": pa.array(applications, pa.float64())})


def _write(root, year, table):
    folder = root / "reports" / f"year={year}"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-0.parquet")


def test_applications_by_year_and_level():
    levels, rows = applications_by_year({
        2021: _reports(["county", None, "province", "county"], [10, 3, None, 5]),
        2020: _reports(["street", "county"], [1, 2]),
    })
    assert levels == ["province", "county", "street", "unplaced"]  # administrative order, unplaced last
    assert rows == [
        {"year": 2020, "documents": 2, "reporting": 2, "applications_received": 3.0,
         "province": 0.0, "county": 2.0, "street": 1.0, "unplaced": 0.0},
        {"year": 2021, "documents": 4, "reporting": 3, "applications_received": 18.0,
         "province": 0.0, "county": 15.0, "street": 0.0, "unplaced": 3.0},
    ]


def test_an_empty_year_is_a_row_of_zeros():
    levels, rows = applications_by_year({2019: _reports([], []), 2020: _reports(["central"], [7])})
    assert levels == ["central"]
    assert rows[0] == {"year": 2019, "documents": 0, "reporting": 0, "applications_received": 0.0, "central": 0.0}


def test_every_published_year_is_read_and_a_damaged_one_is_named(tmp_path):
    _write(tmp_path, 2020, _reports(["county"], [4]).append_column("doc_id", pa.array(["a"])))
    _write(tmp_path, 2022, _reports(["province", "county"], [1, 2]))
    damaged = tmp_path / "reports" / "year=2021" / "part-0.parquet"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"PAR1 not a parquet file")
    problems = []
    found = published_reports(str(tmp_path), problems)
    assert sorted(found) == [2020, 2022] and found[2020].column_names == ["level", "applications_received"]
    assert len(problems) == 1 and str(damaged) in problems[0]
    _, rows = applications_by_year(found)
    assert [(r["year"], r["applications_received"]) for r in rows] == [(2020, 4.0), (2022, 3.0)]
    assert published_reports(str(tmp_path / "nothing")) == {}


def test_a_year_at_a_glance():
    documents = pa.table({"publisher_id": ["p1", "p2", "p1", None], "status": ["ok", "ok", "ok", "unreadable"]})
    violations = pa.table({
        "rule": ["t3_balance", "t3_balance", "prose_total", "t2_sum", "t3_balance", "prose_total", "late"],
        "severity": ["error", "error", "warning", "error", "error", "warning", "warning"],
        "status": ["broken", "broken", "broken", "broken", "not_evaluable", "not_evaluable", "broken"],
        "waived": [False, True, False, False, False, False, False],
    })
    assert at_a_glance(documents, violations, top=3) == {
        "documents": 4, "documents_ok": 3, "publishers": 2, "errors_broken": 3, "warnings_broken": 2,
        "broken_waived": 1, "not_evaluable": 2,
        "most_broken": [("t3_balance", "error", 2), ("late", "warning", 1), ("prose_total", "warning", 1)],
    }


def test_a_year_without_documents_at_a_glance():
    empty = at_a_glance(pa.table({"publisher_id": pa.array([], pa.string()), "status": pa.array([], pa.string())}),
                        pa.table({n: pa.array([], t) for n, t in (("rule", pa.string()), ("severity", pa.string()),
                                                                  ("status", pa.string()), ("waived", pa.bool_()))}))
    assert empty == {"documents": 0, "documents_ok": 0, "publishers": 0, "errors_broken": 0, "warnings_broken": 0,
                     "broken_waived": 0, "not_evaluable": 0, "most_broken": []}
