"""`ogi` command line.

    ogi extract FILE...          one JSON record per report file (no pipeline, no storage)
    ogi discover [--year Y]      the reports the sources' report columns link, as JSON lines
    ogi materialize [--year Y]   run the pipeline for the sources' years (or the given ones)
    ogi dev                      the Dagster UI on this project (DAGSTER_HOME defaults to ./.dagster)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import partial
from pathlib import Path


def _extract(args) -> int:
    """One record per file, whatever the file or its name: the output is always valid UTF-8 and
    the status 0 (a file name that is not UTF-8 is kept with its bytes escaped as \\xNN)."""
    from ogi.parallel import cap_memory
    from ogi.report import empty_record, extract_report

    cap_memory()
    out = sys.stdout.buffer
    for name in args.files:
        shown = os.fsencode(name).decode("utf-8", errors="backslashreplace")
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            record = empty_record(shown, None, f"cannot read file: {exc.strerror or exc}")
        else:
            try:
                record = extract_report(data, shown)
            except Exception as exc:  # a bug must cost this file's record, not the batch
                record = empty_record(shown, None, f"internal error while reading: {type(exc).__name__}: {exc}")
        out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", errors="backslashreplace"))
        out.flush()
    return 0


def _discover(args) -> int:
    from dataclasses import asdict

    from ogi.acquire.fetch import Fetcher, Manifest, RawStore
    from ogi.acquire.sources import RegistryError, load_sources
    from ogi.store.files import storage_root

    try:
        sources = load_sources(args.sources or os.environ.get("OGI_SOURCES") or "sources.yaml")
    except RegistryError as exc:
        print(f"ogi discover: {exc}", file=sys.stderr)
        return 2
    root = storage_root()
    manifest = Manifest(root)
    fetcher = Fetcher(RawStore(root), previous=manifest.latest())
    log, requests = partial(print, file=sys.stderr), []
    for source in sources:
        for item in source.candidates(fetcher, args.year, log, requests.append):
            sys.stdout.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
    if requests:
        manifest.append(requests)
    return 0


def _materialize(args) -> int:
    from orchestration.run import CONFIG_ERRORS, materialize

    try:
        outcomes = materialize(args.year or None)
    except CONFIG_ERRORS as exc:
        print(f"ogi materialize: {exc}", file=sys.stderr)
        return 2
    if not outcomes:
        print("no report years found in the sources", file=sys.stderr)
        return 1
    print(f"{'year':<6} {'documents':>9}  outcome")
    for o in outcomes:
        if o.published:
            state = "published" + (f" (warnings: {', '.join(o.failed_rules)})" if o.failed_rules else "")
        elif o.failed_checks and not o.error:
            state = f"held back by the gate: {', '.join(o.failed_rules)} (staging kept; see the check metadata)"
        else:
            state = f"failed: {o.error}"
        print(f"{o.year:<6} {o.documents:>9}  {state}")
    data = os.environ.get("OGI_DATA") or "data"
    print(f"Parquet under {data}/{{documents,cells,violations}}/year=YYYY/; runs in DAGSTER_HOME="
          f"{os.environ.get('DAGSTER_HOME')}")
    return 0 if all(o.published for o in outcomes) else 1


def _dev(args) -> int:
    from orchestration.run import default_dagster_home

    default_dagster_home()
    os.execvp("dagster", ["dagster", "dev", "-w", "workspace.yaml", *args.rest])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ogi", description="Government information disclosure annual reports to data.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="extract the official tables of report files as JSON lines")
    p.add_argument("files", nargs="+", metavar="FILE", help="report files: HTML, text, PDF, DOCX (DOC/WPS/ET with LibreOffice)")
    p.set_defaults(func=_extract)
    p = sub.add_parser("discover", help="list the reports the sources' report columns link (JSON lines)")
    p.add_argument("--sources", help="registry file (default: OGI_SOURCES or sources.yaml)")
    p.add_argument("--year", type=int, help="only reports of this report year")
    p.set_defaults(func=_discover)
    p = sub.add_parser("materialize", help="run the pipeline for every year of the sources, or --year")
    p.add_argument("--year", action="append", help="a report year (repeatable)")
    p.set_defaults(func=_materialize)
    p = sub.add_parser("dev", help="start the Dagster UI (dagster dev) with DAGSTER_HOME=./.dagster by default")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="more arguments for dagster dev")
    p.set_defaults(func=_dev)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
