"""A document as found at its source, and how a fetched report page becomes documents."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from ogi.acquire.attachments import attachment_links
from ogi.acquire.fetch import Fetcher, FetchResult, RawStore, RawStoreCorrupt


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
    last_attempt_at: datetime | None = None  # when this run asked for it (fetched_at: when the bytes were)
    last_attempt: str | None = None  # what that request answered

    @property
    def doc_id(self) -> str:
        """sha256 of the bytes; for a fetch that got no bytes, of the address."""
        return self.content_sha256 or hashlib.sha256(self.source_url.encode()).hexdigest()

    def row(self) -> dict:
        return {"doc_id": self.doc_id, "source": self.source, "source_url": self.source_url,
                "publisher_hint": self.publisher_hint, "content_sha256": self.content_sha256,
                "fetched_at": self.fetched_at, "status": self.status, "http_status": self.http_status,
                "content_type": self.content_type, "error": self.error,
                "last_attempt_at": self.last_attempt_at or self.fetched_at, "last_attempt": self.last_attempt}


def from_fetch(source: str, result: FetchResult, publisher: str | None, year: int | None,
               store: RawStore) -> Found:
    """The document as its stored bytes were downloaded: a 304 re-check changes nothing here."""
    ok = result.status != "error" and result.sha256 is not None
    http_status = 200 if result.status == "not_modified" else result.http_status
    answer = {"fetched": f"fetched (HTTP {result.http_status})",
              "not_modified": "not modified since the stored download (HTTP 304)"}.get(result.status, result.error)
    data, error = None, None if ok else result.error
    if ok:
        try:
            data = store.get(result.sha256)
        except RawStoreCorrupt as exc:  # dropped from the store: the next run downloads it again
            ok, error = False, f"{exc}; it is downloaded again on the next run"
    return Found(source, result.url, publisher, year, result.sha256 if ok else None,
                 datetime.fromisoformat(result.downloaded_at or result.fetched_at), "ok" if ok else "fetch_error",
                 http_status, result.content_type, error, data,
                 datetime.fromisoformat(result.fetched_at), answer)


def fetch_report(source: str, fetcher: Fetcher, store: RawStore, url: str, publisher: str | None, year: int | None,
                 allow_private: bool) -> Iterator[tuple[Found | None, FetchResult]]:
    """A report page, or the attachments it links when it has no report tables of its own (then the
    page itself comes with None: it is a request, not a document)."""
    result = fetcher.fetch(url, allow_private=allow_private)
    page = from_fetch(source, result, publisher, year, store)
    links = attachment_links(page.data, result.final_url or url) if page.data else []
    if not links:
        yield page, result
        return
    yield None, result
    for link in links:
        attached = fetcher.fetch(link, allow_private=allow_private)
        yield from_fetch(source, attached, publisher, year, store), attached
