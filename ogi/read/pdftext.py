"""The text layer of a PDF page through pypdfium2, as the lines pdfplumber would give.

pdfminer (under pdfplumber) interprets a page's content stream in Python: about 90 ms a page on the
real reports, where pdfium reads the same text layer in C in about a millisecond. Only the pages
holding tables need pdfplumber's ruling-line geometry; a page whose text holds none of the format's
`table_words` (templates.yaml) is prose, and its lines are made here: every character with the box
pdfminer gives it (pdfium's origin, advance and descent are pdfminer's; the top is the bottom
minus the font size, as pdfminer draws it), then pdfplumber's own word and line clustering over
them, so a prose line reads the same either way. A page pdfium cannot describe that way (rotated
or mirrored text, a character beyond the Basic Multilingual Plane, a font that is not embedded)
returns None: the caller reads it with pdfplumber.

A table page is read here too when it can be: its painted paths become the edges pdfplumber
would make of them (pdfminer's lines, rectangles and curves, built from the same points in the
same order), and pdfplumber's own table finder cuts the cells from those edges and these
characters. A page with a form XObject (paths nested under another matrix) is left to pdfplumber.
"""

from __future__ import annotations

import ctypes
from functools import partial

import pypdfium2
import pypdfium2.raw as pdfium
from pdfplumber.table import Table, TableFinder, TableSettings
from pdfplumber.utils.text import chars_to_textmap

from ogi.format import load_format
from ogi.read.textnorm import normalize


class Page:
    """One page through pdfium: its size, its text, and whether it is a table page."""

    def __init__(self, page: pypdfium2.PdfPage) -> None:
        self.page = page
        self.width, self.height = page.get_size()
        self.textpage = page.get_textpage()
        self.text = self.textpage.get_text_range()
        self._chars: list[dict] | None | bool = False  # not read yet
        self._objects: list[tuple[int, object, int]] | None = None

    def is_table_page(self) -> bool:
        """Its text holds one of the format's table words and it draws something (pdfplumber finds
        ruled tables from drawn lines and rectangles: a page without any path has none)."""
        if load_format().table_words.search(normalize(self.text, join_lines=True)) is None:
            return False
        return any(kind == pdfium.FPDF_PAGEOBJ_PATH for kind, _, _ in self.objects())

    def images(self) -> int:
        return sum(kind == pdfium.FPDF_PAGEOBJ_IMAGE for kind, _, _ in self.objects())

    def objects(self) -> list[tuple[int, object, int]]:
        """(type, handle, depth) of every object of the page, those inside form XObjects too (depth
        1 and more), walked once through pdfium's raw API (its helper objects cost more than the walk)."""
        if self._objects is None:
            self._objects = []
            _walk(self._objects, pdfium.FPDFPage_CountObjects(self.page.raw),
                  partial(pdfium.FPDFPage_GetObject, self.page.raw), 0)
        return self._objects

    def read(self) -> tuple[list[dict] | None, int, int]:
        """(lines, characters, objects): pdfplumber's `extract_text_lines(return_chars=False)` of
        the page (text, x0, top, x1, bottom), or None (see `chars`); its characters; and its
        characters plus other page objects (paths, images, ...), what MAX_PAGE_OBJECTS bounds."""
        chars = self.chars()
        if chars is None or not self.fonts_embedded():
            return None, 0, 0
        objects = len(chars) + sum(kind in _NOT_TEXT for kind, _, _ in self.objects())
        if not chars:
            return [], 0, objects
        textmap = chars_to_textmap(chars, layout_bbox=(0, 0, self.width, self.height), layout_width=self.width,
                                   layout_height=self.height)
        return textmap.extract_text_lines(strip=True, return_chars=False), len(chars), objects

    def fonts_embedded(self) -> bool:
        """Every text object's font is embedded. pdfium places the glyphs of a font it has to
        substitute differently from pdfminer (it drops or moves some: seen with full-width digits
        in a CID font that is not embedded), so such a page is pdfplumber's."""
        fonts = {}
        for obj in (handle for kind, handle, _ in self.objects() if kind == pdfium.FPDF_PAGEOBJ_TEXT):
            font = pdfium.FPDFTextObj_GetFont(obj)
            key = ctypes.cast(font, ctypes.c_void_p).value
            if key not in fonts:
                fonts[key] = bool(pdfium.FPDFFont_GetIsEmbedded(font))
                if not fonts[key]:
                    return False
        return True

    def chars(self) -> list[dict] | None:
        """The page's characters as pdfplumber's char dicts (the keys its text clustering reads),
        in content order; None when a character is not upright text pdfminer would box the same."""
        if self._chars is False:
            self._chars = self._read_chars()
        return self._chars

    def tables(self) -> list[Table] | None:
        """pdfplumber's `find_tables()` of the page, from pdfium's characters and paths; None when
        the page has a form XObject (or `chars` is None)."""
        chars, edges = self.chars(), self.edges()
        if chars is None or edges is None:
            return None
        return TableFinder(_Drawn(chars, edges, (0, 0, self.width, self.height)), _SETTINGS).tables

    def edges(self) -> list[dict] | None:
        """The edges pdfplumber makes of the page's painted paths: its lines', then its
        rectangles', then its curves' (each kind in content order), as pdfminer shapes them."""
        lines, rects, curves = [], [], []
        matrix = pdfium.FS_MATRIX()
        for kind, obj, _ in self.objects():
            if kind == pdfium.FPDF_PAGEOBJ_FORM:
                return None
            if kind != pdfium.FPDF_PAGEOBJ_PATH or not pdfium.FPDFPageObj_GetMatrix(obj, matrix):
                continue
            for shape, points in _subpaths(obj, matrix):
                kind, edges = _shape_edges(shape, [(x, self.height - y) for x, y in points])
                {"line": lines, "rect": rects, "curve": curves}[kind].extend(edges)
        return lines + rects + curves

    def _read_chars(self) -> list[dict] | None:
        raw, text = self.textpage.raw, self.text
        count = self.textpage.count_chars()
        if len(text) != count or self.page.get_rotation():
            return None
        box, matrix = pdfium.FS_RECTF(), pdfium.FS_MATRIX()
        x, y = ctypes.c_double(), ctypes.c_double()
        chars = []
        for index in range(count):
            if pdfium.FPDFText_IsGenerated(raw, index):
                continue
            if not (pdfium.FPDFText_GetLooseCharBox(raw, index, box)
                    and pdfium.FPDFText_GetMatrix(raw, index, matrix)
                    and pdfium.FPDFText_GetCharOrigin(raw, index, x, y)):
                return None
            if matrix.b or matrix.c or matrix.a <= 0 or matrix.d <= 0:
                return None
            char = _box(box, matrix, x.value, y.value, pdfium.FPDFText_GetFontSize(raw, index))
            if char is None:
                return None
            x0, bottom, x1, top = char
            chars.append({"text": text[index], "x0": x0, "x1": x1, "top": self.height - top,
                          "bottom": self.height - bottom, "doctop": self.height - top, "upright": True})
        return chars


def _box(box: pdfium.FS_RECTF, matrix: pdfium.FS_MATRIX, x: float, y: float,
         font_size: float) -> tuple[float, float, float, float] | None:
    """pdfminer's box of a character (x0, y0, x1, y1 in PDF space), or None where pdfium's numbers
    do not give it. Horizontal text: pdfium's origin is the text position, and its loose box has
    pdfminer's advance and descent. Vertical text (pdfium's origin is then the text position less
    the font's vertical origin, and its loose box is not scaled by the text matrix): pdfminer's box
    is a font size square from that origin when the font's vertical metrics are the defaults (an
    origin half a width left and 880/1000 down, advance -1000); other metrics are left to pdfminer."""
    width, height = font_size * matrix.a, font_size * matrix.d
    if abs(x - matrix.e) < 1e-3 and abs(y - matrix.f) < 1e-3:
        return x, box.bottom, box.right, box.bottom + height
    if abs(matrix.e - x - 0.5 * width) < 1e-3 and abs(matrix.f - y - 0.88 * height) < 1e-3:
        return x, y, x + width, y + height
    return None


class _Drawn:
    """What pdfplumber's TableFinder and Table read of a page: its box, characters and edges."""

    def __init__(self, chars: list[dict], edges: list[dict], bbox: tuple) -> None:
        self.chars, self.edges, self.bbox = chars, edges, bbox


_SETTINGS = TableSettings.resolve(None)  # find_tables()'s defaults


def _subpaths(raw, matrix: pdfium.FS_MATRIX) -> list[tuple[str, list[tuple[float, float]]]]:
    """A path object's subpaths as pdfminer records them: (shape, points on the page) with m, l, c
    (a Bézier curve by its end point) and h (closing, at the subpath's start). pdfium closes a
    subpath with a line back to its start (or marks the line that returns there) where pdfminer
    keeps one h; a rectangle (`re`) is m l l l and a closing l in both."""
    subpaths, x, y = [], ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
    bezier = 0
    for index in range(pdfium.FPDFPath_CountSegments(raw)):
        segment = pdfium.FPDFPath_GetPathSegment(raw, index)
        kind = pdfium.FPDFPathSegment_GetType(segment)
        if not pdfium.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if kind == pdfium.FPDF_SEGMENT_MOVETO:
            subpaths.append(["m", [point]])
            continue
        if not subpaths:
            continue
        if kind == pdfium.FPDF_SEGMENT_BEZIERTO:
            bezier = (bezier + 1) % 3
            if bezier:
                continue  # a control point: pdfminer keeps only the end point
        sub = subpaths[-1]
        closes = pdfium.FPDFPathSegment_GetClose(segment)
        if kind == pdfium.FPDF_SEGMENT_LINETO:
            sub[0] += "h" if closes else "l"  # a closing line ends at the start, where h is
            sub[1].append(point)
            continue
        sub[0] += "ch" if closes else "c"
        sub[1] += [point, sub[1][0]] if closes else [point]
    return [(shape, points) for shape, points in subpaths if len(shape) > 1]


def _shape_edges(shape: str, points: list[tuple[float, float]]) -> tuple[str, list[dict]]:
    """pdfminer's object for a subpath (a line, a rectangle or a curve) and pdfplumber's edges of
    it; points are (x, top)."""
    if shape in ("mlh", "ml"):
        (x0, y0), (x1, y1) = points[0], points[1]
        top, bottom = min(y0, y1), max(y0, y1)
        return "line", [_edge("line", min(x0, x1), top, max(x0, x1), bottom, "h" if top == bottom else "v")]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = points
        if points[0] == last and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                  or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
            left, right, top, bottom = min(x0, x2), max(x0, x2), min(y0, y2), max(y0, y2)
            height = bottom - top
            return "rect", [_edge("rect_edge", left, top, right, top, "h", height=0),
                            _edge("rect_edge", left, top + height, right, top + height, "h", height=0),
                            _edge("rect_edge", left, top, left, bottom, "v", width=0),
                            _edge("rect_edge", right, top, right, bottom, "v", width=0)]
    return "curve", [_edge("curve_edge", min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1]),
                           "v" if p[0] == q[0] else "h" if p[1] == q[1] else None)
                     for p, q in zip(points, points[1:], strict=False)]


def _edge(kind: str, x0: float, top: float, x1: float, bottom: float, orientation: str | None,
          width: float | None = None, height: float | None = None) -> dict:
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0 if width is None else width, "height": bottom - top if height is None else height,
            "orientation": orientation}


def _walk(into: list, count: int, get, depth: int) -> None:
    """Objects as pypdfium2's `get_objects` yields them (into forms to its default depth of 15)."""
    for index in range(count):
        obj = get(index)
        kind = pdfium.FPDFPageObj_GetType(obj)
        into.append((kind, obj, depth))
        if kind == pdfium.FPDF_PAGEOBJ_FORM and depth < 14:
            _walk(into, pdfium.FPDFFormObj_CountObjects(obj), partial(pdfium.FPDFFormObj_GetObject, obj), depth + 1)


_NOT_TEXT = [pdfium.FPDF_PAGEOBJ_PATH, pdfium.FPDF_PAGEOBJ_IMAGE, pdfium.FPDF_PAGEOBJ_SHADING,
             pdfium.FPDF_PAGEOBJ_FORM]


def open_pages(data: bytes) -> list[Page] | None:
    """Every page through pdfium, or None when pdfium cannot open the file (pdfplumber then reads
    it all, and says why it is broken if it is)."""
    try:
        document = pypdfium2.PdfDocument(data)
        return [Page(document[i]) for i in range(len(document))]
    except pypdfium2.PdfiumError:
        return None
