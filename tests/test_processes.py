"""No orphans: worker processes end with the step that opened them, or with their parent's death."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = """
import os, sys, time
from ogi.parallel import pool
with pool(2) as executor:
    pids = set(executor.map(os.readlink, ["/proc/self"] * 8))  # each worker names its own pid
    print(" ".join(map(str, pids)), flush=True)
    time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        return handle.read().split()[2] != "Z"  # a zombie is dead, only not yet reaped


def _default_signals() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _workers_after(stop) -> list[int]:
    # As a run is started by the daemon: default signal dispositions (an earlier test in this
    # process may have set SIGTERM to be ignored, which a child would inherit), no coverage hooks.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))}
    run = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env,
                           preexec_fn=_default_signals, start_new_session=True)
    pids = [int(p) for p in run.stdout.readline().split()]
    assert pids and all(_alive(p) for p in pids)
    stop(run)
    run.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _in_session(run.pid):
        time.sleep(0.1)
    return _in_session(run.pid)  # every process the run started, the workers' helpers included


def _in_session(sid: int) -> list[int]:
    """Live processes of the session the run led (its workers inherit it)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_workers_die_with_a_run_killed_by_sigkill():
    assert _workers_after(lambda run: os.kill(run.pid, signal.SIGKILL)) == []


def test_workers_end_with_a_run_stopped_by_sigterm():
    assert _workers_after(lambda run: os.kill(run.pid, signal.SIGTERM)) == []
