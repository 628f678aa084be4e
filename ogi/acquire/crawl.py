"""One crawl of every source into the raw store and the catalog: many hosts at once, each politely.

First each source lists its reports (a listing's column pages are read; `urls` need no request;
files are read from disk), then every report is fetched, the reports of one host one after the
other in one thread and different hosts in parallel. Every request of the crawl goes through one
HostGate, so a host is asked once at a time and at most once per its delay, whichever source or
thread asks. Documents without a year hint are placed by the year their content states (read
once per content: a known sha256 keeps its year).
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
          resolver: Resolver = resolve, progress: Callable[[int, int], None] = lambda done, total: None) -> Crawl:
    """Every source's documents into `store`; `previous`: source -> its catalog rows before;
    `progress(done, total)` after each report listed by a web source is fetched."""
    started = datetime.now(UTC).replace(microsecond=0)
    crawler = _Crawler(store, policy or FetchPolicy(), previous, log, resolver, progress)
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
    _place([r for rs in rows.values() for r in rs], previous, store, read_years)
    out = Crawl(requests=crawler.requests, answered=any(r["status"] == "ok" for rs in rows.values() for r in rs))
    for source in sources:
        out.rows[source.name], changed = merge(previous.get(source.name, []), rows[source.name], started)
        out.changed += changed
    return out


class _Crawler:
    """The threads' shared state: one HostGate, one Fetcher per thread, the rows gathered so far."""

    def __init__(self, store: RawStore, policy: FetchPolicy, previous: dict[str, list[dict]],
                 log: Callable[[str], None], resolver: Resolver, progress: Callable[[int, int], None]):
        self.store, self.policy, self.previous, self.log, self.resolver = store, policy, previous, log, resolver
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

    def record(self, source: str, result: FetchResult, found: Found | None = None, c: Candidate | None = None,
               parent: str | None = None) -> None:
        row = _row(source, result, "report" if found else "request", found, c, parent)
        with self.lock:
            self.requests.append(result)
            self.rows[source].append(row)

    def listed(self, source: Source) -> list[Candidate]:
        return source.candidates(self.fetcher(), None, self.log, lambda r: self.record(source.name, r))

    def fetch_host(self, items: list[tuple[Source, Candidate]]) -> None:
        """One host's reports, one after the other (their attachments may be on other hosts)."""
        for source, c in items:
            for found, result in fetch_report(source.name, self.fetcher(), self.store, c.url, c.publisher, c.year,
                                              source.allow_private):
                if found is not None:
                    found.data = None  # read back from the store only if its year must be read
                self.record(source.name, result, found, c, None if result.url == c.url else c.url)
            with self.lock:
                self.done += 1
                self.progress(self.done, self.total)

    def read_local(self, source: Source) -> None:
        before = {r["url"]: r for r in self.previous.get(source.name, [])}
        self.rows[source.name] += [_file_row(source.name, f, etag)
                                   for f, etag in source.read_local(self.store, before, self.log)]


def _row(source: str, result: FetchResult, kind: str, found: Found | None, c: Candidate | None,
         parent: str | None) -> dict:
    ok = found.status == "ok" if found else result.status != "error"
    return {
        "url": result.url, "source": source, "kind": kind, "parent_url": parent,
        "publisher_hint": c.publisher if c else None, "year_hint": c.year if c else None,
        "report_year": None, "year_from": None, "title": c.title if c and not parent else None,
        "final_url": result.final_url, "sha256": result.sha256 if ok else None, "status": "ok" if ok else "error",
        "http_status": 200 if result.status == "not_modified" else result.http_status,
        "content_type": result.content_type, "size": result.size, "etag": result.etag,
        "last_modified": result.last_modified,
        "downloaded_at": _time(result.downloaded_at) if ok else None, "checked_at": _time(result.fetched_at),
        "last_attempt": found.last_attempt if found else result.error or f"HTTP {result.http_status}",
        "error": (found.error if found else result.error) if not ok else None,
    }


def _file_row(source: str, f: Found, etag: str | None) -> dict:
    """A file read from disk: its size and modification time stand for an ETag (unchanged: not read again)."""
    return {
        "url": f.source_url, "source": source, "kind": "report", "parent_url": None,
        "publisher_hint": f.publisher_hint, "year_hint": f.year_hint, "report_year": None, "year_from": None,
        "title": None, "final_url": None, "sha256": f.content_sha256, "status": "ok" if f.status == "ok" else "error",
        "http_status": None, "content_type": None, "size": None, "etag": etag, "last_modified": None,
        "downloaded_at": f.fetched_at if f.status == "ok" else None, "checked_at": f.last_attempt_at,
        "last_attempt": f.last_attempt, "error": f.error,
    }


def _place(rows: list[dict], previous: dict[str, list[dict]], store: RawStore, read_years: ReadYears,
           batch: int = 256) -> None:
    """Each document row's report year: its hint, else the year its content states (a content
    read before keeps the year read then; the rest are read in batches from the store)."""
    read = {r["sha256"]: r["report_year"] for rs in previous.values() for r in rs if r["year_from"] == "content"}
    todo = []
    for row in rows:
        if row["kind"] != "report":
            continue
        if row["year_hint"] is not None:
            row["report_year"], row["year_from"] = row["year_hint"], "hint"
        elif row["sha256"] in read:
            row["report_year"], row["year_from"] = read[row["sha256"]], "content"
        elif row["sha256"]:
            todo.append(row)
    for i in range(0, len(todo), batch):
        chunk = [r for r in todo[i:i + batch] if store.exists(r["sha256"])]
        years = read_years([(store.get(r["sha256"]), r["url"]) for r in chunk])
        for row, year in zip(chunk, years, strict=True):
            row["report_year"], row["year_from"] = year, "content"
            read[row["sha256"]] = year


def _time(iso: str | None) -> datetime | None:
    return None if iso is None else datetime.fromisoformat(iso)
