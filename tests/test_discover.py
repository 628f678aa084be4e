"""Discovery on a small fake government site on 127.0.0.1, in three CMS styles."""

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pandas as pd
import pytest

from assets.settings import OgiSettings
from ogi.testing import random_report, render_docx, render_html, render_pdf
from orchestration.run import materialize_year
from tests.conftest import ROOT


def _report(seed: int, publisher: str, year: int = 2022) -> tuple:
    report = random_report(seed, "2021", year)
    report.publisher = publisher
    return report


class Site:
    """Pages by path (with query); ETags for conditional requests; every request counted."""

    def __init__(self):
        self.pages: dict[str, tuple[int, dict, bytes]] = {}
        self.requests = Counter()
        self.bodies = Counter()
        handler = type("H", (_Handler,), {"site": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, body: bytes, status: int = 200, **headers):
        self.pages[path] = (status, headers, body)


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.site.requests[self.path] += 1
        status, headers, body = self.site.pages.get(self.path, (404, {}, b"not found"))
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        if status == 200:
            self.send_header("ETag", etag)
            self.site.bodies[self.path] += 1
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _list_page(links: list[tuple[str, str]], more: str = "", charset: str = "utf-8") -> bytes:
    items = "".join(f'<li><a href="{href}" title="{title}">{title[:12]}…</a></li>' for href, title in links)
    page = (f'<html><head><meta charset="{charset}"><title>政府信息公开年报</title></head><body>'
            f'<div class="nav"><a href="/">首页</a><a href="/xxgk/">信息公开</a></div>'
            f"<ul>{items}</ul>{more}</body></html>")
    return page.encode(charset)


@pytest.fixture
def site():
    s = Site()
    reports = {
        "a1": _report(41, "示例县人民政府"), "a2": _report(42, "示例县教育局"), "b_pdf": _report(43, "示例区人民政府"),
        "b_redirect": _report(44, "示例区司法局"), "b_docx": _report(45, "示例区审计局"), "c1": _report(46, "示例镇人民政府"),
        "old": _report(47, "示例县人民政府", 2021),
    }
    html = "text/html; charset=utf-8"
    # Style A: UTF-8, index.html / index_1.html, relative and absolute links, a broken link
    s.add("/a/zfxxgknb/index.html", _list_page([
        ("./202301/t20230120_1.html", "示例县人民政府2022年政府信息公开工作年度报告"),
        ("./202201/t20220118_9.html", "示例县人民政府2021年政府信息公开工作年度报告"),
        ("/a/zwgk/notice.html", "关于做好政务公开工作的通知"),
    ], more='<a href="index_1.html">下一页</a>'), Content_Type=html)
    s.add("/a/zfxxgknb/index_1.html", _list_page([
        (f"{s.base}/a/zfxxgknb/202302/t20230201_3.html", "示例县教育局2022年政府信息公开年报"),
        ("202303/missing.html", "示例县财政局2022年政府信息公开工作年度报告"),
    ]), Content_Type=html)
    s.add("/a/zfxxgknb/202301/t20230120_1.html", render_html(reports["a1"]).encode(), Content_Type=html)
    s.add("/a/zfxxgknb/202302/t20230201_3.html", render_html(reports["a2"]).encode(), Content_Type=html)
    s.add("/a/zfxxgknb/202201/t20220118_9.html", render_html(reports["old"]).encode(), Content_Type=html)
    # Style B: GBK, ?page=N, a page that only links a PDF, a redirect, a page linking a DOCX
    s.add("/b/list.jsp?page=1", _list_page([
        ("content.jsp?id=11", "示例区人民政府2022年度政府信息公开工作年度报告"),
        ("content.jsp?id=12", "示例区司法局2022年政府信息公开工作年度报告"),
    ], more='<a href="list.jsp?page=2">2</a>', charset="gbk"), Content_Type="text/html; charset=gbk")
    s.add("/b/list.jsp?page=2", _list_page([("content.jsp?id=14", "示例区审计局2022年信息公开年报")], charset="gbk"),
          Content_Type="text/html; charset=gbk")
    s.add("/b/content.jsp?id=11", '<html><body><p>附件：<a href="files/nb2022.pdf">年报</a></p></body></html>'
          .encode("gbk"), Content_Type="text/html; charset=gbk")
    s.add("/b/files/nb2022.pdf", render_pdf(reports["b_pdf"]), Content_Type="application/pdf")
    s.add("/b/content.jsp?id=12", b"", 302, Location="/b/content.jsp?id=13")
    s.add("/b/content.jsp?id=13", render_html(reports["b_redirect"]).encode("gbk").replace(b"utf-8", b"gbk"),
          Content_Type="text/html; charset=gbk")
    s.add("/b/content.jsp?id=14", '<html><body><a href="/b/files/sj2022.docx">下载</a></body></html>'.encode(),
          Content_Type=html)
    s.add("/b/files/sj2022.docx", render_docx(reports["b_docx"]))
    # Style C: Traditional titles in a table, robots.txt forbids /c/private/, a link to another site
    s.add("/c/col/col123/index.html", ('<html><head><meta charset="utf-8"></head><body><table>'
          '<tr><td><a href="/c/art/2023/1/1/art_1.html">示例鎮人民政府2022年政府信息公開工作年度報告</a></td></tr>'
          '<tr><td><a href="/c/private/art_2.html">示例鎮人民政府2022年政府信息公開工作年度報告（內部）</a></td></tr>'
          '<tr><td><a href="http://203.0.113.9/nb2022.html">友鄰縣2022年政府信息公開工作年度報告</a></td></tr>'
          "</table></body></html>").encode(), Content_Type=html)
    s.add("/c/art/2023/1/1/art_1.html", render_html(reports["c1"]).encode(), Content_Type=html)
    s.add("/c/private/art_2.html", render_html(reports["c1"]).encode(), Content_Type=html)
    s.add("/robots.txt", b"User-agent: *\nDisallow: /c/private/\n", Content_Type="text/plain")
    thread = threading.Thread(target=s.server.serve_forever, daemon=True)
    thread.start()
    yield s, reports
    s.server.shutdown()
    s.server.server_close()


def _registry(tmp_path, base: str):
    path = tmp_path / "sources.yaml"
    path.write_text(f"""sources:
  - {{name: 示例县, kind: listing, url: "{base}/a/zfxxgknb/index.html", allow_private: true}}
  - {{name: 示例区, kind: listing, url: "{base}/b/list.jsp?page=1", allow_private: true}}
  - {{name: 示例镇, kind: listing, url: "{base}/c/col/col123/index.html", allow_private: true, max_pages: 5}}
""", encoding="utf-8")
    return path


@pytest.mark.slow
def test_discover_command_lists_the_years_reports(tmp_path, site):
    s, _ = site
    env = {**os.environ, "OGI_DATA": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-m", "orchestration.cli", "discover", "--sources",
                          str(_registry(tmp_path, s.base)), "--year", "2022"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    found = [json.loads(line) for line in out.stdout.splitlines()]
    assert {f["url"].replace(s.base, "") for f in found} == {
        "/a/zfxxgknb/202301/t20230120_1.html", "/a/zfxxgknb/202302/t20230201_3.html", "/a/zfxxgknb/202303/missing.html",
        "/b/content.jsp?id=11", "/b/content.jsp?id=12", "/b/content.jsp?id=14", "/c/art/2023/1/1/art_1.html"}
    assert all(f["year"] == 2022 and f["title"] for f in found)
    by_url = {f["url"].replace(s.base, ""): f for f in found}
    assert by_url["/c/art/2023/1/1/art_1.html"]["publisher"] == "示例镇人民政府"  # Traditional title read
    assert by_url["/b/content.jsp?id=14"]["source"] == "示例区"
    assert "robots.txt forbids" in out.stderr and "/c/private/art_2.html" in out.stderr
    assert s.requests["/c/private/art_2.html"] == 0


@pytest.mark.slow
def test_pipeline_discovers_fetches_and_extracts_the_year(tmp_path, site):
    s, reports = site
    settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(_registry(tmp_path, s.base)),
                           waivers=str(tmp_path / "none.yaml"), per_host_delay=0.0, workers=1)
    outcome = materialize_year("2022", settings, dg.DagsterInstance.ephemeral())
    assert outcome.published, outcome
    docs = pd.read_parquet(tmp_path / "data" / "documents")
    docs["path"] = docs["source_url"].str.replace(s.base, "")
    assert sorted(docs["path"]) == sorted([
        "/a/zfxxgknb/202301/t20230120_1.html", "/a/zfxxgknb/202302/t20230201_3.html",
        "/a/zfxxgknb/202303/missing.html", "/b/files/nb2022.pdf", "/b/content.jsp?id=12", "/b/files/sj2022.docx",
        "/c/art/2023/1/1/art_1.html"])
    status = dict(zip(docs["path"], docs["status"], strict=True))
    assert status.pop("/a/zfxxgknb/202303/missing.html") == "fetch_error"
    assert set(status.values()) == {"ok"}
    cells = pd.read_parquet(tmp_path / "data" / "cells")
    expected = {"/b/files/nb2022.pdf": "b_pdf", "/b/content.jsp?id=12": "b_redirect", "/b/files/sj2022.docx": "b_docx",
                "/c/art/2023/1/1/art_1.html": "c1", "/a/zfxxgknb/202301/t20230120_1.html": "a1"}
    for path, key in expected.items():
        doc_id = docs.loc[docs["path"] == path, "doc_id"].iloc[0]
        got = cells[cells["doc_id"] == doc_id].set_index(["table", "row", "column"])["value"].to_dict()
        assert got == pytest.approx(reports[key].values), path
    assert s.requests["/a/zfxxgknb/202201/t20220118_9.html"] == 1  # a 2021 report: in the catalog, not this year
    assert "/a/zfxxgknb/202201/t20220118_9.html" not in set(docs["path"])
    assert s.requests["/c/private/art_2.html"] == 0
    bodies = dict(s.bodies)

    again = materialize_year("2022", settings, dg.DagsterInstance.ephemeral())
    assert again.published
    assert dict(s.bodies) == bodies  # nothing new: every page answered 304
    attempt = ["path", "last_attempt_at", "last_attempt"]  # only when and what this run asked differ
    pd.testing.assert_frame_equal(docs.drop(columns=attempt)[docs["status"] == "ok"].reset_index(drop=True),
                                  pd.read_parquet(tmp_path / "data" / "documents").query("status == 'ok'")
                                  .drop(columns=attempt[1:]).reset_index(drop=True))
