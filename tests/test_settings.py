"""Settings: read from the environment when a run starts (Dagster EnvVars), never by the stage code."""

from __future__ import annotations

import dagster as dg
import pytest

from assets.settings import OgiSettings
from orchestration.build import build_defs
from orchestration.resources import ENVIRONMENT, SettingsError, resolved_settings


@dg.asset
def seen(settings: OgiSettings) -> dict:
    """What a step of a run sees of the settings."""
    return {"storage_root": settings.storage_root, "workers": settings.workers, "crawl_max_age": settings.crawl_max_age,
            "ocr": settings.ocr}


def _run(defs: dg.Definitions) -> dict:
    result = dg.materialize([seen], resources={"settings": defs.resources["settings"]})
    return result.output_for_node("seen")


def _clear(monkeypatch) -> None:
    for variable in ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)


def test_a_setting_is_read_when_the_run_starts_not_when_the_definitions_load(monkeypatch, tmp_path):
    _clear(monkeypatch)
    monkeypatch.setenv("OGI_DATA", str(tmp_path / "at-load"))
    defs = build_defs()
    monkeypatch.setenv("OGI_DATA", str(tmp_path / "at-run"))
    assert _run(defs)["storage_root"] == str(tmp_path / "at-run")
    # the UI's resource page names the variable rather than a value
    assert defs.get_repository_def().get_env_vars_by_top_level_resource() == {"OGI_DATA": {"settings"}}


def test_a_setting_not_in_the_environment_keeps_its_default(monkeypatch):
    _clear(monkeypatch)
    defs = build_defs()
    assert _run(defs)["storage_root"] == OgiSettings().storage_root
    assert defs.get_repository_def().get_env_vars_by_top_level_resource() == {}


def test_numbers_given_as_text_are_numbers_in_the_run(monkeypatch):
    _clear(monkeypatch)
    monkeypatch.setenv("OGI_WORKERS", "1")
    monkeypatch.setenv("OGI_CRAWL_MAX_AGE", "60")
    defs = build_defs()
    monkeypatch.setenv("OGI_WORKERS", "3")
    seen_by_run = _run(defs)
    assert seen_by_run["workers"] == 3 and isinstance(seen_by_run["workers"], int)
    assert seen_by_run["crawl_max_age"] == 60
    assert resolved_settings().workers == 3


@pytest.mark.parametrize("value, ocr", [("1", True), ("0", False), ("true", True), ("false", False)])
def test_ocr_given_as_text_is_a_bool_in_the_run(monkeypatch, value, ocr):
    _clear(monkeypatch)
    assert _run(build_defs())["ocr"] is True  # OCR when the extra is installed, unless turned off
    monkeypatch.setenv("OGI_OCR", "1")
    defs = build_defs()
    monkeypatch.setenv("OGI_OCR", value)
    assert _run(defs)["ocr"] is ocr


def test_a_setting_that_is_not_a_number_fails_the_run_with_its_variable_named(monkeypatch):
    _clear(monkeypatch)
    monkeypatch.setenv("OGI_WORKERS", "2")
    defs = build_defs()
    monkeypatch.setenv("OGI_WORKERS", "two")
    with pytest.raises(dg.DagsterInvalidConfigError, match='"OGI_WORKERS" cannot be coerced into an int'):
        dg.materialize([seen], resources={"settings": defs.resources["settings"]})
    with pytest.raises(SettingsError) as raised:
        resolved_settings()
    assert str(raised.value) == 'Value stored in env variable "OGI_WORKERS" cannot be coerced into an int.'  # printed
