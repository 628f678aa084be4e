"""Stage 3: a normalized Document to the cells of its template, located by labels, not layout."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ogi.extract.labels import Token, tokenize
from ogi.extract.solve import Resolved, resolve
from ogi.extract.values import dropped_readings, glued_readings, positional_reading, run_cells
from ogi.format import Version, load_format
from ogi.read.document import Document

_TEMPLATE_MARKERS = ("本年新收政府信息公开申请", "第二十条第")
_T3_ANCHORS = (0, 6)  # 自然人 and 总计: first and last printed cell of a 申请人 row


@dataclass
class TableCells:
    version: str
    cells: dict[tuple[str, str, str], Resolved]
    found: set[str]  # tables whose rows were located
    sections: dict[str, str]


def detect_version(text: str, year: int | None) -> str:
    """Decide the template from the table labels; the year only breaks ties."""
    compact = re.sub(r"\s+", "", text)
    if not any(marker in compact for marker in _TEMPLATE_MARKERS):
        return "legacy"
    versions = load_format().versions
    scores = {code: sum(h in compact for h in versions[code].detection_hints) for code in ("2019", "2021")}
    if scores["2019"] != scores["2021"]:
        return max(scores, key=scores.get)
    return "2021" if (year or 2021) >= 2021 else "2019"


def extract_tables(doc: Document, version_code: str) -> TableCells:
    version = load_format().versions[version_code]
    tokens = tokenize(doc, version_code) if version.tables else []
    sections = _sections(tokens)
    if not version.tables:
        return TableCells(version_code, {}, set(), sections)
    runs, t4_run = _locate(tokens, version)
    cells: dict[tuple[str, str, str], Resolved] = {}
    found = set()
    for table_code, table in version.tables.items():
        readings, columns, unsure = {}, {}, set()
        for row in table.rows.values():
            if not row.cells:
                continue
            types = [table.columns[c].type for c in row.cells]
            columns[row.code] = row.cells
            run = t4_run if table_code == "t4" else runs.get(row.code)
            if run is not None:
                tiers, from_layout = _readings(run, types, _T3_ANCHORS if table_code == "t3" else None)
                readings[row.code] = tiers
                if not from_layout:
                    unsure.add(row.code)
                found.add(table_code)
        resolved = resolve(readings, columns, list(version.checks), table_code, unsure)
        for (row, col), cell in resolved.items():
            cells[(table_code, row, col)] = cell
    return TableCells(version_code, cells, found, sections)


def _locate(tokens: list[Token], version: Version):
    """The value run of each template row: first occurrence after its table's start."""
    t3_rows = set(version.tables["t3"].rows)
    first = {}
    for i, tok in enumerate(tokens):
        if tok.kind == "anchor" and tok.code not in first:
            first[tok.code] = i
        if tok.kind == "row" and tok.code == "new_received" and "t3" not in first:
            first["t3"] = i
    t3_start = first.get("t3", len(tokens))
    t2_start = first.get("t2", 0)
    runs: dict[str, list[Token]] = {}
    last_t3 = t3_start
    for i, tok in enumerate(tokens):
        if tok.kind != "row" or tok.code in runs:
            continue
        in_t3 = tok.code in t3_rows
        if (in_t3 and i < t3_start) or (not in_t3 and not t2_start <= i < max(t3_start, t2_start + 1)):
            continue
        values = _values_after(tokens, i)
        if values:
            runs[tok.code] = values
            if in_t3:
                last_t3 = max(last_t3, i)
    t4_run = None
    for i in range(last_t3, len(tokens)):
        if tokens[i].kind == "anchor" and tokens[i].code == "t4":
            t4_run = _t4_values(tokens, i)
            break
    return runs, t4_run


def _values_after(tokens: list[Token], i: int) -> list[Token]:
    """Value tokens right after a label: the rest of its grid row, or the next text run."""
    label = tokens[i]
    out = []
    for tok in tokens[i + 1 :]:
        if tok.kind != "value" or tok.grid_row != label.grid_row and label.grid_row is not None:
            break
        if label.grid_row is None and tok.grid_row is not None:
            break  # a label in running text does not own the next table's cells
        out.append(tok)
        if label.grid_row is None:
            break
    if label.grid_row is not None and not any(t.text.strip() for t in out):
        return []
    return out


def _t4_values(tokens: list[Token], start: int, width: int = 15) -> list[Token] | None:
    """The data row under the t4 header: a value run, or grid rows of values (some reports
    print 行政复议 and the two 行政诉讼 groups as three small tables) up to the 15 cells."""
    out: list[Token] = []
    done_rows = set()
    for i in range(start + 1, len(tokens)):
        tok = tokens[i]
        if tok.kind in ("row", "section") and tok.code != "s4":
            break
        if tok.kind != "value" or not tok.text.strip() or tok.grid_row in done_rows:
            continue
        if tok.grid_row is None:
            return out or [tok]
        row = [t for t in tokens if t.grid_row == tok.grid_row]
        done_rows.add(tok.grid_row)
        if all(t.kind == "value" for t in row):
            out.extend(row)
            if len(out) >= width:
                break
    return out or None


def _readings(run: list[Token], types: list[str], anchors):
    """Tiers of readings of a row, and whether the layout itself gave every cell's position."""
    if run[0].grid_row is not None:
        texts = [t.text for t in run]
        reading = positional_reading(texts, types)
        if reading is not None:
            return [[reading]], True
        cells = [t for t in texts if t.strip()]
        return _dropped(cells, types, anchors), len(cells) == len(types)
    text = run[0].text
    if "\n" not in text:
        glued = glued_readings(text, types)
        if glued:
            return [glued], False
        if glued is None:
            return [], False
    cells = run_cells(text)
    return _dropped(cells, types, anchors), len(cells) == len(types)


def _dropped(cells: list[str], types: list[str], anchors):
    """Tiers of readings: the anchored reading first, any placement if arithmetic rejects it."""
    if len(cells) == len(types):
        return [dropped_readings(cells, types)]
    tiers = [dropped_readings(cells, types, anchors)] if anchors else []
    tiers.append(dropped_readings(cells, types))
    return [t for t in tiers if t]


def _sections(tokens: list[Token]) -> dict[str, str]:
    """Text under each section heading (last heading of a code wins: outlines repeat them)."""
    sections: dict[str, list[str]] = {}
    current = None
    for tok in tokens:
        if tok.kind == "section":
            current = tok.code
            sections[current] = []
        elif current and tok.kind in ("text", "value"):
            sections[current].append(tok.text)
    return {code: "\n".join(parts) for code, parts in sections.items()}
