"""The classic hostile inputs: entity bombs, external entities, deep nesting, compression bombs,
endless streams and pagination that never ends. Each ends in its own record or result."""

import functools
import gzip
import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ogi.acquire.discover import discover
from ogi.acquire.fetch import Fetcher, FetchPolicy, RawStore
from ogi.acquire.sources import load_sources
from ogi.report import extract_report
from ogi.testing import random_report, render_docx

QUICK = FetchPolicy(per_host_delay=0.0, retries=0, backoff=0.0, connect_timeout=2.0, read_timeout=2.0, deadline=10.0)
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)) + "]>")


def _docx_with(document_xml: bytes) -> bytes:
    """A real DOCX whose word/document.xml is replaced."""
    source = zipfile.ZipFile(io.BytesIO(render_docx(random_report(3))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item, document_xml if item.filename == "word/document.xml" else source.read(item))
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_billion_laughs_in_a_docx_is_not_expanded():
    xml = f'<?xml version="1.0"?>{LAUGHS}<w:document {W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    started = time.monotonic()
    record = extract_report(_docx_with(xml.encode()), "laughs.docx")
    assert time.monotonic() - started < 10 and record["cells"] is None and record["error"]


def test_billion_laughs_in_html_is_not_expanded():
    page = f"{LAUGHS}<html><body><p>&lol9;</p></body></html>".encode()
    record = extract_report(page, "laughs.html")
    assert record["error"] and "lollollol" not in str(record)


def test_an_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>'
           f'<w:document {W}><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>')
    for data, name in ((_docx_with(xml.encode()), "xxe.docx"), (xml.encode(), "xxe.html")):
        assert "TOP-SECRET-VALUE" not in str(extract_report(data, name))


def test_a_hundred_thousand_deep_nesting_is_one_clear_error():
    page = ("<html><body>" + "<div>" * 100_000 + "政府信息公开工作年度报告" + "</div>" * 100_000 + "</body></html>").encode()
    record = extract_report(page, "deep.html")
    assert record["cells"] is None and record["error"]


@functools.cache
def _bomb() -> bytes:
    """200 MiB of zeros in about 200 KB, made once before the server answers (making it takes
    seconds on a busy machine, longer than the client's read timeout)."""
    return gzip.compress(b"\0" * (200 * 2**20), compresslevel=9)


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/gzip-bomb":
            body = _bomb()
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/endless":
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass  # the client gave up, as it should
        else:  # a list page whose "next page" is itself, under ever new names
            n = int(self.path.rsplit("_", 1)[-1].split(".")[0]) if "_" in self.path else 0
            body = (f'<html><body><a href="index_{n + 1}.html">下一页</a><a href="/index.html">下一页</a>'
                    f'<a href="{self.path}">下一页</a></body></html>').encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture
def hostile():
    _bomb()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize("path", ["/gzip-bomb", "/endless"])
def test_a_compression_bomb_or_an_endless_body_stops_at_the_size_limit(tmp_path, hostile, path):
    result = Fetcher(RawStore(str(tmp_path)), QUICK).fetch(f"{hostile}{path}", allow_private=True)
    assert (result.status, result.error) == ("error", "body over the 20 MiB limit")
    assert not (tmp_path / "raw").exists() or not any(p.is_file() for p in (tmp_path / "raw").rglob("*"))


def test_pagination_that_links_itself_forever_stops_at_the_page_budget(tmp_path, hostile):
    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{name: s, kind: listing, url: '{hostile}/index.html', allow_private: true, "
                        "max_pages: 7}\n", encoding="utf-8")
    (source,) = load_sources(registry)
    requests = []
    found = discover(source, Fetcher(RawStore(str(tmp_path)), QUICK), 2022, log=lambda _: None,
                     record=requests.append)
    pages = [r for r in requests if not r.url.endswith("robots.txt")]
    assert found == [] and len(pages) == 7
