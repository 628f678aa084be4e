"""Acquisition speed: a crawl of many loopback hosts against one host at a time, and the catalog's cost.

    python benchmarks/fetch.py                      # 20 hosts, the default politeness (1 s per host)
    python benchmarks/fetch.py --hosts 40 --delay 0.5
    python benchmarks/fetch.py --catalog 100000     # also: a no-change re-run's state at 100,000 URLs

Each host (127.0.0.x) serves a report column of `--pages` list pages linking `--per-year` reports
of each of three years, every answer after `--latency` seconds. The same crawl runs twice in one
process: with the default pool of hosts, and with one host at a time (the serial alternative);
the serial bound printed is requests × (delay + latency), what one request at a time must take.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def crawl_once(args, hosts: int) -> tuple[int, float]:
    from ogi.acquire.crawl import crawl
    from ogi.acquire.fetch import FetchPolicy, RawStore
    from ogi.acquire.sources import load_sources
    from ogi.testing import Sites

    sites = Sites(args.hosts, (2021, 2022, 2023), args.per_year, args.pages, args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "sources.yaml").write_text(sites.registry(), encoding="utf-8")
            sources = load_sources(Path(tmp, "sources.yaml"))
            start = time.perf_counter()
            result = crawl(sources, RawStore(tmp), {}, read_years=lambda items: [None] * len(items),
                           policy=FetchPolicy(per_host_delay=args.delay), log=lambda _: None, hosts=hosts)
            return len(result.requests), time.perf_counter() - start
    finally:
        sites.close()


def catalog_cost(n: int, runs: int) -> None:
    """A no-change re-run's state at `n` URLs: the catalog (read, merged, written once) against the
    append-only JSON-lines log it replaced, read in full after `runs` runs."""
    from ogi.acquire.catalog import Catalog, merge, validators

    now = datetime.now(UTC).replace(microsecond=0)
    rows = [{"url": f"https://www{i % 2000}.example.gov.cn/xxgk/nb/{i}.html", "source": f"s{i % 200}",
             "kind": "report", "parent_url": None, "publisher_hint": "某县人民政府", "year_hint": None,
             "report_year": 2008 + i % 17, "year_from": "content", "title": f"某县{2008 + i % 17}年政府信息公开工作年度报告",
             "final_url": f"https://www{i % 2000}.example.gov.cn/xxgk/nb/{i}.html", "sha256": f"{i:064x}",
             "status": "ok", "http_status": 200, "content_type": "text/html", "size": 50000, "etag": f'"{i:x}"',
             "last_modified": None, "downloaded_at": now, "checked_at": now, "last_attempt": "fetched (HTTP 200)",
             "error": None} for i in range(n)]
    by_source: dict[str, list[dict]] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r)
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(tmp)
        for name, rs in by_source.items():
            catalog.write(name, rs)
        start = time.perf_counter()
        previous = {name: catalog.read(name) for name in catalog.sources()}
        known = validators([r for rs in previous.values() for r in rs])
        for name, rs in previous.items():
            catalog.write(name, merge(rs, [r | {"checked_at": now} for r in rs], now)[0])
        parquet = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp, "catalog").glob("*.parquet"))
        log = Path(tmp, "log")
        log.mkdir()
        line_rows = [json.dumps({k: str(v) for k, v in r.items()}) + "\n" for r in rows]
        for run in range(runs):
            Path(log, f"{run:04d}.jsonl").write_text("".join(line_rows), encoding="utf-8")
        start = time.perf_counter()
        latest = {}
        for path in sorted(log.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                latest[row["url"]] = row
        jsonl = time.perf_counter() - start
    assert len(known) == len(latest) == n
    print(f"state at {n:,} URLs: catalog read + merge + write {parquet:.2f} s ({size / 2**20:.1f} MiB, the same "
          f"after any number of runs); an append-only log after {runs} runs, only read: {jsonl:.2f} s "
          f"({runs} × {n:,} lines, growing by {n:,} a run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--per-year", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between two requests to one host")
    parser.add_argument("--catalog", type=int, default=0, help="also measure the state at this many URLs")
    parser.add_argument("--runs", type=int, default=10, help="runs behind the append-only log it is compared with")
    args = parser.parse_args()
    from ogi.acquire.crawl import HOSTS

    requests, parallel = crawl_once(args, HOSTS)
    bound = requests * (args.delay + args.latency)
    print(f"{args.hosts} hosts, {requests} requests, delay {args.delay:g} s, latency {args.latency:g} s")
    print(f"  {HOSTS} hosts at once: {parallel:6.1f} s  {requests / parallel:6.2f} requests/s  "
          f"{parallel / bound:.1%} of the serial bound ({bound:.0f} s)")
    _, serial = crawl_once(args, 1)
    print(f"  one host at a time: {serial:6.1f} s  {requests / serial:6.2f} requests/s  {serial / bound:.1%} of the "
          f"serial bound; {serial / parallel:.1f}× slower")
    if args.catalog:
        catalog_cost(args.catalog, args.runs)


if __name__ == "__main__":
    main()
