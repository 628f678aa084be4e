"""Stage 3: a normalized Document to the cells of its template, located by labels, not layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial

from ogi.extract.alternatives import settle, unsure_row
from ogi.extract.labels import Token, tokenize
from ogi.extract.solve import Resolved, resolve
from ogi.extract.values import (
    VALUE_RUN,
    dropped_readings,
    glued_readings,
    kept_reading,
    positional_reading,
    run_cells,
)
from ogi.format import HEADING, Row, Table, Version, load_format
from ogi.read.document import Document


@dataclass
class TableCells:
    version: str
    cells: dict[tuple[str, str, str], Resolved]
    found: set[str]  # tables whose rows were located
    sections: dict[str, str]
    notes: list[str] = field(default_factory=list)  # how a cell was read that the record should say


def detect_version(text: str, year: int | None) -> str:
    """Decide the template from the table labels; the year only breaks ties."""
    fmt = load_format()
    compact = re.sub(r"\s+", "", text)
    if not any(word in compact for word in fmt.detection.template_words):
        return fmt.detection.no_template
    scores = {code: sum(h in compact for h in version.detection_hints)
              for code, version in fmt.versions.items() if code != fmt.detection.no_template}
    best = max(scores.values())
    return _in_force([fmt.versions[code] for code, score in scores.items() if score == best], year).code


def _in_force(versions: list[Version], year: int | None) -> Version:
    """The version in force in `year`: the latest begun by then, the earliest before them all,
    the latest when the year is unknown."""
    by_start = sorted(versions, key=lambda v: v.report_years[0])
    begun = [v for v in by_start if not year or v.report_years[0] <= year]
    return begun[-1] if begun else by_start[0]


def extract_tables(doc: Document, version_code: str) -> TableCells:
    version = load_format().versions[version_code]
    tokens = tokenize(doc, version_code) if version.tables else []
    sections = _sections(tokens)
    if not version.tables:
        return TableCells(version_code, {}, set(), sections)
    runs = _locate(tokens, version)
    cells: dict[tuple[str, str, str], Resolved] = {}
    found, notes = set(), []
    text = doc.plain_text()
    for table_code, table in version.tables.items():
        readings, columns, unsure, unsure_rows = {}, {}, set(), {}
        stated = _header_units(text, table)
        in_yuan = {code for code, unit in stated.items() if unit == "元"}
        alone = _printed_alone(table, runs)
        for row in table.rows.values():
            if not row.cells:
                continue
            types = [table.columns[c].type for c in row.cells]
            columns[row.code] = row.cells
            run = runs.get((table_code, row.code)) or alone.get(row.code, (None,))[0]
            if run is not None:
                tiers, from_layout = _readings(run, types, _row_ends(table, row))
                yuan = [i for i, c in enumerate(row.cells) if c in in_yuan]
                convert = partial(_in_wan, positions=yuan)
                tiers = [[convert(r) for r in tier] for tier in tiers] if yuan else tiers
                if (alternatives := unsure_row(run, types, convert)) is not None:  # OCR read a cell unsurely
                    unsure_rows[row.code] = alternatives
                    tiers = [alternatives.readings] if alternatives.readings else tiers
                readings[row.code] = tiers
                if not from_layout:
                    unsure.add(row.code)
                found.add(table_code)
        resolved = resolve(readings, columns, list(version.checks), table_code, unsure)
        for code, alternatives in unsure_rows.items():
            notes.extend(settle(resolved, table_code, code, columns[code], alternatives, list(version.checks)))
        for into, (_, group) in alone.items():
            notes.append(_split_alone(resolved, group, into, table_code))
        for (row, col), cell in resolved.items():
            if _converted(cell, col in in_yuan) or _unit_assumed(cell, table.columns[col].type, col in stated):
                cell = replace(cell, inferred=True)
            cells[(table_code, row, col)] = cell
    return TableCells(version_code, cells, found, sections, notes)


def _printed_alone(table: Table, runs: dict) -> dict[str, tuple[list[Token], Row]]:
    """A group printed as one row of values while none of its rows is printed (a 2021 report
    printing the 2019 single （六）其他处理 row): {the row its values are read into: (run, group)}."""
    out = {}
    for row in table.rows.values():
        run = runs.get((table.code, row.code))
        if row.printed_alone and run and not any((table.code, part) in runs for part in row.printed_alone[0]):
            out[row.printed_alone[1]] = (run, row)
    return out


def _split_alone(resolved: dict, group: Row, into: str, table: str) -> str:
    """The group's values are its rows' sum: read into `into`, marked inferred; a 0 makes every
    row 0 (counts are not negative), any other value leaves the other rows null. What was done,
    for the record's warnings."""
    parts, _ = group.printed_alone
    for (row, col), cell in list(resolved.items()):
        if row != into:
            continue
        resolved[(row, col)] = replace(cell, inferred=cell.value is not None or cell.inferred)
        if cell.value == 0:
            for part in parts:
                resolved[(part, col)] = replace(resolved[(row, col)], inferred=True)
    others = "、".join(f"{table}.{p}" for p in parts if p != into)
    return (f"{group.label} printed as one row (the older template's): its values read into {table}.{into}, "
            f"marked inferred; {others} are 0 where it prints 0 and null elsewhere")


_UNIT = re.compile(r"(万元|万|元)$")
_HEADER_UNIT = r"\s*[(（]\s*(?:单位\s*[:：]\s*)?(万元|元)\s*[)）]"


def _header_units(text: str, table: Table) -> dict[str, str]:
    """The unit each money column's header states as the report prints it (`采购总金额（元）`,
    `采购总金额(单位:元)`, `（万元）`): the unit of its cells printed without one (README: the
    unit of an amount)."""
    fmt = load_format()
    out = {}
    for code, column in table.columns.items():
        if not fmt.value_type(column.type)["money"]:
            continue
        stem = re.sub(r"[(（].*$", "", column.label)
        for m in re.finditer(re.escape(stem) + _HEADER_UNIT, text):
            out[code] = m.group(1)
    return out


def _unit_assumed(cell: Resolved, type_name: str, header_states_unit: bool) -> bool:
    """A non-zero amount of a column whose template states no unit, printed with none and under a
    header that states none: its 万元 is the contract's assumption, so the value is a guess."""
    return (type_name == "amount_unit_unstated" and bool(cell.value) and cell.raw is not None
            and not header_states_unit and not _UNIT.search(cell.raw.strip()))


def _in_wan(reading, positions: list[int]):
    """A reading with its unit-less amounts at `positions` taken as 元 and given in 万元."""
    cells = list(reading)
    for i in positions:
        value, raw = cells[i]
        if value is not None and raw is not None and not _UNIT.search(raw):
            cells[i] = (value / 10_000, raw)
    return tuple(cells)


def _converted(cell: Resolved, header_in_yuan: bool) -> bool:
    """Whether a cell's value was rescaled from 元 to 万元 (by its own unit or its header's)."""
    if not cell.value or cell.raw is None:
        return False
    unit = _UNIT.search(cell.raw.strip())
    return unit.group(1) == "元" if unit else header_in_yuan


def _row_ends(table: Table, row: Row) -> tuple[int, int] | None:
    """Positions of the columns a row's first and last printed cells are read as first."""
    ends = table.layout.row_ends
    if ends and all(c in row.cells for c in ends):
        return row.cells.index(ends[0]), row.cells.index(ends[1])
    return None


def _locate(tokens: list[Token], version: Version) -> dict[tuple[str, str], list[Token]]:
    """The value run of each template row, by (table, row), the tables taken in the order reports
    print them. A `rows` table reads the first occurrence of each row label that has values,
    from its start to the next `rows` table's start; a `header_then_row` table reads the data
    row under its marker's first occurrence after the last row read before it."""
    starts = _starts(tokens, version)
    labelled = [code for code, table in version.tables.items() if table.layout.kind == "rows"]
    ends = dict(zip(labelled, [starts[code] for code in labelled[1:]] + [len(tokens)], strict=True))
    runs: dict[tuple[str, str], list[Token]] = {}
    after = 0  # where the tables read so far end
    for code, table in version.tables.items():
        if table.layout.kind == "rows":
            last = _row_runs(tokens, table, starts[code], ends[code], runs)
            if last is None:  # nothing read: a table printed without values still ends the one before,
                last = starts[code] if starts[code] < len(tokens) else after  # an absent one does not
            after = max(after, last)
        elif data := _row_after_header(tokens, table, after):
            runs.update({(code, row.code): data for row in table.rows.values() if row.cells})
    return runs


def _starts(tokens: list[Token], version: Version) -> dict[str, int]:
    """Where each table starts: its marker or its `starts_at_row` label, whichever comes first.
    A table with neither is absent (starts at the end), except the first: it starts at the top."""
    starts = {}
    for i, tok in enumerate(tokens):
        if tok.kind == "anchor" or (tok.kind == "row" and tok.code == version.tables[tok.table].layout.starts_at_row):
            starts.setdefault(tok.table, i)
    first = next(iter(version.tables))
    return {code: starts.get(code, 0 if code == first else len(tokens)) for code in version.tables}


def _row_runs(tokens: list[Token], table: Table, start: int, end: int, runs: dict) -> int | None:
    """Add the runs of a `rows` table's labels found in [start, end); the index of the last one
    read (None when none is). A run that prose followed on its line is read only when no occurrence of the label has a
    clean one."""
    last, fallback = None, {}
    for i in range(start, end):
        tok = tokens[i]
        if tok.kind != "row" or tok.table != table.code or (table.code, tok.code) in runs:
            continue
        row = table.rows[tok.code]
        values = (_with_words(tokens, i + 1, len(row.cells)) if row.cells else None) or _values_after(tokens, i)
        if values and values[0].trailing:
            fallback.setdefault((table.code, tok.code), (i, values))
        elif values:
            runs[(table.code, tok.code)] = values
            last = i
    for key, (i, values) in fallback.items():
        if key not in runs:
            runs[key] = values
            last = i if last is None else max(last, i)
    return last


_WORD = re.compile(r"[^\s:：,，、。;；()（）\d]{1,6}")  # `abc`, `不适用`, `XX`: a word a cell may print


def _cells_of(text: str) -> list[str]:
    """The printed cells of a text run: its numbers and null markers, and a word printed as a cell
    of its own (`abc`, `不适用`) kept whole."""
    return [cell for chunk in text.split() for cell in (run_cells(chunk) if VALUE_RUN.match(chunk) else [chunk])]


def _with_words(tokens: list[Token], i: int, width: int) -> list[Token] | None:
    """One-cell-per-line text whose row prints a word as a cell (`abc`, `不适用`): the tokenizer
    leaves the word and the lines after it as text. The lines from `i` on as one value run, when
    they give exactly the row's `width` cells and a word among them; None otherwise."""
    j = i + (i < len(tokens) and tokens[i].kind == "value")
    if j >= len(tokens) or tokens[j].kind != "text" or tokens[j].grid_row is not None:
        return None  # no text right after the values: nothing to add (the common case)
    lines: list[str] = []
    cells = words = 0
    for tok in tokens[i:]:
        if tok.kind not in ("value", "text") or tok.grid_row is not None or tok.trailing:
            break
        for line in tok.text.split("\n"):
            line = line.strip()
            if not line:
                continue
            if VALUE_RUN.match(line):
                cells += len(run_cells(line))
            elif _WORD.fullmatch(line):
                cells, words = cells + 1, words + 1
            else:
                break
            lines.append(line)
            if cells >= width:
                break
        else:
            continue
        break
    if not words or cells != width:
        return None
    return [Token("value", text="\n".join(lines))]


def _values_after(tokens: list[Token], i: int) -> list[Token]:
    """Value tokens right after a label: the rest of its grid row, or the next text run."""
    label = tokens[i]
    out = []
    for tok in tokens[i + 1 :]:
        in_row = label.grid_row is not None and tok.grid_row == label.grid_row
        if not (tok.kind == "value" and (in_row or label.grid_row is None) or tok.kind == "text" and in_row):
            break  # a text cell of the label's own grid row is one of its cells (`abc`, `不适用`)
        if label.grid_row is None and tok.grid_row is not None:
            break  # a label in running text does not own the next table's cells
        out.append(tok)
        if label.grid_row is None:
            break
    if label.grid_row is not None and not any(t.text.strip() for t in out):
        return []
    return out


def _row_after_header(tokens: list[Token], table: Table, after: int) -> list[Token] | None:
    """The data row under the table's first marker from `after` on that has one (a marker in
    prose, `…行政复议36起…`, has none): a value run, or grid rows of values (some reports print
    行政复议 and the two 行政诉讼 groups as three small tables) up to the row's cells. A run that
    prose followed on its line is read only when no marker has a clean one."""
    fallback, start = None, after
    while start < len(tokens):
        if tokens[start].kind == "anchor" and tokens[start].code == table.code:
            clean, trailing, start = _row_under(tokens, table, start)
            if clean:
                return clean
            fallback = fallback or trailing  # markers up to `start` were seen by this scan
        else:
            start += 1
    return fallback


def _row_under(tokens: list[Token], table: Table, start: int) -> tuple[list[Token], list[Token], int]:
    """(the data row under the marker at `start`, a run that prose followed there, where the
    scan ended)."""
    width = max(len(row.cells) for row in table.rows.values())
    out: list[Token] = []
    trailing: list[Token] = []
    done_rows = set()
    for i in range(start + 1, len(tokens)):
        tok = tokens[i]
        if tok.kind in ("row", "section") and tok.code != table.layout.section:
            return out, trailing, i
        if tok.grid_row is None and tok.kind in ("value", "text") and (merged := _with_words(tokens, i, width)):
            return merged, trailing, i
        if tok.kind != "value" or not tok.text.strip() or tok.grid_row in done_rows:
            continue
        if tok.grid_row is None and tok.trailing:
            trailing = trailing or [tok]
            continue
        if tok.grid_row is None:
            return out or [tok], trailing, i
        row = [t for t in tokens if t.grid_row == tok.grid_row]
        done_rows.add(tok.grid_row)
        words = [t for t in row if t.kind == "text"]
        if all(_WORD.fullmatch(t.text.strip()) or t.alternatives for t in words) and (not words or len(row) == width) \
                and all(t.kind in ("value", "text") for t in row):
            out.extend(row)  # a word in a cell of the data row (`abc`, `不适用`), when the row is the table's cells
            if len(out) >= width:
                return out, trailing, i
    return out, trailing, len(tokens)


def _readings(run: list[Token], types: list[str], anchors):
    """Tiers of readings of a row, and whether the layout itself gave every cell's position."""
    if run[0].grid_row is not None:
        texts = [t.text for t in run]
        reading = positional_reading(texts, types) or kept_reading(texts, types)
        if reading is not None:
            return [[reading]], True
        texts = texts[: next((i for i, t in enumerate(run) if t.kind != "value"), len(run))]
        cells = [t for t in texts if t.strip()]
        return _dropped(cells, types, anchors), len(cells) == len(types)
    text = run[0].text
    if "\n" not in text:
        glued = glued_readings(text, types)
        if glued:
            return [glued], False
        if glued is None:
            return [], False
    cells = _cells_of(text)
    tiers = _dropped(cells, types, anchors)
    if not tiers and (kept := kept_reading(cells, types)) is not None:
        tiers = [[kept]]  # every cell printed, one the column type refuses: kept as printed
    return tiers, len(cells) == len(types)


def _dropped(cells: list[str], types: list[str], anchors):
    """Tiers of readings: the anchored reading first, any placement if arithmetic rejects it."""
    if len(cells) == len(types):
        return [t for t in [dropped_readings(cells, types)] if t]
    tiers = [dropped_readings(cells, types, anchors)] if anchors else []
    tiers.append(dropped_readings(cells, types))
    return [t for t in tiers if t]


def _sections(tokens: list[Token]) -> dict[str, str]:
    """Text under each section heading; a heading printed again (an outline, a subsection named like
    a section: `（一）主动公开政府信息情况` under 总体情况) continues its section. Labels are kept:
    prose names them too (`行政复议案件2件`), and the text rules read the prose. The section's own
    heading, the first printed, is kept as printed under `<code>.heading` (its ordinal is checked
    by a rule)."""
    sections: dict[str, list[str]] = {}
    headings: dict[str, str] = {}
    current = None
    for tok in tokens:
        if tok.kind == "section":
            current = tok.code
            sections.setdefault(current, [])
            headings.setdefault(current + HEADING, tok.text)
        elif current:
            sections[current].append(tok.text)
    return {code: "\n".join(parts) for code, parts in sections.items()} | headings
