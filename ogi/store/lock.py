"""One run per report year at a time, across processes, instances and machines.

A lock file in the storage root (`_locks/year=YYYY.json`, created exclusively) names the run that
holds the year. Every step of that run confirms it (refreshing its heartbeat); a step of another
run fails with a clear message while the holder is alive. A holder that is known to have ended,
or whose heartbeat is older than `stale_after`, is taken over: a run that was killed or held back
by the gate never blocks the year for good. Works on a local disk and on object storage (an
exclusive create where the store supports one).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable

from ogi.store.files import filesystem

STALE_AFTER = 6 * 3600.0  # seconds without a heartbeat after which a holder is presumed dead


class YearLocked(RuntimeError):
    """Another run holds the year."""


def _path(base: str, year: int | str) -> str:
    return f"{base.rstrip('/')}/_locks/year={year}.json"


def _create(fs, path: str, body: dict) -> bool:
    """Write `path` only if it does not exist; False if another writer got there first."""
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    try:
        with fs.open(path, "xb") as handle:
            handle.write(json.dumps(body).encode())
        return True
    except FileExistsError:
        return False


def hold_year(root: str, year: int | str, run: str, alive: Callable[[str], bool] = lambda _: True,
              stale_after: float = STALE_AFTER) -> None:
    """Take or confirm the year's lock for `run`; YearLocked if another live run holds it."""
    fs, base = filesystem(root)
    path = _path(base, year)
    body = {"run": run, "host": socket.gethostname(), "heartbeat": time.time()}
    for _ in range(3):
        if _create(fs, path, body):
            return
        try:
            with fs.open(path, "rb") as handle:
                holder = json.loads(handle.read())
        except (FileNotFoundError, ValueError):
            continue  # released (or half-written) meanwhile: try again
        if holder.get("run") == run:
            with fs.open(path, "wb") as handle:
                handle.write(json.dumps(body).encode())
            return
        if alive(holder.get("run", "")) and time.time() - holder.get("heartbeat", 0) < stale_after:
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(holder.get("heartbeat", 0)))
            raise YearLocked(f"year {year} is being run by {holder.get('run')} on {holder.get('host')} "
                             f"(last seen {since} UTC); this run stops so that the two do not mix their data")
        fs.rm(path)  # the holder ended without releasing: take over
    raise YearLocked(f"year {year}: could not take its lock ({path})")


def release_year(root: str, year: int | str, run: str) -> None:
    """Give the year back, if `run` holds it."""
    fs, base = filesystem(root)
    path = _path(base, year)
    try:
        with fs.open(path, "rb") as handle:
            holder = json.loads(handle.read())
    except (FileNotFoundError, ValueError):
        return
    if holder.get("run") == run:
        fs.rm(path)
