"""Data Docs that open: no CDN, static files once per storage root, the run's results listed,
`ogi docs` serving them, a real browser drawing them styled."""

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import fsspec
import lxml.html
import pytest

from expectations import CHECKS
from expectations.data_docs import CDN, DOCS_URL, VENDORED, local_docs, publish_static, rewrite_page
from orchestration.run import materialize_year
from tests.conftest import ROOT, loopback_only
from tests.test_pipeline import _settings

REMOTE = re.compile(r"^(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    """2021 of the bundled sample through the gate (held back by t3_balance): its Data Docs."""
    root = tmp_path_factory.mktemp("data")
    instance = dg.DagsterInstance.ephemeral()
    materialize_year("2021", _settings(root), instance)
    return root / "data_docs", instance


def _pages(folder: Path) -> list[Path]:
    pages = sorted(folder.rglob("*.html"))
    assert pages
    return pages


def _loaded(page: Path) -> list[str]:
    """src/href of every tag that loads something: stylesheets, icons, scripts, images."""
    tree = lxml.html.parse(str(page)).getroot()
    return [v for el in tree.iter("link", "script", "img") for v in (el.get("src"), el.get("href")) if v]


def test_no_page_loads_anything_from_the_network(docs):
    folder, _ = docs
    for page in _pages(folder):
        remote = [v for v in _loaded(page) if REMOTE.match(v)]
        assert not remote, f"{page.relative_to(folder)} loads {remote}"
        assert not re.search(r"url\(\s*['\"]?https?:", page.read_text(encoding="utf-8")), page


def test_every_relative_reference_resolves(docs):
    folder, _ = docs
    for page in _pages(folder):
        for value in _loaded(page):
            if value.startswith(("#", "data:")):
                continue
            target = (page.parent / urlsplit(value).path).resolve()
            assert target.is_file(), f"{page.relative_to(folder)}: {value}"
            assert target.is_relative_to(folder.resolve())
    for css in (folder / "static").rglob("*.css"):  # fonts of the vendored CSS (.ttf: fallbacks left out)
        for value in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if not value.startswith("data:") and not value.endswith(".ttf"):
                assert (css.parent / urlsplit(value).path).is_file(), f"{css}: {value}"


def test_static_files_are_written_once_per_root(docs):
    folder, _ = docs
    assert (folder / "static" / "MANIFEST").is_file() and (folder / "static" / "jquery-3.7.1" / "LICENSE.txt").is_file()
    for year in folder.glob("year=*"):
        assert not (year / "static").exists()
        assert not [p for p in year.rglob("*") if p.suffix in (".css", ".js", ".woff2", ".png", ".ico", ".gif")]


def test_static_files_are_not_copied_again_when_unchanged(tmp_path):
    fs = fsspec.filesystem("file")
    publish_static(fs, VENDORED, str(tmp_path / "static"))
    manifest = tmp_path / "static" / "MANIFEST"
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "static").rglob("*")}
    publish_static(fs, VENDORED, str(tmp_path / "static"))
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "static").rglob("*")} == before
    (tmp_path / "static" / "jquery-3.7.1" / "dist" / "jquery.min.js").unlink()
    manifest.write_text("stale\n")
    publish_static(fs, VENDORED, str(tmp_path / "static"))
    assert (tmp_path / "static" / "jquery-3.7.1" / "dist" / "jquery.min.js").is_file()


def test_the_year_index_links_one_validation_page_per_suite(docs):
    folder, _ = docs
    index = folder / "year=2021" / "index.html"
    links = [a.get("href") for a in lxml.html.parse(str(index)).getroot().iter("a")
             if (a.get("href") or "").startswith("validations/")]
    assert sorted(link.split("/")[1] for link in links) == sorted(CHECKS)
    assert all((index.parent / link).is_file() for link in links)
    table = index.read_text(encoding="utf-8")  # GX's own table of them, drawn by bootstrap-table
    assert all(f"'_table_row_link_path': '{link}'" in table for link in links)


def test_gate_metadata_links_the_docs_over_http_and_by_path(docs):
    folder, instance = docs
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("validated_reports"), "t3_rules")])
    metadata = next(iter(check.values())).event.dagster_event.event_specific_data.metadata
    assert metadata["data_docs"].value == f"{DOCS_URL}/year=2021/index.html"
    assert Path(metadata["data_docs_path"].value) == folder / "year=2021" / "index.html"


def test_every_cdn_address_of_the_gx_templates_is_vendored_or_dropped():
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    named = set()
    for template in templates.rglob("*"):
        if template.is_file():
            named |= set(re.findall(r'<(?:link|script)\b[^>]*(?:src|href)="(https?://[^"]+)"',
                                    template.read_text(encoding="utf-8", errors="replace")))
    unknown = {u for u in named if u not in CDN and "cdn.jsdelivr.net/npm/vega" not in u}
    assert named and not unknown, f"GX templates load files not vendored in data_docs_static/: {unknown}"
    assert all((VENDORED / local).is_file() for local in CDN.values())
    page = "".join(f'<script src="{u}"></script>' for u in sorted(named))
    assert "http" not in rewrite_page(page, 2)


def test_a_remote_root_is_copied_down_to_be_served():
    fs = fsspec.filesystem("memory")
    fs.pipe("/ogi-docs-test/data_docs/year=2021/index.html", b"<html></html>")
    folder, copied = local_docs("memory://ogi-docs-test")
    try:
        assert copied and (folder / "year=2021" / "index.html").read_bytes() == b"<html></html>"
    finally:
        shutil.rmtree(folder.parent)
        fs.rm("/ogi-docs-test", recursive=True)


def _serve(folder: Path):
    """`ogi docs --port 0 --root <root>` in a subprocess, started as from a script's background job
    (SIGINT ignored, which Ctrl-C must still override); (process, base URL)."""
    proc = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "docs", "--port", "0", "--root",
                             str(folder.parent)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert found, line + proc.stderr.read() if proc.poll() is not None else line
    return proc, found.group(0)


@pytest.mark.slow
def test_ogi_docs_serves_pages_and_their_static_files_and_stops_on_ctrl_c(docs):
    folder, _ = docs
    proc, base = _serve(folder)
    try:
        with urllib.request.urlopen(f"{base}/year=2021/index.html", timeout=10) as response:
            assert response.status == 200
            index = response.read().decode("utf-8")
        css = re.search(r'href="\.\./(static/[^"]+\.css)"', index).group(1)
        with urllib.request.urlopen(f"{base}/{css}", timeout=10) as response:
            assert response.status == 200 and response.headers["Content-Type"] == "text/css"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=60) == 0
        finally:
            proc.kill()  # never left behind when it did not stop


def test_ogi_docs_says_when_there_is_nothing_to_serve(tmp_path):
    from orchestration.cli import main

    assert main(["docs", "--root", str(tmp_path)]) == 2


def _chromium() -> str | None:
    return os.environ.get("OGI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@loopback_only
def test_a_browser_draws_the_pages_styled_without_the_network(docs):
    """Headless Chromium (system binary, driven by Playwright if installed), in a namespace with
    loopback only: the index over `ogi docs` and a validation page from disk are styled by the
    vendored Bootstrap, GX's table of results drawn by the vendored scripts."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    if not _chromium():
        pytest.skip("no chromium on this machine")
    folder, _ = docs
    proc, base = _serve(folder)
    page_on_disk = next((folder / "year=2021" / "validations").rglob("*.html")).as_uri()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
            try:
                page, failed = browser.new_page(), []
                page.on("requestfailed", lambda r: failed.append(r.url))
                for url in (f"{base}/year=2021/index.html", page_on_disk):
                    page.goto(url, wait_until="load")
                    font = page.evaluate("getComputedStyle(document.body).fontFamily")
                    assert "-apple-system" in font, (url, font)  # Bootstrap 4's font stack, not the default serif
                    assert page.evaluate("typeof jQuery !== 'undefined' && typeof jQuery.fn.bootstrapTable")\
                        == "function"
                page.goto(f"{base}/year=2021/index.html", wait_until="load")
                rows = page.evaluate("document.querySelectorAll('.ge-index-page-validation-results-table tbody tr')"
                                     ".length")
                assert rows == len(CHECKS)
                icon = page.evaluate("getComputedStyle(document.querySelector('i.fas'), '::before').fontFamily")
                assert "Font Awesome 6 Free" in icon
                assert not failed, failed
            finally:
                browser.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        finally:
            proc.kill()
