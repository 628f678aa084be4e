"""Plain text and Markdown to blocks: `|` rows become grids, every other line stays a line."""

from __future__ import annotations

import re

from ogi.read.document import Cell, Grid

_PIPE_ROW = re.compile(r"^\s*\|?.*\|.*\|")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_PAGE_NUMBER = re.compile(r"^\s*[-—–]\s*\d{1,3}\s*[-—–]\s*$|^\s*第\s*\d{1,3}\s*页(\s*共\s*\d+\s*页)?\s*$")


def read_text(text: str) -> list:
    """Return blocks: raw lines (str) and Grids for runs of `|`-separated rows."""
    blocks: list = []
    table: list[list[Cell]] = []
    for line in text.splitlines():
        if _MD_RULE.match(line) or _PAGE_NUMBER.match(line):
            continue
        if _PIPE_ROW.match(line):
            cells = line.strip()
            cells = cells.removeprefix("|")
            cells = cells.removesuffix("|")
            table.append([Cell(c.strip()) for c in cells.split("|")])
            continue
        if table:
            blocks.append(Grid(table))
            table = []
        if line.strip():
            blocks.append(line.rstrip())
    if table:
        blocks.append(Grid(table))
    return blocks
