"""How well OCR reads the tables: the three real PDFs' pages turned into image-only PDFs (150 and
300 dpi; 200 dpi turned by 1° and saved as JPEG of quality 60), read by each engine, compared
cell by cell with what their text layer gives. Prints pages per second, the printed cells read
right, left null and read wrong, and how many figures read unsurely the table's arithmetic
decided (`decided`, counted among the others) and how many of those it decided wrong
(`decided wrong`), per engine and condition. Then the pages that are
not flat ruled scans (pages_conditions): photographed in perspective on a gray ground, and the
tables' ruling lines painted white (tables printed without lines), read by this reader and as
lines of text only (`--pages`: these alone).

    python benchmarks/ocr.py      # needs the ocr extra: pip install -e '.[ocr]'

The document's time limit and the OCR time budget are lifted here: this measures reading, and
the pages per second say what the limit allows.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONDITIONS = [("150 dpi", 150, False), ("300 dpi", 300, False), ("200 dpi, 1° skew, JPEG q60", 200, True)]


def main() -> None:
    from ogi.read import ocr

    if not ocr.available():
        sys.exit("OCR unavailable: pip install -e '.[ocr]'")
    print(f"{'engine':<26} {'condition':<34} {'pages/s':>7} {'cells':>5} {'right':>7} {'null':>7} {'wrong':>7} "
          f"{'decided':>7} {'decided wrong':>13}")
    if "--pages" not in sys.argv:
        for name, tables, conditions in [("rapidocr + tables", True, CONDITIONS),
                                         ("rapidocr, page as lines", False, CONDITIONS[2:])]:
            for label, dpi, noisy in conditions:
                _print(name, label, *_run(dpi, noisy, tables))
    pages_conditions()


def pages_conditions() -> None:
    """Pages that are not flat ruled scans: photographed (perspective), and tables without lines."""
    for name, tables, label, dpi, noisy, options in [
            ("rapidocr + tables", True, "200 dpi, photographed", 200, False, {"photographed": True}),
            ("rapidocr + tables", True, "200 dpi, 1° skew, JPEG q60, no lines", 200, True, {"unruled": True}),
            ("rapidocr, page as lines", False, "200 dpi, 1° skew, JPEG q60, no lines", 200, True, {"unruled": True})]:
        _print(name, label, *_run(dpi, noisy, tables, options))


def _print(name: str, label: str, counts: dict, pages: int, seconds: float) -> None:
    cells = counts["right"] + counts["null"] + counts["wrong"]
    print(f"{name:<26} {label:<34} {pages / seconds:7.2f} {cells:5d} "
          + " ".join(f"{counts[k] / cells:7.1%}" for k in ("right", "null", "wrong"))
          + f" {counts['decided']:7d} {counts['decided wrong']:13d}", flush=True)


def _run(dpi: int, noisy: bool, tables: bool, options: dict | None = None) -> tuple[dict, int, float]:
    """(cell counts, pages, seconds of OCR) over the real PDFs in one condition (`options`: more of
    scan_pdf's options); `tables` False reads every page as lines of text (no tables looked for,
    ruled or not), the text path's way."""
    import pypdfium2

    from ogi.read import ocr, ocr_tables, ocr_unruled
    from ogi.read.normalize import ocr_document
    from ogi.report import extract_report, extract_stage
    from ogi.testing import compare_cells, scan_pdf

    counts = dict.fromkeys(("right", "null", "wrong", "decided", "decided wrong"), 0)
    pages, seconds = 0, 0.0
    find_tables, find_unruled = ocr_tables.find_tables, ocr_unruled.find_tables
    ocr_tables.find_tables = find_tables if tables else (lambda masks: [])
    ocr_unruled.find_tables = find_unruled if tables else (lambda gray, quads, texts: [])
    try:
        for path in sorted((ROOT.parent / "shared" / "corpus" / "real").glob("*.pdf")):
            data = path.read_bytes()
            scan = scan_pdf(data, dpi, noisy, **(options or {}))
            start = time.perf_counter()
            reading = ocr.ocr_pdf(scan, 300, seconds=float("inf"))
            seconds += time.perf_counter() - start
            pages += len(pypdfium2.PdfDocument(scan))
            extracted = extract_stage(ocr_document(reading))
            found = compare_cells(extract_report(data, path.name)["cells"], extracted.cells, extracted.warnings)
            counts = {k: counts[k] + found[k] for k in counts}
    finally:
        ocr_tables.find_tables, ocr_unruled.find_tables = find_tables, find_unruled
    return counts, pages, seconds


if __name__ == "__main__":
    main()
