"""The new-reports sensor: a changed report column starts a crawl; a crawl that found new reports runs their years."""

import json

import dagster as dg

from assets.catalog import report_catalog
from assets.settings import OgiSettings
from ogi.testing import Sites, random_report, render_html
from orchestration.build import build_defs
from orchestration.sensors import new_reports


def test_a_new_report_runs_its_year_only(tmp_path):
    sites = Sites(hosts=2, years=(2022, 2023), per_year=1, pages=1)
    try:
        registry = tmp_path / "sources.yaml"
        registry.write_text(sites.registry(), encoding="utf-8")
        settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry), per_host_delay=0.0,
                               workers=1)
        instance = dg.DagsterInstance.ephemeral()
        dg.materialize([report_catalog], instance=instance, resources={"settings": settings})

        def tick(cursor):
            with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"settings": settings}) as context:
                return new_reports(context), context.cursor

        result, cursor = tick(None)
        assert isinstance(result, dg.SkipReason) and "no report column changed" in result.skip_message
        host = sites.servers[1].server_address[0]
        report = random_report(77, "2021", 2023)
        sites.pages[(host, "/xxgk/nb/new.html")] = render_html(report).encode()
        index = sites.pages[(host, "/xxgk/nb/index.html")]
        sites.pages[(host, "/xxgk/nb/index.html")] = index.replace(
            b"</ul>", '<li><a href="new.html">某局2023年政府信息公开工作年度报告</a></li></ul>'.encode())

        result, cursor = tick(cursor)
        assert isinstance(result, dg.RunRequest) and result.job_name == "crawl_sources" and "site1" in result.run_key
        dg.materialize([report_catalog], instance=instance, resources={"settings": settings},
                       tags={"ogi/crawl": "force"})
        result, cursor = tick(cursor)
        assert [(r.job_name, r.partition_key) for r in result] == [("annual_reports_year", "2023")]
        result, cursor = tick(cursor)
        assert isinstance(result, dg.SkipReason) and json.loads(cursor)["catalog"] > 0
    finally:
        sites.close()


def test_the_sensor_is_in_the_definitions_and_off_by_default():
    sensor = build_defs().resolve_sensor_def("new_reports")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
