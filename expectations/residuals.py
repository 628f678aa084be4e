"""Rule residuals computed from the staged cells, straight from the format's rule definitions.

Apart from ogi.rules.evaluate (which writes the `violations` dataset): the gate recomputes every
rule from the published cells, so a bug in one place shows up as a disagreement. What a rule says
of one text (which type rule a printed cell breaks, whether a section mentions what it must) is
ogi.rules.evaluate's, not a copy: those two are not cross-checked, the arithmetic is.
A residual is `lhs - rhs`; it is null when an input cell is null (not evaluable).
"""

from __future__ import annotations

import json
import re

import pandas as pd

from ogi.format import HEADING, PREVIOUS, heading_number, load_format
from ogi.rules.evaluate import mentions, type_rule_broken
from ogi.rules.prose import compact, find_figure, prose_text, table_side

_CJK = re.compile(r"[\u3400-\u9fff]")
COLUMNS = ["doc_id", "rule", "kind", "severity", "op", "table", "location", "residual"]


def _categories() -> dict[str, pd.CategoricalDtype]:
    """Every value the label columns can take, so batches concatenate as compact categoricals."""
    fmt = load_format()
    rules, locations = set(), set(fmt.sections)
    for version in fmt.versions.values():
        rules |= {c.rule for c in version.checks + version.cross_year_checks} | {r.id for r in version.text_rules}
        for table in version.tables.values():
            locations |= set(table.rows) | set(table.columns)
    rules |= {r.id for r in fmt.type_rules}
    values = {"rule": rules, "kind": {"official", "structural", "heuristic"}, "severity": {"error", "warning"},
              "op": {"==", ">=", "<="}, "table": {*fmt.layouts, "text", "cross_year"},
              "location": locations}
    return {k: pd.CategoricalDtype(sorted(v)) for k, v in values.items()}


def rule_residuals(cells: pd.DataFrame, extracted: pd.DataFrame, previous: dict[str, dict] | None = None
                   ) -> pd.DataFrame:
    """One row per (document, rule instance) of each document's template version; with
    `previous` (doc_id -> the publisher's cell values of the year before), the cross-year rules
    for the documents that have one (table `cross_year`)."""
    frames = []
    if not cells.empty:
        keys = cells["table"] + "." + cells["row"] + "." + cells["column"]
        wide = cells.assign(key=keys).set_index(["doc_id", "key"])["value"].unstack()
    else:
        wide = pd.DataFrame()
    previous = previous or {}
    if previous and not wide.empty:
        lagged = {(d, f"{t}{PREVIOUS}.{r}.{c}"): v for d, cells_before in previous.items()
                  for (t, r, c), v in cells_before.items()}
        lagged_wide = pd.Series(lagged, dtype="float64").unstack() if lagged else pd.DataFrame()
        wide = wide.join(lagged_wide, how="left")
    versions = extracted.set_index("doc_id")["format_version"].dropna()
    for code, version in load_format().versions.items():
        doc_ids = versions.index[versions == code]
        with_previous = [d for d in doc_ids if d in previous]
        for checks, ids, table in ((version.checks, doc_ids, None), (version.cross_year_checks, with_previous,
                                                                    "cross_year")):
            if not checks or not len(ids):
                continue
            part = wide.reindex(ids)
            for check in checks:
                residual = (_sum(part, check.lhs) - _sum(part, check.rhs)).to_numpy()
                frames.append(_frame(ids, check.rule, check.kind, check.severity, check.op, table or check.table,
                                     check.column or check.row, residual))
        frames.extend(_type_rules(version, doc_ids, cells))
        frames.extend(_text_rules(version, extracted[extracted["format_version"] == code], wide))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    return frame.astype(_categories())


def batch_residuals(item: tuple) -> pd.DataFrame:
    """rule_residuals of one batch of staged documents, as the gate's workers run it: (extracted
    rows, their cells, doc_id -> the publisher's cells of the year before), the rows as Arrow
    tables (cheap to send). doc_id comes back categorical: the batch's frame pickles small."""
    docs, cells, previous = item
    frame = rule_residuals(cells.to_pandas(), docs.to_pandas(), previous)
    return frame.astype({"doc_id": "category"})


def _sum(wide: pd.DataFrame, terms) -> pd.Series:
    total = pd.Series(0.0, index=wide.index)
    for coef, (table, row, column) in terms:
        key = f"{table}.{row}.{column}"
        total = total + coef * (wide[key] if key in wide else float("nan"))  # NaN stays NaN: not evaluable
    return total


def _frame(doc_ids, rule, kind, severity, op, table, location, residual) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": list(doc_ids), "rule": rule, "kind": kind, "severity": severity, "op": op,
                         "table": table, "location": location, "residual": residual})


def _type_rules(version, doc_ids, cells: pd.DataFrame) -> list[pd.DataFrame]:
    """Type rules as residuals, in the table of the cell: per document, rule and table one row of
    0 when no cell breaks it, else one row of -1 per cell that does (located by its column)."""
    fmt = load_format()
    if not fmt.type_rules or not version.tables or not len(doc_ids):
        return []
    types = {(t.code, r, c): t.columns[c].type for t in version.tables.values() for r, c in t.cells()}
    broken: dict[tuple, list[str]] = {}
    if "raw" in cells:
        mine = cells[cells["doc_id"].isin(set(doc_ids)) & cells["raw"].notna()]
        columns = (mine[c].tolist() for c in ("doc_id", "table", "row", "column", "raw"))  # not row by row
        for doc, table, row, col, raw in zip(*columns, strict=True):
            type_name = types.get((table, row, col))
            if type_name is not None and (rule := type_rule_broken(type_name, raw)) is not None:
                broken.setdefault((doc, rule.id, table), []).append(col)
    frames = []
    for rule in fmt.type_rules:
        for table in version.tables:
            rows = [(doc, col, -1.0) for doc in doc_ids for col in broken.get((doc, rule.id, table), [])] + \
                   [(doc, None, 0.0) for doc in doc_ids if (doc, rule.id, table) not in broken]
            ids, locations, residual = zip(*rows, strict=True)
            frame = _frame(ids, rule.id, rule.kind, rule.severity, ">=", table, None, residual)
            frames.append(frame.assign(location=list(locations)))
    return frames


def _text_rules(version, extracted: pd.DataFrame, wide: pd.DataFrame) -> list[pd.DataFrame]:
    """Text rules as residuals: `>= 0` means the rule holds. A prose rule's residual is its
    tolerance less the distance between the prose's figure and its table cells. A document's
    rules are judged one after the other (its sections parsed and compacted once), its cells read
    as columns."""
    rules, ids = version.text_rules, extracted["doc_id"]
    filled, columns = [], []  # per rule, in order (two rules may share an id)
    for rule in rules:
        count = None
        if rule.table_values and rule.table_values in version.tables:
            keys = [f"{rule.table_values}.{r}.{c}" for r, c in version.tables[rule.table_values].cells()]
            count = wide.reindex(index=ids, columns=keys).notna().sum(axis=1).to_numpy()
        filled.append(count)
        columns.append({ref: _column(wide, ids, ref) for ref in rule.cells()})
    residuals: list[list] = [[] for _ in rules]
    with_prose = any(rule.prose for rule in rules)
    for i, raw in enumerate(extracted["sections"]):
        sections = json.loads(raw) if isinstance(raw, str) else {}
        prose = prose_text(sections) if with_prose else ""
        for rule, cells, count, out in zip(rules, columns, filled, residuals, strict=True):
            values = {ref: _value(column, i) for ref, column in cells.items()}
            out.append(_text_residual(rule, sections, prose, values, None if count is None else count[i]))
    return [_frame(ids, rule.id, rule.kind, rule.severity, ">=", "text", rule.section or _located(rule),
                   pd.array(out, dtype="Float64").astype("float64")) for rule, out in zip(rules, residuals, strict=True)]


def _column(wide: pd.DataFrame, doc_ids, ref):
    """The cell's values for these documents, or None when no document has the cell."""
    key = ".".join(ref)
    return wide[key].reindex(doc_ids).to_numpy(dtype="float64") if key in wide else None


def _value(column, i: int) -> float | None:
    if column is None or column[i] != column[i]:  # NaN: null
        return None
    return float(column[i])


def _located(rule) -> str:
    """A prose rule is located by the column of its (last) cell, like a single-instance rule."""
    return rule.prose.cells[-1][1][2]


def _text_residual(rule, sections: dict, prose: str, values: dict, filled) -> float | None:
    """`prose`: the document's prose_text; `filled`: how many cells of the rule's `table_values`
    table have a value."""
    if rule.prose:
        figure = find_figure(rule.prose, prose)
        total, _ = table_side(rule.prose, values)
        if figure.value is None or total is None:
            return None
        return figure.tolerance - abs(figure.value - total)
    text = sections.get(rule.section)
    if text is None:
        return None
    if rule.must_mention:
        return 0.0 if mentions(rule, compact(text), values) else -1.0
    if rule.max_chars:
        return float(rule.max_chars - len(_CJK.findall(text)))
    if rule.min_chars:
        return float(len(_CJK.findall(text)) - rule.min_chars)
    if filled is not None:
        return float(filled) - 1.0
    if rule.numbered:
        printed = heading_number(sections.get(rule.section + HEADING) or "")
        expected = heading_number(load_format().section_labels[rule.section])
        return 0.0 if printed in (None, expected) else -1.0
    return 0.0
