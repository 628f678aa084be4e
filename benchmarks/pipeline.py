"""End-to-end speed and memory of one report year: 1,000 generated reports from a local folder.

    python benchmarks/pipeline.py            # 1,000 reports, every core
    python benchmarks/pipeline.py --n 3000   # more

Runs the real Dagster job in this process (fetch -> normalize -> extract -> validate -> gate ->
publish) and prints documents per second, each step's time, and the peak memory of this process
and of the worker processes.
"""

from __future__ import annotations

import argparse
import resource
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

    import dagster as dg

    from benchmarks.synthetic import random_report, render_html
    from orchestration.parallel import shutdown_pools
    from orchestration.resources import OgiSettings
    from orchestration.run import materialize_year

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "reports")
        folder.mkdir()
        for i in range(args.n):
            report = random_report(i, "2021", args.year)
            (folder / f"report_{i:05d}.html").write_text(render_html(report), encoding="utf-8")
        registry = Path(tmp, "sources.yaml")
        registry.write_text(f"sources:\n  - {{name: generated, kind: files, path: {folder}}}\n", encoding="utf-8")
        settings = OgiSettings(storage_root=str(Path(tmp, "data")), sources=str(registry),
                               waivers=str(Path(tmp, "none.yaml")), workers=args.workers)
        instance = dg.DagsterInstance.ephemeral()
        start = time.perf_counter()
        outcome = materialize_year(str(args.year), settings, instance)
        seconds = time.perf_counter() - start
        run = instance.get_runs()[0]
        steps = instance.get_run_step_stats(run.run_id)
    shutdown_pools()  # workers count in RUSAGE_CHILDREN once they have exited
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.n} generated reports, year {args.year}: published={outcome.published}, "
          f"documents={outcome.documents}, failed checks={outcome.failed_checks or 'none'}")
    print(f"end to end {seconds:6.1f} s  = {args.n / seconds:6.1f} documents/s")
    for step in sorted(steps, key=lambda s: s.start_time or 0):
        print(f"  {step.step_key:<22} {step.end_time - step.start_time:6.1f} s")
    print(f"peak RSS: this process {own:6.0f} MiB, largest worker {workers:6.0f} MiB")


if __name__ == "__main__":
    main()
