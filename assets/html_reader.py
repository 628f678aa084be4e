"""HTML to blocks with lxml: the article's text and every data table as a grid."""

from __future__ import annotations

import re

from lxml import etree, html

from assets.decode import UnreadableDocument
from assets.document import Cell, Grid

_SKIP = frozenset(
    "script style noscript nav footer iframe form select option button input textarea svg head "
    "link meta object embed template".split()
)
_BLOCK = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 section article header tr table dl dt dd blockquote pre "
    "center hr address main aside figure figcaption".split()
)
_CHROME = (
    r"(^|[\s_-])(nav|navbar|menu|footer|foot|bottom|breadcrumbs?|crumbs?|position|share|bdshare|"
    r"sidebar|topbar|toolbar|login|search|copyright|friend-?links?|related|pager|tools?)([\s_-]|$)"
)
_CHROME_XPATH = etree.XPath(
    "//*[re:test(@class, $p, 'i') or re:test(@id, $p, 'i')]",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)
_KEEP = re.compile("勾稽|第二十条|年度报告|年度報告|年报")
_META_NAMES = ("articletitle", "pubdate", "contentsource", "author", "sitename", "columnname", "firstpublishedtime")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")


def read_html(text: str):
    """Return (blocks, title, meta): blocks are raw strings and Grids in reading order."""
    text = _XML_DECL.sub("", text, count=1)
    try:
        root = html.fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableDocument(f"unparseable HTML: {exc}") from None
    meta = {}
    for el in root.iter("meta"):
        name = (el.get("name") or "").lower()
        if name in _META_NAMES and el.get("content"):
            meta[name] = el.get("content").strip()
    title_el = root.find(".//title")
    title = meta.get("articletitle") or (title_el.text_content().strip() if title_el is not None else None)
    for el in _CHROME_XPATH(root, p=_CHROME):
        if el.getparent() is not None and not _KEEP.search(el.text_content()[:5000]):
            el.drop_tree()
    body = root.find(".//body")
    blocks: list = []
    _Walker(blocks).walk(body if body is not None else root)
    return blocks, title, meta


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
                for cell in el.iter("td", "th"):
                    if _owner_table(cell) is el:
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


def _owner_table(cell):
    parent = cell.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _cell_text(td) -> str:
    parts = []
    for node in td.iter():
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("br", "p", "div") and parts:
            parts.append("\n")
        if node.text and tag not in _SKIP:
            parts.append(node.text)
        if node is not td and node.tail:
            parts.append(node.tail)
    return "".join(parts).strip()


def _span(td, name: str) -> int:
    try:
        return max(1, min(int(td.get(name, "1") or 1), 100))
    except ValueError:
        return 1


def _grid(table) -> Grid:
    """Expand rowspans (copied down, marked spanned); keep each colspan cell once."""
    pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still covered)
    rows = []
    trs = [tr for tr in table.iter("tr") if _owner_table(tr) is table]
    for tr in trs:
        placed: list[tuple[int, Cell]] = []
        col = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while col in pending:
                col += _take_pending(pending, col, placed)
            text, colspan, rowspan = _cell_text(td), _span(td, "colspan"), _span(td, "rowspan")
            placed.append((col, Cell(text)))
            for c in range(col, col + colspan):
                if rowspan > 1:
                    pending[c] = (text, rowspan - 1, c == col)
            col += colspan
        for c in sorted(k for k in pending if k >= col):
            _take_pending(pending, c, placed)
        rows.append([cell for _, cell in sorted(placed, key=lambda p: p[0])])
    return Grid(rows)


def _take_pending(pending, col, placed) -> int:
    text, left, first = pending[col]
    if first:
        placed.append((col, Cell(text, spanned=True)))
    if left <= 1:
        del pending[col]
    else:
        pending[col] = (text, left - 1, first)
    return 1
