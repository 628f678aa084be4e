"""The data dictionary: every code and rule of the format, and every published column, has its
words in ogi/format/dictionary.yaml; what the samples yield is all in it."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ogi import dictionary
from ogi.format import load_format
from ogi.report import extract_report
from ogi.store.parquet import SCHEMAS
from tests.conftest import ROOT

SAMPLES = sorted((ROOT / "samples" / "reports").glob("*.*"))


def _format_codes() -> set[tuple[str, str, str]]:
    out = set()
    for version in load_format().versions.values():
        for table in version.tables.values():
            out.add(("table", table.code, table.code))
            out |= {("row", table.code, r) for r in table.rows} | {("column", table.code, c) for c in table.columns}
    return out


def _format_rules() -> set[str]:
    fmt = load_format()
    ids = {r.id for r in fmt.type_rules} | set(fmt.document_rules)
    for version in fmt.versions.values():
        ids |= {c.rule for c in version.checks + version.cross_year_checks} | {r.id for r in version.text_rules}
    return ids


def _listed_codes() -> set[tuple[str, str, str]]:
    words = dictionary.words()
    return ({("table", t, t) for t in words["tables"]}
            | {("row", t, r) for t, rows in words["rows"].items() for r in rows}
            | {("column", t, c) for t, cols in words["columns"].items() for c in cols})


def test_every_code_of_the_format_has_an_english_label_and_nothing_else_is_listed():
    assert _format_codes() - _listed_codes() == set(), "codes with no entry in ogi/format/dictionary.yaml"
    assert _listed_codes() - _format_codes() == set(), "entries of ogi/format/dictionary.yaml the format lacks"
    assert all(c["label_en"] and c["templates"] for c in dictionary.codes())
    assert all(c["unit"] for c in dictionary.codes() if c["level"] == "column")
    assert set(dictionary.words()["units"]) == set(load_format().value_types)


def test_every_rule_of_the_format_has_a_meaning_and_nothing_else_is_listed():
    listed = set(dictionary.words()["rules"])
    assert _format_rules() - listed == set(), "rules with no entry in ogi/format/dictionary.yaml"
    assert listed - _format_rules() == set(), "entries of ogi/format/dictionary.yaml the format lacks"
    rows = {r["rule"]: r for r in dictionary.rules()}
    assert set(rows) == _format_rules()
    assert all(r["meaning"] and r["expression"] and r["kind"] and r["severity"] for r in rows.values())
    assert rows["t3_balance"]["family"] == "table" and "t3.new_received.{col}" in rows["t3_balance"]["expression"]
    assert rows["t3_carry_continuity_cross_year"]["family"] == "cross_year"
    assert rows["prose_new_received"]["family"] == "prose" and "t3.new_received.total" in rows[
        "prose_new_received"]["expression"]
    assert rows["s6_processing_fee_mentioned"]["templates"] == ["2021"]
    assert rows["count_negative"]["family"] == "type" and rows["published_after_report_year"]["family"] == "document"


def test_every_published_column_has_a_meaning_and_nothing_else_is_listed():
    datasets = dictionary.words()["datasets"]
    assert set(datasets) == set(dictionary.DATASETS)
    for name in dictionary.DATASETS:
        names = set(SCHEMAS[name].names)
        assert set(datasets[name]["columns"]) - names == set(), name
        assert not [c for c in names if not dictionary.column_description(name, c)], name
    assert "t3.granted.total" in dictionary.column_description("reports", "granted")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_the_samples_yield_only_codes_and_rules_the_dictionary_has(path: Path):
    record = extract_report(path.read_bytes(), path.name)
    codes = {(c["level"], c["table"], c["code"]) for c in dictionary.codes()}
    rules = {r["rule"] for r in dictionary.rules()}
    for cell in record["cells"] or []:
        assert {("table", cell["table"], cell["table"]), ("row", cell["table"], cell["row"]),
                ("column", cell["table"], cell["column"])} <= codes, cell
    assert {v["rule"] for v in record["violations"] or []} <= rules


def test_written_beside_the_data_as_parquet_and_markdown(tmp_path):
    written = dictionary.write_dictionary(str(tmp_path))
    assert set(written) == {"dictionary_codes", "dictionary_rules", "dictionary_columns"}
    folder = tmp_path / "dictionary"
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "codes.parquet", "columns.parquet",
                                                        "rules.parquet"]
    codes = pq.read_table(folder / "codes.parquet")
    assert codes.schema.equals(dictionary.DICTIONARY_SCHEMAS["codes"])
    assert codes.num_rows == len(_format_codes())
    assert pq.read_table(folder / "rules.parquet").num_rows == len(_format_rules())
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "| granted | （一）予以公开 | Disclosed in full |" in readme and "t3_balance" in readme


def test_the_assets_column_schemas_carry_the_descriptions():
    from assets.publish import _column_schema

    for name in ("documents", "cells", "violations", "reports"):
        columns = _column_schema(name).columns
        assert [c.name for c in columns] == SCHEMAS[name].names
        assert all(c.description for c in columns), name


def test_the_dictionary_describes_the_format_in_use(format_2031):
    """A format swapped in (`use_format`) is the one described: its new template, rule and codes."""
    rows = dictionary.entries()
    rules = {r["rule"]: r for r in rows["rules"]}
    assert rules["t2_interpreted_le_issued"]["templates"] == ["2031"]
    assert rules["t2_interpreted_le_issued"]["expression"].startswith("t2.")
    assert rules["t3_balance"]["templates"] == ["2019", "2021", "2031"]
    assert "2031" in rules["s6_processing_fee_mentioned"]["templates"]
    assert {"2031"} == {v for c in rows["codes"] if c["code"] in ("admin_inspection", "news_media")
                        for v in c["templates"]}
    assert "t2_interpreted_le_issued" in dictionary.markdown(rows)
    assert {r["rule"] for r in rows["rules"]} == {
        id_ for version in format_2031.versions.values()
        for id_ in [c.rule for c in version.checks + version.cross_year_checks] + [r.id for r in version.text_rules]
    } | {r.id for r in format_2031.type_rules} | set(format_2031.document_rules)
