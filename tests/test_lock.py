"""One run per report year at a time, whoever starts the second one."""

import dagster as dg
import pytest

from assets.settings import OgiSettings
from ogi.store.lock import YearLocked, hold_year, release_year
from orchestration.run import materialize_year
from tests.conftest import ROOT


def test_a_live_holder_keeps_the_year_and_an_ended_one_gives_it_up(tmp_path):
    root = str(tmp_path)
    hold_year(root, 2020, "run-a")
    hold_year(root, 2020, "run-a")  # its own later steps confirm it
    with pytest.raises(YearLocked, match="year 2020 is being run by run-a"):
        hold_year(root, 2020, "run-b")
    hold_year(root, 2021, "run-b")  # other years are free
    hold_year(root, 2020, "run-b", alive=lambda run: run != "run-a")  # run-a ended (held back, killed)
    with pytest.raises(YearLocked):
        hold_year(root, 2020, "run-c")
    hold_year(root, 2020, "run-c", stale_after=0)  # no heartbeat for too long: presumed dead
    release_year(root, 2020, "run-b")  # not the holder: nothing happens
    with pytest.raises(YearLocked):
        hold_year(root, 2020, "run-d")
    release_year(root, 2020, "run-c")
    hold_year(root, 2020, "run-d")


def test_a_second_run_of_a_year_stops_without_touching_the_first_ones_data(tmp_path):
    settings = OgiSettings(storage_root=str(tmp_path), sources=str(ROOT / "sources.yaml"),
                           waivers=str(ROOT / "waivers.yaml"), workers=1)
    instance = dg.DagsterInstance.ephemeral()
    hold_year(str(tmp_path), 2020, "a-run-on-another-machine")
    outcome = materialize_year("2020", settings, instance)
    assert not outcome.published and "year 2020 is being run by a-run-on-another-machine" in outcome.error
    assert not (tmp_path / "staging").exists()
    release_year(str(tmp_path), 2020, "a-run-on-another-machine")
    assert materialize_year("2020", settings, instance).published
    assert not list((tmp_path / "_locks").iterdir())  # released by the publication
