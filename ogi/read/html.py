"""HTML to blocks with lxml: the article's text and every data table as a grid."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from lxml import etree

from ogi.read.decode import UnreadableDocument
from ogi.read.document import Cell, Grid

_SKIP = frozenset(
    ["script", "style", "noscript", "nav", "footer", "iframe", "form", "select", "option", "button", "input", "textarea", "svg", "head", "link", "meta", "object", "embed", "template"]
)
_BLOCK = frozenset(
    ["p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "tr", "table", "dl", "dt", "dd", "blockquote", "pre", "center", "hr", "address", "main", "aside", "figure", "figcaption"]
)
_CHROME_WORDS = ("nav", "navbar", "menu", "footer", "foot", "bottom", "breadcrumbs?", "crumbs?", "position", "share",
                 "bdshare", "sidebar", "topbar", "toolbar", "login", "search", "copyright", "friend-?links?",
                 "related", "pager", "tools?")
_CHROME = re.compile(r"(^|[\s_-])(" + "|".join(_CHROME_WORDS) + r")([\s_-]|$)", re.IGNORECASE)
# The same words in lowercased ASCII values joined by newlines, each word starting with its first
# letter and looking behind from there: the regex engine skips to those letters instead of trying
# every position (the lookbehind-first pattern cost as much as the parse's XPath).
_CHROME_ASCII = re.compile("|".join(rf"{w[0]}(?<![^\s_-]{w[0]}){w[1:]}(?![^\s_-])" for w in _CHROME_WORDS))
# Every class and id value in document order (an element's own side by side), each knowing its
# element: only the elements whose value looks like chrome are ever touched from Python.
_CLASSES_AND_IDS = etree.XPath("//@class|//@id")
_KEEP = re.compile("勾稽|第二十条")  # chrome that holds the tables is not chrome
_META_NAMES = ("articletitle", "pubdate", "contentsource", "author", "sitename", "columnname", "firstpublishedtime")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
_OWN_ROWS = etree.XPath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
# A table's own cells, in document order: those with as many tables around them as its own
# (`tables`, itself included), so that it is the nearest; not the cells of tables inside them.
_OWN_CELLS = etree.XPath(".//*[(self::td or self::th) and count(ancestor::table) = $tables]")


def _drop(el) -> None:
    """Remove an element but keep the text that follows it."""
    parent, tail = el.getparent(), el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def read_html(text: str):
    """Return (blocks, title, meta): blocks are raw strings and Grids in reading order."""
    text = _XML_DECL.sub("", text, count=1)
    try:
        root = etree.fromstring(text, _PARSER)  # plain elements: no per-node Python class lookup
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise UnreadableDocument(f"unparseable HTML: {exc}") from None
    if root is None:
        raise UnreadableDocument("unparseable HTML: no elements")
    title, meta = _title_and_meta(root)
    for el in _chrome(root):
        if el.getparent() is not None and not _KEEP.search(_text(el)[:5000]):
            _drop(el)
    body = root.find(".//body")
    blocks: list = []
    _Walker(blocks).walk(body if body is not None else root)
    return blocks, title, meta


def _chrome(root) -> list:
    """The elements whose class or id looks like chrome, in document order."""
    values = _CLASSES_AND_IDS(root)
    joined = "\n".join(values)
    if joined.isascii():  # lowercasing is then exactly what IGNORECASE matches
        ends = list(accumulate(len(v) + 1 for v in values))
        hits = [bisect_right(ends, m.start()) for m in _CHROME_ASCII.finditer(joined.lower())]
    else:
        hits = [i for i, value in enumerate(values) if _CHROME.search(value)]
    found = []
    for i in hits:
        if not found or values[i].getparent() is not found[-1]:  # an element's class and id, or two words
            found.append(values[i].getparent())
    return found


def read_head(text: str) -> tuple[str | None, dict[str, str]]:
    """Title and meta tags from the page's <head> alone: cheap, for placing a page by year."""
    end = text.lower().find("</head>")
    try:
        root = etree.fromstring(_XML_DECL.sub("", text[: end + 7 if end >= 0 else 16384], count=1), _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None, {}
    return _title_and_meta(root) if root is not None else (None, {})


def _title_and_meta(root) -> tuple[str | None, dict[str, str]]:
    meta = {}
    for el in root.iter("meta"):
        name = (el.get("name") or "").lower()
        if name in _META_NAMES and el.get("content"):
            meta[name] = el.get("content").strip()
    title_el = root.find(".//title")
    title = meta.get("articletitle") or ("".join(title_el.itertext()).strip() if title_el is not None else None)
    return title, meta


class _Walker:
    def __init__(self, blocks: list):
        self.blocks = blocks
        self.line: list[str] = []

    def flush(self):
        text = "".join(self.line).strip()
        if text:
            self.blocks.append(text)
        self.line = []

    def walk(self, el, depth: int = 0):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or depth > 200:
            return
        if tag == "table":
            self.flush()
            if el.find(".//table") is None:
                self.blocks.append(_grid(el))
            else:  # a layout table: its cells are containers
                for cell in _OWN_CELLS(el, tables=sum(1 for _ in el.iterancestors("table")) + 1):
                    self.walk_children(cell, depth)
                    self.flush()
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        self.walk_children(el, depth)
        if block:
            self.flush()

    def walk_children(self, el, depth):
        if el.text and isinstance(el.tag, str):
            self.line.append(el.text)
        for child in el:
            self.walk(child, depth + 1)
            if child.tail:
                self.line.append(child.tail)


def _text(el) -> str:
    """An element's text nodes as "".join(el.itertext()) has them, joined by libxml2 (2.5x faster)."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _span(value: str) -> int:
    try:
        return max(1, min(int(value), 100))
    except ValueError:
        return 1


MAX_TABLE_CELLS = 100_000  # after merged cells are expanded; the official tables have about 300


def _grid(table) -> Grid:
    """Expand rowspans (copied down, marked spanned); keep each colspan cell once. Refuses a
    table that would expand past MAX_TABLE_CELLS before building it (spans can multiply a
    small file into gigabytes)."""
    for node in table.iter("br", "p", "div"):  # line breaks inside a cell stay breaks
        if node.tag == "br":
            node.tail = "\n" + (node.tail or "")
        else:
            node.text = "\n" + (node.text or "")
    pending: dict[int, tuple[str, int, bool]] = {}  # column -> (text, rows still covered, first col)
    rows, cells = [], 0
    for tr in _OWN_ROWS(table):
        placed: list[Cell] = []  # in column order: cells and spanned copies are placed left to right
        col = 0
        for td in tr.iterchildren("td", "th"):
            while pending and col in pending:
                col += _take_pending(pending, col, placed)
            text = (td.text or "").strip() if len(td) == 0 else _text(td).strip()
            colspan, rowspan = td.get("colspan"), td.get("rowspan")  # mostly absent: spans are parsed only when present
            colspan = 1 if colspan is None else _span(colspan)
            rowspan = 1 if rowspan is None else _span(rowspan)
            placed.append(Cell(text))
            if rowspan > 1:
                for c in range(col, col + colspan):
                    pending[c] = (text, rowspan - 1, c == col)
            col += colspan
        if pending:
            for c in sorted(k for k in pending if k >= col):
                _take_pending(pending, c, placed)
        cells += max(col, len(placed)) + len(pending)
        if cells > MAX_TABLE_CELLS:
            raise UnreadableDocument(f"a table expands to over {MAX_TABLE_CELLS:,} cells: refused")
        rows.append(placed)
    return Grid(rows)


def _take_pending(pending, col, placed) -> int:
    text, left, first = pending[col]
    if first:
        placed.append(Cell(text, spanned=True))
    if left <= 1:
        del pending[col]
    else:
        pending[col] = (text, left - 1, first)
    return 1
