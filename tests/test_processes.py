"""No orphans: worker processes end with the step that opened them, or with their parent's death."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.sessions import end_session, in_session, wait_until

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
    try:
        pids = [int(p) for p in run.stdout.readline().split()]
        assert pids and all(_alive(p) for p in pids)
        stop(run)
        run.wait(timeout=120)
        wait_until(lambda: not in_session(run.pid), 120)
        return in_session(run.pid)  # every process the run started, the workers' helpers included
    finally:
        end_session(run)


def test_workers_die_with_a_run_killed_by_sigkill():
    assert _workers_after(lambda run: os.kill(run.pid, signal.SIGKILL)) == []


def test_workers_end_with_a_run_stopped_by_sigterm():
    assert _workers_after(lambda run: os.kill(run.pid, signal.SIGTERM)) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dev_session_after(tmp_path: Path, sigint, stop: int) -> tuple[list[int], float, str]:
    """Start `ogi dev` in a session of its own with SIGINT at `sigint`, wait until its webserver
    answers and its daemon and code servers run, send `stop`; the processes of the session still
    alive two minutes later, the seconds it took."""
    port, log = _free_port(), tmp_path / "dev.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))}
    env.update(DAGSTER_HOME=str(tmp_path / "home"), OGI_DATA=str(tmp_path / "data"))

    def signals() -> None:
        _default_signals()
        signal.signal(signal.SIGINT, sigint)

    with open(log, "wb") as out:
        dev = subprocess.Popen([str(Path(sys.executable).parent / "ogi"), "dev", "-p", str(port)], cwd=ROOT, env=env,
                               stdout=out, stderr=subprocess.STDOUT, preexec_fn=signals, start_new_session=True)
    try:
        def answers() -> bool:
            assert dev.poll() is None, log.read_text()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).read()
                return True
            except OSError:
                return False

        assert wait_until(answers, 300, step=0.5), log.read_text()[-3000:]
        # ogi, dagster dev, webserver, daemon, code servers (the last start after the webserver answers)
        assert wait_until(lambda: len(in_session(dev.pid)) >= 4, 120), in_session(dev.pid)
        os.kill(dev.pid, stop)
        sent = time.monotonic()
        wait_until(lambda: not in_session(dev.pid), 120)
        return in_session(dev.pid), time.monotonic() - sent, log.read_text()[-3000:]
    finally:
        end_session(dev, seconds=10)


@pytest.mark.slow
def test_ogi_dev_stops_everything_it_started_on_sigterm(tmp_path):
    left, took, log = _dev_session_after(tmp_path, signal.SIG_DFL, signal.SIGTERM)
    assert left == [], f"{left} still alive {took:.0f} s after SIGTERM:\n{log}"


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_ogi_dev_started_with_sigint_ignored_stops_everything(tmp_path, stop):
    # as a script's background job is started: SIGINT ignored, which Python keeps (and dagster dev
    # gives SIGTERM the disposition of SIGINT)
    left, took, log = _dev_session_after(tmp_path, signal.SIG_IGN, stop)
    assert left == [], f"{left} still alive {took:.0f} s after {signal.Signals(stop).name}:\n{log}"


def test_years_stated_in_titles_are_read_without_starting_a_worker():
    from ogi.parallel import pool, read_years
    from ogi.testing import random_report, render_html, render_text

    html = render_html(random_report(1, "2021", 2022)).encode()
    untitled = "\n".join(render_text(random_report(2, "2021", 2021)).splitlines()[1:]).encode()  # no title line
    with pool(2) as executor:
        assert read_years(executor, [(html, "a.html")]) == [2022]
        assert executor.executor is None  # nothing needed a worker: none was started
        assert read_years(executor, [(html, "a.html"), (untitled, "b.txt")]) == [2022, 2021]
        assert executor.executor is not None  # the document without a title went to a worker
