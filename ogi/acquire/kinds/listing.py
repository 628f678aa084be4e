"""`listing`: a site's report column, crawled for report links (ogi.acquire.discover), which are then fetched."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ogi.acquire.discover import discover
from ogi.acquire.fetch import Fetcher
from ogi.acquire.kinds.base import Candidate, Entry, Log, Record, Source

MAX_PAGES = 50


@dataclass(frozen=True, kw_only=True)
class ListingSource(Source):
    kind = "listing"
    keys = ("url", "link_pattern", "max_pages", "allow_other_sites")

    url: str  # the column's first page
    link_pattern: re.Pattern | None = None  # report links must match it
    max_pages: int = MAX_PAGES  # crawl budget: list pages read per run
    allow_other_sites: bool = False  # keep report links to other hosts

    @classmethod
    def read(cls, entry: Entry) -> dict:
        if not entry.data.get("url"):
            raise entry.error("a listing source needs `url`")
        return {"url": entry.text("url"), "link_pattern": _pattern(entry),
                "max_pages": entry.count("max_pages", MAX_PAGES), "allow_other_sites": entry.flag("allow_other_sites")}

    def candidates(self, fetcher: Fetcher, year: int | None, log: Log, record: Record) -> list[Candidate]:
        return discover(self, fetcher, year, log, record)


def _pattern(entry: Entry) -> re.Pattern | None:
    """`link_pattern`, compiled now so that a bad one is a registry error, not a crash mid-crawl."""
    pattern = entry.text("link_pattern")
    try:
        return re.compile(pattern) if pattern else None
    except re.error as exc:
        raise entry.error(f"link_pattern is not a regular expression: {exc}") from None
