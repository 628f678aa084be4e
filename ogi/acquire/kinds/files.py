"""`files`: report files on disk, a folder (read recursively) or a glob, relative to the registry file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ogi.acquire.fetch import Fetcher, RawStore
from ogi.acquire.found import Found
from ogi.acquire.kinds.base import Candidate, Documents, Entry, Log, Record, Source
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

    def gather(self, store: RawStore, fetcher: Fetcher | None, year: int | None, log: Log) -> Documents:
        files = self.files()
        if not files:
            log(f"source {self.name}: no files at {self.path}")
        for path in files:
            yield self._read(path, store), None

    def _read(self, path: Path, store: RawStore) -> Found:
        """One file, its size checked before it is read or stored; a name that is not UTF-8 is
        kept with its bytes escaped (\\xNN) so that it can be written and shown."""
        name = os.fsencode(path).decode("utf-8", errors="backslashreplace")
        now = datetime.now(UTC).replace(microsecond=0)
        try:
            stat = path.stat()
            if stat.st_size > MAX_BYTES:
                raise OSError(too_big(stat.st_size))
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror if exc.strerror else str(exc)
            return Found(self.name, name, self.publisher, self.year, None, now, "fetch_error", None, None, reason,
                         None, now, reason)
        mtime = datetime.fromtimestamp(stat.st_mtime, tz=UTC).replace(microsecond=0)
        return Found(self.name, name, self.publisher, self.year, store.put(data), mtime, "ok", None, None, None,
                     data, now, "read from the folder")
