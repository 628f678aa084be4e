"""Extraction speed and memory: documents per second and peak RSS, one process, one core.

    python benchmarks/extract.py            # sample corpus + 1,000 generated HTML reports
    python benchmarks/extract.py --n 5000   # more generated reports
    python benchmarks/extract.py --pdf      # only the real PDFs: fast path vs the paths before it
    python benchmarks/extract.py --html     # only the HTML comparisons (generated and real pages)
    python benchmarks/extract.py --html --against ../main   # and this checkout against another one

Times are the process's CPU time (one process, one core), so other work on the machine adds
less noise than to wall time.

Each scenario runs in its own child process so its peak memory is its own. The real PDFs are read
by the fast path (ogi.read.pdftext: every page through pdfium), by the previous path (table pages
through pdfplumber) and by pdfplumber alone with pdfminer's logging as it was (the code before
either), in alternating rounds, so the ratios hold on a busy machine.

The HTML ratios are times over the same files, measured in alternating rounds in the same run
(median of the paired rounds): `ogi extract` against pandas.read_html on the generated pages (pandas only
parses tables; we also decode, normalize, locate, recover and check them) and against lxml's
parse alone on the real pages (the floor: every HTML page is parsed by lxml first).

`--against DIR` also runs `ogi extract` of another checkout of the project (a git worktree of the
code before a change) against this one over the same pages: two resident processes, one short pass
each in turn, many rounds, so that both see the same load on a busy machine (a ratio per round).
"""

from __future__ import annotations

import argparse
import glob
import io
import multiprocessing as mp
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.paired_rounds import median_ratio


def _run(kind: str, files: list[str], queue) -> None:
    from ogi.report import extract_report

    datas = [Path(f).read_bytes() for f in files]
    if kind == "pdfplumber":
        _pdfplumber_alone()
        work = extract_report
    elif kind == "tables-pdfplumber":
        _tables_through_pdfplumber()
        work = extract_report
    elif kind == "pandas":
        import pandas as pd

        work = lambda data, name: pd.read_html(io.BytesIO(data))
    elif kind == "lxml":
        from lxml import etree

        work = lambda data, name: etree.fromstring(data, etree.HTMLParser())
    else:
        work = extract_report
    work(datas[0], files[0])  # warm caches (format, OpenCC)
    start = time.process_time()
    errors = 0
    for data, name in zip(datas, files, strict=True):
        result = work(data, name)
        errors += kind not in ("pandas", "lxml") and result["error"] is not None
    seconds = time.process_time() - start
    queue.put((seconds, errors, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _pdfplumber_alone() -> None:
    """Every PDF page through pdfplumber, pdfminer's debug calls as pdfminer makes them."""
    import logging

    from ogi.read import normalize, pdf

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("pdfminer"):
            logging.getLogger(name).__dict__.pop("debug", None)
    read = pdf.read_pdf
    normalize.read_pdf = lambda data, max_pages=pdf.MAX_PAGES, ocr=False: read(data, max_pages, ocr, fast=False)


def _tables_through_pdfplumber() -> None:
    """The path before table pages were cut from pdfium's paths: they went through pdfplumber."""
    from ogi.read import pdftext

    read = pdftext.Page.read
    pdftext.Page.read = lambda self: (None, 0, 0) if self.is_table_page() else read(self)


def real_pdfs(rounds: int = 5) -> None:
    """The real PDFs, fast path and the paths before it in alternating rounds; pages/s and ratios."""
    files = sorted(glob.glob(str(ROOT.parent / "shared" / "corpus" / "real" / "*.pdf")))
    if not files:
        return
    pages, runs = _pages(files), {"ogi": [], "tables-pdfplumber": [], "pdfplumber": []}
    for _ in range(rounds):
        for kind in runs:
            runs[kind].append(measure(kind, files * 5))
    for kind, label in (("ogi", "real PDFs (shared corpus, 5-6 pages)"),
                        ("tables-pdfplumber", "  same, table pages via pdfplumber"),
                        ("pdfplumber", "  same, every page via pdfplumber")):
        best = min(runs[kind])
        report(label, files * 5, *best)
        print(f"{'':<34} {5 * pages / best[0]:8.1f} pages/s (best of {rounds} rounds)")
    for kind, label in (("tables-pdfplumber", "table pages via pdfplumber"), ("pdfplumber", "pdfplumber alone")):
        print(f"fast path vs {label}: "
              + median_ratio([old[0] for old in runs[kind]], [new[0] for new in runs["ogi"]], "the pages per second"))
    print(f"text layer alone with pypdfium2: {_pypdfium2_pages_per_second(files):.0f} pages/s")


_NAMES = {"pandas": "pandas.read_html", "lxml": "lxml parse alone"}


def compare(label: str, files: list[str], kinds: tuple[str, ...], rounds: int) -> None:
    """`ogi extract` and the alternatives over the same files in alternating rounds: the best
    round of each, and the time of ogi divided by each alternative's (median of the rounds)."""
    runs = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind in kinds:
            runs[kind].append(measure(kind, files))
    for kind in kinds:
        report(label if kind == "ogi" else f"  same files, {_NAMES[kind]}", files, *min(runs[kind]))
    for kind in kinds[1:]:
        print(f"ogi extract ÷ {_NAMES[kind]}: "
              + median_ratio([ours[0] for ours in runs["ogi"]], [theirs[0] for theirs in runs[kind]], "the time"))


def measure(kind: str, files: list[str]) -> tuple[float, int, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run, args=(kind, files, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def report(label: str, files: list[str], seconds: float, errors: int, rss: float, pages: str = "documents") -> float:
    rate = len(files) / seconds
    print(f"{label:<34} {len(files):>6} {pages}  {rate:8.1f}/s  {1000 * seconds / len(files):6.2f} ms each"
          f"  peak RSS {rss:6.1f} MiB  errors {errors}")
    return rate


_RESIDENT = """
import sys, time
from ogi.report import extract_report
files = sys.argv[1:]
datas = [open(f, "rb").read() for f in files]
for data, name in zip(datas, files):
    extract_report(data, name)
print("ready", flush=True)
for _ in sys.stdin:
    start = time.process_time()
    for data, name in zip(datas, files):
        extract_report(data, name)
    print(time.process_time() - start, flush=True)
"""


def against(other: Path, label: str, files: list[str], rounds: int) -> None:
    """This checkout's `ogi extract` and another's (imported from its directory) over the same
    files, one pass each in turn in two resident processes: the ratio of each round's CPU times."""
    procs = [subprocess.Popen([sys.executable, "-c", _RESIDENT, *files], cwd=tree, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) for tree in (ROOT, other)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    times: list[list[float]] = [[], []]
    for i in range(rounds):
        for k in (0, 1) if i % 2 == 0 else (1, 0):
            procs[k].stdin.write("go\n")
            procs[k].stdin.flush()
            times[k].append(float(procs[k].stdout.readline()))
    for proc in procs:
        proc.stdin.close()
        proc.wait()
    ratios = [ours / theirs for ours, theirs in zip(*times, strict=True)]
    low, median, high = statistics.quantiles(ratios, n=4)
    print(f"{label}: this checkout ÷ {other}: {median:.3f}x the time (quartiles {low:.3f}-{high:.3f}, "
          f"{rounds} rounds; {1000 * statistics.median(times[0]) / len(files):.2f} against "
          f"{1000 * statistics.median(times[1]) / len(files):.2f} ms a page)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="generated reports")
    parser.add_argument("--pdf", action="store_true", help="only the real PDFs")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the HTML comparisons")
    parser.add_argument("--html", action="store_true", help="only the HTML comparisons")
    parser.add_argument("--against", type=Path, help="another checkout to compare with (e.g. a worktree of main)")
    args = parser.parse_args()
    if args.pdf:
        real_pdfs()
        return
    from ogi.testing import random_report, render_html

    with tempfile.TemporaryDirectory() as tmp:
        generated = []
        for i in range(args.n):
            path = Path(tmp) / f"report_{i:05d}.html"
            path.write_text(render_html(random_report(i, "2021" if i % 2 else "2019")), encoding="utf-8")
            generated.append(str(path))
        real = sorted(glob.glob(str(ROOT.parent / "shared" / "corpus" / "real" / "*.html")))
        if not args.html:
            sample = sorted(glob.glob(str(ROOT / "samples" / "reports" / "*")))
            report("sample corpus (samples/reports)", sample, *measure("ogi", sample))
            other_formats(tmp, args.n // 10)
        compare(f"{args.n} generated HTML reports", generated, ("ogi", "pandas"), args.rounds)
        if real:
            compare("real pages (shared corpus, 110-220 KB)", real * 20, ("ogi", "lxml", "pandas"), args.rounds)
        if args.against:
            against(args.against.resolve(), "generated pages", generated[:100], 20 * args.rounds)
            if real:
                against(args.against.resolve(), "real pages", real * 2, 20 * args.rounds)


def other_formats(tmp: str, n: int) -> None:
    """Generated PDF and DOCX reports, and the real PDFs."""
    from ogi.testing import random_report, render_docx, render_pdf

    pdfs, docxs = [], []
    for i in range(n):
        generated_report = random_report(i, "2021" if i % 2 else "2019")
        pdfs.append(Path(tmp) / f"report_{i:05d}.pdf")
        pdfs[-1].write_bytes(render_pdf(generated_report))
        docxs.append(Path(tmp) / f"report_{i:05d}.docx")
        docxs[-1].write_bytes(render_docx(generated_report))
    seconds, errors, rss = measure("ogi", [str(p) for p in pdfs])
    report(f"{len(pdfs)} generated PDF reports", pdfs, seconds, errors, rss)
    print(f"{'':<34} {2 * len(pdfs) / seconds:8.1f} pages/s (2 pages each)")
    report(f"{len(docxs)} generated DOCX reports", docxs, *measure("ogi", [str(p) for p in docxs]))
    real_pdfs()


def _pages(files: list[str]) -> int:
    import pypdfium2

    return sum(len(pypdfium2.PdfDocument(f)) for f in files)


def _pypdfium2_pages_per_second(files: list[str]) -> float:
    """pypdfium2 reads the text layer far faster, but gives no table cells (why pdfplumber)."""
    import pypdfium2

    start, pages = time.perf_counter(), 0
    for _ in range(5):
        for f in files:
            pdf = pypdfium2.PdfDocument(f)
            for i in range(len(pdf)):
                pdf[i].get_textpage().get_text_range()
                pages += 1
    return pages / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
