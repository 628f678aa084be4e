"""A year is replaced atomically: a failed or killed run never damages what was published."""

import hashlib
import os
import signal
import subprocess
import sys
import time

import dagster as dg
import pyarrow.dataset as pads
import pytest

from assets.settings import OgiSettings
from ogi.store.parquet import read_table, write_partition
from ogi.testing import random_report, render_html
from orchestration.run import materialize_year
from tests.conftest import ROOT

ROW = {"doc_id": "a", "table": "t3", "row": "granted", "column": "total", "value": 1.0, "raw": "1",
       "inferred": False, "ambiguous": False}


def _digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))}


def test_a_failed_write_leaves_the_previous_file(tmp_path):
    root = str(tmp_path)
    with write_partition(root, "cells", 2020, staging=False) as append:
        append([ROW])
    with pytest.raises(RuntimeError), write_partition(root, "cells", 2020, staging=False) as append:
        append([{**ROW, "value": 2.0}] * 1000)
        raise RuntimeError("killed halfway")
    assert read_table(root, "cells", 2020, staging=False).column("value").to_pylist() == [1.0]
    assert [p.name for p in (tmp_path / "cells" / "year=2020").iterdir()] == ["part-0.parquet"]


@pytest.mark.slow
def test_a_killed_run_leaves_the_previous_publication_intact(tmp_path):
    data = tmp_path / "data"
    first = OgiSettings(storage_root=str(data), sources=str(ROOT / "sources.yaml"),
                        waivers=str(ROOT / "waivers.yaml"), workers=1)
    assert materialize_year("2020", first, dg.DagsterInstance.ephemeral()).published
    before = _digest(data / "documents") | _digest(data / "cells") | _digest(data / "violations")

    folder = tmp_path / "more"
    folder.mkdir()
    for i in range(1500):
        (folder / f"r{i}.html").write_text(render_html(random_report(i, "2019", 2020)), encoding="utf-8")
    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{name: more, kind: files, path: {folder}}}\n", encoding="utf-8")
    env = {**os.environ, "OGI_DATA": str(data), "OGI_SOURCES": str(registry), "OGI_WAIVERS": str(tmp_path / "w.yaml"),
           "DAGSTER_HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    run = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "materialize", "--year", "2020"], cwd=ROOT,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    staged = data / "staging" / "extracted" / "year=2020"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None and not any(staged.glob(".*.tmp")):
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before it could be killed"
    os.killpg(run.pid, signal.SIGKILL)  # the run and its workers, mid-extraction
    run.wait(timeout=30)

    after = _digest(data / "documents") | _digest(data / "cells") | _digest(data / "violations")
    assert after == before
    docs = pads.dataset(data / "documents", format="parquet", partitioning="hive").to_table()
    assert docs.num_rows == 3  # the three 2020 sample reports, as published before the killed run
