"""`ogi` command line.

    ogi extract [--no-ocr] FILE...  one JSON record per report file (no pipeline, no storage)
    ogi discover [--year Y]      the reports the sources' report columns link, as JSON lines
    ogi materialize [--year Y]   run the pipeline for the sources' years (or the given ones)
    ogi dev                      the Dagster UI on this project (DAGSTER_HOME defaults to ./.dagster)
    ogi docs [--port N]          the gate's Data Docs over HTTP on 127.0.0.1 (port 3070 by default)
    ogi publishers [--all]       the publishers of the published data that could not be placed, for review
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path


def _extract(args) -> int:
    """One record per file, whatever the file or its name: the output is always valid UTF-8 and
    the status 0 (a file name that is not UTF-8 is kept with its bytes escaped as \\xNN)."""
    from ogi.parallel import cap_memory
    from ogi.report import empty_record

    cap_memory()
    # OGI_OCR read as the pipeline's setting reads it: 0, false or none (any case) turn OCR off
    ocr = args.ocr and os.environ.get("OGI_OCR", "").strip().lower() not in ("0", "false", "none")
    out = sys.stdout.buffer
    for name in args.files:
        shown = os.fsencode(name).decode("utf-8", errors="backslashreplace")
        try:
            line = json.dumps(_record(shown, name, ocr), ensure_ascii=False)
        except Exception as exc:  # a bug must cost this file's record, not the batch: nothing escapes
            line = json.dumps(empty_record(shown, None, f"internal error while reading: {type(exc).__name__}"),
                              ensure_ascii=False)
        out.write((line + "\n").encode("utf-8", errors="backslashreplace"))
        out.flush()
    return 0


def _record(shown: str, name: str, ocr: bool) -> dict:
    """The record of one file; reading it, extracting it and every other step inside the guard of
    _extract (a file too big for the memory ceiling raises MemoryError, not OSError)."""
    from ogi.report import empty_record, extract_report

    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        return empty_record(shown, None, f"cannot read file: {exc.strerror or exc}")
    try:
        return extract_report(data, shown, ocr=ocr)
    except Exception as exc:
        return empty_record(shown, hashlib.sha256(data).hexdigest(),
                            f"internal error while reading: {type(exc).__name__}: {exc}")


def _discover(args) -> int:
    from dataclasses import asdict

    from ogi.acquire.catalog import Catalog, validators
    from ogi.acquire.fetch import Fetcher, RawStore
    from ogi.acquire.sources import RegistryError, load_sources
    from orchestration.resources import storage_root

    try:
        sources = load_sources(args.sources or os.environ.get("OGI_SOURCES") or "sources.yaml")
    except RegistryError as exc:
        print(f"ogi discover: {exc}", file=sys.stderr)
        return 2
    catalog = Catalog(storage_root())
    fetcher = Fetcher(RawStore(storage_root()), previous=validators([r for s in sources for r in catalog.read(s.name)]))
    log = partial(print, file=sys.stderr)
    for source in sources:
        items = source.candidates(fetcher, args.year, log, lambda _: None)
        for item in items:
            sys.stdout.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
        if not items and not source.fetches:
            log(f"{source.name}: a {source.kind} source is read from disk by the crawl, not discovered")
    return 0


def _materialize(args) -> int:
    from orchestration.resources import storage_root
    from orchestration.run import CONFIG_ERRORS, CrawlFailed, materialize

    try:
        outcomes = materialize(args.year or None)
    except CONFIG_ERRORS as exc:
        print(f"ogi materialize: {exc}", file=sys.stderr)
        return 2
    done = []
    print(f"{'year':<6} {'documents':>9}  outcome", flush=True)
    with _progress_bars(sys.stderr) as clear:
        try:
            for o in outcomes:
                clear()
                print(f"{o.year:<6} {o.documents:>9}  {_state(o)}", flush=True)
                done.append(o)
        except CrawlFailed as exc:
            clear()
            print(f"ogi materialize: {exc}", file=sys.stderr)
            return 1
    if not done:
        print("no report years found in the sources", file=sys.stderr)
        return 1
    print(f"Parquet under {storage_root()}/{{documents,cells,violations,reports}}/year=YYYY/ and "
          f"{storage_root()}/{{publishers,dictionary}}/, SQL views in {storage_root()}/ogi.duckdb; runs in DAGSTER_HOME="
          f"{os.environ.get('DAGSTER_HOME')}")
    return 0 if all(o.published for o in done) else 1


@contextmanager
def _progress_bars(stream):
    """While open, and only if stream is a terminal, a bar on it for each step's Progress (the
    `ogi.progress` log records of the steps running in this process); yields a function that
    clears the bars (before a line is printed)."""
    from assets.common import PROGRESS_LOG

    if not stream.isatty():
        yield lambda: None
        return
    from tqdm import tqdm

    bars: dict[tuple[str, str], tqdm] = {}

    def clear() -> None:
        for bar in bars.values():
            bar.close()
        bars.clear()

    class Bars(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            year, what, done, total = record.ogi_progress
            if (year, what) not in bars:
                clear()  # the previous step is over
                bars[year, what] = tqdm(total=total, desc=f"{year} {what}", unit="doc", file=stream, leave=False,
                                        dynamic_ncols=True)
            bars[year, what].update(done - bars[year, what].n)

    handler, level, propagate = Bars(), PROGRESS_LOG.level, PROGRESS_LOG.propagate
    PROGRESS_LOG.addHandler(handler)
    PROGRESS_LOG.setLevel(logging.INFO)
    PROGRESS_LOG.propagate = False
    try:
        yield clear
    finally:
        clear()
        PROGRESS_LOG.removeHandler(handler)
        PROGRESS_LOG.setLevel(level)
        PROGRESS_LOG.propagate = propagate


def _state(o) -> str:
    """One year's outcome; for a held year, what failed, where, and how to waive it."""
    warnings = sorted(set(o.failed_rules) - set(o.blocking_rules))
    if o.published:
        return "published" + (f" (warnings: {', '.join(warnings)})" if warnings else "")
    if not o.blocking_rules or o.error:
        return f"failed: {o.error}"
    rows = [r for r in o.held_documents.splitlines() if r.startswith("| ") and not r.startswith("| doc_id")]
    lines = [f"held back by the gate: {', '.join(o.blocking_rules)} (staging kept)"]
    lines += [f"{'':18}{r}" for r in rows[:5]] + ([f"{'':18}… {len(rows) - 5} more in the check metadata"]
                                                    if len(rows) > 5 else [])
    lines.append(f"{'':18}a reviewed exception goes in waivers.yaml: "
                 f"- {{doc_id: <doc_id>, rule: {o.blocking_rules[0]}, reason: <why>}}")
    return "\n".join(lines)


def _dev(args) -> int:
    """`dagster dev` of this environment (not whichever is first on PATH), options passed through.

    It runs in a process group of its own, and a SIGINT, SIGTERM or SIGHUP to `ogi dev` becomes a
    SIGINT to that whole group, as Ctrl-C in a terminal is: dagster dev, its webserver, daemon and
    code servers and the workers of runs in progress each shut down. Whatever is still alive
    STOP_GRACE seconds later is killed. A SIGINT ignored by whoever started `ogi dev` (a script's
    background job) is not inherited by dagster dev."""
    import signal
    import subprocess

    from orchestration.run import default_dagster_home

    default_dagster_home()
    stopping: list[float] = []
    child: list[subprocess.Popen] = []

    def stop(signum, frame) -> None:
        stopping.append(time.monotonic())
        if child:
            _signal_group(child[0].pid, signal.SIGINT)

    stops = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for sig in stops:  # before the child starts: it gets each at its default, not SIG_IGN
        signal.signal(sig, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
    child.append(subprocess.Popen([sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", *args.rest],
                                  process_group=0))
    if stopping:  # a signal came while it was being started
        _signal_group(child[0].pid, signal.SIGINT)
    while child[0].poll() is None and not (stopping and time.monotonic() > stopping[0] + STOP_GRACE):
        try:
            child[0].wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
    _end_group(child[0].pid, (stopping[0] if stopping else time.monotonic()) + STOP_GRACE, ask=not stopping)
    code = child[0].wait()
    return code if code >= 0 else 128 - code


STOP_GRACE = 15.0  # seconds from a stop signal until what is left of `ogi dev` is killed


def _signal_group(pgid: int, sig: int) -> bool:
    """Send sig to the process group; False when no process of it is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def _end_group(pgid: int, deadline: float, ask: bool) -> None:
    """Wait until no process of the group is left, then kill what is still there at the deadline.
    ask: the group was not asked to stop yet (dagster dev ended by itself), so ask first."""
    import signal

    if ask and not _signal_group(pgid, signal.SIGINT):
        return
    while _signal_group(pgid, 0):
        if time.monotonic() > deadline:
            _signal_group(pgid, signal.SIGKILL)
            return
        time.sleep(0.2)


def _backfill(args) -> int:
    """Queue one run per report year in the instance; the daemon (`ogi dev` runs one) starts them,
    one run per year at a time, and the UI shows the backfill."""
    import subprocess

    from orchestration.run import default_dagster_home, year_range

    first, last = year_range()
    for year in (args.start, args.end):
        if not (year.isdigit() and first <= int(year) <= last):
            print(f"ogi backfill: {year} is not a report year here: {first} to {last}", file=sys.stderr)
            return 2
    if int(args.start) > int(args.end):
        print(f"ogi backfill: --from {args.start} comes after --to {args.end}", file=sys.stderr)
        return 2
    default_dagster_home()
    return subprocess.run([sys.executable, "-m", "dagster", "job", "backfill", "-m", "orchestration.definitions",
                           "-j", "annual_reports_year", "--from", args.start, "--to", args.end, "--noprompt"],
                          check=False).returncode


def _docs(args) -> int:
    """Serve <root>/data_docs (the gate's Data Docs) on 127.0.0.1 until Ctrl-C; a remote root is copied down."""
    from expectations.data_docs import DocsError, serve_docs
    from orchestration.resources import storage_root

    try:
        return serve_docs(args.root or storage_root(), args.port, partial(print, flush=True))
    except DocsError as exc:
        print(f"ogi docs: {exc}", file=sys.stderr)
        return 2


def _publishers(args) -> int:
    """The publishers of every published document that could not be placed (or --all), with the
    current publishers.yaml, for review; a skeleton of the entry that places one."""
    from ogi.publishers import Publishers, PublishersError
    from ogi.store.publishers import publisher_table
    from orchestration.resources import storage_root

    path = args.publishers or os.environ.get("OGI_PUBLISHERS") or "publishers.yaml"
    try:
        publishers = Publishers(path)
    except PublishersError as exc:
        print(f"ogi publishers: {exc}", file=sys.stderr)
        return 2
    rows = publisher_table(args.root or storage_root(), publishers).to_pylist()
    shown = rows if args.all else [r for r in rows if r["placement"] == "unplaced"]
    print(f"{len(rows)} publishers in the published documents, {sum(r['placement'] == 'unplaced' for r in rows)} "
          f"not placed{'' if args.all else ' (listed below)'}; reviewed placements go in {path}")
    for r in shown:
        years = f"{r['first_year']}" + (f"-{r['last_year']}" if r["last_year"] != r["first_year"] else "")
        where = "/".join(filter(None, (r["province"], r["prefecture"], r["county"], r["township"])))
        print(f"{r['publisher_id']}  {' | '.join(r['names'])}  ({r['documents']} documents, {years})  "
              f"{r['placement']}: {r['level'] or '-'} {r['division_code'] or '-'} {where or '-'}"
              f"{'  ' + r['note'] if r['note'] else ''}")
    if not args.all and shown:
        print("\nan entry of publishers.yaml:\npublishers:\n  - {name: <name as printed>, division_code: \"<GB/T 2260 "
              "code>\", level: <central|province|prefecture|county|township|street>, reason: <how it was checked>}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ogi", description="Government information disclosure annual reports to data.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="extract the official tables of report files as JSON lines")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="report files: HTML, text, PDF, DOCX (DOC/WPS/ET with LibreOffice)")
    p.add_argument("--no-ocr", dest="ocr", action="store_false", help="do not read PDFs without a text layer by "
                   "OCR (by default they are, when the ocr extra is installed); OGI_OCR=0 does the same")
    p.set_defaults(func=_extract)
    p = sub.add_parser("discover", help="list the reports the sources' report columns link (JSON lines)")
    p.add_argument("--sources", help="registry file (default: OGI_SOURCES or sources.yaml)")
    p.add_argument("--year", type=int, help="only reports of this report year")
    p.set_defaults(func=_discover)
    p = sub.add_parser("docs", help="serve the gate's Data Docs (<storage root>/data_docs) on http://127.0.0.1")
    p.add_argument("--port", type=int, help="default 3070, where the gate's links point (see OGI_DOCS_URL)")
    p.add_argument("--root", help="storage root (default: OGI_DATA or data); s3:// and the like are copied down")
    p.set_defaults(func=_docs)
    p = sub.add_parser("publishers", help="list the publishers of the published data that could not be placed")
    p.add_argument("--all", action="store_true", help="every publisher with its placement")
    p.add_argument("--root", help="storage root (default: OGI_DATA or data)")
    p.add_argument("--publishers", help="reviewed placements (default: OGI_PUBLISHERS or publishers.yaml)")
    p.set_defaults(func=_publishers)
    p = sub.add_parser("materialize", help="run the pipeline for every year of the sources, or --year")
    p.add_argument("--year", action="append", help="a report year (repeatable)")
    p.set_defaults(func=_materialize)
    p = sub.add_parser("backfill", help="queue runs of report years for the daemon (shown in the UI)")
    p.add_argument("--from", dest="start", required=True, metavar="YEAR")
    p.add_argument("--to", dest="end", required=True, metavar="YEAR")
    p.set_defaults(func=_backfill)
    p = sub.add_parser("dev", help="start the Dagster UI and daemon (dagster dev [options]; DAGSTER_HOME=./.dagster "
                       "by default)")
    p.set_defaults(func=_dev)
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "dev":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.rest = rest
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
