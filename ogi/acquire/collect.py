"""Stage 1: every document of every source, stored raw, and the ones that belong to a year.

A document belongs to the partition of its report year: the source's hint when there is one,
else the year its content states (read once per distinct content and remembered by sha256).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ogi.acquire.attachments import attachment_links
from ogi.acquire.discover import discover
from ogi.acquire.fetch import Fetcher, FetchResult, RawStore
from ogi.acquire.sources import Source
from ogi.store.files import filesystem, replacing


@dataclass
class Found:
    """One document as found at its source (bytes only while it is being placed)."""

    source: str
    source_url: str
    publisher_hint: str | None
    year_hint: int | None
    content_sha256: str | None
    fetched_at: datetime
    status: str  # ok | fetch_error
    http_status: int | None
    content_type: str | None
    error: str | None
    data: bytes | None = None

    @property
    def doc_id(self) -> str:
        """sha256 of the bytes; for a fetch that got no bytes, of the address."""
        return self.content_sha256 or hashlib.sha256(self.source_url.encode()).hexdigest()

    def row(self) -> dict:
        return {"doc_id": self.doc_id, "source": self.source, "source_url": self.source_url,
                "publisher_hint": self.publisher_hint, "content_sha256": self.content_sha256,
                "fetched_at": self.fetched_at, "status": self.status, "http_status": self.http_status,
                "content_type": self.content_type, "error": self.error}


def _from_fetch(source: Source, result: FetchResult, publisher: str | None, year: int | None,
                store: RawStore) -> Found:
    """The document as its stored bytes were downloaded: a 304 re-check changes nothing here."""
    ok = result.status != "error" and result.sha256 is not None
    http_status = 200 if result.status == "not_modified" else result.http_status
    return Found(source.name, result.url, publisher, year, result.sha256 if ok else None,
                 datetime.fromisoformat(result.downloaded_at or result.fetched_at), "ok" if ok else "fetch_error",
                 http_status, result.content_type, None if ok else result.error,
                 store.get(result.sha256) if ok else None)


def gather(sources: list[Source], store: RawStore, fetcher: Fetcher | None, log: Callable[[str], None] = print,
           year: int | None = None) -> Iterator[tuple[Found | None, FetchResult | None]]:
    """Every document of every source, raw bytes stored, with the fetch result for the manifest.

    The document is None for requests that are not documents themselves: a page that only
    links its report (its attachments follow), a listing's pages and robots.txt. With `year`,
    a listing's links whose titles name another year are not fetched.
    """
    for source in sources:
        if source.kind == "files":
            files = source.files()
            if not files:
                log(f"source {source.name}: no files at {source.path}")
            for path in files:
                data = path.read_bytes()
                sha = store.put(data)
                mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)
                yield Found(source.name, str(path), source.publisher, source.year, sha, mtime, "ok", None,
                            None, None, data), None
        elif source.kind == "urls":
            for entry in source.urls:
                yield from _fetch_report(source, fetcher, store, entry.url, entry.publisher or source.publisher,
                                         entry.year or source.year)
        else:
            requests: list[FetchResult] = []
            listed = discover(source, fetcher, year, log, requests.append)
            yield from ((None, r) for r in requests)
            for item in listed:
                yield from _fetch_report(source, fetcher, store, item.url, item.publisher, item.year)


def _fetch_report(source: Source, fetcher: Fetcher, store: RawStore, url: str, publisher: str | None,
                  year: int | None) -> Iterator[tuple[Found | None, FetchResult]]:
    """A report page, or the attachments it links when it has no report tables of its own."""
    result = fetcher.fetch(url, allow_private=source.allow_private)
    page = _from_fetch(source, result, publisher, year, store)
    links = attachment_links(page.data, result.final_url or url) if page.data else []
    if not links:
        yield page, result
        return
    yield None, result
    for link in links:
        attached = fetcher.fetch(link, allow_private=source.allow_private)
        yield _from_fetch(source, attached, publisher, year, store), attached


def place(found: list[Found], index: YearIndex,
          read_years: Callable[[list[tuple[bytes, str]]], list[int | None]]) -> list[int | None]:
    """The report year of each document: its source's hint, else the year its content states
    (read with `read_years` once per distinct content, then remembered in `index`)."""
    todo = [f for f in found if f.year_hint is None and f.data and index.get(f.content_sha256) == "unknown"]
    for f, year in zip(todo, read_years([(f.data, f.source_url) for f in todo])):
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
