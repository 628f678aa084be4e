"""The data dictionary: every code, rule and published column, generated from the format.

Official labels, value types, templates, expressions, kinds and severities come from the format
in use (`load_format()`: the pipeline's, so a format swapped in by `use_format` is the one
described); English labels, units and meanings from `ogi/format/dictionary.yaml`
beside it. Published at each publication under `<root>/dictionary/` as `codes.parquet` (one row
per table, row and column code), `rules.parquet` (one row per rule), `columns.parquet` (one row
per column of each published dataset) and `README.md`, each replaced in one move.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ogi.figures import GROUPS, figures, group_rows
from ogi.format import Term, TextRule, TypeRule, load_format
from ogi.store.files import filesystem, replacing
from ogi.store.parquet import ACROSS_YEARS, PUBLISHED, SCHEMA_VERSION, SCHEMAS

FOLDER = "dictionary"
_STR, _LIST = pa.string(), pa.list_(pa.string())
DICTIONARY_SCHEMAS = {name: schema.with_metadata({"ogi.schema_version": SCHEMA_VERSION}) for name, schema in {
    "codes": pa.schema([("level", _STR), ("table", _STR), ("code", _STR), ("label_zh", _STR), ("label_en", _STR),
                        ("value_type", _STR), ("unit", _STR), ("group", pa.bool_()), ("templates", _LIST)]),
    "rules": pa.schema([("rule", _STR), ("family", _STR), ("kind", _STR), ("severity", _STR), ("expression", _STR),
                        ("meaning", _STR), ("stated_in", _STR), ("templates", _LIST)]),
    "columns": pa.schema([("dataset", _STR), ("column", _STR), ("type", _STR), ("description", _STR)]),
}.items()}
DATASETS = (*PUBLISHED, *ACROSS_YEARS)  # the datasets whose columns the dictionary describes


@lru_cache(maxsize=1)
def words() -> dict:
    """dictionary.yaml as loaded."""
    return yaml.safe_load(resources.files("ogi.format").joinpath("dictionary.yaml").read_text(encoding="utf-8"))


def codes() -> list[dict]:
    """One row per table, row and column code of the format, in template order."""
    w, fmt = words(), load_format()
    found: dict[tuple[str, str, str], dict] = {}
    for version in fmt.versions.values():
        for table in version.tables.values():
            entries = [("table", table.code, table.label, None, False)]
            entries += [("row", r.code, r.label, None, r.group) for r in table.rows.values()]
            entries += [("column", c.code, c.label, c.type, False) for c in table.columns.values()]
            for level, code, label, value_type, group in entries:
                key = (level, table.code, code)
                row = found.setdefault(key, {
                    "level": level, "table": table.code, "code": code, "labels": [], "label_en": _english(*key),
                    "value_type": value_type, "unit": w["units"].get(value_type) if value_type else None,
                    "group": group, "templates": []})
                row["group"] = row["group"] or group  # other_handling: a row in 2019, a group heading in 2021
                if label and label not in row["labels"]:
                    row["labels"].append(label)
                row["templates"].append(version.code)
    return [{**{k: v for k, v in row.items() if k != "labels"}, "label_zh": " / ".join(row["labels"]) or None}
            for row in found.values()]


def _english(level: str, table: str, code: str) -> str | None:
    w = words()
    if level == "table":
        return w["tables"].get(table)
    return (w["rows" if level == "row" else "columns"].get(table) or {}).get(code)


def rules() -> list[dict]:
    """One row per rule of the format: table rules, cross-year rules, text and prose rules, type
    rules and document rules, with the expression as the format writes it."""
    fmt, meaning = load_format(), words()["rules"]
    found: dict[str, dict] = {}

    def add(version: str, family: str, expression: str, rule: str, kind: str, severity: str,
            stated_in: str | None) -> None:
        row = found.setdefault(rule, {
            "rule": rule, "family": family, "kind": kind, "severity": severity, "expression": expression,
            "meaning": meaning.get(rule), "stated_in": stated_in, "templates": []})
        if version not in row["templates"]:
            row["templates"].append(version)

    for code, version in fmt.versions.items():
        for family, checks in (("table", version.checks), ("cross_year", version.cross_year_checks)):
            for c in checks:
                add(code, family, c.as_written, c.rule, c.kind, c.severity, c.stated_in)
        for instances in _by_id(version.text_rules).values():
            r = instances[0]
            add(code, "prose" if r.prose else "text", _text_expression(instances), r.id, r.kind, r.severity,
                r.stated_in)
    for r in fmt.type_rules:
        for code in [code for code, version in fmt.versions.items() if version.tables]:
            add(code, "type", _type_expression(r), r.id, r.kind, r.severity, r.stated_in)
    for r in fmt.document_rules.values():
        for code in fmt.versions:
            add(code, "document", "published_date > 31 December of the report year", r["id"], r["kind"],
                r["severity"], r.get("stated_in") or r.get("note"))
    return list(found.values())


def _by_id(text_rules: tuple[TextRule, ...]) -> dict[str, list[TextRule]]:
    """A version's text rules grouped by rule (a rule over `sections` has one per section)."""
    found: dict[str, list[TextRule]] = {}
    for rule in text_rules:
        found.setdefault(rule.id, []).append(rule)
    return found


def _type_expression(rule: TypeRule) -> str:
    expression = f"printed text of a {' | '.join(rule.types)} cell that its type refuses"
    return expression + (f", matching /{rule.match.pattern}/" if rule.match else "")


def _sum(terms: tuple[Term, ...]) -> str:
    text = " ".join(f"{'-' if c < 0 else '+'} {'' if abs(c) == 1 else f'{abs(c):g} * '}{'.'.join(ref)}"
                    for c, ref in terms)
    return text.removeprefix("+ ")


def _text_expression(instances: list[TextRule]) -> str:
    rule = instances[0]
    where = ", ".join(r.section for r in instances if r.section) or "any section"
    if rule.prose:
        return f"a figure the prose states == {_sum(rule.prose.cells)}"
    parts = []
    if rule.min_chars:
        parts.append(f"{where} has at least {rule.min_chars} CJK characters")
    if rule.max_chars:
        parts.append(f"{where} has at most {rule.max_chars} CJK characters")
    if rule.table_values:
        parts.append(f"table {rule.table_values} under {where} has a value")
    if rule.numbered:
        parts.append(f"the ordinal printed in the heading of {where} is the template's")
    if rule.must_mention:
        parts.append(f"{where} mentions /{rule.must_mention.pattern}/")
    if rule.unless_text or rule.unless_zero:
        cond = [f"{where} says only /{rule.unless_text.pattern}/"] if rule.unless_text else []
        cond += [f"{'.'.join(cell)} == 0" for cell in rule.unless_zero]
        parts.append("unless " + " and ".join(cond))
    return "; ".join(parts)


def columns() -> list[dict]:
    """One row per column of each published dataset, with its type and meaning."""
    return [{"dataset": name, "column": field.name, "type": str(field.type),
             "description": column_description(name, field.name)} for name in DATASETS for field in SCHEMAS[name]]


def column_description(dataset: str, column: str) -> str | None:
    """What a column of a published dataset means (a `reports` figure: the cell it holds)."""
    described = (words()["datasets"].get(dataset) or {}).get("columns") or {}
    if column in described or dataset != "reports":
        return described.get(column)
    return _figure_description(column)


def _figure_description(name: str) -> str | None:
    if name in GROUPS:
        rows = group_rows()[name]
        return (f"Sum of t3 column total over rows {', '.join(rows)} "
                f"({(_english('row', 't3', GROUPS[name].rstrip('_')) or '').removesuffix(' (group heading)')}); "
                "null when one of them is null")
    if name not in figures():
        return None
    table, row, column = figures()[name]
    label = [_english("row", table, row), _english("column", table, column)]
    if table == "t3":
        label = label[:1]
    elif table == "t4":
        label = label[1:]
    value_type = next((t.columns[column].type for v in load_format().versions.values()
                       if (t := v.tables.get(table)) and column in t.columns), None)
    unit = words()["units"].get(value_type) if value_type else None
    return f"{' — '.join(x for x in label if x)}: cell {table}.{row}.{column}" + (f"; {unit}" if unit else "")


def entries() -> dict[str, list[dict]]:
    """The dictionary's rows by file: `codes`, `rules`, `columns`."""
    return {"codes": codes(), "rules": rules(), "columns": columns()}


def write_dictionary(root: str) -> dict[str, str]:
    """Write `<root>/dictionary/{codes,rules,columns}.parquet` and `README.md`, each in one move;
    {SQL view name: file path} of the Parquet files (`dictionary_codes`, …)."""
    fs, base = filesystem(root)
    folder = f"{base.rstrip('/')}/{FOLDER}"
    written, rows = {}, entries()
    for name, items in rows.items():
        path = f"{folder}/{name}.parquet"
        with replacing(fs, path) as temp, fs.open(temp, "wb") as handle:
            pq.write_table(pa.Table.from_pylist(items, schema=DICTIONARY_SCHEMAS[name]), handle, compression="zstd")
        written[f"{FOLDER}_{name}"] = path
    with replacing(fs, f"{folder}/README.md") as temp, fs.open(temp, "w", encoding="utf-8") as handle:
        handle.write(markdown(rows))
    return written


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table_md(rows: list[dict], keys: list[str]) -> list[str]:
    return [f"| {' | '.join(keys)} |", f"|{'---|' * len(keys)}",
            *(f"| {' | '.join(_cell(r.get(k)) for k in keys)} |" for r in rows)]


def markdown(rows: dict[str, list[dict]]) -> str:
    """The dictionary (`entries()`) as one Markdown page."""
    lines = ["# Data dictionary", "",
             f"Generated from the report format (schema version {SCHEMA_VERSION}). The same content is in "
             "`codes.parquet`, `rules.parquet` and `columns.parquet` beside this file, and in the SQL catalog "
             "as `dictionary_codes`, `dictionary_rules` and `dictionary_columns`.", "",
             "A cell of `cells` is `(table, row, column)`; `templates` lists the template versions that have a code "
             "or check a rule.", ""]
    all_codes = rows["codes"]
    for table in [c for c in all_codes if c["level"] == "table"]:
        lines += [f"## {table['table']}: {table['label_zh']} — {table['label_en']}", ""]
        for level in ("row", "column"):
            mine = [c for c in all_codes if c["level"] == level and c["table"] == table["table"]]
            keys = ["code", "label_zh", "label_en", *(["value_type", "unit"] if level == "column" else ["group"]),
                    "templates"]
            lines += [f"### {level.capitalize()}s", "", *_table_md(mine, keys), ""]
    lines += ["## Rules", "", "kind: official (stated in the template text), structural (implied by a 总计 cell), "
              "heuristic (ours). family: table, cross_year (a publisher's report against the year before), text, "
              "prose (a figure the text restates), type (a cell's printed text), document (its metadata).", "",
              *_table_md(rows["rules"], ["rule", "family", "kind", "severity", "expression", "meaning", "templates"]), ""]
    lines += ["## Datasets", ""]
    for name in DATASETS:
        description = (words()["datasets"].get(name) or {}).get("description", "")
        lines += [f"### `{name}`", "", description, "",
                  *_table_md([c for c in rows["columns"] if c["dataset"] == name], ["column", "type", "description"]), ""]
    return "\n".join(lines)


__all__ = ["DICTIONARY_SCHEMAS", "codes", "column_description", "columns", "entries", "markdown", "rules",
           "words", "write_dictionary"]
