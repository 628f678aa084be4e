"""The gate's verdict on a year's staging, keyed by the staging's content.

The checks write it; publication reads it and refuses a staging the gate did not pass, or one
that changed since it was checked. So no asset selection, retry or re-execution can publish a
rejected year.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from ogi.store.files import filesystem, replacing


class NotApproved(RuntimeError):
    """The staging about to be published did not pass the gate (or changed since it did)."""


def _path(base: str, year: int | str) -> str:
    return f"{base.rstrip('/')}/staging/gate/year={year}/verdict.json"


def digest(fs, paths: Iterable[str]) -> str:
    """sha256 over the named files' bytes, streamed (a missing file counts as empty)."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.rsplit("/", 3)[-3].encode() + b"\0")  # the dataset's name
        if fs.exists(path):
            with fs.open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    h.update(chunk)
    return h.hexdigest()


def staged_paths(base: str, year: int | str, datasets: Iterable[str]) -> list[str]:
    return [f"{base.rstrip('/')}/staging/{d}/year={year}/part-0.parquet" for d in datasets]


def staging_digest(root: str, year: int | str, datasets: Iterable[str]) -> str:
    """The digest of the staging as it is now: taken before the checks read it."""
    fs, base = filesystem(root)
    return digest(fs, staged_paths(base, year, datasets))


def write_verdict(root: str, year: int | str, checked: str, passed: bool, failed: list[str]) -> dict:
    """Record what the gate decided about the staging whose digest is `checked`."""
    fs, base = filesystem(root)
    verdict = {"year": int(year), "passed": bool(passed), "failed_rules": [str(r) for r in failed], "digest": checked,
               "checked_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with replacing(fs, _path(base, year)) as temp, fs.open(temp, "w") as handle:
        json.dump(verdict, handle)
    return verdict


def approved_digest(root: str, year: int | str) -> str:
    """The digest of the staging the gate passed; NotApproved when it did not pass one."""
    fs, base = filesystem(root)
    path = _path(base, year)
    if not fs.exists(path):
        raise NotApproved(f"year {year}: the gate has not checked this staging; materialize validated_reports "
                          "with its checks first")
    with fs.open(path, "r") as handle:
        verdict = json.load(handle)
    if not verdict["passed"]:
        raise NotApproved(f"year {year}: the gate held this staging back ({', '.join(verdict['failed_rules'])}); "
                          "fix or waive, then re-run the checks")
    return verdict["digest"]
