"""The Python API: one report read without Dagster, published datasets read back."""

import json
import subprocess
import sys

import dagster as dg
import pytest

import ogi
from assets.settings import OgiSettings
from orchestration.run import materialize_year
from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "reports" / "001_b4298fc88d3c412f.txt"


@pytest.mark.slow
def test_read_report_gives_the_record_ogi_extract_prints():
    printed = subprocess.run([sys.executable, "-m", "orchestration.cli", "extract", str(SAMPLE)], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert ogi.read_report(str(SAMPLE)) == json.loads(printed)
    from_bytes = ogi.read_report(SAMPLE.read_bytes(), name=str(SAMPLE))
    assert from_bytes == json.loads(printed)
    assert from_bytes["publisher"] == "永康市芝英镇人民政府" and from_bytes["year"] == 2021


def test_read_report_of_a_bad_file_is_a_record_with_its_error():
    record = ogi.read_report(b"\x00\x01 not a report", name="junk.bin")
    assert record["error"] and record["cells"] is None


def test_read_dataset_reads_the_published_years(tmp_path):
    assert ogi.read_dataset("documents", root=str(tmp_path)).num_rows == 0  # nothing published yet
    settings = OgiSettings(storage_root=str(tmp_path), sources=str(ROOT / "sources.yaml"),
                           waivers=str(ROOT / "waivers.yaml"), workers=1)
    instance = dg.DagsterInstance.ephemeral()
    for year in ("2020", "2022"):
        assert materialize_year(year, settings, instance).published
    docs = ogi.read_dataset("documents", root=str(tmp_path))
    assert sorted(docs["year"].to_pylist()) == [2020, 2020, 2020, 2022]
    cells = ogi.read_dataset("cells", root=str(tmp_path), years=[2022], columns=["doc_id", "value", "year"])
    assert set(cells["year"].to_pylist()) == {2022} and cells.num_rows > 0
    with pytest.raises(ValueError, match="unknown dataset"):
        ogi.read_dataset("fetched", root=str(tmp_path))
