"""End-to-end speed and memory of report years: N generated reports a year from a local folder.

    python benchmarks/pipeline.py                         # 1,000 reports of 2023, every core
    python benchmarks/pipeline.py --n 10000 --broken 0.05 --workers 2
    python benchmarks/pipeline.py --n 3000 --years 2021,2022,2023   # a backfill in one process
    python benchmarks/pipeline.py --n 3000 --compare 1,2 --rounds 3  # 1 against 2 workers, alternating
    python benchmarks/pipeline.py --n 3000 --against ../base --rounds 3  # this code against another checkout

Runs what a user runs, in a fresh process: for one year `dagster asset materialize -m
orchestration.definitions --select '*' --partition YEAR`; for several, `ogi materialize --year
… --year …` (the years one after the other in one process, as a queued backfill runs them).
Prints, per run: seconds end to end and documents a second; each step's seconds (from the run's
Dagster event log); the peak RSS of every process (the run's and each worker, sampled from
/proc); the CPU seconds all of them used. `--broken` makes that share of the reports break rules
(a negative count in table 2: warnings, so the year still publishes and the gate lists them).
`--against DIR` runs the same command on the code of another checkout (e.g. `git worktree add
--detach ../base main`; imported from DIR, with this environment's packages), alternating with
this one under the same load, and prints the paired ratio.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.paired_rounds import median_ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="reports a year")
    parser.add_argument("--years", default="2023", help="report years, comma-separated (several: one process)")
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument("--broken", type=float, default=0.0, help="share of the reports that break a rule")
    parser.add_argument("--compare", help="worker counts to alternate, e.g. 1,2 (paired rounds)")
    parser.add_argument("--against", type=Path, help="another checkout to alternate with (paired rounds)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    years = [int(y) for y in args.years.split(",")]
    workers = [int(w) for w in args.compare.split(",")] if args.compare else [args.workers]
    codes = [ROOT, args.against.resolve()] if args.against else [ROOT]
    counts = [(code, w) for code in codes for w in workers]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "reports")
        _generate(folder, args.n, years, args.broken)
        print(f"{args.n:,} generated HTML reports a year, years {', '.join(map(str, years))}, "
              f"{args.broken:.0%} breaking a rule; {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f} at the start")
        totals: dict[tuple[Path, int], list[float]] = {c: [] for c in counts}
        for round_ in range(args.rounds):
            for code, w in counts if round_ % 2 == 0 else counts[::-1]:
                totals[(code, w)].append(_run(Path(tmp), folder, years, w, args.n, code))
        pairs = [((code, workers[0]), (code, w), f"{workers[0]} workers") for code in codes for w in workers[1:]]
        pairs += [((codes[1], w), (ROOT, w), f"the code in {codes[1]}") for w in workers if args.against]
        for base, this, label in pairs:
            where = "" if this[0] == ROOT else f" (code in {this[0]})"
            print(f"{this[1]} workers{where} against {label}: {median_ratio(totals[base], totals[this], 'faster')}")


def _generate(folder: Path, n: int, years: list[int], broken: float) -> None:
    from ogi.format import load_format
    from ogi.testing import random_report, render_html

    t2 = load_format().versions["2021"].tables["t2"]
    counts = [("t2", r, c) for r, c in t2.cells() if t2.columns[c].type == "count"]
    step = round(1 / broken) if broken else 0
    for year in years:
        (folder / str(year)).mkdir(parents=True)
        for i in range(n):
            report = random_report(year * 1_000_000 + i, "2021", year)
            if step and i % step == 0:
                report.values[counts[i % len(counts)]] = -5.0  # count_negative, a warning
            (folder / str(year) / f"report_{i:05d}.html").write_text(render_html(report), encoding="utf-8")


def _run(tmp: Path, folder: Path, years: list[int], workers: int, n: int, code: Path = ROOT) -> float:
    run_dir = Path(tempfile.mkdtemp(dir=tmp))
    registry = run_dir / "sources.yaml"
    registry.write_text(f"sources:\n  - {{name: generated, kind: files, path: {folder}}}\n", encoding="utf-8")
    home = run_dir / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {**os.environ, "OGI_DATA": str(run_dir / "data"), "OGI_SOURCES": str(registry),
           "OGI_WAIVERS": str(run_dir / "none.yaml"), "DAGSTER_HOME": str(home), "PYTHONPATH": str(code)}
    if workers:
        env["OGI_WORKERS"] = str(workers)
    bin_ = Path(sys.executable).parent
    if len(years) == 1:
        command = [str(bin_ / "dagster"), "asset", "materialize", "-m", "orchestration.definitions", "--select", "*",
                   "--partition", str(years[0])]
    else:
        command = [str(bin_ / "ogi"), "materialize", *(a for y in years for a in ("--year", str(y)))]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=code, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = _PeakSampler(process.pid)
    peaks.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    peaks.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    published = [y for y in years if Path(run_dir, "data", "documents", f"year={y}", "part-0.parquet").is_file()]
    docs = n * len(years)
    print(f"\n{'' if code == ROOT else f'code in {code}, '}workers={workers or 'one per core'}: exit "
          f"{process.returncode}, published {published or 'nothing'}")
    if process.returncode:
        print(stderr[-2000:])
    print(f"  end to end (fresh process) {seconds:7.1f} s = {docs / seconds:6.1f} documents/s; "
          f"CPU {cpu:.1f} s ({cpu / seconds:.2f} cores busy on average)")
    for step, took in _step_seconds(home):
        print(f"  {step:<26} {took:7.2f} s")
    for label, mib in peaks.report():
        print(f"  peak RSS {label:<40} {mib:6.0f} MiB")
    return seconds


def _step_seconds(home: Path) -> list[tuple[str, float]]:
    """(step, seconds) of every step of the runs recorded in the instance, in order (several
    years: summed by step over the runs)."""
    out = subprocess.run(
        [sys.executable, "-c", _STEPS], env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True, text=True, check=False).stdout
    totals: dict[str, float] = {}
    for line in out.splitlines():
        step, seconds = line.rsplit(" ", 1)
        totals[step] = totals.get(step, 0.0) + float(seconds)
    return list(totals.items())


# Read in a separate process: this one imports nothing of Dagster while it measures.
_STEPS = """
from dagster import DagsterEventType, DagsterInstance
instance = DagsterInstance.get()
for run in reversed(instance.get_runs()):
    starts = {}
    for e in instance.all_logs(run.run_id):
        if e.dagster_event is None:
            continue
        kind, step = e.dagster_event.event_type, e.dagster_event.step_key
        if kind == DagsterEventType.STEP_START:
            starts[step] = e.timestamp
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE) and step in starts:
            print(step, round(e.timestamp - starts[step], 3))
"""


class _PeakSampler(threading.Thread):
    """The peak RSS (VmHWM) of a process and of every process below it, read from /proc every
    0.2 s: the run's process and each worker it started."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peaks, self.labels, self.done = pid, {}, {}, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in self._tree():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if not cmdline:  # exited, not yet reaped
                    continue
                hwm = next((int(x.split()[1]) for x in status.splitlines() if x.startswith("VmHWM")), 0)
                self.peaks[pid] = max(self.peaks.get(pid, 0), hwm / 1024)
                self.labels[pid] = ("run process" if pid == self.pid else "resource tracker"
                                    if "resource_tracker" in cmdline else "worker" if "multiprocessing" in cmdline
                                    else cmdline.split()[0].rsplit("/", 1)[-1])
            self.done.wait(0.2)

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        tree, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [p for p, parent in parents.items() if parent in frontier]
            tree += frontier
        return tree

    def stop(self) -> None:
        self.done.set()
        self.join()

    def report(self) -> list[tuple[str, float]]:
        workers = sorted(mib for pid, mib in self.peaks.items() if self.labels[pid] == "worker")
        rows = [(f"{self.labels[pid]} (pid {pid})", mib) for pid, mib in self.peaks.items()
                if self.labels[pid] != "worker"]
        if workers:
            rows.append((f"{len(workers)} workers started: median", statistics.median(workers)))
            rows.append(("workers: largest", workers[-1]))
        return rows


if __name__ == "__main__":
    main()
