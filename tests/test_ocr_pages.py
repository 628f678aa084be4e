"""OCR of page images that are not flat ruled scans: a page photographed in perspective, and a
table printed without ruling lines; each checked on one real table page at one resolution, cell
by cell against the page's text layer."""

import contextlib
import io

import cv2
import numpy as np
import pypdfium2
import pytest
from PIL import Image

from ogi.read import ocr, ocr_page
from ogi.report import extract_report
from ogi.testing import photograph, scan_pdf
from tests.conftest import REAL


def _one_page(name: str, number: int) -> bytes:
    """One page of a real PDF, as a PDF of its own (text layer kept)."""
    source = pypdfium2.PdfDocument((REAL / name).read_bytes())
    page = pypdfium2.PdfDocument.new()
    page.import_pages(source, [number])
    out = io.BytesIO()
    page.save(out)
    return out.getvalue()


def _counts(data: bytes, image_pdf: bytes) -> tuple[int, int, int]:
    """(right, wrong, printed): the cells OCR reads from the image against the text layer's."""
    truth = extract_report(data, "page.pdf")
    read = extract_report(image_pdf, "page.pdf", ocr=True)
    assert read["error"] is None, read["error"]
    got = {(c["table"], c["row"], c["column"]): c["value"] for c in read["cells"]}
    printed = [c for c in truth["cells"] if c["value"] is not None]
    right = sum(got[(c["table"], c["row"], c["column"])] == c["value"] for c in printed)
    wrong = sum(got[(c["table"], c["row"], c["column"])] not in (None, c["value"]) for c in printed)
    return right, wrong, len(printed)


def _rendered(dpi: int) -> np.ndarray:
    image = pypdfium2.PdfDocument(_one_page("hongze_2023.pdf", 2))[0].render(scale=dpi / 72)
    return np.asarray(image.to_pil().convert("RGB"))


def test_a_flat_scan_is_left_as_it_is(shared_corpus):
    page = _rendered(100)
    assert ocr_page._sheet(page[:, :, 0]) is None  # the paper runs to the image's edges
    centre = (page.shape[1] / 2, page.shape[0] / 2)
    skewed = cv2.warpAffine(page, cv2.getRotationMatrix2D(centre, 2.0, 1.0), page.shape[1::-1],
                            borderValue=(255, 255, 255))
    assert ocr_page._sheet(skewed[:, :, 0]) is None  # a scanner's white fill is no dark ground
    assert np.array_equal(ocr_page._unwarped(page[:, :, 0]), page[:, :, 0])


def test_a_photographed_sheet_is_found_and_warped_to_its_rectangle(shared_corpus):
    page = _rendered(100)
    photo = np.asarray(photograph(Image.fromarray(page)))
    corners = ocr_page._sheet(photo[:, :, 0])
    pad = int(0.12 * page.shape[1])
    height, width = page.shape[:2]
    expected = [(pad + 0.08 * width, pad + 0.05 * height), (pad + 0.95 * width, pad + 0.09 * height),
                (pad + 0.90 * width, pad + 0.94 * height), (pad + 0.06 * width, pad + 0.93 * height)]
    assert np.abs(corners - np.float32(expected)).max() < 0.01 * max(photo.shape)


@pytest.fixture
def no_time_limit(monkeypatch):
    """Reading is measured here, on a machine that may be busy: the limits have their own tests."""
    monkeypatch.setattr(ocr, "BUDGET", float("inf"))
    monkeypatch.setattr("ogi.report.time_limit", contextlib.nullcontext)


@pytest.mark.slow
def test_a_photographed_table_page_is_read_cell_by_cell(shared_corpus, no_time_limit):
    """The t2 and t3 page of a real report photographed in perspective (corners moved by 5–10 %
    of the sides, on a gray ground) at 150 dpi: at least 95 % of its printed cells right, at most
    0.5 % wrong."""
    data = _one_page("hongze_2023.pdf", 2)
    right, wrong, printed = _counts(data, scan_pdf(data, 150, photographed=True))
    assert printed >= 99
    assert right >= 0.95 * printed and wrong <= 0.005 * printed, (right, wrong, printed)
