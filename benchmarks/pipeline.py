"""End-to-end speed and memory of one report year: 1,000 generated reports from a local folder.

    python benchmarks/pipeline.py            # 1,000 reports, every core
    python benchmarks/pipeline.py --n 3000   # more

Runs exactly what a user runs, `dagster asset materialize -m orchestration.definitions --select
'*' --partition YEAR`, in a fresh process (Python start, Dagster, definitions, fetch ->
normalize -> extract -> validate -> Great Expectations gate -> publish), and prints documents
per second, each step's time and the peak memory of that process and of its workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    args = parser.parse_args()
    from ogi.testing import random_report, render_html

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "reports")
        folder.mkdir()
        for i in range(args.n):
            report = random_report(i, "2021", args.year)
            (folder / f"report_{i:05d}.html").write_text(render_html(report), encoding="utf-8")
        registry = Path(tmp, "sources.yaml")
        registry.write_text(f"sources:\n  - {{name: generated, kind: files, path: {folder}}}\n", encoding="utf-8")
        home = Path(tmp, "dagster_home")
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        env = {**os.environ, "OGI_DATA": str(Path(tmp, "data")), "OGI_SOURCES": str(registry),
               "OGI_WAIVERS": str(Path(tmp, "none.yaml")), "DAGSTER_HOME": str(home)}
        if args.workers:
            env["OGI_WORKERS"] = str(args.workers)
        dagster = str(Path(sys.executable).parent / "dagster")
        command = [dagster, "asset", "materialize", "-m", "orchestration.definitions", "--select", "*",
                   "--partition", str(args.year)]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        steps = _step_times(done.stderr)
        published = Path(tmp, "data", "documents", f"year={args.year}", "part-0.parquet").is_file()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.n} generated reports, year {args.year}: exit {done.returncode}, published={published}")
    print(f"end to end (fresh `dagster asset materialize` process) {seconds:6.1f} s = {args.n / seconds:6.1f} documents/s")
    for step, took in steps:
        print(f"  {step:<22} {took}")
    print(f"peak RSS of the largest process (Dagster's or a worker's): {peak:6.0f} MiB")


def _step_times(log: str) -> list[tuple[str, str]]:
    """Step durations from Dagster's STEP_SUCCESS lines (`... in 1.23s`)."""
    out = []
    for line in log.splitlines():
        if "STEP_SUCCESS" in line and "Finished execution of step" in line:
            step = line.split('step "', 1)[1].split('"', 1)[0]
            out.append((step, line.rsplit(" in ", 1)[1].rstrip(".")))
    return out


if __name__ == "__main__":
    main()
