"""`ogi materialize` draws the steps' Progress as bars on a terminal, and only there."""

import io
import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from assets.common import PROGRESS_LOG, Progress
from orchestration.cli import _progress_bars
from tests.conftest import ROOT


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _step(what: str, total: int, batches: list[int], logged: list[str]) -> None:
    progress = Progress(SimpleNamespace(partition_key="2020", has_partition_key=True, log=SimpleNamespace(info=logged.append)), what, total)
    for n in batches:
        progress.add(n)


def test_a_terminal_gets_a_bar_per_step_and_the_run_log_is_unchanged():
    stream, logged = Terminal(), []
    with _progress_bars(stream) as clear:
        _step("normalized", 512, [256, 256], logged)
        _step("extracted", 512, [256, 256], logged)
        clear()
    drawn = stream.getvalue()
    assert "2020 normalized:" in drawn and "2020 extracted:" in drawn and "/512 [" in drawn
    assert logged == [f"{what}: {n} of 512 documents" for what in ("normalized", "extracted") for n in (256, 512)]
    assert not PROGRESS_LOG.handlers and not PROGRESS_LOG.isEnabledFor(logging.INFO)  # as it was


def test_no_bar_when_the_stream_is_not_a_terminal():
    stream, logged = io.StringIO(), []
    with _progress_bars(stream) as clear:
        _step("extracted", 512, [256, 256], logged)
        clear()
    assert stream.getvalue() == ""
    assert logged == ["extracted: 256 of 512 documents", "extracted: 512 of 512 documents"]


@pytest.mark.slow
def test_ogi_materialize_prints_the_same_lines_with_bars_on_a_terminal_and_none_without(tmp_path):
    import pty

    def run(name: str, terminal: bool) -> tuple[str, str]:
        env = {**os.environ, "DAGSTER_HOME": str(tmp_path / name / "home"), "OGI_DATA": str(tmp_path / name / "data")}
        if not terminal:
            out = subprocess.run([sys.executable, "-m", "orchestration.cli", "materialize", "--year", "2020"], cwd=ROOT,
                                 env=env, capture_output=True, text=True, timeout=300, check=True)
            return out.stdout, out.stderr
        main, side = pty.openpty()
        with subprocess.Popen([sys.executable, "-m", "orchestration.cli", "materialize", "--year", "2020"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=side, text=True) as command:
            os.close(side)
            err = b""
            while True:
                try:
                    chunk = os.read(main, 65536)
                except OSError:  # the terminal is closed once the command has ended
                    break
                if not chunk:
                    break
                err += chunk
            out = command.stdout.read()
        os.close(main)
        assert command.returncode == 0, err[-2000:]
        return out, err.decode()

    plain_out, plain_err = run("plain", terminal=False)
    tty_out, tty_err = run("tty", terminal=True)
    assert plain_out.splitlines()[:2] == tty_out.splitlines()[:2] == ["year   documents  outcome",
                                                                     "2020           3  published"]
    assert "2020 normalized:" in tty_err and "2020 extracted:" in tty_err
    assert "doc/s" not in plain_err and "2020 normalized" not in plain_err
