"""Find the format's labels in a document and cut it into tokens: labels, values, other text.

Works the same on a table grid (one token per cell), on one-cell-per-line text and on flattened
text where labels and digits run together (`行政许可396442278`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ogi.extract.prefilter import first_class
from ogi.extract.values import VALUE_RUN, is_value_cell
from ogi.format import Format, load_format
from ogi.read.document import Document, Grid

_BROKEN_LABEL = re.compile(r"(?<=[\u3001-\u303f\u3400-\u9fff()/,:;\u201c\u201d])\s+(?=[\u3001-\u303f\u3400-\u9fff()/,:;\u201c\u201d])")


_LEADING_VALUES = re.compile(r"(?:[+-]?\d+(?:\.\d+)?(?:万元|万|元)?|[无/—–\-]|\s)+")
_YEAR_DIGITS = re.compile(r"(?:19|20)\d{2}$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DIGIT = re.compile(r"\d")
_DIGIT_OR_NULL = re.compile(r"\d|^[无/—–\-]")


_PROSE = 100  # characters: a longer paragraph without one of the format's table words is narrative


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is 10x slower, and a page has thousands
class Token:
    kind: str  # row | anchor | section | header | value | text
    code: str | None = None  # row code, table of an anchor, section code
    table: str | None = None
    text: str = ""
    grid_row: int | None = None  # (grid, row) identity for cells of a table grid
    trailing: bool = False  # a value run that prose followed on its line: read only if nothing better
    alternatives: tuple[str, ...] = ()  # a grid cell's alternative readings (ogi.read.document.Cell)


Meaning = tuple[str, str | None, str | None]  # (token kind, code, table)


@dataclass
class Scanner:
    """One alternation of every label of a version; group i tells what matched."""

    regex: re.Pattern
    meaning: list[Meaning]
    classified: dict[str, Meaning] = field(default_factory=dict)  # grid cell text -> what it is


def scanner(version: str) -> Scanner:
    """The scanner of a version of the format in use."""
    return _scanner(load_format(), version)


@lru_cache(maxsize=8)
def _scanner(fmt: Format, version: str) -> Scanner:
    """Row labels of each table, section headings, table markers, header labels: in that order,
    tables in the format's order, so the first that matches at a place wins. A lookahead of the
    characters a label can start with spares trying 90 alternatives at every position."""
    tables = fmt.versions[version].tables
    parts: list[tuple[str, Meaning]] = [
        (row.match.pattern, ("row", row.code, code))
        for code, table in tables.items() for row in table.rows.values() if row.match
    ]
    parts += [(pattern.pattern, ("section", code, None)) for code, pattern in fmt.sections.items()]
    parts += [(table.layout.marker.pattern, ("anchor", code, code)) for code, table in tables.items()]
    parts += [(pattern, ("header", None, None)) for pattern in fmt.header_labels]
    alternation = "|".join(f"({p})" for p, _ in parts)
    starts = first_class([p for p, _ in parts])
    if starts:
        alternation = f"(?={starts})(?:{alternation})"
    return Scanner(re.compile(alternation), [m for _, m in parts])


def tokenize(doc: Document, version: str) -> list[Token]:
    """Tokens in reading order. A long paragraph with none of the format's table words is prose:
    it is not searched for labels (headings are short lines), which keeps the scan fast."""
    scan, table_words = scanner(version), load_format().table_words
    tokens: list[Token] = []
    lines: list[str] = []
    for g, block in enumerate(doc.blocks):
        if isinstance(block, Grid) or (len(block) > _PROSE and not table_words.search(block)):
            if lines:
                tokens.extend(_scan("\n".join(lines), scan))
                lines = []
            if isinstance(block, Grid):
                tokens.extend(_grid_tokens(block, g, scan))
            else:
                tokens.append(Token("text", text=block))
        else:
            lines.append(block)
    if lines:
        tokens.extend(_scan("\n".join(lines), scan))
    return tokens


def _label(m: re.Match, scan: Scanner) -> Token:
    kind, code, table = scan.meaning[m.lastindex - 1]
    return Token(kind, code, table, m.group())


def _scan(text: str, scan: Scanner) -> list[Token]:
    text = _BROKEN_LABEL.sub("", text)
    tokens: list[Token] = []
    pos = 0
    for m in scan.regex.finditer(text):
        if m.start() > pos:
            tokens.extend(_gap(text[pos : m.start()]))
        tokens.append(_label(m, scan))
        pos = m.end()
    if pos < len(text):
        tokens.extend(_gap(text[pos:]))
    return tokens


def _gap(text: str) -> list[Token]:
    """Text between two labels: a value run if it is only values, else its leading values and
    the text after them (the values a text capture ran into a heading, a date or prose)."""
    stripped = text.strip()
    if not stripped:
        return []
    if VALUE_RUN.match(stripped):
        return [Token("value", text=stripped)]
    values, rest, clean = _leading_values(stripped)
    tokens = [Token("value", text=values, trailing=not clean)] if values else []
    return tokens + [Token("text", text=rest)]


def _leading_values(text: str) -> tuple[str, str, bool]:
    """(values, the text after them, whether a heading or a line break ends them) at the start
    of `text`. Where the last line runs on into text, what the run took from that text goes back:
    a null marker that starts a word (`无收取`), the ordinal of a numbered label (`…17.属于`: the
    `7`) and a year (`…20000022025年`). Digits right before a number word (`…0003件`) end where
    the print does not say: that line's values are not read."""
    m = _LEADING_VALUES.match(text)
    run = m.group() if m else ""
    body, rest = run.rstrip(), text[len(run) :]
    if "\n" in run[len(body) :]:  # the values fill whole lines
        return body, rest, True
    ends = load_format().value_ends
    rest = run[len(body) :] + rest
    if not rest[:1].isspace():
        while body and body[-1] in "无/—–-" and _CJK.match(rest):
            body, rest = body[:-1], body[-1] + rest
        if body[-1:].isdigit() and body[-1] != "0" and rest[:1] in (".", "、") and _CJK.match(rest[1:2]):
            body, rest = body[:-1], body[-1] + rest
    word = rest.lstrip()[:1]
    if word == "年" and (year := _YEAR_DIGITS.search(body)):
        body, rest = body[: year.start()], body[year.start() :] + rest
    elif word in ends.number_words:
        line = body.rfind("\n")
        body, rest = body[: max(line, 0)], body[max(line, 0) :] + rest
        return body.rstrip(), rest.strip(), True
    body = body.rstrip()
    if not _DIGIT_OR_NULL.search(body):
        return "", text, True
    return body, rest.strip(), bool(ends.heading.match(rest.lstrip()))


def _grid_tokens(grid: Grid, g: int, scan: Scanner) -> list[Token]:
    """One token per cell; a cell is a label only if the label fills it (notes in brackets aside)."""
    tokens = []
    classified = scan.classified  # most cells' texts recur: looked up here, classified once
    for r, row in enumerate(grid.rows):
        where = (g, r)
        for cell in row:
            text = cell.text
            kind, code, table = classified.get(text) or _classify(text, scan)
            tokens.append(Token(kind, code, table, text, where, False, cell.alternatives))
    return tokens


def _classify(text: str, scan: Scanner) -> Meaning:
    """What a grid cell's text is, remembered in the scanner."""
    found = ("value" if is_value_cell(text) else "text", None, None)
    m = scan.regex.match(text)
    if m and m.end() > 0:
        rest = text[m.end() :].strip()
        if not rest or (len(rest) <= 40 and not _DIGIT.search(rest)):
            found = scan.meaning[m.lastindex - 1]
    if len(scan.classified) > 50_000:
        scan.classified.clear()
    scan.classified[text] = found
    return found
