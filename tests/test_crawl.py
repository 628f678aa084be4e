"""The crawl: every source once, many hosts at once, one request at a time per host, a compacted catalog."""

from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise

import dagster as dg
import pandas as pd
import pytest

from assets.catalog import report_catalog
from assets.settings import OgiSettings
from ogi.acquire.catalog import COLUMNS, NOT_SEEN, Catalog, merge
from ogi.acquire.crawl import crawl
from ogi.acquire.fetch import FetchPolicy, RawStore
from ogi.acquire.sources import load_sources
from ogi.testing import Sites

DELAY = 0.3


@pytest.fixture
def sites():
    s = Sites(hosts=6, years=(2021, 2022), per_year=2, pages=2, latency=0.05)
    yield s
    s.close()


def _shortest_gap(log) -> float:
    """The shortest time between one answer of a host and its next request (each host's requests
    must not overlap either: a negative gap)."""
    by_host = {}
    for host, _, start, end in sorted(log, key=lambda r: r[2]):
        by_host.setdefault(host, []).append((start, end))
    return min(b[0] - a[1] for spans in by_host.values() for a, b in pairwise(spans))


def _crawl(tmp_path, sites, previous=None, **options):
    (tmp_path / "sources.yaml").write_text(sites.registry(), encoding="utf-8")
    sources = load_sources(tmp_path / "sources.yaml")
    return crawl(sources, RawStore(str(tmp_path / "data")), previous or {}, read_years=lambda items: [None] * len(items),
                 policy=FetchPolicy(per_host_delay=DELAY, retries=0), log=lambda _: None, **options)


def test_hosts_are_fetched_at_once_and_each_host_politely(tmp_path, sites):
    progress = []
    result = _crawl(tmp_path, sites, progress=lambda done, total: progress.append((done, total)))
    assert progress == [(i + 1, len(sites.reports)) for i in range(len(sites.reports))]
    asked = [(h, p) for h, p, _, _ in sites.log]
    assert sorted((h, p) for h, p, _ in sites.reports) == sorted(a for a in asked if "/20" in a[1])  # each once
    assert _shortest_gap(sites.log) >= DELAY - 0.05, "a host was asked again before its delay"
    spans = sorted((s, e) for _, _, s, e in sites.log)
    assert sum(b[0] < a[1] for a, b in pairwise(spans)) >= 5, "different hosts are asked at the same time"
    docs = [r for rows in result.rows.values() for r in rows if r["kind"] == "report"]
    assert len(docs) == len(sites.reports) and {r["report_year"] for r in docs} == {2021, 2022}
    assert all(r["status"] == "ok" and r["etag"] for r in docs) and len(result.changed) == len(docs)


def test_a_hosts_crawl_delay_slows_every_request_to_it(tmp_path):
    sites = Sites(hosts=2, years=(2022,), per_year=2, pages=2, robots="User-agent: *\nCrawl-delay: 0.8\n")
    try:
        _crawl(tmp_path, sites)
        assert len(sites.log) == 2 * 5 and _shortest_gap(sites.log) >= 0.75  # the policy's own delay is 0.3 s
    finally:
        sites.close()


def test_a_second_crawl_asks_conditionally_and_changes_nothing(tmp_path, sites):
    first = _crawl(tmp_path, sites)
    sites.log.clear()
    again = _crawl(tmp_path, sites, first.rows)
    missing = [r for r in again.requests if r.status == "error"]
    assert again.changed == [] and again.count("fetched") == 0 and again.count("not_modified") == len(sites.log) - 6
    assert {(r.http_status, r.url.rsplit("/", 1)[1]) for r in missing} == {(404, "robots.txt")}
    key = ("kind", "url", "sha256", "report_year", "etag")
    assert ({tuple(r[k] for k in key) for rows in again.rows.values() for r in rows}
            == {tuple(r[k] for k in key) for rows in first.rows.values() for r in rows})


def _doc(url, status="ok", sha="a" * 64, kind="report"):
    return {"url": url, "kind": kind, "status": status, "sha256": sha if status == "ok" else None,
            "checked_at": datetime(2025, 1, 1, tzinfo=UTC), "last_attempt": "fetched (HTTP 200)", "report_year": 2024}


def test_merge_keeps_what_an_outage_hid_and_drops_old_requests():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    before = [_doc("u/failing"), _doc("u/vanished"), _doc("u/list", kind="request"), _doc("u/same")]
    failing = _doc("u/failing", status="error") | {"checked_at": now, "last_attempt": "HTTP 503"}
    rows, changed = merge(before, [failing, _doc("u/same"), _doc("u/new", sha="b" * 64)], now)
    rows = {r["url"]: r for r in rows}
    assert set(rows) == {"u/failing", "u/vanished", "u/same", "u/new"} and [c["url"] for c in changed] == ["u/new"]
    assert rows["u/failing"]["status"] == "ok" and rows["u/failing"]["sha256"] == "a" * 64
    assert (rows["u/failing"]["last_attempt"], rows["u/failing"]["checked_at"]) == ("HTTP 503", now)
    assert rows["u/vanished"]["last_attempt"] == NOT_SEEN and rows["u/vanished"]["sha256"] == "a" * 64


def test_a_year_reads_only_its_report_rows_of_the_catalog(tmp_path):
    catalog = Catalog(str(tmp_path / "data"))
    columns = dict.fromkeys(COLUMNS)
    rows = [columns | _doc(f"u/{year}/{kind}/{status}", status, kind=kind) | {"report_year": year, "source": "s"}
            for year in (2022, 2023, None) for kind in ("report", "request") for status in ("ok", "error")]
    catalog.write("s", rows)
    assert sorted(r["url"] for r in catalog.documents(["s"], 2023)) == ["u/2023/report/error", "u/2023/report/ok"]
    assert len(catalog.documents(["s"])) == 6 and catalog.documents(["s", "absent"], 2021) == []


@pytest.mark.slow
def test_the_catalog_asset_reuses_a_recent_crawl_of_the_same_registry(tmp_path, sites):
    registry = tmp_path / "sources.yaml"
    registry.write_text(sites.registry(), encoding="utf-8")
    settings = OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry), per_host_delay=0.0, workers=1)
    instance = dg.DagsterInstance.ephemeral()

    def run(**tags):
        result = dg.materialize([report_catalog], instance=instance, resources={"settings": settings}, tags=tags)
        (event,) = result.get_asset_materialization_events()
        return event.event_specific_data.materialization.metadata["crawl"].value

    assert run().startswith("crawled") and len(Catalog(settings.storage_root).sources()) == 6
    asked = len(sites.log)
    assert run().startswith("reused") and len(sites.log) == asked  # a backfill's next run asks nothing
    assert run(**{"ogi/crawl": "force"}).startswith("crawled") and len(sites.log) > asked
    registry.write_text(sites.registry().replace("  - {name: site5", "  - {name: renamed"), encoding="utf-8")
    assert run().startswith("crawled") and "renamed" in Catalog(settings.storage_root).sources()


@pytest.mark.slow
def test_three_years_of_twenty_hosts_publish_every_report_asking_each_once(tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    sites = Sites(hosts=20, years=(2021, 2022, 2023), per_year=2, pages=3)
    try:
        (tmp_path / "sources.yaml").write_text(sites.registry(), encoding="utf-8")
        for name, value in {"OGI_SOURCES": tmp_path / "sources.yaml", "OGI_DATA": tmp_path / "data",
                            "DAGSTER_HOME": tmp_path / "home", "OGI_WAIVERS": tmp_path / "none.yaml"}.items():
            monkeypatch.setenv(name, str(value))
        code = main(["materialize", "--year", "2021", "--year", "2022", "--year", "2023"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert [line.split()[:3] for line in out.splitlines()[1:4]] == [
            [str(y), "40", "published"] for y in (2021, 2022, 2023)]
        asked = Counter((h, p) for h, p, _, _ in sites.log)
        assert {asked[(h, p)] for h, p, _ in sites.reports} == {1} and len(sites.reports) == 120
        docs = pd.read_parquet(tmp_path / "data" / "documents")
        assert len(docs) == 120 and (docs["status"] == "ok").all()
        assert _shortest_gap(sites.log) >= 0.95  # the default politeness: 1 s per host
    finally:
        sites.close()


class _CountingStore(RawStore):
    """The raw store, counting the documents read back from it."""

    reads = 0

    def get(self, sha256):
        self.reads += 1
        return super().get(sha256)


def test_contents_are_placed_in_batches_as_they_arrive_without_reading_them_back(tmp_path):
    """Web documents and files without a year hint: their bytes go to the year reader as they are
    downloaded or read, a batch at a time: a download is read from the store once (for the
    attachments it links), a file never; an unchanged file, not offered with its bytes, is read back."""
    sites = Sites(hosts=2, years=(2021,), per_year=2, pages=1)
    (tmp_path / "reports").mkdir()
    for i in range(3):
        (tmp_path / "reports" / f"{i}.txt").write_text(f"2019年政府信息公开工作年度报告 {i}", encoding="utf-8")
    port = dict(s.server_address[:2] for s in sites.servers)
    urls = ", ".join(f"{{url: 'http://{host}:{port[host]}{path}'}}" for host, path, _ in sites.reports)
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - {{name: web, kind: urls, allow_private: true, urls: [{urls}]}}\n"
        f"  - {{name: folder, kind: files, path: {tmp_path / 'reports'}}}\n", encoding="utf-8")
    sources = load_sources(tmp_path / "sources.yaml")
    batches = []

    def years(items):
        batches.append(len(items))
        return [2021 if b"2021" in data else 2019 for data, _ in items]

    def run(previous):
        return crawl(sources, store, previous, read_years=years, log=lambda _: None, batch=2,
                     policy=FetchPolicy(per_host_delay=0.05, retries=0))

    store = _CountingStore(str(tmp_path / "data"))
    try:
        first = run({})
    finally:
        sites.close()
    docs = first.rows["web"] + first.rows["folder"]
    assert store.reads == len(sites.reports) == 4 and sorted(batches) == [1, 2, 2, 2]
    assert sorted((r["report_year"], r["year_from"]) for r in docs if r["kind"] == "report") == \
        [(2019, "content")] * 3 + [(2021, "content")] * 4
    batches.clear()
    again = run({"folder": [r | {"year_from": None} for r in first.rows["folder"]]})
    assert store.reads == 4 + 3 and batches == [2, 1]  # unchanged files, never placed: read back from the store
    assert {r["report_year"] for r in again.rows["folder"]} == {2019}


def test_the_crawl_reads_only_the_first_page_of_a_scan_for_its_year(shared_corpus, monkeypatch):
    """A scan without its year in the title: the year comes from OCR of its first page only (the
    whole scan is read once, by the normalize step)."""
    from ogi.read import ocr
    from ogi.steps import report_year
    from ogi.testing import scan_pdf
    from tests.conftest import REAL

    scan = scan_pdf((REAL / "hongze_2023.pdf").read_bytes(), 150, pages=[0, 1, 2])
    pages, real = [], ocr.ocr_pdf
    monkeypatch.setattr(ocr, "ocr_pdf", lambda data, n, *a, **k: pages.append(n) or real(data, n, *a, **k))
    assert report_year((scan, "scan.pdf"), title_read=True) == 2023
    assert pages == [1]
