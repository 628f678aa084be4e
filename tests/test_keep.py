"""Re-runs keep what an outage hid: a published document is removed only on purpose."""

import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pandas as pd
import pytest

from assets.settings import OgiSettings
from orchestration.run import materialize_year
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # every test runs the pipeline twice or more

SAMPLE = ROOT / "samples" / "reports"
REPORTS = ["000_79a8b3009d0b47ce.txt", "002_0e7b839799d88c56.txt", "004_890802141209736b.txt"]  # the 2020 ones


class _Flaky(SimpleHTTPRequestHandler):
    """Serves the sample corpus, except the paths told to fail (with their status)."""

    failing: dict[str, int] = {}

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path in self.failing:
            self.send_error(self.failing[self.path])
            return
        super().do_GET()


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "www"
    shutil.copytree(SAMPLE, folder)
    _Flaky.failing = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: _Flaky(*a, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _run(tmp_path, base: str, withdrawn: str = "") -> tuple:
    registry = tmp_path / "sources.yaml"
    urls = "\n".join(f"      - {base}/{name}" for name in REPORTS)  # no year hints: read from the content
    registry.write_text(f"sources:\n  - name: site\n    kind: urls\n    allow_private: true\n    urls:\n{urls}\n",
                        encoding="utf-8")
    (tmp_path / "withdrawn.yaml").write_text(withdrawn or "withdrawn: []\n", encoding="utf-8")
    settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry), per_host_delay=0.0,
                           waivers=str(tmp_path / "none.yaml"), withdrawn=str(tmp_path / "withdrawn.yaml"),
                           workers=1, read_timeout=2.0, retries=0)
    outcome = materialize_year("2020", settings, dg.DagsterInstance.ephemeral())
    return outcome, pd.read_parquet(tmp_path / "data" / "documents").set_index("source_url")


def test_a_report_that_fails_once_stays_published_with_the_failed_attempt_beside_it(tmp_path, site):
    first, docs = _run(tmp_path, site)
    assert first.published and len(docs) == 3
    cells_before = pd.read_parquet(tmp_path / "data" / "cells")
    _Flaky.failing = {f"/{REPORTS[0]}": 404, f"/{REPORTS[1]}": 503}
    again, kept = _run(tmp_path, site)
    assert again.published and len(kept) == 3 and (kept["status"] == "ok").all()
    assert kept.loc[f"{site}/{REPORTS[0]}", "last_attempt"] == "HTTP 404"
    assert kept.loc[f"{site}/{REPORTS[1]}", "last_attempt"].startswith("HTTP 503")
    assert kept.loc[f"{site}/{REPORTS[2]}", "last_attempt"].startswith("not modified")
    for column in ("doc_id", "content_sha256", "fetched_at", "publisher"):
        assert (kept[column].sort_index() == docs[column].sort_index()).all(), column  # the same stored document
    order = ["doc_id", "table", "row", "column"]
    pd.testing.assert_frame_equal(cells_before.sort_values(order).reset_index(drop=True),
                                  pd.read_parquet(tmp_path / "data" / "cells").sort_values(order).reset_index(drop=True))


def test_a_year_whose_sources_all_fail_is_not_republished(tmp_path, site):
    _run(tmp_path, site)
    published = {p: p.read_bytes() for p in (tmp_path / "data").glob("*/year=2020/part-0.parquet")}
    _Flaky.failing = {f"/{name}": 500 for name in REPORTS}
    outcome, _ = _run(tmp_path, site)
    assert not outcome.published and "no source gave a document in this run" in outcome.error
    assert {p: p.read_bytes() for p in published} == published


def test_removing_a_document_is_an_explicit_act(tmp_path, site):
    _run(tmp_path, site)
    _Flaky.failing = {f"/{REPORTS[0]}": 404}
    outcome, docs = _run(tmp_path, site, withdrawn=f"withdrawn:\n  - {{source_url: '{site}/{REPORTS[0]}', "
                                                    "reason: the agency replaced it with a corrected report}\n")
    assert outcome.published and f"{site}/{REPORTS[0]}" not in docs.index and len(docs) == 2


def _files_run(tmp_path, folder):
    registry = tmp_path / "files.yaml"
    registry.write_text(f"sources:\n  - {{name: folder, kind: files, path: '{folder}'}}\n", encoding="utf-8")
    settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry),
                           waivers=str(tmp_path / "none.yaml"), withdrawn=str(tmp_path / "none.yaml"), workers=1)
    return materialize_year("2020", settings, dg.DagsterInstance.ephemeral())


def test_a_missing_folder_does_not_empty_the_year(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in REPORTS:
        shutil.copy(SAMPLE / name, folder)
    assert _files_run(tmp_path, folder).published
    shutil.rmtree(folder)
    outcome = _files_run(tmp_path, folder)
    assert not outcome.published and "no source gave a document" in outcome.error
    assert len(pd.read_parquet(tmp_path / "data" / "documents")) == 3


def test_an_oversized_file_is_refused_before_it_is_read_and_a_gbk_file_name_is_kept(tmp_path):
    import os

    folder = tmp_path / "reports"
    folder.mkdir()
    for name in REPORTS:
        shutil.copy(SAMPLE / name, folder)
    with open(folder / "huge.txt", "wb") as handle:  # sparse: 2 GiB on paper, nothing on disk
        handle.truncate(2 * 2**30)
    gbk = os.fsencode(folder) + b"/" + "平潭2020年报.txt".encode("gbk")
    with open(gbk, "wb") as handle:
        handle.write((SAMPLE / REPORTS[0]).read_bytes().replace("宿松县".encode(), "平潭县".encode()))
    outcome = _files_run(tmp_path, folder)
    assert outcome.published, outcome.error
    docs = pd.read_parquet(tmp_path / "data" / "documents")
    assert len(docs) == 4 and any("\\xc4" in url for url in docs["source_url"])
    raw = sum(p.stat().st_size for p in (tmp_path / "data" / "raw").rglob("*") if p.is_file())
    assert raw < 10 * 2**20  # the 2 GiB file was never copied into the store
