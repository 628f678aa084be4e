"""The pipeline on a `urls` source served on 127.0.0.1: fetched, placed by year, re-run quietly."""

import threading
from collections import Counter
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pandas as pd
import pytest

from assets.settings import OgiSettings
from ogi.acquire.catalog import Catalog
from orchestration.run import materialize_year
from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "reports"


class _Counting(SimpleHTTPRequestHandler):
    """Serves the sample corpus; SimpleHTTPRequestHandler answers If-Modified-Since with 304."""

    served: Counter

    def log_message(self, *args):
        pass

    def send_response(self, code, message=None):
        self.served[(self.path, code)] += 1
        super().send_response(code, message)


@pytest.fixture
def site():
    served = Counter()
    handler = partial(type("H", (_Counting,), {"served": served}), directory=str(SAMPLE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_urls_are_fetched_placed_and_not_downloaded_twice(tmp_path, site):
    base, served = site
    registry = tmp_path / "sources.yaml"
    registry.write_text(f"""sources:
  - name: 示例站点
    kind: urls
    allow_private: true
    urls:
      - {base}/000_79a8b3009d0b47ce.txt
      - {base}/002_0e7b839799d88c56.txt
      - {{url: "{base}/004_890802141209736b.txt", publisher: 铜鼓县人民政府办公室, year: 2020}}
      - {base}/synthetic_2022_102.html
      - {{url: "{base}/missing.html", year: 2020}}
      - {base}/also-missing.html
""", encoding="utf-8")
    settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry),
                           waivers=str(tmp_path / "none.yaml"), per_host_delay=0.0, workers=1)
    outcome = materialize_year("2020", settings, dg.DagsterInstance.ephemeral())
    assert outcome.published and outcome.documents == 4
    docs = pd.read_parquet(tmp_path / "data" / "documents").set_index("source_url")
    assert docs.loc[f"{base}/missing.html", "status"] == "fetch_error"
    assert docs.loc[f"{base}/missing.html", "error"] == "HTTP 404"
    assert (docs.drop(index=f"{base}/missing.html")["status"] == "ok").all()
    assert f"{base}/synthetic_2022_102.html" not in docs.index  # a 2022 report: not this partition
    assert docs.loc[f"{base}/000_79a8b3009d0b47ce.txt", "publisher"] == "宿松县人民政府"
    assert served[("/000_79a8b3009d0b47ce.txt", 200)] == 1

    again = materialize_year("2020", settings, dg.DagsterInstance.ephemeral())
    assert again.published
    assert served[("/000_79a8b3009d0b47ce.txt", 200)] == 1  # unchanged: nothing downloaded again
    assert served[("/000_79a8b3009d0b47ce.txt", 304)] == 1
    catalog = {r["url"]: r for r in Catalog(str(tmp_path / "data")).documents(["示例站点"])}
    assert catalog[f"{base}/000_79a8b3009d0b47ce.txt"]["last_attempt"].startswith("not modified")
    assert catalog[f"{base}/also-missing.html"]["error"] == "HTTP 404"
    rerun = pd.read_parquet(tmp_path / "data" / "documents")
    ok = rerun["status"] == "ok"  # a failed fetch records its latest attempt; everything else is unchanged
    assert set(rerun[ok]["last_attempt"]) == {"not modified since the stored download (HTTP 304)"}
    attempt = ["last_attempt_at", "last_attempt"]
    pd.testing.assert_frame_equal(docs.reset_index()[ok.values].drop(columns=attempt), rerun[ok].drop(columns=attempt),
                                  check_like=True)


def test_private_address_is_refused_without_allow_private(tmp_path, site):
    base, served = site
    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{name: x, kind: urls, urls: [{{url: '{base}/000_79a8b3009d0b47ce.txt', "
                        "year: 2020}]}\n", encoding="utf-8")
    settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry),
                           waivers=str(tmp_path / "none.yaml"), per_host_delay=0.0, workers=1)
    materialize_year("2020", settings, dg.DagsterInstance.ephemeral())
    docs = pd.read_parquet(tmp_path / "data" / "documents")
    assert docs["status"].tolist() == ["fetch_error"]
    assert "loopback" in docs["error"].iloc[0]
    assert sum(served.values()) == 0  # no request was made


@pytest.fixture
def attachment_site(tmp_path):
    """A page that only links its report (a PDF), another that links a DOCX, one with tables."""
    from ogi.testing import random_report, render_docx, render_html, render_pdf

    root = tmp_path / "site"
    (root / "files").mkdir(parents=True)
    pdf_report, docx_report = random_report(31, "2021", 2023), random_report(32, "2021", 2023)
    (root / "files" / "nb2023.pdf").write_bytes(render_pdf(pdf_report))
    (root / "files" / "nb2023.docx").write_bytes(render_docx(docx_report))
    (root / "a.html").write_text('<html><body><h1>2023年政府信息公开工作年度报告</h1>'
                                 '<p>附件：<a href="files/nb2023.pdf">下载</a></p></body></html>', encoding="utf-8")
    (root / "b.html").write_text('<html><body><p><a href="/files/nb2023.docx?v=1">年报附件</a>'
                                 '<a href="http://127.0.0.1:9/elsewhere.txt">其他</a></p></body></html>',
                                 encoding="utf-8")
    with_tables = random_report(33, "2021", 2023)
    (root / "c.html").write_text(render_html(with_tables), encoding="utf-8")
    served = Counter()
    handler = partial(type("H", (_Counting,), {"served": served}), directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", (pdf_report, docx_report, with_tables)
    server.shutdown()
    server.server_close()


def test_pages_that_only_link_their_report_are_read_from_the_attachment(tmp_path, attachment_site):
    base, (pdf_report, docx_report, with_tables) = attachment_site
    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{name: s, kind: urls, allow_private: true, urls: "
                        f"['{base}/a.html', '{base}/b.html', '{base}/c.html']}}\n", encoding="utf-8")
    settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry),
                           waivers=str(tmp_path / "none.yaml"), per_host_delay=0.0, workers=1)
    assert materialize_year("2023", settings, dg.DagsterInstance.ephemeral()).published
    docs = pd.read_parquet(tmp_path / "data" / "documents").set_index("source_url")
    assert sorted(docs.index) == [f"{base}/c.html", f"{base}/files/nb2023.docx?v=1", f"{base}/files/nb2023.pdf"]
    assert docs.loc[f"{base}/files/nb2023.pdf", "publisher"] == pdf_report.publisher
    cells = pd.read_parquet(tmp_path / "data" / "cells")
    for url, report in ((f"{base}/files/nb2023.docx?v=1", docx_report), (f"{base}/c.html", with_tables)):
        got = cells[cells["doc_id"] == docs.loc[url, "doc_id"]]
        assert got.set_index(["table", "row", "column"])["value"].to_dict() == pytest.approx(report.values)
