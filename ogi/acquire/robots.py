"""What a host's robots.txt lets this crawler do, read by Protego and judged as RFC 9309 says.

The answer to `/robots.txt` decides: a 2xx body is parsed (UTF-8, leniently, a BOM dropped) with
its wildcards (`*`, `$`) and the longest-match rule between Allow and Disallow; a 4xx answer
("unavailable": 404, also 401 and 403) means no rules, and so does a redirect chain longer than
the Fetcher follows; a 5xx or 429 answer, a network error or a timeout means "unreachable": the
whole host is off limits for this run. Crawl-delay and Request-rate give the seconds to leave
between two requests to the host.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

from ogi.acquire.fetch import FetchResult, RawStore


def product_token(user_agent: str) -> str:
    """The name a robots.txt addresses a crawler by: `ogi-reports` of `ogi-reports/0.1 (+https://…)`."""
    return (user_agent.split("/", 1)[0].split() or ["*"])[0]


@dataclass(frozen=True)
class HostRules:
    """One host's robots.txt for one user agent: `allowed(url)`, and `delay` in seconds (or None)."""

    agent: str  # the product token, e.g. "ogi-reports"
    parser: Protego | None = None  # None: no rules
    unreachable: str | None = None  # why robots.txt could not be read: then nothing is allowed

    @classmethod
    def parse(cls, text: str | bytes, agent: str) -> HostRules:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        return cls(agent, Protego.parse(text.removeprefix("\ufeff")))

    @classmethod
    def from_fetch(cls, result: FetchResult, store: RawStore, agent: str) -> HostRules:
        """The rules a fetch of `/robots.txt` gives (redirects already followed by the Fetcher)."""
        status = result.http_status
        if result.status != "error":  # fetched (2xx) or not_modified (the stored body stands)
            return cls.parse(store.get(result.sha256), agent)
        if status is not None and (300 <= status < 400 or (400 <= status < 500 and status != 429)):
            return cls(agent)  # unavailable (RFC 9309 2.3.1.3), or too many redirects (2.3.1.2)
        return cls(agent, unreachable=result.error or f"HTTP {status}")  # 2.3.1.4; 429 is a server's "not now"

    def allowed(self, url: str) -> bool:
        if self.unreachable is not None:
            return False
        return self.parser is None or self.parser.can_fetch(url, self.agent)

    @property
    def delay(self) -> float | None:
        """Seconds between two requests to the host: the larger of Crawl-delay and Request-rate
        (`1/10s` is 10 s) of the group for our agent, or of the `*` group when ours sets neither."""
        if self.parser is None:
            return None
        for agent in (self.agent, "*"):
            rate = self.parser.request_rate(agent)
            values = [self.parser.crawl_delay(agent), rate and rate.seconds / rate.requests]
            if any(v is not None for v in values):
                return float(max(v for v in values if v is not None))
        return None
