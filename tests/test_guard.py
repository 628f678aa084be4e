"""The fetcher cannot be steered inside: one parser, every spelling of a private address, no
second resolution, a total deadline per request, verified raw objects."""

import socket
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ogi.acquire.fetch import Fetcher, FetchPolicy, RawStore, RawStoreCorrupt
from tests.conftest import loopback_only

QUICK = FetchPolicy(per_host_delay=0.0, retries=0, backoff=0.0, connect_timeout=2.0, read_timeout=2.0)


class _Secret(BaseHTTPRequestHandler):
    """An internal service: answers every request, and remembers that it was reached."""

    reached: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Secret.reached.append(self.path)
        if self.path.startswith("/trickle"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
            return
        body = b"internal secret"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def secret():
    _Secret.reached = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Secret)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


SPELLINGS = [
    "127.0.0.1:{port}\\@8.8.8.8",  # checked as 8.8.8.8 by one parser, sent to 127.0.0.1 by another
    "2130706433:{port}", "0x7f.0.0.1:{port}", "0177.0.0.1:{port}", "127.1:{port}",  # decimal, hex, octal, short
    "[::ffff:127.0.0.1]:{port}", "[::1]:{port}", "localhost.:{port}", "LOCALHOST:{port}",
    "8.8.8.8@127.0.0.1:{port}", "user:pw@127.0.0.1:{port}",  # userinfo
]


@loopback_only
def test_every_spelling_of_an_internal_address_is_refused(tmp_path, secret):
    fetcher = Fetcher(RawStore(str(tmp_path)), QUICK)
    for spelling in SPELLINGS:
        result = fetcher.fetch(f"http://{spelling.format(port=secret)}/x")
        assert result.status == "error" and result.error.startswith(("refused: ", "cannot resolve")), (spelling,
                                                                                                       result.error)
    assert _Secret.reached == []


@loopback_only
def test_a_name_that_answers_differently_the_second_time_is_not_asked_again(tmp_path, secret, monkeypatch):
    """DNS rebinding: the check sees a public address, a second lookup would give loopback."""
    real = socket.getaddrinfo
    answers = iter(["8.8.8.8"] + ["127.0.0.1"] * 10)

    def rebinding(host, *args, **kwargs):
        if host != "rebind.example":
            return real(host, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), args[0] if args else 0))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    result = Fetcher(RawStore(str(tmp_path)), QUICK).fetch(f"http://rebind.example:{secret}/x")
    assert result.status == "error"  # the checked address (8.8.8.8) cannot be reached in here
    assert _Secret.reached == []


def test_a_trickling_server_cannot_hold_a_fetch_past_its_deadline(tmp_path, secret):
    policy = replace(QUICK, deadline=1.5, read_timeout=5.0)
    started = time.monotonic()
    result = Fetcher(RawStore(str(tmp_path)), policy).fetch(f"http://127.0.0.1:{secret}/trickle", allow_private=True)
    took = time.monotonic() - started
    assert (result.status, result.error) == ("error", "took longer than the 1.5 s deadline")
    assert took < 5  # not 100000 × 0.05 s, nor one read timeout per byte


def test_a_damaged_raw_object_is_refused_and_dropped(tmp_path):
    store = RawStore(str(tmp_path))
    sha = store.put(b"the report as downloaded")
    path = next(p for p in tmp_path.rglob(sha))
    path.write_bytes(b"the report as downloaded, then truncated or altered")
    with pytest.raises(RawStoreCorrupt, match="damaged"):
        store.get(sha)
    assert not store.exists(sha)  # so the next fetch stores it again


@loopback_only
def test_attachment_links_are_checked_like_every_other_url(tmp_path, secret):
    """A public report page that links its "attachment" on an internal address."""
    from ogi.acquire.found import fetch_report
    from tests.conftest import PUBLIC_HOST

    page = (f'<html><body><h1>示例县2020年政府信息公开工作年度报告</h1>'
            f'<a href="http://127.0.0.1:{secret}/report.pdf">附件：年度报告.pdf</a></body></html>').encode()

    class Public(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    public = ThreadingHTTPServer((PUBLIC_HOST, 0), Public)
    threading.Thread(target=public.serve_forever, daemon=True).start()
    try:
        fetcher = Fetcher(RawStore(str(tmp_path)), QUICK)
        found = list(fetch_report("site", fetcher, fetcher.store, f"http://{PUBLIC_HOST}:{public.server_address[1]}/",
                                  None, 2020, allow_private=False))
    finally:
        public.shutdown()
    page_item, attachment = found[0][0], found[1][0]
    assert page_item is None  # the page only links its report
    assert attachment.status == "fetch_error" and attachment.error == "refused: 127.0.0.1 is a loopback address"
    assert _Secret.reached == []
