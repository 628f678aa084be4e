"""The catalog: every report known, one compacted row per source and URL, rewritten after each crawl.

One Parquet file per source under `<root>/catalog/`, so that reading it costs the number of reports,
not the number of runs. Each row carries what the year partitions need (report year, sha256 of the
stored bytes, status) and what the next crawl needs to ask conditionally (ETag, Last-Modified).
Request-only rows (list pages, robots.txt, pages that link their report) keep their validators too.

Merging a crawl into the catalog never loses a document: a URL that fails now keeps its stored
bytes with the failed attempt beside them, and a report no longer listed stays, marked as not seen.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from urllib.parse import quote, unquote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ogi.store.files import filesystem, replacing

NOT_SEEN = "not found at its source in this run (kept from the stored copy)"
_TS = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema([
    ("url", pa.string()), ("source", pa.string()),
    ("kind", pa.string()),  # report (a document) | request (a list page, robots.txt, a page linking its report)
    ("parent_url", pa.string()),  # the page that linked an attachment
    ("publisher_hint", pa.string()), ("year_hint", pa.int16()),
    ("report_year", pa.int16()), ("year_from", pa.string()),  # hint | content | None (not placed)
    ("title", pa.string()), ("final_url", pa.string()), ("sha256", pa.string()),
    ("status", pa.string()),  # ok (bytes stored) | error (never fetched)
    ("http_status", pa.int16()), ("content_type", pa.string()), ("size", pa.int64()),
    ("etag", pa.string()), ("last_modified", pa.string()),
    ("downloaded_at", _TS),  # when the stored bytes were downloaded (or the file modified)
    ("checked_at", _TS),  # when this URL was last asked
    ("last_attempt", pa.string()), ("error", pa.string()),
])
COLUMNS = SCHEMA.names


class Catalog:
    """The catalog under a storage root (any fsspec URL)."""

    def __init__(self, root: str):
        self.fs, base = filesystem(root)
        self.dir = f"{base.rstrip('/')}/catalog"

    def _path(self, source: str) -> str:
        return f"{self.dir}/source={quote(source, safe='')}.parquet"

    def sources(self) -> list[str]:
        return sorted(unquote(p.rsplit("/source=", 1)[1][:-len(".parquet")])
                      for p in self.fs.glob(f"{self.dir}/source=*.parquet"))

    def read(self, source: str, filters: pc.Expression | None = None) -> list[dict]:
        """The source's rows (those `filters` keeps, applied by pyarrow before any row becomes a dict)."""
        if not self.fs.exists(self._path(source)):
            return []
        with self.fs.open(self._path(source), "rb") as handle:
            return pq.read_table(handle, schema=SCHEMA, filters=filters).to_pylist()

    def write(self, source: str, rows: list[dict]) -> None:
        """Replace the source's rows in one move (readers see the old table or the new one)."""
        table = pa.Table.from_pylist(sorted(rows, key=lambda r: (r["kind"], r["url"])), schema=SCHEMA)
        with replacing(self.fs, self._path(source)) as temp, self.fs.open(temp, "wb") as handle:
            pq.write_table(table, handle, compression="zstd")

    def documents(self, sources: list[str], year: int | None = None) -> list[dict]:
        """The report rows of `sources` (of one report year when given): a year reads only its rows."""
        wanted = pc.field("kind") == "report"
        if year is not None:
            wanted &= pc.field("report_year") == year
        return [r for s in sources for r in self.read(s, wanted)]

    def last_crawl(self) -> dict | None:
        """{"finished_at": ISO time, "registry": digest} of the last crawl written, or None."""
        path = f"{self.dir}/_crawl.json"
        return json.loads(self.fs.cat_file(path)) if self.fs.exists(path) else None

    def crawled(self, finished_at: datetime, registry: str) -> None:
        with replacing(self.fs, f"{self.dir}/_crawl.json") as temp:
            self.fs.pipe_file(temp, json.dumps({"finished_at": finished_at.isoformat(), "registry": registry}).encode())


def registry_digest(path: str) -> str:
    """What the crawl was of: a changed registry is crawled again, however recent the last crawl."""
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def validators(rows: list[dict]) -> dict[str, dict]:
    """url -> what a conditional request needs, in the shape of a FetchResult (ogi.acquire.fetch.Fetcher)."""
    return {r["url"]: {"final_url": r["final_url"], "etag": r["etag"], "last_modified": r["last_modified"],
                       "sha256": r["sha256"], "status": r["status"], "content_type": r["content_type"],
                       "size": r["size"], "downloaded_at": _iso(r["downloaded_at"])}
            for r in rows if r["status"] == "ok" and r["final_url"]}


def merge(previous: list[dict], now: list[dict], crawled_at: datetime) -> tuple[list[dict], list[dict]]:
    """(the source's rows after this crawl, the report rows that are new or whose bytes changed).

    A URL asked now replaces its row, except that a failed request keeps the stored document
    (status ok, the failure in last_attempt). A document not asked now stays, marked not seen;
    request rows not asked now are dropped (only their validators were worth keeping)."""
    before = {(r["kind"], r["url"]): r for r in previous}
    rows, changed = {}, []
    for row in now:
        key = (row["kind"], row["url"])
        old = before.get(key)
        if row["status"] == "error" and old and old["status"] == "ok":
            row = old | {"checked_at": row["checked_at"], "last_attempt": row["last_attempt"]}
        elif row["kind"] == "report" and row["status"] == "ok" and (not old or old["sha256"] != row["sha256"]):
            changed.append(row)
        rows[key] = row
    for key, old in before.items():
        if key not in rows and old["kind"] == "report" and old["status"] == "ok":
            rows[key] = old | {"checked_at": crawled_at, "last_attempt": NOT_SEEN}
    return list(rows.values()), changed


def _iso(value: datetime | None) -> str | None:
    return None if value is None else f"{value:%Y-%m-%dT%H:%M:%SZ}"


def document_row(row: dict) -> dict:
    """A catalog report row in the shape of the year's `fetched` staging (doc_id: sha256 of the
    bytes, or of the address when none were ever fetched)."""
    sha = row["sha256"] if row["status"] == "ok" else None
    return {"doc_id": sha or hashlib.sha256(row["url"].encode()).hexdigest(), "source": row["source"],
            "source_url": row["url"], "publisher_hint": row["publisher_hint"], "content_sha256": sha,
            "fetched_at": row["downloaded_at"] or row["checked_at"], "status": "ok" if sha else "fetch_error",
            "http_status": row["http_status"], "content_type": row["content_type"], "error": row["error"],
            "last_attempt_at": row["checked_at"], "last_attempt": row["last_attempt"]}
