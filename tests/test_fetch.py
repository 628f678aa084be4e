"""Fetching against a real HTTP server on 127.0.0.1 (never the internet): every URL ends as one row, the run goes on."""

import hashlib
import os
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import pytest

from ogi.acquire.fetch import Fetcher, FetchPolicy, FetchResult, RawStore, check_address
from ogi.acquire.guard import Refused
from tests.conftest import loopback_only

REPORT = "<html><head><title>2023年政府信息公开工作年度报告</title></head><body><p>一、总体情况</p></body></html>"
GBK_TEXT = "政府信息公开工作年度报告"
LAST_MODIFIED = "Wed, 01 Mar 2023 08:00:00 GMT"
BIG = 100 * 1024
# Fast and small, so that every test stays well under a second or two; tests that reach 127.0.0.1 allow it.
QUICK = FetchPolicy(read_timeout=0.5, retries=2, backoff=0, per_host_delay=0, max_bytes=64 * 1024)


@dataclass
class Seen:
    path: str
    headers: dict
    at: float


class _Server(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[Seen] = []
        self.bodies: Counter = Counter()  # path -> bodies sent with a 200
        self.lock = threading.Lock()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.server_address[1]}{path}"

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def handle_error(self, request, client_address):
        """Clients that give up mid-response (timeouts, size limits) are expected here."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path
        with self.server.lock:
            self.server.seen.append(Seen(path, dict(self.headers), time.monotonic()))
            nth = self.server.paths().count(path)
        if path == "/report":
            self._page(REPORT.encode(), "text/html; charset=utf-8")
        elif path in ("/flaky", "/busy", "/throttled") and nth == 1:
            retry_after = {"/busy": "1", "/throttled": "5"}.get(path)
            self._send(500 if path == "/flaky" else 429, {"Retry-After": retry_after} if retry_after else {})
        elif path in ("/flaky", "/busy", "/throttled", "/page"):
            self._page(f"<p>{path}</p>".encode(), "text/html")
        elif path == "/slow":
            time.sleep(1.0)
            self._page(b"late", "text/plain")
        elif m := re.fullmatch(r"/chain/(\d)", path):
            self._send(302, {"Location": f"/chain/{int(m[1]) - 1}" if m[1] != "1" else "/page"})
        elif path == "/loop":
            self._send(302, {"Location": "/loop"})
        elif path == "/to-localhost":
            self._send(302, {"Location": self.server.url("/page", host="localhost")})
        elif path == "/gbk":
            self._page(GBK_TEXT.encode("gbk"), "text/html; charset=gbk")
        elif path in ("/big", "/big-unsized"):
            self._page(b"x" * BIG, "text/plain", sized=path == "/big")
        else:
            self._send(404)

    def _send(self, status: int, headers: dict | None = None, body: bytes = b""):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _page(self, body: bytes, content_type: str, sized: bool = True):
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if self.headers.get("If-None-Match") == etag or self.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return self._send(304, {"ETag": etag})
        headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": LAST_MODIFIED}
        if sized:
            headers["Content-Length"] = str(len(body))
        with self.server.lock:
            self.server.bodies[self.path] += 1
        self._send(200, headers, body)


@pytest.fixture
def server():
    httpd = _Server()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _fetch_all(fetcher: Fetcher, server: _Server, paths: list[str]) -> dict[str, FetchResult]:
    return {path: fetcher.fetch(server.url(path), allow_private=True) for path in paths}


def test_every_url_ends_recorded_and_the_run_goes_on(server, tmp_path):
    store = RawStore(str(tmp_path))
    paths = ["/report", "/flaky", "/busy", "/slow", "/chain/3", "/loop", "/gbk", "/big", "/big-unsized", "/missing"]
    results = _fetch_all(Fetcher(store, QUICK), server, paths)
    outcome = {path: (r.status, r.http_status, r.error) for path, r in results.items()}
    assert outcome == {
        "/report": ("fetched", 200, None),
        "/flaky": ("fetched", 200, None),
        "/busy": ("fetched", 200, None),
        "/slow": ("error", None, "timed out after 0.5 s"),
        "/chain/3": ("fetched", 200, None),
        "/loop": ("error", None, "too many redirects (6)"),
        "/gbk": ("fetched", 200, None),
        "/big": ("error", 200, "body over the 64 KiB limit"),
        "/big-unsized": ("error", 200, "body over the 64 KiB limit"),
        "/missing": ("error", 404, "HTTP 404"),
    }
    report = results["/report"]
    assert store.get(report.sha256) == REPORT.encode() and report.size == len(REPORT.encode())
    assert report.etag and report.last_modified == LAST_MODIFIED and report.content_type.startswith("text/html")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report.fetched_at)
    gbk = results["/gbk"]
    assert store.get(gbk.sha256) == GBK_TEXT.encode("gbk") and gbk.content_type == "text/html; charset=gbk"
    assert results["/chain/3"].final_url == server.url("/page")
    assert server.paths().count("/flaky") == 2 and server.paths().count("/loop") == 6
    busy = [s.at for s in server.seen if s.path == "/busy"]
    assert len(busy) == 2 and 0.9 <= busy[1] - busy[0] < 3, "Retry-After: 1 is honoured"
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(stored) == 5, "the five bodies fetched, nothing of the oversized ones"


def test_retry_after_is_capped(server, tmp_path):
    fetcher = Fetcher(RawStore(str(tmp_path)), replace(QUICK, max_retry_after=0.2))
    result = fetcher.fetch(server.url("/throttled"), allow_private=True)
    throttled = [s.at for s in server.seen]
    assert result.status == "fetched" and len(throttled) == 2 and throttled[1] - throttled[0] < 1.5


def test_rerun_with_the_previous_results_downloads_nothing(server, tmp_path):
    store = RawStore(str(tmp_path))
    paths = ["/report", "/gbk", "/chain/3", "/missing"]
    first = _fetch_all(Fetcher(store, QUICK), server, paths)
    latest = {r.url: asdict(r) for r in first.values() if r.status != "error"}
    bodies = server.bodies.copy()
    for run in range(2):  # the not_modified rows keep the validators, so a third run is conditional too
        server.seen.clear()
        again = _fetch_all(Fetcher(store, QUICK, previous=latest), server, paths)
        latest = {r.url: asdict(r) for r in again.values() if r.status != "error"}
        for path in ("/report", "/gbk", "/chain/3"):
            assert (again[path].status, again[path].http_status) == ("not_modified", 304), (run, path)
            assert (again[path].sha256, again[path].size, again[path].final_url) == (
                first[path].sha256, first[path].size, first[path].final_url)
            assert again[path].etag == first[path].etag
        assert again["/missing"].error == "HTTP 404"
        assert server.bodies == bodies, "nothing downloaded again"
        conditional = {s.path for s in server.seen if "If-None-Match" in s.headers and "If-Modified-Since" in s.headers}
        assert conditional == {"/report", "/gbk", "/page"}, "only the hop that served the body is conditional"


def test_a_missing_raw_object_is_downloaded_again(server, tmp_path):
    first = Fetcher(RawStore(str(tmp_path / "a")), QUICK).fetch(server.url("/report"), allow_private=True)
    fresh_store = RawStore(str(tmp_path / "b"))
    again = Fetcher(fresh_store, QUICK, previous={first.url: asdict(first)}).fetch(first.url, allow_private=True)
    assert again.status == "fetched" and fresh_store.get(again.sha256) == REPORT.encode()
    assert "If-None-Match" not in server.seen[-1].headers


def test_per_host_delay_spaces_requests_and_retries(server, tmp_path):
    fetcher = Fetcher(RawStore(str(tmp_path)), replace(QUICK, per_host_delay=0.4))
    for path in ("/flaky", "/page"):
        assert fetcher.fetch(server.url(path), allow_private=True).status == "fetched"
    assert server.paths() == ["/flaky", "/flaky", "/page"]
    assert all(later.at - earlier.at >= 0.35 for earlier, later in pairwise(server.seen))


def test_user_agent_names_the_project(server, tmp_path):
    Fetcher(RawStore(str(tmp_path)), QUICK).fetch(server.url("/page"), allow_private=True)
    assert server.seen[0].headers["User-Agent"].startswith("ogi-reports/")


BAD_URLS = [
    ("ftp://example.org/report.html", "unsupported scheme ftp"),
    ("file:///etc/passwd", "unsupported scheme file"),
    ("http:///report.html", "no host in URL"),
    ("http://[::1/report.html", "invalid URL: Failed to parse: '[::1' is not a valid host or port"),
    ("http://127.0.0.1:8080\\@8.8.8.8/x", "refused: a backslash in the URL (parsers disagree on where its host ends)"),
    ("http://user:secret@8.8.8.8/x", "refused: credentials in the URL"),
]


@loopback_only  # names public addresses: no packet may leave the machine if a check were wrong
def test_bad_urls_are_refused_without_a_request(tmp_path):
    for url, error in BAD_URLS:
        result = Fetcher(RawStore(str(tmp_path)), QUICK).fetch(url, allow_private=True)
        assert (result.status, result.error) == ("error", error), url


def test_loopback_is_refused_by_default(server, tmp_path):
    result = Fetcher(RawStore(str(tmp_path)), QUICK).fetch(server.url("/page"))
    assert (result.status, result.error) == ("error", "refused: 127.0.0.1 is a loopback address")
    assert server.seen == []


def test_every_redirect_hop_is_checked(server, tmp_path):
    def only_127(host: str) -> list[str]:
        if host != "127.0.0.1":
            raise Refused(f"refused: {host} is not on the list")
        return ["127.0.0.1"]

    fetcher = Fetcher(RawStore(str(tmp_path)), QUICK, resolver=only_127)
    result = fetcher.fetch(server.url("/to-localhost"), allow_private=True)
    assert (result.status, result.error) == ("error", "refused: localhost is not on the list")
    assert result.final_url == server.url("/page", host="localhost")
    assert server.paths() == ["/to-localhost"]


ADDRESSES = [
    ("10.1.2.3", "refused: 10.1.2.3 is a private address"),
    ("169.254.169.254", "refused: 169.254.169.254 is a link-local address"),
    ("224.0.0.1", "refused: 224.0.0.1 is a multicast address"),
    ("0.0.0.0", "refused: 0.0.0.0 is an unspecified address"),
    ("240.0.0.1", "refused: 240.0.0.1 is a reserved address"),
    ("100.64.0.1", "refused: 100.64.0.1 is not a public address"),
    ("::1", "refused: ::1 is a loopback address"),
    ("::ffff:127.0.0.1", "refused: 127.0.0.1 is a loopback address"),
    ("8.8.8.8", None),
]


@loopback_only
def test_address_check():
    for host, reason in ADDRESSES:
        assert check_address(host, allow_private=False) == reason, host
        assert check_address(host, allow_private=True) is None, host


def test_connection_refused_is_one_line(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = Fetcher(RawStore(str(tmp_path)), replace(QUICK, retries=1))
    result = fetcher.fetch(f"http://127.0.0.1:{port}/", allow_private=True)
    assert result.status == "error" and result.error.startswith("connection failed: ")
    assert "refused" in result.error.lower() and "\n" not in result.error and "Max retries" not in result.error


def test_raw_store_round_trip_and_no_overwrite(tmp_path):
    store = RawStore(str(tmp_path))
    sha = store.put(b"report bytes")
    assert sha == hashlib.sha256(b"report bytes").hexdigest() and store.get(sha) == b"report bytes"
    assert store.exists(sha) and not store.exists("0" * 64)
    path = tmp_path / "raw" / sha[:2] / sha
    before = os.stat(path)
    assert store.put(b"report bytes") == sha
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    store.put(b"other bytes")
    names = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert all(re.fullmatch(r"raw/([0-9a-f]{2})/\1[0-9a-f]{62}", n) for n in names) and len(names) == 2


def test_raw_store_takes_any_fsspec_url():
    store = RawStore(f"memory://ogi-test-{os.getpid()}-{time.monotonic_ns()}")
    sha = store.put("年度报告".encode())
    assert store.get(sha) == "年度报告".encode() and store.exists(sha)
