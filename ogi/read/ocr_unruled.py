"""Tables printed without ruling lines, found from the geometry of the recognised text boxes: rows
are the boxes of figures that stand side by side (and the labels beside them), columns are the gaps
that run through most rows; the lattice they make is cut into cells like a ruled table's.

Only a region that looks like a table becomes one: rows holding at least two separate figures,
several such rows together (or one row of many figures), so prose is never turned into a grid. A
box of figures that the detector ran across several columns (`0 1 0 0`) is cut at the column gaps
of its ink, each cell read again alone; a figure whose ink crosses a column boundary has no clear
column and is not given to one (its cells keep the reading with `?`, so their values stay null).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ogi.read.ocr_tables import Table

INK = 128  # gray level below which a pixel is ink
TALL = 1.8  # of the median box height: a taller box is a vertical label, no row of its own
PIECE_GAP = 0.5  # of the line height: white this wide inside a box of figures separates two of them
WRAP = 0.6  # of the line height: a label line this close to a row's label continues it
ROW_GAP = 3.0  # of the line height: rows of figures this far apart belong to different tables
COLUMN_SHARE = 0.2  # share of the rows a gap may be crossed in and still be a column boundary
MIN_ROWS_OF_FIGURES = 2  # rows with two or more figures that make a table
MIN_FIGURES_ALONE = 4  # figures that make one row a table by itself
_NO_WORD = re.compile(r"\d|^[^\u4e00-\u9fff]+$")  # a digit, or no character at all: no label
_FIGURES = re.compile(r"^[-+－]?\d[\d,.，。 -]*$")  # one figure, or several the detector ran together


@dataclass
class Unruled:
    """A table found without lines: its lattice (labels merged where a label spans columns), the
    cell each placed box goes to, the boxes whose column is unclear (by cell), and every box the
    table took (the rest stay lines of text). Cells with ink and no box are read again alone."""

    table: Table
    placed: dict[int, int] = field(default_factory=dict)  # box index → cell label
    unclear: dict[int, list[int]] = field(default_factory=dict)  # cell label → box indices, left to right
    taken: set[int] = field(default_factory=set)


@dataclass
class _Box:
    index: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    figures: bool  # the text is figures only
    pieces: list[tuple[float, float]]  # x-extents of its ink, split at wide gaps

    @property
    def centre_y(self) -> float:
        return (self.y0 + self.y1) / 2


def find_tables(gray: np.ndarray, quads: list[np.ndarray], texts: list[str]) -> list[Unruled]:
    """The tables without ruling lines among a page's text boxes (quads and texts, outside ruled
    tables), top to bottom; gray is the page with its rules painted out, whose ink splits boxes of
    figures."""
    if not quads:
        return []
    height = float(np.median([q[:, 1].max() - q[:, 1].min() for q in quads]))
    boxes = [_box(gray, i, q, t, height) for i, (q, t) in enumerate(zip(quads, texts, strict=True))]
    boxes = [b for b in boxes if b.y1 - b.y0 <= TALL * height]
    found = []
    for rows in _regions(_rows(boxes, height), height):
        table = _table(gray, rows, height)
        if table is not None:
            found.append(table)
    return found


def _box(gray: np.ndarray, index: int, quad: np.ndarray, text: str, height: float) -> _Box:
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    crop = gray[max(int(y0), 0):int(y1) + 1, max(int(x0), 0):int(x1) + 1] < INK
    runs = _runs(np.flatnonzero(crop.any(axis=0)), PIECE_GAP * height)
    pieces = [(float(x0 + s), float(x0 + e + 1)) for s, e in runs] or [(float(x0), float(x1))]
    return _Box(index, float(x0), float(y0), float(x1), float(y1), text.strip(), bool(_FIGURES.match(text.strip())), pieces)


def _rows(boxes: list[_Box], height: float) -> list[list[_Box]]:
    """Rows top to bottom: boxes of figures whose centres are level make a row; a label joins the
    row whose figures' height holds its centre or a quarter of its own (the most), or the row of
    the label it continues (a line of
    the same column less than WRAP lines above or below: a label wrapped over several lines);
    other labels form rows of their own with level labels."""
    figures = sorted((b for b in boxes if b.figures), key=lambda b: b.centre_y)
    rows: list[list[_Box]] = []
    for box in figures:
        if rows and box.centre_y - rows[-1][0].centre_y < height / 2:
            rows[-1].append(box)
        else:
            rows.append([box])
    spans = [(min(b.y0 for b in r), max(b.y1 for b in r)) for r in rows]
    left = []
    for box in (b for b in boxes if not b.figures):
        overlap, row = max(((min(bottom, box.y1) - max(top, box.y0), r) for r, (top, bottom) in zip(rows, spans, strict=True)
                            if top <= box.centre_y <= bottom or min(bottom, box.y1) - max(top, box.y0) > (box.y1 - box.y0) / 4),
                           key=lambda o: o[0], default=(None, None))
        if row is not None:
            row.append(box)
        else:
            left.append(box)
    while left and (wrapped := _wrapped(left, rows, height)):
        for box, row in wrapped:
            row.append(box)
        left = [b for b in left if all(b is not w for w, _ in wrapped)]
    alone: list[list[_Box]] = []
    for box in sorted(left, key=lambda b: b.centre_y):
        if alone and box.centre_y - alone[-1][0].centre_y < height / 2:
            alone[-1].append(box)
        else:
            alone.append([box])
    return sorted(rows + alone, key=lambda r: min(b.centre_y for b in r))


def _wrapped(left: list[_Box], rows: list[list[_Box]], height: float) -> list[tuple[_Box, list[_Box]]]:
    """The labels that continue a label of a row (the nearest line of the same column, less than
    WRAP lines above or below), each with that row."""
    out = []
    for box in left:
        near = [(max(other.y0 - box.y1, box.y0 - other.y1), row) for row in rows for other in row
                if not other.figures and min(other.x1, box.x1) > max(other.x0, box.x0)]
        gap, row = min(near, key=lambda n: n[0], default=(None, None))
        if gap is not None and gap < WRAP * height:
            out.append((box, row))
    return out


def _figure_count(row: list[_Box]) -> int:
    return sum(len(b.pieces) for b in row if b.figures)


def _regions(rows: list[list[_Box]], height: float) -> list[list[list[_Box]]]:
    """Runs of rows that look like a table: rows of two or more figures no further apart than
    ROW_GAP lines, with the label rows between them; at least MIN_ROWS_OF_FIGURES such rows, or
    one of MIN_FIGURES_ALONE figures."""
    regions: list[list[list[_Box]]] = []
    current: list[list[_Box]] = []
    for row in rows:
        if _figure_count(row) < 2:
            if current:
                current.append(row)
            continue
        top = min(b.y0 for b in row)
        figure_rows = [r for r in current if _figure_count(r) >= 2]
        if figure_rows and top - max(b.y1 for b in figure_rows[-1]) > ROW_GAP * height:
            regions.append(current)
            current = []
        current.append(row)
    regions.append(current)
    out = []
    for region in regions:
        while region and _figure_count(region[-1]) < 2:
            region.pop()  # label rows after the last row of figures are not the table's
        figure_rows = [r for r in region if _figure_count(r) >= 2]
        if len(figure_rows) >= MIN_ROWS_OF_FIGURES or figure_rows and _figure_count(figure_rows[0]) >= MIN_FIGURES_ALONE:
            out.append(region)
    return out


def _boundaries(gray: np.ndarray, rows: list[list[_Box]], height: float) -> list[float]:
    """Column boundaries: the middles of the gaps that at most COLUMN_SHARE of the rows cross,
    with the table's outer edges. A row covers what its ink covers across the table (a figure the
    detector missed still holds its column), gaps narrower than PIECE_GAP lines filled."""
    left = int(min(b.x0 for r in rows for b in r))
    right = int(max(b.x1 for r in rows for b in r)) + 1
    cover = np.zeros(right - left, np.int32)
    for row in rows:
        top, bottom = int(min(b.y0 for b in row)), int(max(b.y1 for b in row)) + 1
        cover += _covered(gray[max(top, 0):bottom, left:right] < INK, height)
    open_ = cover <= COLUMN_SHARE * len(rows)
    xs = [left - height / 2]
    run = np.flatnonzero(np.diff(np.r_[0, open_.astype(np.int8), 0]))
    for start, end in zip(run[::2], run[1::2], strict=True):
        if start > 0 and end < len(cover) and end - start >= PIECE_GAP * height:
            xs.append(left + (start + end) / 2)
    xs.append(right + height / 2)
    return sorted(xs + _beside(rows, xs, height))


def _covered(ink: np.ndarray, height: float) -> np.ndarray:
    """The columns of a band that its ink covers, gaps narrower than PIECE_GAP lines filled."""
    covered = np.zeros(ink.shape[1], bool)
    for start, end in _runs(np.flatnonzero(ink.any(axis=0)), PIECE_GAP * height):
        covered[start:end + 1] = True
    return covered


def _runs(ink: np.ndarray, gap: float) -> list[tuple[int, int]]:
    """(first, last) of each run of ink positions, runs split where the gap is wider than `gap`."""
    if not ink.size:
        return []
    cuts = np.flatnonzero(np.diff(ink) > gap)
    return list(zip(np.r_[ink[0], ink[cuts + 1]].tolist(), np.r_[ink[cuts], ink[-1]].tolist(), strict=True))


def _beside(rows: list[list[_Box]], xs: list[float], height: float) -> list[float]:
    """Boundaries between labels printed side by side within one column (a group label beside its
    middle row's label, `（四）无法提供  2.没有现成信息…`, in one box or two): a gap in a row's label
    ink where the next label starts at the left edge that other rows' labels start at (two rows
    at least); one boundary per cluster of such gaps."""
    starts = [(i, b.pieces[0][0]) for i, row in enumerate(rows) for b in row if not b.figures]
    gaps = []
    for i, row in enumerate(rows):
        pieces = sorted(p for b in row if not b.figures for p in b.pieces)
        for (_, end), (start, _) in zip(pieces, pieces[1:], strict=False):
            aligned = sum(j != i and abs(x - start) < height / 2 for j, x in starts)
            if start - end >= PIECE_GAP * height and aligned >= 2 \
                    and np.searchsorted(xs, end) == np.searchsorted(xs, start):
                gaps.append((end + start) / 2)
    out: list[list[float]] = []
    for gap in sorted(gaps):
        if out and gap - out[-1][-1] < 2 * height:
            out[-1].append(gap)
        else:
            out.append([gap])
    return [float(np.mean(group)) for group in out]


def _table(gray: np.ndarray, rows: list[list[_Box]], height: float) -> Unruled | None:
    """The region's lattice and where each box goes: a box within one cell there; a label across
    columns in the cells it spans, merged; a box of figures across columns cut into its cells (read
    again alone), unless one of its figures crosses a boundary or two share a column (unclear: the
    columns are not the print's)."""
    xs = _boundaries(gray, rows, height)
    if len(xs) < 3:
        return None
    spans = [(min(b.y0 for b in r), max(b.y1 for b in r)) for r in rows]
    ys = [spans[0][0] - height / 4]
    for (_, bottom), (top, _) in zip(spans, spans[1:], strict=False):
        ys.append(max((bottom + top) / 2, ys[-1] + 1))  # rows may overlap: the lattice still ascends
    ys.append(max(spans[-1][1] + height / 4, ys[-1] + 1))
    cols = len(xs) - 1
    labels = np.arange(len(rows) * cols).reshape(len(rows), cols)
    found = Unruled(Table([int(x) for x in xs], [int(y) for y in ys], labels))
    for i, row in enumerate(rows):
        reach = {box.index: [_columns(xs, x0, x1) for x0, x1 in box.pieces] for box in row}
        cut = {box.index for box in row if _cut(reach[box.index]) or _lone_sign(box, height)}
        held = {c for box in row if box.figures or box.index in cut for cols in reach[box.index] for c in cols}
        for box in row:  # a label across columns merges them, up to a column holding a figure of its row
            cols = sorted({c for spanned in reach[box.index] for c in spanned})
            if not box.figures and box.index not in cut and len(cols) > 1:
                last = next((c - 1 for c in cols[1:] if c in held), cols[-1])
                labels[i, cols[0]:last + 1] = labels[i, cols[0]]
        for box in row:
            found.taken.add(box.index)
            spanned = reach[box.index]
            if box.index in cut:
                continue  # its cells are read again alone
            if not box.figures or len(spanned) == 1 and len(spanned[0]) == 1:
                found.placed[box.index] = int(labels[i, spanned[0][0]])
            else:
                for c in sorted({c for cols in spanned for c in cols}):
                    found.unclear.setdefault(int(labels[i, c]), []).append(box.index)
        _crowded(found, row)
    return found


def _crowded(found: Unruled, row: list[_Box]) -> None:
    """A cell of the row given a second figure box, or a figure box and one of unclear column:
    all its boxes made unclear, never run together into one number (`1` and `2` are no `12`)."""
    into: dict[int, list[_Box]] = {}
    for box in row:
        if box.figures and box.index in found.placed:
            into.setdefault(found.placed[box.index], []).append(box)
    for label, boxes in into.items():
        if len(boxes) > 1 or label in found.unclear:
            for box in boxes:
                del found.placed[box.index]
            xs = {b.index: b.x0 for b in row}
            found.unclear[label] = sorted(found.unclear.get(label, []) + [b.index for b in boxes], key=xs.get)


def _cut(spanned: list[list[int]]) -> bool:
    """A box whose pieces of ink lie each within one column, in different columns: figures (or
    figures misread as characters) the detector ran together, to be read cell by cell."""
    return all(len(cols) == 1 for cols in spanned) and len({cols[0] for cols in spanned}) > 1


def _lone_sign(box: _Box, height: float) -> bool:
    """A short text that is no figure and no word (it holds a digit, or no character: `冏1個`, `¥`)
    over a glyph or two of ink: a figure misread where the detector's box ran wider than its ink,
    to be read again from its cell alone."""
    return not box.figures and len(box.text) <= 4 and bool(_NO_WORD.search(box.text)) and len(box.pieces) == 1 \
        and box.pieces[0][1] - box.pieces[0][0] <= 1.5 * height


def _columns(xs: list[float], x0: float, x1: float) -> list[int]:
    """The columns an extent touches."""
    first = int(np.searchsorted(xs, x0, side="right")) - 1
    last = int(np.searchsorted(xs, x1, side="left")) - 1
    cols = len(xs) - 1
    return list(range(max(first, 0), min(max(last, first), cols - 1) + 1))
