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
"""

from __future__ import annotations

import ctypes

import pypdfium2
import pypdfium2.raw as pdfium
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

    def is_table_page(self) -> bool:
        """Its text holds one of the format's table words and it draws something (pdfplumber finds
        ruled tables from drawn lines and rectangles: a page without any path has none)."""
        if load_format().table_words.search(normalize(self.text, join_lines=True)) is None:
            return False
        return next(iter(self.page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_PATH])), None) is not None

    def images(self) -> int:
        return sum(1 for _ in self.page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_IMAGE]))

    def read(self) -> tuple[list[dict] | None, int, int]:
        """(lines, characters, objects): pdfplumber's `extract_text_lines(return_chars=False)` of
        the page (text, x0, top, x1, bottom), or None (see `chars`); its characters; and its
        characters plus other page objects (paths, images, ...), what MAX_PAGE_OBJECTS bounds."""
        chars = self.chars()
        if chars is None or not self.fonts_embedded():
            return None, 0, 0
        objects = len(chars) + sum(1 for _ in self.page.get_objects(filter=_NOT_TEXT))
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
        for obj in self.page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_TEXT]):
            font = pdfium.FPDFTextObj_GetFont(obj.raw)
            key = ctypes.cast(font, ctypes.c_void_p).value
            if key not in fonts:
                fonts[key] = bool(pdfium.FPDFFont_GetIsEmbedded(font))
                if not fonts[key]:
                    return False
        return True

    def chars(self) -> list[dict] | None:
        """The page's characters as pdfplumber's char dicts (the keys its text clustering reads),
        in content order; None when a character is not upright text pdfminer would box the same."""
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
            size = pdfium.FPDFText_GetFontSize(raw, index) * matrix.d
            bottom = self.height - box.bottom
            chars.append({"text": text[index], "x0": x.value, "x1": box.right, "top": bottom - size,
                          "bottom": bottom, "doctop": bottom - size, "upright": True})
        return chars


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
