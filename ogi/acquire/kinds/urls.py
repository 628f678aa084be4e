"""`urls`: report pages listed one by one, each with optional publisher and year hints."""

from __future__ import annotations

from dataclasses import dataclass

from ogi.acquire.fetch import Fetcher
from ogi.acquire.kinds.base import Candidate, Entry, Log, Record, Source

ITEM_KEYS = ("url", "publisher", "year")


@dataclass(frozen=True)
class UrlEntry:
    url: str
    publisher: str | None = None
    year: int | None = None


@dataclass(frozen=True, kw_only=True)
class UrlsSource(Source):
    kind = "urls"
    keys = ("urls",)

    urls: tuple[UrlEntry, ...] = ()

    @classmethod
    def read(cls, entry: Entry) -> dict:
        items = entry.data.get("urls") or []
        if not isinstance(items, list):
            raise entry.error("`urls` must be a list")
        return {"urls": tuple(_url_entry(entry, item, i) for i, item in enumerate(items))}

    def candidates(self, fetcher: Fetcher, year: int | None, log: Log, record: Record) -> list[Candidate]:
        """The listed pages, with the source's hints where a page has none of its own, without the
        ones whose year hint names another year (no request is made)."""
        pages = [Candidate(u.url, u.publisher or self.publisher, u.year or self.year, None, self.name)
                 for u in self.urls]
        return [c for c in pages if year is None or c.year in (None, year)]



def _url_entry(entry: Entry, item, i: int) -> UrlEntry:
    """An item of `urls`: an address, or a mapping with `url` and optional hints."""
    data = {"url": item} if isinstance(item, str) else item
    if not isinstance(data, dict) or not data.get("url"):
        raise entry.error("each of `urls` needs a `url`")
    item = Entry(data, f"{entry.where}: urls item {i + 1}", entry.folder)
    item.only(ITEM_KEYS, "an item of `urls`")
    return UrlEntry(item.text("url"), item.text("publisher"), item.year())
