"""OCR of PDFs without a text layer (the `ocr` extra): tables cut along their ruling lines, pages
straightened, readings below the confidence threshold left null, and the real reports' scans
checked cell by cell against their text layer."""

import io
import json

import cv2
import numpy as np
import pypdfium2
import pytest

from ogi.read import ocr, ocr_page, ocr_tables
from ogi.read.document import Document
from ogi.report import extract_report
from ogi.steps import extract_row
from ogi.testing import compare_cells, random_report, render_pdf, scan_pdf
from tests.conftest import REAL


def _ruled_page() -> np.ndarray:
    """A white page with a 3 × 3 ruled table whose first column's last two cells are one."""
    page = np.full((1000, 800), 255, np.uint8)
    xs, ys = [100, 300, 500, 700], [200, 300, 400, 500]
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 0, 2)
    for x in xs:
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 0, 2)
    page[398:403, 103:298] = 255  # no rule between rows 2 and 3 in column 1: a merged cell
    return page


def test_ruled_table_is_cut_into_cells_with_a_merged_cell_kept_once():
    (table,) = ocr_tables.find_tables(ocr_tables.line_masks(_ruled_page()))
    assert len(table.xs) == 4 and len(table.ys) == 4
    rows = table.rows()
    assert [len(r) for r in rows] == [3, 3, 2]  # the merged cell only in the row where it starts
    assert table.cell_at(200, 350) == table.cell_at(200, 450) != table.cell_at(400, 450)
    assert table.cell_at(50, 50) is None


@pytest.mark.parametrize("turn", [0, 90])
@pytest.mark.parametrize("skew", [0.0, 1.0, -2.5])
def test_page_is_turned_upright_and_straightened(turn, skew):
    page = _ruled_page()
    centre = (page.shape[1] / 2, page.shape[0] / 2)
    tilted = cv2.warpAffine(page, cv2.getRotationMatrix2D(centre, skew, 1.0), page.shape[::-1], borderValue=255)
    if turn:
        tilted = cv2.rotate(tilted, cv2.ROTATE_90_COUNTERCLOCKWISE)
    prepared = ocr_page.prepare(np.dstack([tilted] * 3))
    (table,) = ocr_tables.find_tables(ocr_tables.line_masks(prepared))
    assert len(table.xs) == 4 and len(table.ys) == 4 and [len(r) for r in table.rows()] == [3, 3, 2]


def test_red_seal_ink_is_faded_out():
    page = np.full((100, 100, 3), 255, np.uint8)
    page[10:20, 10:20] = (200, 30, 30)  # seal red
    page[50:60, 50:60] = (20, 20, 20)  # print black
    gray = ocr_page.prepare(page)
    assert gray[15, 15] > 180 and gray[55, 55] < 60


def test_a_number_read_unsurely_stays_null_with_its_reading_in_raw():
    sure = ocr._Box(np.zeros((4, 2), np.float32), "7", 0.99)
    unsure = ocr._Box(np.zeros((4, 2), np.float32), "7", ocr.MIN_CONFIDENCE - 0.01)
    confirmed = ocr._Box(np.zeros((4, 2), np.float32), "7", ocr.MIN_CONFIDENCE - 0.01, confirmed=True)
    label = ocr._Box(np.zeros((4, 2), np.float32), "、1.本年新收", 0.2)
    assert ocr._cell_text([sure]) == "7" and ocr._cell_text([unsure]) == "7?" and ocr._cell_text([confirmed]) == "7"
    assert ocr._cell_text([label]) == "1.本年新收"  # a label is not a number: no threshold, lost ordinal dropped
    assert ocr._unsure_number([unsure]) and not ocr._unsure_number([label]) and not ocr._unsure_number([confirmed])


def test_documents_record_that_a_document_was_read_by_ocr():
    doc = Document("pdf-ocr", ["2023年政府信息公开工作年度报告"], "binary", meta={"ocr_confidence": "0.9712"})
    row, _ = extract_row({"doc_id": "x", "document": json.dumps(doc.to_json()), "error": None})
    assert row["ocr"] is True and row["ocr_confidence"] == pytest.approx(0.9712)
    row, _ = extract_row({"doc_id": "y", "document": None, "error": "needs OCR: …"})
    assert row["ocr"] is False and row["ocr_confidence"] is None


def test_ocr_is_used_unless_turned_off(monkeypatch):
    scan = render_pdf(random_report(26, "2021"), scanned=True)
    record = extract_report(scan, "scan.pdf", ocr=False)
    assert record["error"].startswith("needs OCR: the PDF has no text layer") and "turned off" in record["error"]
    monkeypatch.setattr(ocr, "available", lambda: False)  # the extra not installed
    record = extract_report(scan, "scan.pdf")
    assert record["error"].endswith("its tables cannot be read as text (pip install -e '.[ocr]')")


def test_a_scan_without_readable_text_is_still_an_error(monkeypatch):
    monkeypatch.setenv("OGI_OCR", "0")  # the environment is not the library's to read: OCR is on by default
    record = extract_report(render_pdf(random_report(27, "2021"), scanned=True), "scan.pdf")
    assert record["error"] == "no annual report found: no report title and no template table"
    assert record["cells"] is None  # never an empty report


def test_the_normalize_step_passes_ocr_to_its_workers():
    from functools import partial

    from ogi.parallel import map_batches, pool
    from ogi.steps import normalize_row

    items = [("scan", render_pdf(random_report(27, "2021"), scanned=True), "scan.pdf", "application/pdf")]
    with pool(2) as executor:
        (default,), (off,) = (list(map_batches(executor, partial(normalize_row, **kw), items)) for kw in ({}, {"ocr": False}))
    assert default[0]["error"] is None and json.loads(default[0]["document"])["kind"] == "pdf-ocr"
    assert off[0]["document"] is None and off[0]["error"].startswith("needs OCR")


def _table_pages(data: bytes) -> list[int]:
    """The pages whose text layer prints a ruled table's labels (the tables' labels decide the
    template without the title's year)."""
    pdf = pypdfium2.PdfDocument(data)
    labels = ("本年制发件数", "本年处理决定数量", "申请人情况", "结转下年度继续办理")  # 结转…: t3's end, t4 after it
    return [n for n in range(len(pdf)) if any(w in pdf[n].get_textpage().get_text_range() for w in labels)]


@pytest.mark.slow
@pytest.mark.parametrize("dpi, noisy", [(150, False), (300, False), (200, True)])
def test_scans_of_the_real_reports_are_read_cell_by_cell(shared_corpus, no_time_limit, dpi, noisy):
    """Every printed cell of the three real PDFs' tables, their table pages turned into images:
    at least 95 % right, at most 0.5 % wrong (a value different from the text layer's), every
    value read marked inferred, none decided by arithmetic wrong."""
    counts = dict.fromkeys(("right", "null", "wrong", "unmarked", "decided wrong"), 0)
    for path in sorted(REAL.glob("*.pdf")):
        data = path.read_bytes()
        read = extract_report(scan_pdf(data, dpi, noisy, _table_pages(data)), path.name, ocr=True)
        assert read["error"] is None, read["error"]
        found = compare_cells(extract_report(data, path.name)["cells"], read["cells"], read["warnings"])
        counts = {k: counts[k] + found[k] for k in counts}
    printed = counts["right"] + counts["null"] + counts["wrong"]
    assert printed >= 558  # every printed cell of the text layer (558, and 42 zeros read into a 2021 row since)
    assert counts["right"] >= 0.95 * printed and counts["wrong"] <= 0.005 * printed, (counts, printed)
    assert counts["unmarked"] == counts["decided wrong"] == 0, counts


def test_pages_beyond_the_time_budget_are_left_unread_and_named():
    from ogi.read.normalize import ocr_document

    blank = render_pdf(random_report(28, "2021"), scanned=True)
    two = scan_pdf(blank, 100, pages=[0, 0])  # two copies of the page, as images
    reading = ocr.ocr_pdf(two, 10, seconds=0)  # the first page is always read
    assert reading.skipped == [2]
    assert any("pages 2 left unread for lack of time" in w for w in ocr_document(reading).warnings)


def test_the_title_page_is_read_before_the_table_pages_use_up_the_time(monkeypatch):
    """A first page without a table, then two table pages, each read taking 10 s of a 15 s budget
    (a stubbed reader and clock): the first page and the first table page are read."""
    from types import SimpleNamespace

    from ogi.read import ocr_tables

    clock, read = [0.0], []

    def read_page(gray, scores, tables, masks):
        read.append(int(gray[0, 0]))
        clock[0] += 10
        return []

    pdf = pypdfium2.PdfDocument.new()
    for _ in range(3):
        pdf.new_page(100, 100)
    data = io.BytesIO()
    pdf.save(data)
    monkeypatch.setattr(ocr, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    monkeypatch.setattr(ocr, "_page", lambda pdf, n: np.full((8, 8), n, np.uint8))  # a page's number in its ink
    monkeypatch.setattr(ocr_tables, "line_masks", lambda gray: gray)
    monkeypatch.setattr(ocr_tables, "find_tables", lambda masks: ["a table"] if masks[0, 0] else [])
    monkeypatch.setattr(ocr, "_read_page", read_page)
    reading = ocr.ocr_pdf(data.getvalue(), 10, seconds=15)
    assert read == [0, 1] and reading.skipped == [3]


def test_signs_in_a_figure_cell_are_read_again():
    arrow = ocr._Box(np.zeros((4, 2), np.float32), "←", 0.95)
    word = ocr._Box(np.zeros((4, 2), np.float32), "总计", 0.5)
    assert ocr._unsure_number([arrow]) and not ocr._unsure_number([word])


def test_a_scan_whose_tables_ocr_cannot_read_is_still_an_error(shared_corpus):
    prose = scan_pdf((REAL / "hongze_2023.pdf").read_bytes(), 150, pages=[0])  # the report's first page
    record = extract_report(prose, "scan.pdf", ocr=True)
    assert record["error"] == "needs OCR: the PDF has no text layer and OCR could not read its tables"


def _grid_report(changes: dict[tuple[int, int], tuple[str, tuple[str, ...]]]) -> Document:
    """A generated 2021 report as the grids OCR gives, with the cells at (grid, row) and their
    n-th figure read unsurely: (what was read, its alternatives)."""
    from ogi.read.document import Cell, Grid
    from ogi.read.normalize import normalize_document
    from ogi.testing import render_html

    doc = normalize_document(render_html(random_report(5, "2021")).encode(), "r.html", "text/html")
    doc.kind = "pdf-ocr"
    grids = [b for b in doc.blocks if isinstance(b, Grid)]
    figures = {(g, r): [i for i, c in enumerate(grids[g].rows[r]) if c.text.replace(".", "").isdigit()] for g, r, _ in changes}
    for (g, r, n), (text, alternatives) in changes.items():
        grids[g].rows[r][figures[(g, r)][n]] = Cell(text, alternatives=alternatives)
    return Document(doc.kind, doc.blocks, doc.encoding, doc.title, doc.meta)


def _cells(doc: Document) -> tuple[dict, list[str]]:
    from ogi.report import extract_stage

    extracted = extract_stage(doc)
    return {(c["table"], c["row"], c["column"]): c for c in extracted.cells}, extracted.warnings


def test_an_unsure_figure_that_one_alternative_makes_add_up_is_corrected_and_said_so():
    # t3 (一)予以公开 prints 2 0 0 0 0 1 | 3; OCR read the 总计 3 as `8?`
    cells, warnings = _cells(_grid_report({(1, 5, 6): ("8?", ("8", "3", "6", "0"))}))
    total = cells[("t3", "granted", "total")]
    assert (total["value"], total["raw"], total["inferred"], total["ambiguous"]) == (3, "3", True, False)
    assert "t3.granted.total read by OCR as 8, unsurely; of its readings 0, 3, 6, 8 only 3 satisfies " \
           "t3_row_total: corrected by the table's arithmetic" in warnings


def test_unsure_figures_that_several_alternatives_fit_stay_null_with_their_candidates():
    # t4 prints 3 2 4 5 | 14: 复议 维持 read as `8?` and 其他 as `4?`; 3+4, 6+1 and 0+7 all make 14
    cells, warnings = _cells(_grid_report({(2, 3, 0): ("8?", ("8", "3", "6", "0")), (2, 3, 2): ("4?", ("4", "1", "7"))}))
    upheld, other = cells[("t4", "cases", "review_upheld")], cells[("t4", "cases", "review_other")]
    assert (upheld["value"], upheld["raw"], upheld["ambiguous"], upheld["candidates"]) == (None, "8?", True, [0, 3, 6])
    assert (other["value"], other["raw"], other["ambiguous"], other["candidates"]) == (None, "4?", True, [1, 4, 7])
    assert cells[("t4", "cases", "review_total")]["value"] == 14  # the rest of the row as read
    assert not any("by the table's arithmetic" in w for w in warnings)


def test_cells_decided_by_arithmetic_are_compared_with_the_print():
    truth = list(_cells(_grid_report({}))[0].values())
    read, warnings = _cells(_grid_report({(1, 5, 6): ("8?", ("8", "3", "6", "0"))}))  # 3, decided right
    counts = compare_cells(truth, list(read.values()), warnings)
    assert (counts["decided"], counts["decided wrong"], counts["wrong"], counts["unmarked"]) == (1, 0, 0, 0)
    read[("t3", "granted", "total")]["value"] = 8
    counts = compare_cells(truth, list(read.values()), warnings)
    assert (counts["decided"], counts["decided wrong"], counts["wrong"]) == (1, 1, 1)


def test_an_unsure_figure_that_no_alternative_fits_stays_null():
    cells, warnings = _cells(_grid_report({(1, 5, 6): ("8?", ("8", "6", "0"))}))  # the print's 3 is not among them
    total = cells[("t3", "granted", "total")]
    assert (total["value"], total["raw"], total["ambiguous"], total["candidates"]) == (None, "8?", True, [0, 6, 8])
    assert not any("by the table's arithmetic" in w for w in warnings)


def test_two_unsure_figures_of_a_row_are_each_decided_by_their_column():
    # (一)予以公开 prints 2 0 0 0 0 1 | 3: 自然人 and 其他 both unsure; the row total allows 2+1 and
    # 1+2, each column's (七)总计 (t3_results_total) allows one
    cells, _ = _cells(_grid_report({(1, 5, 0): ("7?", ("7", "1", "2")), (1, 5, 5): ("7?", ("7", "1", "2"))}))
    assert cells[("t3", "granted", "natural_person")]["value"] == 2 and cells[("t3", "granted", "other_org")]["value"] == 1


def test_an_alternative_one_total_confirms_but_another_breaks_stays_null():
    # (一)予以公开 prints 2 0 0 0 0 1 | 3 with its 总计 misread, surely, as 8: 7 + 1 = 8 makes the row
    # add up, but 自然人's (七)总计 (t3_results_total, every term valued) then does not
    cells, warnings = _cells(_grid_report({(1, 5, 0): ("7?", ("7", "1", "2")), (1, 5, 6): ("8", ())}))
    person = cells[("t3", "granted", "natural_person")]
    assert (person["value"], person["raw"], person["ambiguous"], person["candidates"]) == (None, "7?", True, [1, 2, 7])
    assert not any("by the table's arithmetic" in w for w in warnings)


def test_unsure_figures_with_too_many_combinations_stay_null_with_their_candidates():
    many = tuple(str(n) for n in range(24))  # 24 × 24 readings of the row: more than are listed
    cells, warnings = _cells(_grid_report({(1, 5, 0): ("7?", many), (1, 5, 5): ("7?", many)}))
    for column in ("natural_person", "other_org"):
        cell = cells[("t3", "granted", column)]
        assert (cell["value"], cell["raw"], cell["ambiguous"], cell["candidates"]) == (None, "7?", True, list(range(24)))
    assert cells[("t3", "granted", "total")]["value"] == 3


def test_candidates_of_an_unsure_amount_under_a_yuan_header_are_in_wan():
    from ogi.read.document import Cell, Grid

    # two readings left to the solver, and one (← is no figure) that the row is read without
    for alternatives, candidates in ((("3244", "8244"), [0.3244, 0.8244]), (("3244", "←"), [0.3244])):
        doc = _grid_report({(0, 13, 0): ("3244?", alternatives)})
        next(b for b in doc.blocks if isinstance(b, Grid)).rows[12][1] = Cell("本年收费金额(单位:元)")
        fee = _cells(doc)[0][("t2", "admin_fees", "fee_amount")]
        assert (fee["value"], fee["raw"], fee["ambiguous"], fee["candidates"]) == (None, "3244?", True, candidates)


def test_an_unsure_figure_only_an_inequality_leaves_alone_stays_null():
    # t4 prints 3 2 4 5 | 14 with 结果纠正 blank: 维持 + blank + 4 + 5 = 14 rules out 8 but proves no 3
    cells, warnings = _cells(_grid_report({(2, 3, 0): ("8?", ("8", "3")), (2, 3, 1): ("", ())}))
    upheld = cells[("t4", "cases", "review_upheld")]
    assert (upheld["value"], upheld["raw"], upheld["ambiguous"], upheld["candidates"]) == (None, "8?", True, [3, 8])
    assert not any("by the table's arithmetic" in w for w in warnings)


def test_an_unsure_reading_has_its_passes_and_confused_digits_as_alternatives():
    # `17` with its 7 unsure, read `11` by another pass: 1 and 7 are confused both ways
    box = ocr._Box(np.zeros((4, 2), np.float32), "17", 0.8, chars=(0.99, 0.6), others=("11", "←"))
    assert ocr._alternatives(box) == ("17", "11", "71")
    assert ocr._cell([ocr._Box(np.zeros((4, 2), np.float32), "3", 0.5)]).alternatives == ("3", "8")
    assert ocr._cell([ocr._Box(np.zeros((4, 2), np.float32), "3", 0.99)]).alternatives == ()
    struck = ocr._cell([ocr._Box(np.zeros((4, 2), np.float32), "I", 0.99)])  # a 1 read as a letter, surely
    assert (struck.text, struck.alternatives) == ("I?", ("1", "7"))


def _struck_digits(data: bytes, page: int, dpi: int, row: str, at: list[int]) -> bytes:
    """One page of a PDF as an image-only PDF, with a stroke drawn across the top of the digits of
    `row` (a line of its text layer) at the offsets `at`: a 1 so struck is read `I`."""
    import io

    from PIL import Image

    pdf = pypdfium2.PdfDocument(data)
    text_page, scale, height = pdf[page].get_textpage(), dpi / 72, pdf[page].get_height()
    image = np.asarray(pdf[page].render(scale=scale).to_pil().convert("RGB")).copy()
    start = text_page.get_text_range().index(row)
    for k in at:
        left, bottom, right, top = text_page.get_charbox(start + k)
        x0, x1, y0, y1 = int(left * scale), int(right * scale) + 1, int((height - top) * scale), int((height - bottom) * scale)
        image[y0:y0 + max(2, (y1 - y0) // 8), x0 - (x1 - x0) // 3:x1] = 0
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="PDF", resolution=dpi)
    return out.getvalue()


def test_digits_misread_on_a_scan_are_corrected_by_arithmetic_or_left_null(shared_corpus):
    """Hongze 2024's table 4 prints 1 1 0 0 | 2, 1 0 0 0 | 1, 2 0 1 0 | 3; the 1s of 复议 维持 and of
    直接起诉 维持 and 总计 struck so that OCR reads `I`: the first is decided by 复议's 总计 (7 does not
    add up), the other two are 1 and 1 or 7 and 7 (both add up) and stay null."""
    row = "1 1 0 0 2 1 0 0 0 1 2 0 1 0 3"
    scan = _struck_digits((REAL / "hongze_2024.pdf").read_bytes(), 3, 150, row, [0, 10, 18])
    record = extract_report(scan, "scan.pdf")
    cells = {c["column"]: c for c in record["cells"] if c["table"] == "t4"}
    assert (cells["review_upheld"]["value"], cells["review_upheld"]["raw"], cells["review_upheld"]["inferred"]) == (1, "1", True)
    assert "t4.cases.review_upheld read by OCR as I, unsurely; of its readings 1, 7 only 1 satisfies t4_review_total: " \
           "corrected by the table's arithmetic" in record["warnings"]
    for column in ("lit_direct_upheld", "lit_direct_total"):
        assert (cells[column]["value"], cells[column]["raw"], cells[column]["candidates"]) == (None, "I?", [1, 7])
    assert [cells[c]["value"] for c in ("review_corrected", "review_total", "lit_after_review_total")] == [1, 2, 3]


def test_alternatives_are_kept_between_the_pipeline_stages():
    from ogi.read.document import Cell, Grid

    doc = Document("pdf-ocr", [Grid([[Cell("行政复议"), Cell("I?", alternatives=("1", "7")), Cell("2")]])], "binary")
    (grid,) = Document.from_json(json.loads(json.dumps(doc.to_json()))).blocks
    assert [(c.text, c.alternatives) for c in grid.rows[0]] == [("行政复议", ()), ("I?", ("1", "7")), ("2", ())]


@pytest.mark.slow
@pytest.mark.parametrize("flag, variable", [(["--no-ocr"], None), ([], "0"), ([], "false")])
def test_ogi_extract_turns_ocr_off_when_told(tmp_path, flag, variable):
    import os
    import subprocess
    import sys

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(render_pdf(random_report(26, "2021"), scanned=True))
    env = {k: v for k, v in os.environ.items() if k != "OGI_OCR"} | ({"OGI_OCR": variable} if variable else {})
    out = subprocess.run([sys.executable, "-m", "orchestration.cli", "extract", *flag, str(scan)],
                         capture_output=True, text=True, check=True, env=env)
    assert json.loads(out.stdout)["error"].endswith("its tables cannot be read as text (OCR is turned off)")
