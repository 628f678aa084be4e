"""One crawl of every source into the raw store and the catalog: many hosts at once, each politely.

First each source lists its reports (a listing's column pages are read; `urls` need no request;
files are read from disk), then every report is fetched, the reports of one host one after the
other in one thread and different hosts in parallel. Every request of the crawl goes through one
HostGate, so a host is asked once at a time and at most once per its delay, whichever source or
thread asks. Documents without a year hint are placed by the year their content states (read
once per content: a known sha256 keeps its year), in batches as they arrive: a document's bytes
are kept from its download until its batch is read, and no longer.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from ogi.acquire.catalog import merge, validators
from ogi.acquire.fetch import Fetcher, FetchPolicy, FetchResult, RawStore
from ogi.acquire.found import Found, fetch_report
from ogi.acquire.guard import Resolver, resolve
from ogi.acquire.kinds.base import Candidate, Source
from ogi.acquire.politeness import HostGate

HOSTS = 16  # hosts asked at once
ReadYears = Callable[[list[tuple[bytes, str]]], list[int | None]]


@dataclass
class Crawl:
    """What a crawl did: the catalog rows of each source and what changed."""

    rows: dict[str, list[dict]] = field(default_factory=dict)  # source -> its catalog rows after the crawl
    changed: list[dict] = field(default_factory=list)  # report rows new or with other bytes than before
    requests: list[FetchResult] = field(default_factory=list)
    answered: bool = False  # some request or file gave something in this crawl

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.requests)


def crawl(sources: list[Source], store: RawStore, previous: dict[str, list[dict]], read_years: ReadYears,
          policy: FetchPolicy | None = None, log: Callable[[str], None] = print, hosts: int = HOSTS,
          resolver: Resolver = resolve, progress: Callable[[int, int], None] = lambda done, total: None,
          batch: int = 256) -> Crawl:
    """Every source's documents into `store`; `previous`: source -> its catalog rows before;
    `progress(done, total)` after each report listed by a web source is fetched; `batch`: documents
    whose year is read from their content at once."""
    started = datetime.now(UTC).replace(microsecond=0)
    placer = _Placer(previous, read_years, batch)
    crawler = _Crawler(store, policy or FetchPolicy(), previous, log, resolver, progress, placer)
    web = [s for s in sources if s.fetches]
    with ThreadPoolExecutor(hosts, thread_name_prefix="ogi-fetch") as executor:
        targets = [(s, c) for s, cs in zip(web, executor.map(crawler.listed, web), strict=True) for c in cs]
        crawler.total = len(targets)
        by_host: dict[str, list] = defaultdict(list)
        for s, c in targets:
            by_host[urlsplit(c.url).hostname or c.url].append((s, c))
        list(executor.map(crawler.fetch_host, by_host.values()))
    for source in sources:
        if not source.fetches:
            crawler.read_local(source)
    rows = crawler.rows
    placer.place([r for rs in rows.values() for r in rs], store)
    out = Crawl(requests=crawler.requests, answered=any(r["status"] == "ok" for rs in rows.values() for r in rs))
    for source in sources:
        out.rows[source.name], changed = merge(previous.get(source.name, []), rows[source.name], started)
        out.changed += changed
    return out


class _Crawler:
    """The threads' shared state: one HostGate, one Fetcher per thread, the rows gathered so far."""

    def __init__(self, store: RawStore, policy: FetchPolicy, previous: dict[str, list[dict]],
                 log: Callable[[str], None], resolver: Resolver, progress: Callable[[int, int], None],
                 placer: _Placer):
        self.store, self.policy, self.previous, self.log, self.resolver = store, policy, previous, log, resolver
        self.placer = placer
        self.progress, self.done, self.total = progress, 0, 0
        self.gate, self.local, self.lock = HostGate(policy.per_host_delay), threading.local(), threading.Lock()
        self.known = validators([r for rows in previous.values() for r in rows])
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.requests: list[FetchResult] = []

    def fetcher(self) -> Fetcher:
        if not hasattr(self.local, "fetcher"):
            self.local.fetcher = Fetcher(self.store, self.policy, previous=self.known, resolver=self.resolver,
                                         gate=self.gate)
        return self.local.fetcher

    def record(self, source: str, result: FetchResult | None, found: Found | None = None,
               c: Candidate | None = None, parent: str | None = None, etag: str | None = None) -> None:
        """One row (a request: result alone; a document: found, and result unless read from disk);
        the document's bytes go to the placer and are dropped here."""
        row = _row(source, result, found, c, parent, etag)
        with self.lock:
            if result is not None:
                self.requests.append(result)
            self.rows[source].append(row)
        if found is not None:
            self.placer.offer(row, found.data)
            found.data = None

    def listed(self, source: Source) -> list[Candidate]:
        return source.candidates(self.fetcher(), None, self.log, lambda r: self.record(source.name, r))

    def fetch_host(self, items: list[tuple[Source, Candidate]]) -> None:
        """One host's reports, one after the other (their attachments may be on other hosts)."""
        for source, c in items:
            for found, result in fetch_report(source.name, self.fetcher(), self.store, c.url, c.publisher, c.year,
                                              source.allow_private):
                self.record(source.name, result, found, c, None if result.url == c.url else c.url)
            with self.lock:
                self.done += 1
                self.progress(self.done, self.total)

    def read_local(self, source: Source) -> None:
        before = {r["url"]: r for r in self.previous.get(source.name, [])}
        for found, etag in source.read_local(self.store, before, self.log):
            self.record(source.name, None, found, etag=etag)


def _row(source: str, result: FetchResult | None, found: Found | None, c: Candidate | None, parent: str | None,
         etag: str | None) -> dict:
    """A catalog row: of a request (result alone: a list page, robots.txt, a page linking its report),
    or of a document (found) fetched (result) or read from disk (no result: the file's size and
    modification time, `etag`, stand for an ETag, so an unchanged file is not read again)."""
    ok = found.status == "ok" if found else result.status != "error"
    if found is None:
        sha, attempt, error = result.sha256, result.error or f"HTTP {result.http_status}", result.error
    else:
        sha, attempt, error = found.content_sha256, found.last_attempt, found.error
    return {
        "url": result.url if result else found.source_url, "source": source,
        "kind": "request" if found is None else "report", "parent_url": parent,
        "publisher_hint": c.publisher if c else found and found.publisher_hint,
        "year_hint": c.year if c else found and found.year_hint,
        "report_year": None, "year_from": None, "title": c.title if c and not parent else None,
        "sha256": sha if ok else None, "status": "ok" if ok else "error", **_transfer(result, found, etag, ok),
        "last_attempt": attempt, "error": None if ok else error,
    }


def _transfer(result: FetchResult | None, found: Found, etag: str | None, ok: bool) -> dict:
    """What the request answered (a file read from disk answers only its modification time)."""
    if result is None:
        return {"final_url": None, "http_status": None, "content_type": None, "size": None, "etag": etag,
                "last_modified": None, "downloaded_at": found.fetched_at if ok else None,
                "checked_at": found.last_attempt_at}
    return {"final_url": result.final_url,
            "http_status": 200 if result.status == "not_modified" else result.http_status,
            "content_type": result.content_type, "size": result.size, "etag": result.etag,
            "last_modified": result.last_modified,
            "downloaded_at": _time(result.downloaded_at) if ok else None, "checked_at": _time(result.fetched_at)}


class _Placer:
    """Each document row's report year: its hint, else the year its content states. Contents are
    read in batches as they are offered (their bytes held only until their batch is read), once per
    sha256; a content read in an earlier crawl keeps the year read then."""

    def __init__(self, previous: dict[str, list[dict]], read_years: ReadYears, batch: int):
        self.read_years, self.batch, self.lock = read_years, batch, threading.Lock()
        self.years = {r["sha256"]: r["report_year"] for rs in previous.values() for r in rs
                      if r["year_from"] == "content"}
        self.asked = set(self.years)
        self.pending: dict[str, tuple[bytes, str]] = {}

    def offer(self, row: dict, data: bytes | None) -> None:
        if row["year_hint"] is not None or not row["sha256"] or data is None:
            return
        with self.lock:
            if row["sha256"] in self.asked:
                return
            self.asked.add(row["sha256"])
            self.pending[row["sha256"]] = (data, row["url"])
            if len(self.pending) < self.batch:
                return
            chunk, self.pending = self.pending, {}
        self._read(chunk)

    def _read(self, chunk: dict[str, tuple[bytes, str]]) -> None:
        years = self.read_years(list(chunk.values())) if chunk else []
        with self.lock:
            self.years.update(zip(chunk, years, strict=True))

    def place(self, rows: list[dict], store: RawStore) -> None:
        """Every report row placed, once all are offered: what is pending is read, then the
        contents never offered with their bytes (an unchanged file) are read from the store."""
        chunk, self.pending = self.pending, {}
        self._read(chunk)
        docs = [r for r in rows if r["kind"] == "report"]
        unread = {r["sha256"]: r["url"] for r in docs if r["year_hint"] is None and r["sha256"]
                  and r["sha256"] not in self.years and store.exists(r["sha256"])}
        shas = list(unread)
        for i in range(0, len(shas), self.batch):
            self._read({sha: (store.get(sha), unread[sha]) for sha in shas[i:i + self.batch]})
        for row in docs:
            if row["year_hint"] is not None:
                row["report_year"], row["year_from"] = row["year_hint"], "hint"
            elif row["sha256"] in self.years:
                row["report_year"], row["year_from"] = self.years[row["sha256"]], "content"


def _time(iso: str | None) -> datetime | None:
    return None if iso is None else datetime.fromisoformat(iso)
