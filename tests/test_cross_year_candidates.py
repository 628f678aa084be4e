"""Ambiguous cells narrowed by the same publisher's published report of the year before: only
where a cross-year equality of the format pins the cell and exactly one candidate satisfies it."""

import dagster as dg
import pandas as pd
import pytest

from ogi.extract.cross_year import narrow_across_years
from ogi.format import load_format
from ogi.report import extract_report
from ogi.testing import random_report, render_html, render_text
from orchestration.run import materialize_year
from tests.conftest import T3_COLUMNS, cells_by_key, folder_settings

CARRIED = (12, 1, 0, 0, 0, 0, 13)  # glued as `121000013`: 12|1|0|… or 1|2|10|… both add up


def _glued_carry(version: str, year: int):
    """A flattened report whose 上年结转 and 结转下年度 rows both print `121000013`: the table's
    arithmetic cannot tell 12|1|0 from 1|2|10, so three cells of each row stay ambiguous."""
    report = random_report(11, version, year)
    for row in ("carried_over", "carried_forward"):
        report.values.update({("t3", row, c): v for c, v in zip(T3_COLUMNS, CARRIED, strict=True)})
    return report, render_text(report, "flattened")


@pytest.fixture(scope="module")
def ambiguous():
    _, text = _glued_carry("2021", 2021)
    record = extract_report(text.encode(), "r.txt")
    cells = cells_by_key(record)
    assert [cells[("t3", "carried_over", c)]["candidates"] for c in T3_COLUMNS[:3]] == [[1, 12], [1, 2], [0, 10]]
    return record


def test_the_carry_over_rule_picks_the_one_candidate_equal_to_last_years_carried_forward(ambiguous):
    previous = {("t3", "carried_forward", c): float(v) for c, v in zip(T3_COLUMNS, CARRIED, strict=True)}
    cells, notes = narrow_across_years(load_format().versions["2021"], ambiguous["cells"], previous)
    got = cells_by_key({"cells": cells})
    for col, value in zip(T3_COLUMNS[:3], CARRIED, strict=False):
        cell = got[("t3", "carried_over", col)]
        assert (cell["value"], cell["raw"], cell["inferred"], cell["ambiguous"], cell["candidates"]) \
            == (value, str(value), True, False, None)
    assert got[("t3", "carried_forward", "natural_person")]["candidates"] == [1, 12]  # no rule reaches it
    assert len(notes) == 3 and "t3_carry_continuity_cross_year" in notes[0] and "[1, 12]" in notes[0]
    assert cells_by_key(ambiguous)[("t3", "carried_over", "natural_person")]["value"] is None  # input untouched


@pytest.mark.parametrize(("last_year", "why"), [
    (None, "the year before left the cell null"),
    (5.0, "no candidate equals last year's figure: the rule is broken, not used"),
])
def test_nothing_is_decided_without_exactly_one_fitting_candidate(ambiguous, last_year, why):
    previous = {("t3", "carried_forward", "natural_person"): last_year}
    cells, notes = narrow_across_years(load_format().versions["2021"], ambiguous["cells"], previous)
    assert notes == [] and cells == ambiguous["cells"], why


def test_a_rule_with_two_ambiguous_cells_of_this_year_decides_nothing():
    """现行有效件数 = last year's + 本年制发 − 本年废止: with 制发 and 废止 ambiguous too, one
    equation cannot pick among their combinations (the staged cells do not say which go
    together), so all three stay as they are; with both known, 现行有效件数 is decided."""
    version = load_format().versions["2021"]
    row = [{"table": "t2", "row": "normative_documents", "column": col, "value": None, "raw": None,
            "inferred": False, "ambiguous": True, "candidates": cands}
           for col, cands in (("issued", [6, 60]), ("repealed", [0, 4]), ("in_force", [5, 45]))]
    previous = {("t2", "normative_documents", "in_force"): 39.0}
    assert narrow_across_years(version, row, previous) == (row, [])
    known = [{**row[0], "value": 6, "raw": "6", "ambiguous": False, "candidates": None},
             {**row[1], "value": 0, "raw": "0", "ambiguous": False, "candidates": None}, row[2]]
    cells, notes = narrow_across_years(version, known, previous)
    assert (cells[2]["value"], cells[2]["inferred"]) == (45, True) and "t2_in_force_continuity_cross_year" in notes[0]


def test_the_pipeline_narrows_with_the_published_year_before(tmp_path):
    """Two years materialized for real: 2020 published (its 结转下年度 printed in a grid), then
    2021, whose glued 上年结转 cells are read as 2020's carried forward, marked inferred, the
    reasons in the document's warnings; its own 结转下年度 stays ambiguous."""
    folder = tmp_path / "reports"
    folder.mkdir()
    before = random_report(52, "2019", 2020)
    for col, value in zip(T3_COLUMNS, CARRIED, strict=True):  # its 勾稽关系 and row totals kept
        v = before.values
        v[("t3", "carried_forward", col)] = value
        v[("t3", "carried_over", col)] = v[("t3", "results_total", col)] + value
        v[("t3", "new_received", col)] = 0
    after, text = _glued_carry("2021", 2021)
    before.publisher = after.publisher
    (folder / "2020.html").write_text(render_html(before), encoding="utf-8")
    (folder / "2021.txt").write_text(text, encoding="utf-8")
    settings = folder_settings(tmp_path, folder)
    instance = dg.DagsterInstance.ephemeral()
    assert materialize_year("2020", settings, instance).published
    assert materialize_year("2021", settings, instance).published
    cells = pd.read_parquet(tmp_path / "data" / "cells", filters=[("year", "=", 2021)])
    t3 = cells[cells["table"] == "t3"].set_index(["row", "column"])
    for col, value in zip(T3_COLUMNS, CARRIED, strict=True):
        assert t3.loc[("carried_over", col), "value"] == value
    assert t3.loc[("carried_over", "natural_person"), "inferred"]
    assert list(t3.loc[("carried_forward", "natural_person"), "candidates"]) == [1, 12]
    docs = pd.read_parquet(tmp_path / "data" / "documents", filters=[("year", "=", 2021)])
    assert sum("t3_carry_continuity_cross_year" in w for w in docs["warnings"].iloc[0]) == 3
