"""`ogi` command line: `ogi extract FILE...` prints one JSON record per file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assets.report import empty_record, extract_report


def _extract(args) -> int:
    out = sys.stdout
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            record = empty_record(name, None, f"cannot read file: {exc.strerror or exc}")
        else:
            record = extract_report(data, name)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ogi", description="Government information disclosure annual reports to data.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="extract the official tables of report files as JSON lines")
    p.add_argument("files", nargs="+", metavar="FILE", help="HTML or text report files")
    p.set_defaults(func=_extract)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
