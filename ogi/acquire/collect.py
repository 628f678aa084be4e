"""Stage 1: every document of every source, stored raw, and the ones that belong to a year.

A document belongs to the partition of its report year: the source's hint when there is one,
else the year its content states (read once per distinct content and remembered by sha256).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from ogi.acquire.fetch import Fetcher, FetchResult, RawStore
from ogi.acquire.found import Found
from ogi.acquire.kinds.base import Source
from ogi.store.files import filesystem, replacing


def gather(sources: list[Source], store: RawStore, fetcher: Fetcher | None, log: Callable[[str], None] = print,
           year: int | None = None) -> Iterator[tuple[Found | None, FetchResult | None]]:
    """Every document of every source, raw bytes stored, with the fetch result for the manifest.

    The document is None for requests that are not documents themselves: a page that only
    links its report (its attachments follow), a listing's pages and robots.txt. With `year`,
    a listing's links whose titles name another year are not fetched.
    """
    for source in sources:
        yield from source.gather(store, fetcher, year, log)


def place(found: list[Found], index: YearIndex,
          read_years: Callable[[list[tuple[bytes, str]]], list[int | None]]) -> list[int | None]:
    """The report year of each document: its source's hint, else the year its content states
    (read with `read_years` once per distinct content, then remembered in `index`)."""
    todo = [f for f in found if f.year_hint is None and f.data and index.get(f.content_sha256) == "unknown"]
    for f, year in zip(todo, read_years([(f.data, f.source_url) for f in todo]), strict=True):
        index.put(f.content_sha256, year)
    years = []
    for f in found:
        year = f.year_hint if f.year_hint is not None else index.get(f.content_sha256) if f.content_sha256 else None
        years.append(None if year == "unknown" else year)
    return years


class YearIndex:
    """sha256 -> report year read from the content, remembered across runs.

    Kept as append-only JSON-lines files under <root>/raw/years/ (one per run that learned
    something), read once: one file operation per run instead of two per document.
    """

    def __init__(self, root: str):
        self.fs, base = filesystem(root)
        self.base = f"{base.rstrip('/')}/raw/years"
        self.known: dict[str, int | None] = {}
        self.new: dict[str, int | None] = {}
        if self.fs.exists(self.base):
            for path in sorted(self.fs.glob(f"{self.base}/*.jsonl")):
                with self.fs.open(path, "r") as handle:
                    self.known.update(json.loads(line) for line in handle if line.strip())

    def get(self, sha: str) -> int | None | str:
        """The year, None when the content states none, or "unknown" when never read."""
        return self.known.get(sha, "unknown")

    def put(self, sha: str, year: int | None) -> None:
        self.known[sha] = self.new[sha] = year

    def save(self) -> None:
        if not self.new:
            return
        name = f"{self.base}/{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.jsonl"
        with replacing(self.fs, name) as temp, self.fs.open(temp, "w") as handle:
            handle.writelines(json.dumps([sha, year]) + "\n" for sha, year in self.new.items())
        self.new = {}
