"""How well OCR reads the tables: the three real PDFs' pages turned into image-only PDFs (150 and
300 dpi; 200 dpi turned by 1° and saved as JPEG of quality 60), read by each engine, compared
cell by cell with what their text layer gives. Prints pages per second, the printed cells read
right, left null and read wrong, and how many figures read unsurely the table's arithmetic
decided (`decided`, counted among the others), per engine and condition.

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
    engines = [("rapidocr + ruling lines", True, CONDITIONS),
               ("rapidocr, page as lines", False, CONDITIONS[2:])]
    print(f"{'engine':<26} {'condition':<28} {'pages/s':>7} {'cells':>5} {'right':>7} {'null':>7} {'wrong':>7} "
          f"{'decided':>7}")
    for name, tables, conditions in engines:
        for label, dpi, noisy in conditions:
            counts, pages, seconds = _run(dpi, noisy, tables)
            cells = counts["right"] + counts["null"] + counts["wrong"]
            print(f"{name:<26} {label:<28} {pages / seconds:7.2f} {cells:5d} "
                  + " ".join(f"{counts[k] / cells:7.1%}" for k in ("right", "null", "wrong")) + f" {counts['decided']:7d}")


def _run(dpi: int, noisy: bool, tables: bool) -> tuple[dict, int, float]:
    """(cell counts, pages, seconds of OCR) over the real PDFs in one condition; `tables` False
    reads every page as lines of text (no ruling lines looked for), the text path's way."""
    import pypdfium2

    from ogi.read import ocr, ocr_tables

    find_tables = ocr_tables.find_tables
    ocr_tables.find_tables = find_tables if tables else (lambda masks: [])
    from ogi.read.normalize import ocr_document
    from ogi.report import extract_report, extract_stage
    from ogi.testing import scan_pdf

    counts = {"right": 0, "null": 0, "wrong": 0, "decided": 0}
    pages, seconds = 0, 0.0
    for path in sorted((ROOT.parent / "shared" / "corpus" / "real").glob("*.pdf")):
        data = path.read_bytes()
        truth = extract_report(data, path.name)
        scan = scan_pdf(data, dpi, noisy)
        start = time.perf_counter()
        reading = ocr.ocr_pdf(scan, 300, seconds=float("inf"))
        seconds += time.perf_counter() - start
        pages += len(pypdfium2.PdfDocument(scan))
        extracted = extract_stage(ocr_document(reading))
        got = {(c["table"], c["row"], c["column"]): c["value"] for c in extracted.cells}
        counts["decided"] += sum("by the table's arithmetic" in w for w in extracted.warnings)
        for c in truth["cells"]:
            if c["value"] is not None:
                value = got.get((c["table"], c["row"], c["column"]))
                counts["null" if value is None else "right" if value == c["value"] else "wrong"] += 1
    ocr_tables.find_tables = find_tables
    return counts, pages, seconds


if __name__ == "__main__":
    main()
