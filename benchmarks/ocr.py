"""How well OCR reads the tables: the real PDFs' pages rendered to images, read by Tesseract,
compared cell by cell with what their text layer gives.

    python benchmarks/ocr.py      # needs Debian tesseract-ocr and tesseract-ocr-chi-sim
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import pypdfium2

    from ogi.read import ocr
    from ogi.report import extract_report

    if not ocr.available():
        sys.exit("OCR unavailable: install tesseract-ocr and tesseract-ocr-chi-sim")
    totals = {"cells": 0, "same": 0, "wrong": 0, "missing": 0, "pages": 0, "seconds": 0.0}
    for path in sorted((ROOT.parent / "shared" / "corpus" / "real").glob("*.pdf")):
        truth = extract_report(path.read_bytes(), path.name)
        scanned = _image_only(path.read_bytes(), pypdfium2)
        start = time.perf_counter()
        read = extract_report(scanned, path.name, ocr=True)
        totals["seconds"] += time.perf_counter() - start
        totals["pages"] += len(pypdfium2.PdfDocument(scanned))
        got = {(c["table"], c["row"], c["column"]): c["value"] for c in read["cells"] or []}
        counts = {"same": 0, "wrong": 0, "missing": 0}
        for c in truth["cells"]:
            if c["value"] is None:
                continue
            value = got.get((c["table"], c["row"], c["column"]))
            counts["missing" if value is None else "same" if value == c["value"] else "wrong"] += 1
        cells = sum(counts.values())
        print(f"{path.name:<18} {cells:4d} printed cells: {counts['same']:4d} right, {counts['wrong']:4d} wrong, "
              f"{counts['missing']:4d} not read")
        totals["cells"] += cells
        for k, n in counts.items():
            totals[k] += n
    print(f"all: {totals['same'] / totals['cells']:.1%} right, {totals['wrong'] / totals['cells']:.1%} wrong, "
          f"{totals['missing'] / totals['cells']:.1%} not read; {totals['pages'] / totals['seconds']:.2f} pages/s")


def _image_only(data: bytes, pypdfium2) -> bytes:
    """The same pages as pictures only: a scan with no text layer."""
    import io

    images = [page.render(scale=200 / 72).to_pil().convert("RGB") for page in pypdfium2.PdfDocument(data)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=200)
    return out.getvalue()


if __name__ == "__main__":
    main()
