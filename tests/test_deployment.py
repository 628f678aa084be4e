"""Runs the way a deployment runs them: queued in the instance, executed by dagster-daemon."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def _processes() -> dict[int, str]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                pass
    return out


@pytest.mark.slow
def test_a_queued_run_executed_by_the_daemon_succeeds_and_leaves_no_process(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copyfile(ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "OGI_DATA": str(tmp_path / "data"),
           "OGI_WAIVERS": str(ROOT / "waivers.yaml"), "OGI_WORKERS": "2"}
    before = set(_processes())
    launch = subprocess.run([str(BIN / "dagster"), "job", "launch", "-m", "orchestration.definitions", "-j",
                             "annual_reports_year", "--tags", json.dumps({"dagster/partition": "2020"})],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert launch.returncode == 0, launch.stderr[-2000:]
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "orchestration.definitions"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        instance = dg.DagsterInstance.from_config(str(home))
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            (run,) = instance.get_runs()
            if run.is_finished:
                break
            time.sleep(1)
        assert run.status == dg.DagsterRunStatus.SUCCESS, run.status
        assert (tmp_path / "data" / "documents" / "year=2020" / "part-0.parquet").is_file()
        time.sleep(20)
        left = {pid: cmd for pid, cmd in _processes().items() if pid not in before and pid != daemon.pid
                and str(BIN) in cmd  # this environment's processes, not another checkout's on the machine
                and (run.run_id in cmd or "execute_run" in cmd or "spawn_main" in cmd)}
        assert left == {}, f"processes of the run still alive 20 s after it ended: {left}"
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
