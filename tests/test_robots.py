"""robots.txt: the rules (wildcards, longest match, Crawl-delay) and what each answer to it means (RFC 9309)."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ogi.acquire.discover import _Robots, discover
from ogi.acquire.fetch import Fetcher, FetchPolicy, RawStore
from ogi.acquire.kinds.listing import ListingSource
from ogi.acquire.robots import HostRules, product_token

AGENT = product_token(FetchPolicy().user_agent)
QUICK = FetchPolicy(read_timeout=0.5, retries=0, backoff=0, per_host_delay=0)


def _rules(text: str) -> HostRules:
    return HostRules.parse(text, AGENT)


def test_our_product_token():
    assert AGENT == "ogi-reports"


def test_wildcards_and_end_anchor():
    rules = _rules("User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?searchword=\n")
    assert not rules.allowed("https://example.gov.cn/a/b.pdf")
    assert rules.allowed("https://example.gov.cn/a/b.pdf?x=1")
    assert rules.allowed("https://example.gov.cn/a.pdfx")
    assert not rules.allowed("https://example.gov.cn/s?searchword=x")
    assert rules.allowed("https://example.gov.cn/s?page=2")
    assert rules.allowed("https://example.gov.cn/a/b.html")


def test_the_longest_match_wins():
    rules = _rules("User-agent: *\nAllow: /public/\nDisallow: /\n")
    assert rules.allowed("https://example.gov.cn/public/x")
    assert not rules.allowed("https://example.gov.cn/x")
    rules = _rules("User-agent: *\nDisallow: /xxgk/\nAllow: /xxgk/nb/\n")  # order does not matter
    assert rules.allowed("https://example.gov.cn/xxgk/nb/2022.html")
    assert not rules.allowed("https://example.gov.cn/xxgk/other.html")


def test_our_group_is_followed_rather_than_the_star_group():
    rules = _rules("User-agent: *\nDisallow: /\n\nUser-agent: Ogi-Reports\nDisallow: /private/\n")
    assert rules.allowed("https://example.gov.cn/xxgk/nb.html")
    assert not rules.allowed("https://example.gov.cn/private/a.html")
    assert not _rules("User-agent: otherbot\nAllow: /\n\nUser-agent: *\nDisallow: /\n").allowed("https://h/a")


def test_crawl_delay_for_our_agent_and_for_star():
    assert _rules(f"User-agent: {AGENT}\nCrawl-delay: 5\n").delay == 5.0
    assert _rules("User-agent: *\nCrawl-delay: 5\n").delay == 5.0
    assert _rules("User-agent: *\nCrawl-delay: 9\n\nUser-agent: ogi-reports\nCrawl-delay: 2\n").delay == 2.0
    # our group sets no delay: the star group's is kept
    assert _rules("User-agent: ogi-reports\nDisallow: /x/\n\nUser-agent: *\nCrawl-delay: 3\n").delay == 3.0
    assert _rules("User-agent: otherbot\nCrawl-delay: 5\n").delay is None
    assert _rules("User-agent: *\nDisallow: /x/\n").delay is None
    assert _rules("User-agent: *\nCrawl-delay: soon\n").delay is None


def test_request_rate_in_seconds_between_requests_and_the_larger_one_kept():
    assert _rules("User-agent: *\nRequest-rate: 1/10s\n").delay == 10.0
    assert _rules("User-agent: *\nRequest-rate: 6/1m\n").delay == 10.0
    assert _rules("User-agent: *\nRequest-rate: 1/10s\nCrawl-delay: 4\n").delay == 10.0
    assert _rules("User-agent: *\nRequest-rate: 2/1s\nCrawl-delay: 4\n").delay == 4.0


def test_bom_and_bad_bytes_are_tolerated():
    body = b"\xef\xbb\xbfUser-agent: *\nDisallow: /\xff\xfe/\nDisallow: /private/\n"
    rules = HostRules.parse(body, AGENT)
    assert not rules.allowed("https://example.gov.cn/private/a.html")
    assert rules.allowed("https://example.gov.cn/a.html")
    assert not HostRules.parse(b"\xef\xbb\xbfUser-agent: *\nDisallow: /\n", AGENT).allowed("https://h/a")


# What each answer to /robots.txt means, from a real server on 127.0.0.1


class Site:
    """Pages by path (with query): (status, body); every request counted."""

    def __init__(self, pages: dict[str, tuple[int, bytes]]):
        self.pages, self.requests = pages, []
        handler = type("H", (_Handler,), {"site": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.site.requests.append(self.path)
        status, body = self.site.pages.get(self.path, (404, b"not found"))
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", body.decode())
            body = b""
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def serve():
    sites = []

    def start(pages):
        sites.append(Site(pages))
        return sites[-1]

    yield start
    for s in sites:
        s.close()


def _robots(tmp_path, logs=None) -> tuple[_Robots, list]:
    recorded = []
    robots = _Robots(Fetcher(RawStore(str(tmp_path)), QUICK), True, recorded.append,
                     (logs if logs is not None else []).append)
    return robots, recorded


def test_a_served_robots_txt_is_read_once_per_host(tmp_path, serve):
    site = serve({"/robots.txt": (200, b"User-agent: *\nDisallow: /*.pdf$\nCrawl-delay: 2\n")})
    robots, recorded = _robots(tmp_path)
    assert not robots.allowed(f"{site.base}/nb/2022.pdf")
    assert robots.allowed(f"{site.base}/nb/2022.html")
    assert robots.delay(f"{site.base}/anything") == 2.0
    assert site.requests == ["/robots.txt"]
    assert [r.url for r in recorded] == [f"{site.base}/robots.txt"]  # the request goes to the catalog


@pytest.mark.parametrize("status", [404, 401, 403, 410])
def test_a_4xx_robots_txt_allows_all(tmp_path, serve, status):
    site = serve({"/robots.txt": (status, b"User-agent: *\nDisallow: /\n")})
    logs = []
    robots, _ = _robots(tmp_path, logs)
    assert robots.allowed(f"{site.base}/xxgk/nb.html")
    assert robots.delay(f"{site.base}/xxgk/nb.html") is None
    assert logs == []


def test_a_redirected_robots_txt_is_followed(tmp_path, serve):
    site = serve({"/robots.txt": (301, b"/real-robots.txt"), "/real-robots.txt": (200, b"User-agent: *\nDisallow: /x/")})
    robots, _ = _robots(tmp_path)
    assert not robots.allowed(f"{site.base}/x/a.html")
    assert robots.allowed(f"{site.base}/y/a.html")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_5xx_robots_txt_forbids_the_whole_host(tmp_path, serve, status):
    site = serve({"/robots.txt": (status, b"oops")})
    logs = []
    robots, _ = _robots(tmp_path, logs)
    assert not robots.allowed(f"{site.base}/xxgk/nb.html")
    assert not robots.allowed(f"{site.base}/")
    assert robots.delay(f"{site.base}/") is None
    assert site.requests == ["/robots.txt"]  # asked once, not again for each URL
    assert len(logs) == 1 and "robots.txt unreachable" in logs[0] and f"HTTP {status}" in logs[0]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unanswered_robots_txt_forbids_the_whole_host(tmp_path):
    logs = []
    robots, recorded = _robots(tmp_path, logs)
    assert not robots.allowed(f"http://127.0.0.1:{_closed_port()}/xxgk/nb.html")
    assert recorded[0].status == "error" and recorded[0].http_status is None
    assert len(logs) == 1 and "unreachable" in logs[0] and "connection failed" in logs[0]


def test_a_robots_txt_that_times_out_forbids_the_whole_host(tmp_path):
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        logs = []
        robots, _ = _robots(tmp_path, logs)
        assert not robots.allowed(f"http://127.0.0.1:{listener.getsockname()[1]}/a.html")
    assert len(logs) == 1 and "unreachable (timed out" in logs[0]


_LIST = ('<html><head><meta charset="utf-8"></head><body><ul>'
         '<li><a href="/nb/2022.pdf">示例县人民政府2022年政府信息公开工作年度报告</a></li>'
         '<li><a href="/nb/2022.html">示例县教育局2022年政府信息公开工作年度报告</a></li>'
         '<li><a href="/search?searchword=nb">示例县财政局2022年政府信息公开工作年度报告</a></li>'
         "</ul></body></html>").encode()


def _source(site: Site) -> ListingSource:
    return ListingSource(name="示例县", url=f"{site.base}/xxgk/index.html", allow_private=True)


def test_a_crawl_skips_report_links_a_wildcard_rule_forbids(tmp_path, serve):
    site = serve({"/robots.txt": (200, b"User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?searchword=\n"),
                  "/xxgk/index.html": (200, _LIST)})
    logs = []
    found = discover(_source(site), Fetcher(RawStore(str(tmp_path)), QUICK), 2022, logs.append)
    assert [c.url for c in found] == [f"{site.base}/nb/2022.html"]
    assert any("robots.txt forbids" in m and m.endswith("/nb/2022.pdf") for m in logs)
    assert any("robots.txt forbids" in m and m.endswith("/search?searchword=nb") for m in logs)
    assert site.requests == ["/robots.txt", "/xxgk/index.html"]


def test_a_crawl_fetches_nothing_on_a_host_whose_robots_txt_fails(tmp_path, serve):
    site = serve({"/robots.txt": (500, b"down"), "/xxgk/index.html": (200, _LIST)})
    logs, recorded = [], []
    found = discover(_source(site), Fetcher(RawStore(str(tmp_path)), QUICK), 2022, logs.append, recorded.append)
    assert found == []
    assert site.requests == ["/robots.txt"]
    assert [r.url for r in recorded] == [f"{site.base}/robots.txt"]
    assert logs[0] == (f"示例县: {site.base}/robots.txt unreachable (HTTP 500): nothing on "
                       f"{site.base.removeprefix('http://')} is fetched in this run")
