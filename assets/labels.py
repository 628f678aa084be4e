"""Find the format's labels in a document and cut it into tokens: labels, values, other text.

Works the same on a table grid (one token per cell), on one-cell-per-line text and on flattened
text where labels and digits run together (`行政许可396442278`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assets.document import Document, Grid
from assets.format import load_format
from assets.values import VALUE_RUN, is_value_cell

_BROKEN_LABEL = re.compile(r"(?<=[\u3001-\u303f\u3400-\u9fff()/,:;\u201c\u201d])\s+(?=[\u3001-\u303f\u3400-\u9fff()/,:;\u201c\u201d])")


_VALUES_THEN_HEADING = re.compile(r"^([\d\s.+\-/无—–万元]*\d[\d\s.+\-/无—–万元]*?)\s*([一二三四五六七八九十]{1,2}、.*)$", re.S)


@dataclass(frozen=True)
class Token:
    kind: str  # row | anchor | section | header | value | text
    code: str | None = None  # row code, table of an anchor, section code
    table: str | None = None
    text: str = ""
    grid_row: int | None = None  # (grid, row) identity for cells of a table grid


@lru_cache(maxsize=8)
def scanner(version: str) -> tuple[re.Pattern, list[tuple[str, str | None, str | None]]]:
    """One alternation of every label of a version; group i tells what matched."""
    fmt = load_format()
    parts: list[str] = []
    meaning: list[tuple[str, str | None, str | None]] = []
    tables = fmt.versions[version].tables
    for table in ("t3", "t2"):
        if table in tables:
            for row in tables[table].rows.values():
                parts.append(row.match.pattern)
                meaning.append(("row", row.code, table))
    for code, pattern in fmt.sections.items():
        parts.append(pattern.pattern)
        meaning.append(("section", code, None))
    for table, pattern in fmt.anchors.items():
        parts.append(pattern.pattern)
        meaning.append(("anchor", table, table))
    for pattern in fmt.header_labels:
        parts.append(pattern)
        meaning.append(("header", None, None))
    regex = re.compile("|".join(f"({p})" for p in parts))
    return regex, meaning


def tokenize(doc: Document, version: str) -> list[Token]:
    regex, meaning = scanner(version)
    tokens: list[Token] = []
    lines: list[str] = []
    for g, block in enumerate(doc.blocks):
        if isinstance(block, Grid):
            if lines:
                tokens.extend(_scan("\n".join(lines), regex, meaning))
                lines = []
            tokens.extend(_grid_tokens(block, g, regex, meaning))
        else:
            lines.append(block)
    if lines:
        tokens.extend(_scan("\n".join(lines), regex, meaning))
    return tokens


def _label(m: re.Match, meaning) -> Token:
    kind, code, table = meaning[m.lastindex - 1]
    return Token(kind, code, table, m.group())


def _scan(text: str, regex: re.Pattern, meaning) -> list[Token]:
    text = _BROKEN_LABEL.sub("", text)
    tokens: list[Token] = []
    pos = 0
    for m in regex.finditer(text):
        if m.start() > pos:
            tokens.extend(_gap(text[pos : m.start()]))
        tokens.append(_label(m, meaning))
        pos = m.end()
    if pos < len(text):
        tokens.extend(_gap(text[pos:]))
    return tokens


def _gap(text: str) -> list[Token]:
    """Text between two labels: a value run if it is only values, else its leading value lines."""
    stripped = text.strip()
    if not stripped:
        return []
    if VALUE_RUN.match(stripped):
        return [Token("value", text=stripped)]
    m = _VALUES_THEN_HEADING.match(stripped)
    if m:  # values, then a heading the format does not know (`四、政府信息公开行政法复议…`)
        return [Token("value", text=m.group(1).strip()), Token("text", text=m.group(2))]
    lines = stripped.split("\n")
    head = 0
    while head < len(lines) and lines[head].strip() and VALUE_RUN.match(lines[head].strip()):
        head += 1
    tokens = [Token("value", text="\n".join(lines[:head]))] if head else []
    return tokens + [Token("text", text="\n".join(lines[head:]))]


def _grid_tokens(grid: Grid, g: int, regex: re.Pattern, meaning) -> list[Token]:
    """One token per cell; a cell is a label only if the label fills it (notes in brackets aside)."""
    tokens = []
    for r, row in enumerate(grid.rows):
        for cell in row:
            text = cell.text
            m = regex.match(text)
            if m and m.end() > 0:
                rest = text[m.end() :].strip()
                if not rest or (len(rest) <= 40 and not re.search(r"\d", rest)):
                    kind, code, table = meaning[m.lastindex - 1]
                    tokens.append(Token(kind, code, table, text, (g, r)))
                    continue
            kind = "value" if is_value_cell(text) else "text"
            tokens.append(Token(kind, text=text, grid_row=(g, r)))
    return tokens
