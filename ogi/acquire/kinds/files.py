"""`files`: report files on disk, a folder (read recursively) or a glob, relative to the registry file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ogi.acquire.fetch import Fetcher, RawStore
from ogi.acquire.found import Found
from ogi.acquire.kinds.base import Candidate, Entry, Log, Record, Source
from ogi.read.normalize import MAX_BYTES, too_big


@dataclass(frozen=True, kw_only=True)
class FilesSource(Source):
    kind = "files"
    keys = ("path",)

    path: Path

    @classmethod
    def read(cls, entry: Entry) -> dict:
        if not entry.data.get("path"):
            raise entry.error("a files source needs `path`")
        return {"path": entry.folder / str(entry.data["path"])}

    def files(self) -> list[Path]:
        """Every file, sorted: a folder is read recursively (hidden files left out)."""
        if any(ch in str(self.path) for ch in "*?["):
            anchor = Path(self.path.anchor or ".")
            pattern = str(self.path.relative_to(anchor)) if self.path.is_absolute() else str(self.path)
            return sorted(p for p in anchor.glob(pattern) if p.is_file())
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob("*") if p.is_file() and not p.name.startswith("."))

    def candidates(self, fetcher: Fetcher, year: int | None, log: Log, record: Record) -> list[Candidate]:
        """None: files are read, not fetched."""
        return []

    fetches = False

    def read_local(self, store: RawStore, known: dict[str, dict], log: Log) -> Iterator[tuple[Found, str | None]]:
        files = self.files()
        if not files:
            log(f"source {self.name}: no files at {self.path}")
        for path in files:
            yield self._read(path, store, known)

    def _read(self, path: Path, store: RawStore, known: dict[str, dict]) -> tuple[Found, str | None]:
        """One file, its size checked before it is read or stored; a name that is not UTF-8 is
        kept with its bytes escaped (\\xNN) so that it can be written and shown. A file whose size
        and modification time are those of its catalog row, and whose bytes are stored, is not read."""
        name = os.fsencode(path).decode("utf-8", errors="backslashreplace")
        now = datetime.now(UTC).replace(microsecond=0)
        try:
            stat = path.stat()
            etag = f"{stat.st_size}-{stat.st_mtime_ns}"
            mtime = datetime.fromtimestamp(stat.st_mtime, tz=UTC).replace(microsecond=0)
            row = known.get(name)
            if row and row["etag"] == etag and row["sha256"] and store.exists(row["sha256"]):
                return Found(self.name, name, self.publisher, self.year, row["sha256"], mtime, "ok", None, None,
                             None, None, now, "read from the folder"), etag
            if stat.st_size > MAX_BYTES:
                raise OSError(too_big(stat.st_size))
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror if exc.strerror else str(exc)
            return Found(self.name, name, self.publisher, self.year, None, now, "fetch_error", None, None, reason,
                         None, now, reason), None
        return Found(self.name, name, self.publisher, self.year, store.put(data), mtime, "ok", None, None, None,
                     data, now, "read from the folder"), etag
