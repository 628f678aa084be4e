"""OCR for PDFs without a text layer: RapidOCR (PP-OCRv4 Chinese detection, recognition and the
orientation classifier, shipped inside the `rapidocr-onnxruntime` wheel, run by onnxruntime on the
CPU; the `ocr` extra).

Used when the extra is installed, unless the caller turns it off (`ocr=False` down from the
settings, `OGI_OCR=0`, or `ogi extract --no-ocr`). Each page is rendered with pypdfium2, its red
seal ink removed, a photographed sheet rectified, turned upright and straightened
(ogi.read.ocr_page); its ruled tables become grids cut along their lines (ogi.read.ocr_tables)
with each recognised text box in its cell, tables printed without lines grids built from the
boxes' geometry (ogi.read.ocr_unruled), and the rest becomes lines. A number read less surely than
MIN_CONFIDENCE is read again from its cell alone; unless a reading agrees, it is not given as a
number: its cell keeps what was read followed by `?`, with the figures it may be as the cell's
alternatives, for the table's arithmetic to choose among (ogi.extract.alternatives); the value
stays null unless it decides. Every value OCR yields is marked inferred downstream (ogi.report).
"""

from __future__ import annotations

import importlib.util
import re
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import product

import numpy as np

from ogi.read.decode import UnreadableDocument
from ogi.read.document import Cell, Grid

DPI = 200
DETECT_SIDE = 1280  # pixels on the page's long side for finding text boxes
ORIENTATION_LINES = 9  # lines of text whose orientation is asked
BUDGET = 40.0  # seconds of a document's time limit (ogi.read.limits) spent before pages are skipped
MIN_CONFIDENCE = 0.9  # a number read less surely than this, and not confirmed, is not given
INSET = 8  # pixels inside a cell's lines where its ink is looked for
INK = 128  # gray level below which a pixel is ink
MIN_INK = 12  # ink pixels that make a cell worth reading again
FAINT = 6  # pixels of the page kept round a cell's ink (the faint edges of its strokes)
MARGIN = 10  # white pixels round a cell's ink when it is read alone
_SIGNS = re.compile(r"^[^\u4e00-\u9fff\d]{1,3}$")  # a short text with neither a character nor a digit
_NUMBER = re.compile(r"^[-+－]?\d[\d,.，。 ]*(?:万元|元|件|项|个|次)?$")  # a printed figure, not a label
# Digits the recognizer takes for one another when a stroke is faint, broken or stamped over: an
# unsure digit's alternatives (data: the pairs seen misread on scans, both ways).
CONFUSED = {"0": "68", "1": "7", "3": "8", "5": "6", "6": "058", "7": "1", "8": "036"}
# Letters a damaged digit is read as (a 1 with a stroke across its top read `I`, a 3 missing its
# upper right `S`, a 0 struck through `θ`): the digits each may be, in a figure's cell.
LOOKALIKE = {"I": "1", "l": "1", "|": "1", "O": "0", "o": "0", "θ": "0", "S": "53", "B": "8", "Z": "2"}
MAX_ALTERNATIVES = 24  # readings of one unsure cell given to the table's arithmetic


class Reading(list):
    """The blocks OCR read from a document, as the PDF reader gives them, and how sure it was:
    `scores` holds the recognition confidence of every text box."""

    def __init__(self) -> None:
        super().__init__()
        self.scores: list[float] = []
        self.skipped: list[int] = []  # pages (1-based) left unread for lack of time

    @property
    def confidence(self) -> float | None:
        return float(np.mean(self.scores)) if self.scores else None


def available() -> bool:
    """The `ocr` extra is installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("rapidocr_onnxruntime", "cv2"))


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=2)


def ocr_pdf(data: bytes, max_pages: int, seconds: float | None = None) -> Reading:
    """The pages of a PDF read by OCR, in page order. Each page is rendered and prepared once, in
    page order: the first page (its title states the year) and a page with ruled tables are read at
    once, one without is kept (as PNG, a fraction of the image's memory) and read after them all
    while `seconds` (default BUDGET) last, so that the tables are read within the document's time
    limit. A page left unread is named in `skipped`; the first page is always read."""
    import cv2
    import pypdfium2

    from ogi.read import ocr_tables

    started = time.monotonic()
    seconds = BUDGET if seconds is None else seconds
    pdf = pypdfium2.PdfDocument(data)
    read: dict[int, list] = {}
    later: dict[int, np.ndarray] = {}
    reading = Reading()
    for n in range(min(len(pdf), max_pages)):
        if (read or later) and time.monotonic() - started > seconds:
            reading.skipped.append(n + 1)
            continue
        gray = _page(pdf, n)
        masks = ocr_tables.line_masks(gray)
        tables = ocr_tables.find_tables(masks)
        if tables or n == 0:  # the first page also for its title, which states the year
            read[n] = _read_page(gray, reading.scores, tables, masks)
        else:
            later[n] = cv2.imencode(".png", gray)[1]
    for n, png in later.items():
        if read and time.monotonic() - started > seconds:
            reading.skipped.append(n + 1)
            continue
        read[n] = _read_page(cv2.imdecode(png, cv2.IMREAD_GRAYSCALE), reading.scores, [], None)
    reading.skipped.sort()
    for n in sorted(read):
        reading.extend(read[n])
    return reading


def _page(pdf, number: int) -> np.ndarray:
    """A page rendered and prepared for reading (ogi.read.ocr_page)."""
    from ogi.read import ocr_page

    return ocr_page.prepare(np.asarray(pdf[number].render(scale=DPI / 72).to_pil().convert("RGB")))


def _read_page(gray: np.ndarray, scores: list[float], tables: list, masks: tuple | None) -> list:
    """One prepared page's blocks: its tables (`tables`, found on it as given from its ruling-line
    `masks`, or None for a page kept for later, whose masks are built again) as grids, its other
    text as lines, top to bottom."""
    from ogi.read import ocr_tables

    upright, quads = _detect_upright(gray)
    turned, gray = upright is not gray, upright
    if turned or masks is None:
        masks = ocr_tables.line_masks(gray)
    if turned:  # turned by 180°: its tables are elsewhere
        tables = ocr_tables.find_tables(masks)
    boxes = _recognise(gray, quads)
    cells: dict[tuple[int, int], list[_Box]] = {}
    lines = []
    for box in boxes:
        where = next(((k, c) for k, t in enumerate(tables) if (c := t.cell_at(*box.centre)) is not None), None)
        if where is None:
            lines.append(box)
        else:
            cells.setdefault(where, []).append(box)
    clean = ocr_tables.without_rules(gray, masks)
    lines = _unruled(clean, lines, tables, cells)
    cells.update(_reread(clean, tables, cells))
    scores.extend(b.score for b in lines)
    scores.extend(b.score for found in cells.values() for b in found)
    items = [(t.ys[0], _grid(t, {c: b for (k, c), b in cells.items() if k == n})) for n, t in enumerate(tables)]
    items.extend((line[0].centre[1], " ".join(b.text for b in line)) for line in _lines(lines))
    items.sort(key=lambda item: item[0])
    return [block for _, block in items]


def _unruled(gray: np.ndarray, lines: list[_Box], tables: list, cells: dict) -> list[_Box]:
    """The tables drawn without lines among the boxes outside ruled tables (ogi.read.ocr_unruled),
    added to `tables` with their boxes in `cells` (a figure whose column is unclear, or figures
    sharing a cell, kept with `?`, so that the value stays null); the boxes left are lines of text."""
    from ogi.read import ocr_unruled

    taken: set[int] = set()
    for found in ocr_unruled.find_tables(gray, [b.quad for b in lines], [b.text for b in lines]):
        k = len(tables)
        tables.append(found.table)
        for i, label in found.placed.items():
            cells.setdefault((k, label), []).append(lines[i])
        for label, indices in found.unclear.items():
            boxes = [lines[i] for i in indices]
            text = " ".join(b.text for b in boxes) + "?"
            cells[(k, label)] = [_Box(boxes[0].quad, text, min(b.score for b in boxes), confirmed=True)]
        taken |= found.taken
    return [b for i, b in enumerate(lines) if i not in taken]


def _reread(gray: np.ndarray, tables: list, found: dict) -> dict[tuple[int, int], list[_Box]]:
    """Cells read again, each cut out along its lines round its ink: those with ink where no text
    box was found (a lone `0` is easily missed on the reduced page), and those whose number was
    read less surely than MIN_CONFIDENCE. A reading that agrees with the one before confirms it;
    one that differs replaces it only when it is a number and the surer. The cells are cut from the
    page with its rules painted white, so that no stub of a line is read as a character. A number still unsure is read once
    more with a narrower margin (another scale for the model), which may confirm it."""
    inks = {}
    for k, table in enumerate(tables):
        for label, (x0, y0, x1, y1) in table.boxes().items():
            boxes = found.get((k, label))
            if boxes is not None and not _unsure_number(boxes):
                continue
            ys, xs = np.nonzero(gray[y0 + INSET:y1 - INSET, x0 + INSET:x1 - INSET] < INK)
            if len(ys) >= MIN_INK:  # the ink's box, widened by faint strokes' worth of the page
                inks[(k, label)] = (max(y0 + INSET + ys.min() - FAINT, y0 + 2), min(y0 + INSET + ys.max() + 1 + FAINT, y1 - 2),
                                    max(x0 + INSET + xs.min() - FAINT, x0 + 2), min(x0 + INSET + xs.max() + 1 + FAINT, x1 - 2))
    again = _agree(found, _read_inks(gray, inks, MARGIN))
    unsure = {key: inks[key] for key, boxes in again.items() if _unsure_number(boxes)}
    again.update(_agree(again, _read_inks(gray, unsure, MARGIN // 2)))
    return again


def _read_inks(gray: np.ndarray, inks: dict, margin: int) -> dict[tuple[int, int], _Box]:
    """Each (top, bottom, left, right) region read alone, with a white margin round it."""
    if not inks:
        return {}
    crops = [np.dstack([np.pad(gray[t:b, lft:r], margin, constant_values=255)] * 3) for t, b, lft, r in inks.values()]
    quads = [np.array([[lft, t], [r, t], [r, b], [lft, b]], dtype=np.float32) for t, b, lft, r in inks.values()]
    texts = _run(_engine().text_rec, crops, True)  # True: with each character's confidence
    return {key: _Box(quad, text, float(score), chars=tuple(info[4]) if len(info[4]) == len(text) else ())
            for key, quad, (text, score, info) in zip(inks, quads, texts, strict=True)}


def _agree(found: dict, read: dict[tuple[int, int], _Box]) -> dict[tuple[int, int], list[_Box]]:
    """The cells' boxes after a new reading of each cell in `read`; a reading not kept is kept
    among the box's `others` (an unsure cell's alternatives)."""
    out = {}
    for key, box in read.items():
        first = found.get(key)
        if first is None:
            if box.text.strip():
                out[key] = [box]
        elif box.text == first[0].text:
            out[key] = [_Box(first[0].quad, box.text, max(first[0].score, box.score), confirmed=True)]
        elif _NUMBER.match(box.text.strip()) and box.score > first[0].score:
            out[key] = [replace(box, others=(*first[0].others, first[0].text))]
        elif len(first) == 1:
            out[key] = [replace(first[0], others=(*first[0].others, box.text))]
    return out


def _unsure_number(boxes: list[_Box]) -> bool:
    """A cell read as one number less surely than MIN_CONFIDENCE and not confirmed by a second
    reading, or as a few signs that are no word (`←`, `□`: a figure misread)."""
    if len(boxes) != 1 or boxes[0].confirmed:
        return False
    text = boxes[0].text.strip()
    return bool(_NUMBER.match(text)) and boxes[0].score < MIN_CONFIDENCE or bool(_SIGNS.match(text))


def _detect_upright(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(page, its text boxes): boxes found on a reduced copy of the page (finding is the costly
    step and needs no detail), the page turned by 180° first when most of its longest lines are
    upside down to the model's orientation classifier (a row profile cannot tell)."""
    import cv2

    quads = _detect(gray)
    if len(quads):
        longest = sorted(quads, key=lambda q: -np.ptp(q[:, 0]))[:ORIENTATION_LINES]
        page = np.dstack([gray] * 3)
        _, labels, _ = _engine().text_cls(_engine().get_crop_img_list(page, np.asarray(longest, dtype=np.float32)))
        if sum(label == "180" for label, _ in labels) > len(labels) / 2:
            gray = cv2.rotate(gray, cv2.ROTATE_180)
            quads = _detect(gray)
    return gray, quads


def _detect(gray: np.ndarray) -> np.ndarray:
    import cv2

    engine = _engine()
    scale = min(1.0, DETECT_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    quads = _run(engine.text_det, np.dstack([small] * 3))
    if quads is None or len(quads) == 0:
        return np.zeros((0, 4, 2), np.float32)
    return np.asarray(engine.sorted_boxes(quads), dtype=np.float32) / scale


def _recognise(gray: np.ndarray, quads: np.ndarray) -> list[_Box]:
    """The text of each box, read from the full-resolution page."""
    if not len(quads):
        return []
    texts = _run(_engine().text_rec, _engine().get_crop_img_list(np.dstack([gray] * 3), quads))
    return [_Box(quad, text, float(score)) for quad, (text, score) in zip(quads, texts, strict=True) if text.strip()]


def _run(step, *args):
    """A model step's result; the document's time limit, raised inside a model run, raised as itself."""
    from rapidocr_onnxruntime.utils.infer_engine import ONNXRuntimeError

    try:
        return step(*args)[0]
    except ONNXRuntimeError as exc:
        if isinstance(exc.__cause__, UnreadableDocument):
            raise exc.__cause__ from None
        raise


@dataclass
class _Box:
    quad: np.ndarray
    text: str
    score: float
    confirmed: bool = False  # a second reading of its cell alone gave the same text
    chars: tuple[float, ...] = ()  # each character's confidence, when the recognizer gave it
    others: tuple[str, ...] = ()  # what other readings of its cell gave

    @property
    def centre(self) -> tuple[float, float]:
        return float(self.quad[:, 0].mean()), float(self.quad[:, 1].mean())

    @property
    def height(self) -> float:
        return float(self.quad[:, 1].max() - self.quad[:, 1].min())


def _lines(boxes: list[_Box]) -> list[list[_Box]]:
    """Boxes grouped into lines of text (centres within half a box's height), left to right."""
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: b.centre[1]):
        if lines and abs(lines[-1][-1].centre[1] - box.centre[1]) < box.height / 2:
            lines[-1].append(box)
        else:
            lines.append([box])
    return [sorted(line, key=lambda b: b.centre[0]) for line in lines]


def _grid(table, cells: dict[int, list[_Box]]) -> Grid:
    """The table's rows of merged cells, each cell's boxes read in lines."""
    rows = []
    for row in table.rows():
        rows.append([_cell(cells.get(label, [])) for label in row])
    return Grid(rows)


def _cell(boxes: list[_Box]) -> Cell:
    """A grid cell; an unsure number's (`7?`), or a figure's read as letters like digits (`I?`),
    with its alternative readings for the table's arithmetic to choose among
    (ogi.extract.alternatives)."""
    text = _cell_text(boxes)
    if len(boxes) != 1 or not (text.endswith("?") or _lookalike(text)):
        return Cell(text)
    alternatives = _alternatives(boxes[0])
    return Cell(text if text.endswith("?") or not alternatives else text + "?", alternatives=alternatives)


def _lookalike(text: str) -> bool:
    """Letters like digits, and digits (`I`, `1O`): a figure misread."""
    return any(ch in LOOKALIKE for ch in text) and all(ch.isdigit() or ch in LOOKALIKE for ch in text)


def _alternatives(box: _Box) -> tuple[str, ...]:
    """The figures an unsure reading may be: what each reading of its cell gave (a letter like a
    digit read as that digit, LOOKALIKE), and each of those with one digit swapped for a digit the
    recognizer takes it for (CONFUSED): a digit read less surely than MIN_CONFIDENCE, one read as a
    letter, or any digit where the recognizer gave no confidence per character."""
    texts = [t.strip() for t in (box.text, *box.others) if _NUMBER.match(t.strip()) or _lookalike(t.strip())]
    found: dict[str, None] = {}
    for n, text in enumerate(texts):
        sure = box.chars if n == 0 and len(box.chars) == len(box.text) and box.text == text else ()
        letters = [i for i, ch in enumerate(text) if ch in LOOKALIKE]
        for digits in product(*(LOOKALIKE[text[i]] for i in letters)):
            base = list(text)
            for i, digit in zip(letters, digits, strict=True):
                base[i] = digit
            figure = "".join(base)
            found[figure] = None
            for i, ch in enumerate(figure):
                if i in letters or not sure or sure[i] < MIN_CONFIDENCE:
                    found.update(dict.fromkeys(figure[:i] + other + figure[i + 1:] for other in CONFUSED.get(ch, "")))
    return tuple(t for t in found if _NUMBER.match(t))[:MAX_ALTERNATIVES]


def _cell_text(boxes: list[_Box]) -> str:
    """A cell's text; a number read below MIN_CONFIDENCE (and not confirmed by a second reading)
    keeps its reading with a `?` after it, so that its value stays null and the reading is in `raw`.
    Punctuation that opens a cell lost the character before it (the `一` of `一、` is easily taken
    for a rule) and is dropped, so the label is still found."""
    text = "".join(b.text for line in _lines(boxes) for b in line).strip().lstrip("、，,.。")
    if _NUMBER.match(text) and any(b.score < MIN_CONFIDENCE and not b.confirmed for b in boxes):
        return text + "?"
    return text
