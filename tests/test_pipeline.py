"""The Dagster pipeline for real: in-process runs, the GX gate, waivers, Parquet read back."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pyarrow.dataset as pads
import pytest

from assets.settings import OgiSettings
from ogi.store.parquet import SCHEMAS
from orchestration.run import crawl, materialize_year
from tests.conftest import ROOT, folder_settings

SEED_001 = "7925c362b5d43f62d1038ea0659bd0e75d3d10c918546491b6dcd76f65ba67a7"


def _settings(root: Path, waivers: Path | None = None, workers: int = 1) -> OgiSettings:
    return OgiSettings(storage_root=str(root), sources=str(ROOT / "sources.yaml"),
                       waivers=str(waivers or root / "no-waivers.yaml"), workers=workers)


@pytest.fixture(scope="module")
def sample_instance():
    return dg.DagsterInstance.ephemeral()


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, sample_instance):
    """2020 and 2021 of the bundled sample, no waivers: 2021 breaks t3_balance (seed 001)."""
    root = tmp_path_factory.mktemp("data")
    instance = sample_instance
    settings = _settings(root, workers=2)  # the worker pools, for real
    return root, {y: materialize_year(y, settings, instance) for y in ("2020", "2021")}


def test_years_found_in_the_sample(tmp_path):
    years = crawl(_settings(tmp_path), dg.DagsterInstance.ephemeral())
    assert years == ["2017", "2019", "2020", "2021", "2022", "2023", "2024"]


def test_good_year_publishes(sample_run):
    root, outcomes = sample_run
    assert outcomes["2020"].success and outcomes["2020"].published and outcomes["2020"].documents == 3
    for name in ("documents", "cells", "violations"):
        assert (root / name / "year=2020" / "part-0.parquet").is_file()


def test_year_breaking_an_error_rule_is_held_back(sample_run):
    root, outcomes = sample_run
    held = outcomes["2021"]
    assert not held.success and not held.published
    assert held.failed_checks == ["t3_rules", "document_metadata"] and "t3_balance" in held.failed_rules
    assert "published_after_report_year" in held.failed_rules  # a warning: seed 001 is dated 2021-01-19
    assert not (root / "documents" / "year=2021").exists()
    assert (root / "staging" / "documents" / "year=2021" / "part-0.parquet").is_file()  # nothing lost


def test_the_year_at_a_glance_and_the_trends_are_on_the_published_assets(sample_run, sample_instance):
    """Only 2020 is published (2021 is held): 3 documents of 3 publishers, nothing broken; the
    trend table has its row, summed as the SQL catalog sums it."""
    root, _ = sample_run
    latest = {k: sample_instance.get_latest_materialization_event(dg.AssetKey(k)).asset_materialization.metadata
              for k in ("documents", "reports")}
    glance = latest["documents"]
    assert glance["year_at_a_glance"].value.startswith("**2020**: 3 documents (3 read), 3 publishers")
    assert (glance["publishers_of_the_year"].value, glance["errors_broken"].value) == (3, 0)
    violations = pd.read_parquet(root / "violations", filters=[("year", "=", 2020)])
    assert glance["not_evaluable"].value == (violations["status"] == "not_evaluable").sum() > 0
    assert glance["warnings_broken"].value == (violations["status"] == "broken").sum()
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        (total,), = con.sql("select sum(applications_received) from reports where year = 2020").fetchall()
    assert total == 32
    assert latest["reports"]["applications_by_year"].value.endswith("\n| 2020 | 3 | 3 | 32 | 32 |")
    assert (root / "charts" / "applications_by_year.png").is_file()


def test_gate_metadata_names_document_rule_and_detail(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    materialize_year("2021", _settings(tmp_path), instance)
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("validated_reports"), "t3_rules")])
    evaluation = next(iter(check.values())).event.dagster_event.event_specific_data
    table = evaluation.metadata["failing_documents"].value
    assert SEED_001[:12] in table and "t3_balance" in table and "5 + 0 != 5 + 1" in table
    assert "永康市芝英镇人民政府" in table
    assert evaluation.metadata["data_docs"].value == "http://127.0.0.1:3070/year=2021/index.html"  # ogi docs
    assert Path(evaluation.metadata["data_docs_path"].value).is_file()


def test_waiver_lets_the_year_publish(tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"waivers:\n  - {{doc_id: {SEED_001}, rule: t3_balance, reason: accepted as printed}}\n",
                       encoding="utf-8")
    outcome = materialize_year("2021", _settings(tmp_path / "data", waivers), dg.DagsterInstance.ephemeral())
    assert outcome.success and outcome.published
    violations = pd.read_parquet(tmp_path / "data" / "violations")
    balance = violations[(violations["rule"] == "t3_balance") & (violations["status"] == "broken")]
    assert len(balance) == 2 and balance["waived"].all()  # still listed, marked waived


def test_published_parquet_reads_back_everywhere(sample_run):
    root, _ = sample_run
    for name, schema in SCHEMAS.items():
        if name not in ("documents", "cells", "violations", "reports"):
            continue
        dataset = pads.dataset(root / name, format="parquet", partitioning="hive")
        table = dataset.to_table()
        assert table.schema.field("year") is not None
        assert table.drop_columns(["year"]).schema.equals(schema), name
        frame = pd.read_parquet(root / name)
        assert set(frame["year"].astype(str)) == {"2020"}
    cells = duckdb.sql(
        f"select count(*) n, count(value) v from read_parquet('{root}/cells/*/*.parquet', hive_partitioning=1) "
        f"where year = 2020 and \"table\" = 't3'").fetchall()[0]
    assert cells[0] == 3 * 23 * 7 and cells[1] > 0
    docs = duckdb.sql(f"select publisher, format_version, status from read_parquet('{root}/documents/*/*.parquet', "
                      "hive_partitioning=1) order by publisher").fetchall()
    assert docs == [("宿松县人民政府", "2019", "ok"), ("滁州市南谯区经济和信息化局", "2019", "ok"),
                    ("铜鼓县人民政府办公室", "2019", "ok")]
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:  # the SQL catalog of the storage root
        assert con.sql("select year, count(*) from documents group by year").fetchall() == [(2020, 3)]
        assert con.sql("select count(*) from cells where \"table\" = 't3'").fetchall() == [(3 * 23 * 7,)]


def test_publishers_are_published_and_joined(sample_run):
    root, _ = sample_run
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        rows = con.sql("select d.publisher, p.level, p.kind, p.division_code, p.placement from documents d "
                       "join publishers p using (publisher_id) order by d.publisher").fetchall()
    assert rows == [("宿松县人民政府", "county", "people_government", "340826", "matched"),
                    ("滁州市南谯区经济和信息化局", "county", "department", "341103", "matched"),
                    ("铜鼓县人民政府办公室", "county", "government_office", "360926", "matched")]


def test_the_data_dictionary_is_published_and_has_every_code_and_rule_of_the_run(sample_run):
    root, _ = sample_run
    assert (root / "dictionary" / "README.md").is_file()
    staged = str(root / "staging" / "violations" / "year=2021" / "part-0.parquet")  # held back: t3_balance
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        assert con.sql("select count(*) from cells").fetchall()[0][0] > 0
        missing = con.sql(
            'select distinct "table", "row", "column" from cells c where not exists (select 1 from dictionary_codes d '
            "where d.level = 'row' and d.\"table\" = c.\"table\" and d.code = c.\"row\") or not exists (select 1 from "
            "dictionary_codes d where d.level = 'column' and d.\"table\" = c.\"table\" and d.code = c.\"column\")"
        ).fetchall()
        assert missing == []
        rules = {r for (r,) in con.sql(f"select rule from violations union select rule from read_parquet('{staged}')")
                 .fetchall()}
        assert "t3_balance" in rules
        known = {r for (r,) in con.sql("select rule from dictionary_rules").fetchall()}
        assert rules - known == set()
        assert con.sql("select description from dictionary_columns where dataset = 'reports' and \"column\" = "
                       "'granted'").fetchall() == [("Disclosed in full: cell t3.granted.total; "
                                                    "number (items, applications or cases)",)]


def test_reports_has_the_figures_in_english(sample_run):
    """Seeds 000 and 004 (t3 total column, checked by hand in the seeds' truth file)."""
    root, _ = sample_run
    with duckdb.connect(str(root / "ogi.duckdb"), read_only=True) as con:
        rows = con.sql("select publisher, level, province, applications_received, applications_carried_over, granted, "
                       "partially_granted, denied_third_party, denied_total, unable_total, not_processed_excessive, "
                       "not_processed_total, results_total, carried_forward, review_total from reports "
                       "where publisher in ('宿松县人民政府', '铜鼓县人民政府办公室') order by publisher").fetchall()
    assert rows == [("宿松县人民政府", "county", "安徽省", 19, 0, 15, None, 2, 2, 1, 0, 0, 19, 0, 0),
                    ("铜鼓县人民政府办公室", "county", "江西省", 13, 0, 3, 2, 0, 0, 3, 5, 5, 13, 0, 0)]


@pytest.mark.slow
def test_rerun_is_idempotent(tmp_path):
    settings, instance = _settings(tmp_path), dg.DagsterInstance.ephemeral()
    materialize_year("2020", settings, instance)
    first = {n: pd.read_parquet(tmp_path / n) for n in ("documents", "cells", "violations")}
    materialize_year("2020", settings, instance)
    for name, frame in first.items():
        again = pd.read_parquet(tmp_path / name)
        if name == "documents":  # the one column that says when this run asked
            assert (again["last_attempt_at"] >= frame["last_attempt_at"]).all()
            frame, again = frame.drop(columns="last_attempt_at"), again.drop(columns="last_attempt_at")
        pd.testing.assert_frame_equal(frame, again)
    hidden = [p for p in tmp_path.rglob(".*") if p.is_file()]
    assert hidden == []  # no temporary files left behind


@pytest.mark.slow
def test_dagster_cli_materializes_a_year_and_exits_non_zero_when_gated(tmp_path):
    env = {**os.environ, "OGI_DATA": str(tmp_path / "data"), "OGI_SOURCES": str(ROOT / "sources.yaml"),
           "OGI_WAIVERS": str(tmp_path / "none.yaml"), "DAGSTER_HOME": str(tmp_path / "home"), "OGI_WORKERS": "2"}
    (tmp_path / "home").mkdir()
    dagster = str(Path(sys.executable).parent / "dagster")
    base = [dagster, "asset", "materialize", "-m", "orchestration.definitions", "--select", "*", "--partition"]
    ok = subprocess.run([*base, "2020"], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert (tmp_path / "data" / "documents" / "year=2020" / "part-0.parquet").is_file()
    gated = subprocess.run([*base, "2021"], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert gated.returncode != 0
    assert "t3_rules" in gated.stderr + gated.stdout
    assert not (tmp_path / "data" / "documents" / "year=2021").exists()


def test_definitions_load_with_partitions_schedules_and_checks():
    from orchestration.definitions import defs

    job = defs.resolve_job_def("annual_reports_year")
    keys = job.partitions_def.get_partition_keys()
    assert keys[0] == "2008" and int(keys[-1]) == pd.Timestamp.now().year - 1
    assert {s.name for s in defs.schedules} == {"publication_season_weekly", "after_season_monthly"}
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in defs.schedules)
    checks = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {"t2_rules", "t3_rules", "t4_rules", "text_rules", "cross_year_rules", "document_metadata",
                      "freshness_check"}
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"documents", "cells", "violations", "reports"} <= keys  # what users read, in the catalog


def test_cross_year_rules_compare_a_publisher_with_its_report_of_the_year_before(tmp_path):
    from ogi.testing import random_report, render_html

    folder = tmp_path / "reports"
    folder.mkdir()
    before, after = random_report(51, "2019", 2019), random_report(52, "2019", 2020)
    before.publisher = after.publisher = "示例县人民政府"
    differ = {c for c in ("natural_person", "total")
              if before.values[("t3", "carried_forward", c)] != after.values[("t3", "carried_over", c)]}
    assert differ  # the two generated years disagree, as real reports often do
    for report in (before, after):
        (folder / f"{report.year}.html").write_text(render_html(report), encoding="utf-8")
    settings = folder_settings(tmp_path, folder)
    instance = dg.DagsterInstance.ephemeral()
    assert materialize_year("2019", settings, instance).published
    outcome = materialize_year("2020", settings, instance)
    assert outcome.published  # warnings never block
    assert "cross_year_rules" in outcome.failed_checks
    violations = pd.read_parquet(tmp_path / "data" / "violations", filters=[("year", "=", 2020)])
    carry = violations[(violations["rule"] == "t3_carry_continuity_cross_year") & (violations["status"] == "broken")]
    assert set(carry["column"]) >= differ and (carry["severity"] == "warning").all()
    items = violations[violations["rule"] == "t2_items_continuity_cross_year"]
    assert len(items) > 0  # 上一年项目数量 of 2020 against 2019's items and change


def test_publishing_alone_cannot_bypass_the_gate(sample_run, sample_instance):
    """Selecting only the published assets (as the UI or CLI can) does not publish a held year."""
    from assets import ASSETS, CHECKS

    root, _ = sample_run
    result = dg.materialize(ASSETS + CHECKS, selection=["documents", "cells", "violations", "reports"], partition_key="2021",
                            instance=sample_instance, raise_on_error=False,
                            resources={"settings": _settings(root)})
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "held this staging back (t3_balance)" in str(failure.event_specific_data.error.message)
    assert not (root / "documents" / "year=2021").exists()


@pytest.mark.slow
def test_a_damaged_raw_object_is_recorded_and_stored_again(tmp_path):
    settings, instance = _settings(tmp_path), dg.DagsterInstance.ephemeral()
    assert materialize_year("2020", settings, instance).published
    docs = pd.read_parquet(tmp_path / "documents")
    victim = docs["content_sha256"].iloc[0]
    stored = next(tmp_path.rglob(victim))
    stored.write_bytes(stored.read_bytes()[:100])  # truncated on disk
    materialize_year("2020", settings, instance)
    staged = pd.read_parquet(tmp_path / "staging" / "documents" / "year=2020")
    damaged = staged[staged["content_sha256"] == victim].iloc[0]
    assert damaged["status"] == "unreadable" and "damaged" in damaged["error"]
    assert materialize_year("2020", settings, instance).published  # the files source stores it again
    again = pd.read_parquet(tmp_path / "documents")
    assert (again[again["content_sha256"] == victim]["status"] == "ok").all()


@pytest.mark.slow
def test_a_damaged_previous_year_only_leaves_the_cross_year_rules_unjudged(tmp_path):
    settings, instance = _settings(tmp_path), dg.DagsterInstance.ephemeral()
    assert materialize_year("2020", settings, instance).published
    damaged = tmp_path / "cells" / "year=2020" / "part-0.parquet"
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    waived = _settings(tmp_path, waivers=ROOT / "waivers.yaml")
    outcome = materialize_year("2021", waived, instance)
    assert outcome.published, outcome.error
    warnings = pd.read_parquet(tmp_path / "documents" / "year=2021")["warnings"].iloc[0]
    assert any("cross-year rules not evaluable" in w and str(damaged) in w for w in warnings)


def test_each_year_has_its_own_gate_result(sample_run, sample_instance):
    key = dg.AssetCheckKey(dg.AssetKey("validated_reports"), "t3_rules")
    records = sample_instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
    status = {r.partition: r.status.value for r in records}
    assert status == {"2020": "SUCCEEDED", "2021": "FAILED"}


def test_an_empty_year_says_no_documents_instead_of_an_empty_chart(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    outcome = materialize_year("2018", _settings(tmp_path), instance)  # the sample has no 2018 report
    assert outcome.published and outcome.documents == 0
    event = instance.get_latest_materialization_event(dg.AssetKey("cells"))
    assert event.asset_materialization.metadata["applications_chart"].value == "2018: no documents"


def test_the_freshness_sensor_asks_whether_the_last_year_was_published_by_30_april():
    from orchestration.build import freshness_sensor
    from orchestration.definitions import defs

    request = freshness_sensor(dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), definitions=defs))
    assert {k.asset_key.to_user_string() for k in request.asset_check_keys} == {"documents", "cells", "violations", "reports"}
    assert freshness_sensor.default_status == dg.DefaultSensorStatus.RUNNING
