"""Optional OCR for PDFs without a text layer: Tesseract (Debian `tesseract-ocr-chi-sim`).

Used when the caller asks for it (`ocr=True` down from the settings or `ogi extract --ocr`) and
`tesseract` with the chi_sim model is installed. Pages are rendered
with pypdfium2 and read line by line; the lines go through the same text path as any text
report. OCR misreads table rules as digits, so every value it yields is marked inferred and the
record carries a warning: these numbers are a reading to check against the page, not a fact.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

DPI = 300
SECONDS_PER_PAGE = 60


def available() -> bool:
    """Tesseract can read simplified Chinese here."""
    if shutil.which("tesseract") is None:
        return False
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
    return "chi_sim" in langs.split()


def ocr_pdf(data: bytes, max_pages: int) -> list[str]:
    """The text lines of every page, as Tesseract reads the rendered page."""
    import pypdfium2

    lines: list[str] = []
    pdf = pypdfium2.PdfDocument(data)
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(min(len(pdf), max_pages)):
            image = Path(tmp, f"page{number}.png")
            pdf[number].render(scale=DPI / 72).to_pil().convert("L").save(image)
            out = subprocess.run(["tesseract", str(image), "-", "-l", "chi_sim", "--psm", "6"],
                                 capture_output=True, text=True, timeout=SECONDS_PER_PAGE, check=False)
            lines.extend(line for line in out.stdout.splitlines() if line.strip())
    return lines
