"""The normalized document every reader produces and the extractor consumes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is 10x slower, and a page has thousands
class Cell:
    text: str
    spanned: bool = False  # a copy of a cell from a row above (rowspan)
    alternatives: tuple[str, ...] = ()  # an unsure reading's possible figures (OCR), for the arithmetic to choose


@dataclass
class Grid:
    """A table as rows of physical cells, rowspans repeated, colspans kept once."""

    rows: list[list[Cell]]


@dataclass
class Document:
    """Text blocks (str) and tables (Grid) in reading order, plus what the page declared."""

    kind: str  # html | text
    blocks: list[str | Grid]
    encoding: str
    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _plain: str | None = field(default=None, init=False, repr=False, compare=False)

    def plain_text(self) -> str:
        """The whole document as lines of text: a table row becomes one line of cells. Built
        once (metadata, version detection and the tables each read it; blocks do not change)."""
        if self._plain is not None:
            return self._plain
        lines = []
        for block in self.blocks:
            if isinstance(block, Grid):
                lines.extend(" ".join(c.text for c in row if not c.spanned) for row in block.rows)
            else:
                lines.append(block)
        self._plain = "\n".join(lines)
        return self._plain

    def to_json(self) -> dict:
        """A plain structure for storage between pipeline stages (grids as [[text, spanned]], a cell
        with alternatives as [text, spanned, alternatives])."""
        blocks = [b if isinstance(b, str) else [[[c.text, c.spanned, c.alternatives] if c.alternatives else [c.text, c.spanned]
                                                 for c in row] for row in b.rows]
                  for b in self.blocks]
        return {"kind": self.kind, "encoding": self.encoding, "title": self.title, "meta": self.meta,
                "warnings": self.warnings, "blocks": blocks}

    @classmethod
    def from_json(cls, data: dict) -> Document:
        blocks = [b if isinstance(b, str) else Grid([[Cell(c[0], bool(c[1]), tuple(c[2]) if len(c) > 2 else ())
                                                       for c in row] for row in b])
                  for b in data["blocks"]]
        return cls(data["kind"], blocks, data["encoding"], data["title"], data["meta"], data["warnings"])
