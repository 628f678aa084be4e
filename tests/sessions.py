"""Processes a test starts, each in a session of its own, and every process of that session ended
afterwards however the test ends (a server or worker it spawned included)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path


def in_session(sid: int) -> list[int]:
    """Live processes of the session `sid` leads (its children inherit it unless they leave it)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def wait_until(condition, seconds: float, step: float = 0.2) -> bool:
    """Whether `condition()` became true within `seconds` (checked every `step`)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


def end_session(process: subprocess.Popen, seconds: float = 60) -> list[int]:
    """SIGTERM to every process of the session `process` leads, SIGKILL to those still alive after
    `seconds`; the processes that had to be killed."""
    _signal(in_session(process.pid), signal.SIGTERM)
    wait_until(lambda: not in_session(process.pid), seconds)
    left = in_session(process.pid)
    _signal(left, signal.SIGKILL)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass
    wait_until(lambda: not in_session(process.pid), seconds)
    return left


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
