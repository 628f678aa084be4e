"""The publication gate alone as a year grows: one staged year copied to N documents, gated in a fresh process.

    python benchmarks/gate.py --n 10000,30000                    # this code, 2 workers
    python benchmarks/gate.py --n 10000,30000 --against ../base  # and another checkout's, alternating

Stages `--base` generated reports of 2023 (5 % breaking a rule, as benchmarks/pipeline.py makes
them) once through the pipeline, copies the staged files the gate reads to each size (the same
documents again under new doc_ids, in order), then runs `expectations.gate.run_gate` on each size
in a fresh process, imported from this checkout or the one given (`--against`, with this
environment's packages), and prints its wall and CPU seconds (its process and its workers) and
the peak RSS of its process (the figure that must not grow with the year).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGED = ("extracted", "cells", "documents", "violations", "reports")

_GATE = """
import json, resource, sys, time
from expectations.gate import run_gate
root, workers = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
outcomes, _ = run_gate(root, 2023, root + "/none.yaml", None, workers)
wall = time.perf_counter() - start
own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
                  "rss_mib": own.ru_maxrss / 1024, "failed": sorted(o.name for o in outcomes if not o.passed)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="10000,30000", help="sizes of the year, comma-separated")
    parser.add_argument("--base", type=int, default=1000, help="generated reports staged once and copied")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--against", type=Path, help="another checkout to alternate with")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(n) for n in args.n.split(",")]
    codes = [ROOT, args.against.resolve()] if args.against else [ROOT]
    with tempfile.TemporaryDirectory() as tmp:
        staged = _stage(Path(tmp), args.base)
        print(f"{args.base:,} generated reports staged, copied to {', '.join(f'{n:,}' for n in sizes)} documents; "
              f"{args.workers} workers; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
        for n in sizes:
            root = Path(tmp, f"n{n}")
            _copy(staged, str(root), n)
            for round_ in range(args.rounds):
                for code in codes if round_ % 2 == 0 else codes[::-1]:
                    out = subprocess.run([sys.executable, "-c", _GATE, str(root), str(args.workers)], cwd=code,
                                         env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True,
                                         check=True)
                    r = json.loads(out.stdout.splitlines()[-1])
                    print(f"{n:>7,} documents, code in {code}: {r['wall']:6.1f} s, CPU {r['cpu']:6.1f} s, "
                          f"peak RSS {r['rss_mib']:5.0f} MiB; failed checks: {', '.join(r['failed']) or 'none'}")


def _stage(tmp: Path, n: int) -> str:
    """A year of n generated reports through validation (the gate's input); its storage root."""
    import dagster as dg

    from assets import YEAR_ASSETS
    from assets.catalog import report_catalog
    from assets.settings import OgiSettings
    from benchmarks.pipeline import _generate

    folder = tmp / "reports"
    _generate(folder, n, [2023], 0.05)
    registry = tmp / "sources.yaml"
    registry.write_text(f"sources:\n  - {{name: generated, kind: files, path: {folder}}}\n", encoding="utf-8")
    root = str(tmp / "staged")
    settings = OgiSettings(storage_root=root, sources=str(registry), waivers=str(tmp / "none.yaml"), workers=2)
    stages = [report_catalog, *(a for a in YEAR_ASSETS if len(a.keys) == 1)]  # all but the publication
    dg.materialize(stages, partition_key="2023", resources={"settings": settings}, instance=dg.DagsterInstance.ephemeral())
    return root


def _copy(staged: str, root: str, n: int) -> None:
    """The staged files the gate reads, repeated until the year has n documents, each copy's
    doc_ids made new (the last 6 hex digits: the copy's number), documents in the same order, a
    row group per BATCH documents as the stages write them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from assets.common import BATCH
    from ogi.store.parquet import read_table, write_partition

    base = read_table(staged, "extracted", 2023, columns=["doc_id"])["doc_id"]
    for dataset in STAGED:
        table = read_table(staged, dataset, 2023)
        with write_partition(root, dataset, 2023) as append:
            for k in range(-(-n // len(base))):
                left = n - k * len(base)
                part = table if left >= len(base) else table.filter(pc.is_in(table["doc_id"], value_set=base[:left]))
                ids = pc.binary_join_element_wise(pc.utf8_slice_codeunits(part["doc_id"], 0, 58),
                                                  pa.scalar(f"{k:06x}"), "")
                part = part.set_column(part.schema.get_field_index("doc_id"), "doc_id", ids)
                step = max(1, len(table) * BATCH // len(base))  # row groups as the stages write them
                for start in range(0, len(part), step):
                    append(part.slice(start, step))

if __name__ == "__main__":
    main()
