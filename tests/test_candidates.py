"""Table-2 digits run together with no total to cut them: the cell stays null and lists its
candidate readings, narrowed by what the format implies; the unit of an amount (README)."""

import re

import pytest

from ogi.extract.values import glued_readings, within_fen
from ogi.report import extract_report
from ogi.testing import random_report, render_text


def _glue(text: str, label: str, n: int, printed: str) -> str:
    """The report with the n cells printed after `label` replaced by `printed` on its line."""
    out, count = re.subn(re.escape(label) + r"\n" + r"[^\n]*\n" * n, label + printed + "\n", text, count=1)
    assert count == 1
    return out


def _row(record, row):
    return {c["column"]: c for c in record["cells"] if c["table"] == "t2" and c["row"] == row}


def _read(text):
    return extract_report(text.encode(), "report.txt")


def test_glued_t2_row_keeps_its_candidates():
    text = _glue(render_text(random_report(11, "2021")), "规范性文件", 3, "6045")
    record = _read(text)
    row = _row(record, "normative_documents")
    assert {c: (x["value"], x["ambiguous"], x["candidates"]) for c, x in row.items()} == {
        "issued": (None, True, [6, 60]), "repealed": (None, True, [0, 4]), "in_force": (None, True, [5, 45])}
    others = [c for c in record["cells"] if not c["ambiguous"]]
    assert others and all(c["candidates"] is None for c in others)


def test_glued_2019_rows_candidates_respect_column_types():
    text = render_text(random_report(11, "2019"))
    text = _glue(text, "政府集中采购", 2, "191690.9913万元")
    text = _glue(text, "行政处罚", 3, "8814314")
    record = _read(text)
    procurement = _row(record, "central_procurement")
    assert procurement["procurement_items"]["candidates"] == [1, 19, 191, 1916, 19169]
    assert procurement["procurement_amount"]["candidates"] == pytest.approx(
        [0.9913, 90.9913, 690.9913, 1690.9913, 91690.9913])
    penalty = _row(record, "admin_penalty")
    assert all(x["value"] is None and x["ambiguous"] for x in penalty.values())
    assert penalty["prev_year_items"]["candidates"] == [8, 88, 881, 8814, 88143]
    assert penalty["decisions"]["candidates"] == [4, 14, 314, 4314, 14314]
    assert all(v > 0 for v in penalty["change"]["candidates"])  # no sign printed: never negative


def test_one_remaining_reading_is_the_value_and_inferred():
    """`7-3`: a count then a signed 本年增/减, one reading only."""
    record = _read(_glue(render_text(random_report(11, "2019")), "行政事业性收费", 2, "7-3"))
    fees = _row(record, "admin_fees")
    assert [(x["value"], x["inferred"], x["ambiguous"], x["candidates"]) for x in fees.values()] == [
        (7, True, False, None), (-3, True, False, None)]


def test_cuts_leave_whole_fen_only():
    """An amount has at most 2 decimals in 元, 6 in 万元: a cut leaving more is no reading."""
    amounts = {r[0][1] for r in glued_readings("7.12345678", ["amount_wan_yuan", "count"])}
    assert amounts == {"7.123456", "7.12345", "7.1234", "7.123", "7.12", "7.1"}
    assert within_fen("0.12元") and not within_fen("0.123元")
    assert within_fen("0.123456") and within_fen("0.123456万元") and not within_fen("0.1234567万")


@pytest.mark.parametrize(("header", "printed", "value", "inferred"), [
    ("采购总金额", "1089059", 1089059, True),           # no unit anywhere: 万元 assumed, so a guess
    ("采购总金额", "4253521.20", 4253521.2, True),
    ("采购总金额", "251000元", 25.1, True),             # the cell's unit wins
    ("采购总金额（元）", "1089059", 108.9059, True),    # the header's unit
    ("采购总金额(单位:元)", "4253521.20", 425.35212, True),
    ("采购总金额（元）", "3441万", 3441, False),        # the cell's unit over the header's
    ("采购总金额（万元）", "1089059", 1089059, False),
    ("采购总金额（元）", "0", 0, False),
])
def test_procurement_amount_unit(header, printed, value, inferred):
    text = render_text(random_report(11, "2019")).replace("采购总金额", header, 1)
    record = _read(_glue(text, "政府集中采购", 2, f"\n12\n{printed}"))
    cell = _row(record, "central_procurement")["procurement_amount"]
    assert (cell["value"], cell["raw"], cell["inferred"]) == (pytest.approx(value), printed, inferred)


def test_cells_dataset_has_candidates_column():
    import pyarrow as pa

    from ogi.steps import cell_columns
    from ogi.store.parquet import SCHEMAS

    record = _read(_glue(render_text(random_report(11, "2021")), "规范性文件", 3, "6045"))
    cells = [{**c, "doc_id": "d", "value": None if c["value"] is None else float(c["value"])}
             for c in record["cells"]]
    table = pa.Table.from_pydict(cell_columns(cells), schema=SCHEMAS["cells"])
    assert SCHEMAS["cells"].field("candidates").type == pa.list_(pa.float64())
    got = {(r["row"], r["column"]): r["candidates"] for r in table.to_pylist()}
    assert got[("normative_documents", "issued")] == [6.0, 60.0]
    assert got[("regulations", "issued")] is None
