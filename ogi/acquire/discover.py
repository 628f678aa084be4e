"""Find the annual reports a site lists: follow its report column's pages, keep report links.

Government CMS list pages paginate as `index.html`, `index_1.html`, …, as `?page=2`, or with a
`下一页` link; all three are followed. A link is a report when its title names one
(`2022年…政府信息公开工作年度报告`, `…年报`, Simplified or Traditional); the year and the
publisher are read from that title. robots.txt is honoured, each source has a page budget, and
every request goes through the Fetcher (its per-host delay, address rules and conditional GETs).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from ogi.acquire.fetch import Fetcher, FetchResult
from ogi.acquire.kinds.base import Candidate
from ogi.acquire.robots import HostRules, product_token
from ogi.read.decode import UnreadableDocument, decode
from ogi.read.textnorm import normalize

if TYPE_CHECKING:  # the listing kind calls discover()
    from ogi.acquire.kinds.listing import ListingSource

_REPORT = re.compile(r"(?:政府|政务)?信息公开.{0,8}?(?:年度报告|年报)|年度报告|年报")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_NEXT = re.compile(r"^(?:下一页|下页|后页|next|›|»|>)$", re.IGNORECASE)
_PAGED = re.compile(r"(?:/index_\d+\.s?html?$)|(?:[?&](?:page|pageNo|pageIndex|p)=\d+)", re.IGNORECASE)


def discover(source: ListingSource, fetcher: Fetcher, year: int | None = None, log: Callable[[str], None] = print,
             record: Callable[[FetchResult], None] = lambda _: None) -> list[Candidate]:
    """Report links of a `listing` source (of one report year when `year` is given). Every
    request made is passed to `record` (for the catalog: re-runs ask conditionally)."""
    crawl = _Crawl(source, fetcher, log, record)
    queue, seen_pages, seen_links, found = [source.url], set(), set(), []
    while queue and len(seen_pages) < source.max_pages:
        page = queue.pop(0)
        if page in seen_pages:
            continue
        seen_pages.add(page)
        for url, text in crawl.links(page):
            title = normalize(text)
            if _paginates(url, text, source.url):
                if url not in seen_pages:
                    queue.append(url)
            elif url not in seen_links and _is_report(url, title, source):
                seen_links.add(url)
                if crawl.allowed(url) and (year is None or _year_of(title) == year):
                    found.append(Candidate(url, _publisher(title) or source.publisher or source.name,
                                           _year_of(title), title, source.name))
    if queue:
        log(f"{source.name}: stopped after {source.max_pages} list pages (max_pages)")
    return found


class _Crawl:
    """The requests of one crawl: robots.txt asked first, every request recorded, every refusal logged."""

    def __init__(self, source: ListingSource, fetcher: Fetcher, log: Callable[[str], None],
                 record: Callable[[FetchResult], None]):
        self.source, self.fetcher, self.log, self.record = source, fetcher, log, record
        self.robots = _Robots(fetcher, source.allow_private, record, lambda m: log(f"{source.name}: {m}"))

    def allowed(self, url: str) -> bool:
        if self.robots.allowed(url):
            return True
        self.log(f"{self.source.name}: robots.txt forbids {url}")
        return False

    def links(self, page: str) -> list[tuple[str, str]]:
        """(absolute address, title) of each http(s) link of a list page; none if it cannot be read."""
        if not self.allowed(page):
            return []
        result = self.fetcher.fetch(page, allow_private=self.source.allow_private)
        self.record(result)
        if result.status == "error":
            self.log(f"{self.source.name}: list page {page}: {result.error}")
            return []
        base = result.final_url or page
        links = [(_clean(urljoin(base, href)), text) for href, text in _links(self.fetcher.store.get(result.sha256))]
        return [(url, text) for url, text in links if url.startswith(("http://", "https://"))]


def _paginates(url: str, text: str, start: str) -> bool:
    """A link to another page of the column: a `下一页` link, or a numbered page in the same folder."""
    return bool(_NEXT.match(text) or (_PAGED.search(url) and _same_column(url, start)))


def _is_report(url: str, title: str, source: ListingSource) -> bool:
    """A link whose title names an annual report, kept by the source's pattern and site rules."""
    if not _REPORT.search(title) or (source.link_pattern and not source.link_pattern.search(url)):
        return False
    return source.allow_other_sites or urlsplit(url).hostname == urlsplit(source.url).hostname


def _links(body: bytes) -> list[tuple[str, str]]:
    """(href, title) of every link: the title attribute when there is one, else the link text."""
    try:
        root = etree.fromstring(decode(body).text, etree.HTMLParser())
    except (UnreadableDocument, etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    if root is None:
        return []
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.startswith(("#", "javascript:", "mailto:")):
            out.append((href, (a.get("title") or "".join(a.itertext())).strip()))
    return out


def _clean(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _same_column(url: str, start: str) -> bool:
    """A paginated link of this column: same host and folder as the column's first page."""
    a, b = urlsplit(url), urlsplit(start)
    return a.netloc == b.netloc and a.path.rsplit("/", 1)[0] == b.path.rsplit("/", 1)[0]


def _year_of(title: str) -> int | None:
    m = _YEAR.search(title)
    return int(m.group(1)) if m else None


def _publisher(title: str) -> str | None:
    m = re.match(r"^(.{2,30}?)(?:19|20)\d{2}\s*年", re.sub(r"\s+", "", title))
    return m.group(1) if m else None


class _Robots:
    """robots.txt of each host, read once per crawl through the Fetcher (ogi.acquire.robots): a
    missing one allows all, an unreachable one (5xx, network error) forbids the whole host, and its
    Crawl-delay slows every request of the crawl to that host (the Fetcher's HostGate)."""

    def __init__(self, fetcher: Fetcher, allow_private: bool, record: Callable[[FetchResult], None],
                 log: Callable[[str], None] = lambda _: None):
        self.fetcher, self.allow_private, self.record, self.log = fetcher, allow_private, record, log
        self.hosts: dict[str, HostRules] = {}

    def allowed(self, url: str) -> bool:
        return self._rules(url).allowed(url)

    def delay(self, url: str) -> float | None:
        """Seconds the host of `url` asks between two requests (Crawl-delay, Request-rate), or None."""
        return self._rules(url).delay

    def _rules(self, url: str) -> HostRules:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self.hosts:
            result = self.fetcher.fetch(f"{key}/robots.txt", allow_private=self.allow_private)
            self.record(result)
            rules = HostRules.from_fetch(result, self.fetcher.store, product_token(self.fetcher.policy.user_agent))
            if rules.unreachable:
                self.log(f"{key}/robots.txt unreachable ({rules.unreachable}): nothing on {parts.netloc} "
                         "is fetched in this run")
            elif parts.hostname:
                self.fetcher.gate.slow_down(parts.hostname, rules.delay)
            self.hosts[key] = rules
        return self.hosts[key]
