"""Ruled tables in a page image: the ruling lines found by OpenCV morphology, the cells cut along
them (a merged cell kept once, as pdfplumber gives it), and the recognised text boxes placed in
the cell that holds their centre.

A cell boundary is where a drawn line is; a boundary of the table's lattice that no line draws
between two neighbouring lattice cells joins them (a rowspan or colspan).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_TABLE_SIDE = 0.15  # of the page's width: smaller ruled shapes are stamps or boxes, not tables
OPEN_END = 20  # pixels of column rules beyond the last row rule that make an unclosed row
LINE_COVER = 0.6  # share of a boundary segment that must be drawn for it to separate two cells


@dataclass
class Table:
    """A ruled table: its lattice (xs, ys) and each lattice cell's merged cell (labels[i][j])."""

    xs: list[int]
    ys: list[int]
    labels: np.ndarray

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell_at(self, x: float, y: float) -> int | None:
        """The merged cell holding the point, or None outside the table."""
        j = int(np.searchsorted(self.xs, x)) - 1
        i = int(np.searchsorted(self.ys, y)) - 1
        if 0 <= i < len(self.ys) - 1 and 0 <= j < len(self.xs) - 1:
            return int(self.labels[i, j])
        return None

    def boxes(self) -> dict[int, tuple[int, int, int, int]]:
        """Each merged cell's (x0, y0, x1, y1) on the page."""
        found: dict[int, tuple[int, int, int, int]] = {}
        for i in range(len(self.ys) - 1):
            for j in range(len(self.xs) - 1):
                box = (self.xs[j], self.ys[i], self.xs[j + 1], self.ys[i + 1])
                label = int(self.labels[i, j])
                old = found.get(label, box)
                found[label] = (min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]), max(old[3], box[3]))
        return found

    def rows(self) -> list[list[int]]:
        """Each lattice row's merged cells, left to right, each only in the row where it starts."""
        seen: set[int] = set()
        rows = []
        for i in range(len(self.ys) - 1):
            row = []
            for label in self.labels[i]:
                if int(label) not in seen and (not row or row[-1] != label):
                    seen.add(int(label))
                    row.append(int(label))
            rows.append(row)
        return rows


def line_masks(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) masks of the page's ruling lines: dark runs far longer than any stroke.
    Built once per page and handed to find_tables and without_rules."""
    binary = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    length = max(gray.shape[1] // 40, 15)
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    close = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))  # bridge the gaps of broken or noisy lines
    return cv2.dilate(horizontal, close), cv2.dilate(vertical, close)


def without_rules(gray: np.ndarray, masks: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The page with its ruling lines (line_masks) painted white: only text left."""
    horizontal, vertical = masks
    clean = gray.copy()
    clean[(horizontal > 0) | (vertical > 0)] = 255
    return clean


def find_tables(masks: tuple[np.ndarray, np.ndarray]) -> list[Table]:
    """The ruled tables of a page (upright), from its line masks (line_masks), top to bottom."""
    horizontal, vertical = masks
    grid = cv2.bitwise_or(horizontal, vertical)
    count, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    tables = []
    min_side = grid.shape[1] * MIN_TABLE_SIDE
    for k in range(1, count):
        x, y, w, h, _ = stats[k]
        if w < min_side or h < min_side / 4:
            continue
        table = _lattice(horizontal[y:y + h, x:x + w], vertical[y:y + h, x:x + w], x, y)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: t.ys[0])


def _positions(mask: np.ndarray, axis: int, min_run: float) -> list[int]:
    """Centres of the lines drawn across `axis` for at least `min_run` pixels (a projection)."""
    profile = (mask > 0).sum(axis=axis)
    hits = np.flatnonzero(profile >= min_run)
    if hits.size == 0:
        return []
    groups = np.split(hits, np.flatnonzero(np.diff(hits) > 3) + 1)
    return [int(g.mean()) for g in groups]


def _open_ends(ys: list[int], vertical: np.ndarray) -> list[int]:
    """Row boundaries, with the ends of the columns' rules added where a table broken over pages
    has no rule closing its last row (or opening its first): the column rules still end there."""
    drawn = np.flatnonzero((vertical > 0).sum(axis=1) >= 2 * 5)  # two rules of the dilated width
    if drawn.size == 0:
        return ys
    top, bottom = int(drawn[0]), int(drawn[-1])
    return ([top] if ys[0] - top > OPEN_END else []) + ys + ([bottom] if bottom - ys[-1] > OPEN_END else [])


def _lattice(horizontal: np.ndarray, vertical: np.ndarray, x0: int, y0: int) -> Table | None:
    """The lattice of one table's line masks (cropped to the table), its lattice cells merged where
    no line separates them."""
    height, width = horizontal.shape
    ys = _positions(horizontal, 1, min(width * 0.08, 200))
    xs = _positions(vertical, 0, min(height * 0.08, 100))
    if len(xs) < 3 or not ys:
        return None
    ys = _open_ends(ys, vertical)
    if len(ys) < 2:
        return None
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def drawn(mask: np.ndarray, region: tuple[slice, slice], axis: int) -> bool:
        strip = mask[region] > 0
        return strip.size > 0 and strip.any(axis=axis).mean() >= LINE_COVER

    for i in range(rows):
        for j in range(cols):
            band = slice(ys[i] + 3, ys[i + 1] - 2)
            if j + 1 < cols and not drawn(vertical, (band, slice(xs[j + 1] - 4, xs[j + 1] + 5)), 1):
                parent[find(i * cols + j + 1)] = find(i * cols + j)
            band = slice(xs[j] + 3, xs[j + 1] - 2)
            if i + 1 < rows and not drawn(horizontal, (slice(ys[i + 1] - 4, ys[i + 1] + 5), band), 0):
                parent[find((i + 1) * cols + j)] = find(i * cols + j)
    labels = np.array([find(k) for k in range(rows * cols)]).reshape(rows, cols)
    return Table([x + x0 for x in xs], [y + y0 for y in ys], labels)
