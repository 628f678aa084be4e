"""OCR of page images that are not flat ruled scans: a page photographed in perspective, and a
table printed without ruling lines; each checked on one real table page at one resolution, cell
by cell against the page's text layer."""

import io

import cv2
import numpy as np
import pypdfium2
import pytest
from PIL import Image

from ogi.read import ocr, ocr_page, ocr_unruled
from ogi.report import extract_report
from ogi.testing import compare_cells, photograph, scan_pdf
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
    read = extract_report(image_pdf, "page.pdf", ocr=True)
    assert read["error"] is None, read["error"]
    counts = compare_cells(extract_report(data, "page.pdf")["cells"], read["cells"], read["warnings"])
    return counts["right"], counts["wrong"], counts["right"] + counts["null"] + counts["wrong"]


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


@pytest.mark.slow
def test_a_photographed_table_page_is_read_cell_by_cell(shared_corpus, no_time_limit):
    """The t2 and t3 page of a real report photographed in perspective (corners moved by 5–10 %
    of the sides, on a gray ground) at 150 dpi: at least 95 % of its printed cells right, at most
    0.5 % wrong."""
    data = _one_page("hongze_2023.pdf", 2)
    right, wrong, printed = _counts(data, scan_pdf(data, 150, photographed=True))
    assert printed >= 99
    assert right >= 0.95 * printed and wrong <= 0.005 * printed, (right, wrong, printed)


def _page_of(boxes: list[tuple[int, int, int, int, str, list[tuple[int, int]]]]):
    """A white page with a block of ink for each piece of each box, and the boxes' quads and texts:
    (x0, y0, x1, y1, text, the x-extents of its ink)."""
    page = np.full((1000, 1200), 255, np.uint8)
    quads, texts = [], []
    for x0, y0, x1, y1, text, pieces in boxes:
        for a, b in pieces:
            page[y0 + 8:y1 - 8, a:b] = 0
        quads.append(np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
        texts.append(text)
    return page, quads, texts


def _row(y: int, label: str, figures: list[str], xs=(500, 650, 800)):
    out = [(100, y, 100 + 30 * len(label), y + 40, label, [(100, 100 + 30 * len(label))])]
    out += [(x, y, x + 30, y + 40, f, [(x + 4, x + 26)]) for x, f in zip(xs, figures, strict=False)]
    return out


def test_a_table_without_lines_is_cut_into_rows_and_columns():
    boxes = _row(100, "规章", ["1", "0", "11"]) + _row(160, "行政规范性文件", ["8", "26", "66"])
    boxes += [(500, 220, 680, 260, "0 0", [(504, 526), (654, 676)]),  # two figures run together
              (800, 220, 830, 260, "3", [(804, 826)])] + _row(220, "其他", [])
    page, quads, texts = _page_of(boxes)
    (found,) = ocr_unruled.find_tables(page, quads, texts)
    table = found.table
    assert len(table.xs) == 5 and len(table.ys) == 4  # label + 3 columns of figures, 3 rows
    assert [table.cell_at(*quads[i].mean(axis=0)) for i in range(4)] == [found.placed[i] for i in range(4)]
    assert 8 not in found.placed and 8 in found.taken  # `0 0`: each cell read again alone
    assert not found.unclear


def test_a_figure_across_a_column_boundary_is_given_no_column():
    boxes = [box for i in range(5) for box in _row(100 + 60 * i, "规章", ["1", "0", "11"])]
    boxes += _row(400, "其他", ["5", "", "7"])
    boxes[-2] = (690, 400, 760, 440, "40", [(690, 760)])  # printed between two columns
    page, quads, texts = _page_of(boxes)
    (found,) = ocr_unruled.find_tables(page, quads, texts)
    assert list(found.unclear.values()) == [[len(boxes) - 2], [len(boxes) - 2, len(boxes) - 1]]  # and the 7 beside it
    assert len(boxes) - 2 not in found.placed


def test_two_figures_in_one_cell_are_not_run_together():
    boxes = [box for i in range(5) for box in _row(100 + 60 * i, "规章", ["1", "0", "11"])]
    boxes += _row(400, "其他", ["5", "", "7"])
    boxes[-2] = (632, 400, 662, 440, "1", [(636, 658)])  # `1` and `2` both within the middle column
    boxes.append((668, 400, 698, 440, "2", [(672, 694)]))
    page, quads, texts = _page_of(boxes)
    tables, cells = [], {}
    left = ocr._unruled(page, [ocr._Box(q, t, 0.99) for q, t in zip(quads, texts, strict=True)], tables, cells)
    assert not left and len(tables) == 1
    text = {i: ocr._cell(cells[(0, tables[0].cell_at(*quads[i].mean(axis=0)))]).text for i in (-4, -3, -1)}
    assert text == {-4: "5", -3: "1 2?", -1: "1 2?"}  # null, with both readings in raw


def test_prose_and_lone_figures_are_not_a_table():
    prose = [(100, 100 + 60 * i, 1100, 140 + 60 * i, text, [(100, 1100)]) for i, text in enumerate(
        ["2023年，全年共收到政府信息公开申请21件，办结21件。", "结转下年度0件", "行政复议3件，行政诉讼1件", "- 3 -"])]
    lone = _row(400, "行政许可", ["550"]) + _row(460, "行政处罚", ["4119"])  # one figure a row
    page, quads, texts = _page_of(prose + lone)
    assert ocr_unruled.find_tables(page, quads, texts) == []


@pytest.mark.slow
def test_a_table_without_ruling_lines_is_read_cell_by_cell(shared_corpus, no_time_limit):
    """The t2 and t3 page of a real report with its ruling lines painted white, at 200 dpi: at
    least 95 % of its printed cells right, at most 0.5 % wrong."""
    data = _one_page("hongze_2024.pdf", 2)
    right, wrong, printed = _counts(data, scan_pdf(data, 200, unruled=True))
    assert printed >= 94
    assert right >= 0.95 * printed and wrong <= 0.005 * printed, (right, wrong, printed)
