"""The report format as code: `templates.yaml` loaded into small immutable objects.

Everything that knows a label, a cell, a rule, a version or how a table is laid out reads it
from here, so a new label variant or a future template is a data change in `templates.yaml`.
`use_format` swaps in another format file (tests of a template that does not exist yet).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    type: str


@dataclass(frozen=True)
class Row:
    code: str
    label: str | None
    match: re.Pattern | None
    cells: tuple[str, ...]
    group: bool = False
    # a group printed as one row with values of its own (the older template's row): its rows
    # (the group sums them) and the one its values are read into
    printed_alone: tuple[tuple[str, ...], str] | None = None


@dataclass(frozen=True)
class Layout:
    """How a table is found and read, the same in every version that has it."""

    kind: str  # rows | header_then_row
    marker: re.Pattern  # a label that starts the table and carries no cells
    starts_at_row: str | None = None  # a row whose label starts the table too
    row_ends: tuple[str, str] | None = None  # columns of a row's first and last printed cells
    section: str | None = None  # the heading a header_then_row table is printed under


@dataclass(frozen=True)
class Table:
    code: str
    label: str
    columns: dict[str, Column]
    rows: dict[str, Row]
    layout: Layout
    result_leaf_rows: tuple[str, ...] = ()

    def cells(self):
        """(row, column) of every template cell, in template order."""
        return [(r.code, c) for r in self.rows.values() for c in r.cells]


Term = tuple[float, tuple[str, str, str]]  # (coefficient, (table, row, column))


@dataclass(frozen=True)
class RuleCheck:
    """One instance of a rule (a `for_each` rule has one per row or column)."""

    rule: str
    kind: str
    severity: str
    op: str
    lhs: tuple[Term, ...]
    rhs: tuple[Term, ...]
    table: str
    row: str | None
    column: str | None
    # for the data dictionary, not compared: the rule as templates.yaml writes it (`for_each` not
    # expanded) and where it comes from (its `stated_in`, else its `note`)
    as_written: str = field(default="", compare=False)
    stated_in: str | None = field(default=None, compare=False)

    def cells(self):
        return [ref for _, ref in self.lhs + self.rhs]


@dataclass(frozen=True)
class Prose:
    """A figure a report restates in its prose, compared with a sum of table cells."""

    cells: tuple[Term, ...]  # the table side
    phrases: tuple[re.Pattern, ...]  # each binds the figure as group `n` (unit as group `u`)
    zero: tuple[re.Pattern, ...] = ()  # statements that the figure is 0 (`未收到…申请`)
    not_in_clause: re.Pattern | None = None  # a match whose clause has this before it is skipped
    units: dict[str, float] = field(default_factory=dict)  # group `u` -> factor to the cell's unit


@dataclass(frozen=True)
class TextRule:
    id: str
    kind: str
    severity: str
    section: str | None  # None: a prose rule reads every section
    must_mention: re.Pattern | None = None  # wording variants, like the table labels
    max_chars: int | None = None
    min_chars: int | None = None  # fewer CJK characters under the heading: the section is empty
    table_values: str | None = None  # a table printed under the heading must have a value
    numbered: bool = False  # an ordinal printed in the heading must be the template's
    unless_text: re.Pattern | None = None  # holds when the section says only this …
    unless_zero: tuple[tuple[str, str, str], ...] = ()  # … and these cells are 0
    prose: Prose | None = None
    stated_in: str | None = field(default=None, compare=False)

    def cells(self):
        """The cells the rule reads."""
        return [ref for _, ref in self.prose.cells] if self.prose else list(self.unless_zero)


@dataclass(frozen=True)
class TypeRule:
    """A rule on a cell's printed text: broken by a text its column's type refuses that `match`
    finds (any refused text when `match` is None), for the column types listed."""

    id: str
    kind: str
    severity: str
    types: tuple[str, ...]
    match: re.Pattern | None = None
    stated_in: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Version:
    code: str
    title: str
    report_years: tuple[int | None, int | None]
    detection_hints: tuple[str, ...]
    tables: dict[str, Table]
    checks: tuple[RuleCheck, ...]
    cross_year_checks: tuple[RuleCheck, ...]  # cells of the year before are in table `<t>_prev`
    text_rules: tuple[TextRule, ...]

    def cells(self):
        """(table, row, column) of every template cell of this version."""
        return [(t.code, r, c) for t in self.tables.values() for r, c in t.cells()]


@dataclass(frozen=True)
class Detection:
    template_words: tuple[str, ...]  # a text holding none follows no template
    no_template: str  # the version of such a text
    report_title: re.Pattern  # such a text is a report only if its title or opening says so


@dataclass(frozen=True)
class Chart:
    table: str
    column: str
    bars: dict[str, tuple[str, ...]]  # label -> prefixes of the row codes it sums


@dataclass(frozen=True)
class ValueEnds:
    """What may follow a row's last value on its line (see `value_ends` in templates.yaml)."""

    heading: re.Pattern  # starts a heading or numbered label: the values end cleanly before it
    number_words: frozenset[str]  # after digits, make them a number of the prose


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: caches are keyed on the format
class Format:
    versions: dict[str, Version]  # in the order of templates.yaml
    detection: Detection
    layouts: dict[str, Layout]  # by table, in the order reports print the tables
    table_words: re.Pattern
    value_ends: ValueEnds
    chart: Chart
    sections: dict[str, re.Pattern]
    header_labels: tuple[str, ...]
    null_markers: frozenset[str]
    label_repairs: dict[str, str]
    value_types: dict[str, dict]
    document_rules: dict[str, dict] = field(default_factory=dict)  # id -> rule
    type_rules: tuple[TypeRule, ...] = ()  # in order: a refused text breaks the first that takes it
    section_labels: dict[str, str] = field(default_factory=dict)  # the template's headings

    def type_rule(self, type_name: str, raw: str) -> TypeRule | None:
        """The type rule a printed text its column's type refuses breaks."""
        text = re.sub(r"\s+", "", raw)
        return next((r for r in self.type_rules if type_name in r.types and (r.match is None or r.match.search(text))),
                    None)

    def value_type(self, type_name: str) -> dict:
        return self.value_types[type_name]


def _flatten(items):
    out = []
    for item in items or []:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


HEADING = ".heading"  # a section's code + this: the key of its heading as printed, beside its text
PREVIOUS = "_prev"  # suffix of a table name that means "this table in the year before"
_LAGGED = re.compile(r"\b([a-z0-9]+)\.([a-z0-9_]+)\.([a-z0-9_]+)@Y-1")
_TERM = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*\*\s*)?([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)$")


def _parse_sum(text: str) -> tuple[Term, ...]:
    terms = []
    for sign, body in re.findall(r"([+-]?)\s*([^+-]+)", text.strip()):
        m = _TERM.match(body.strip())
        if not m:
            raise ValueError(f"cannot parse rule term {body!r}")
        coef = float(m.group(1) or 1) * (-1 if sign == "-" else 1)
        terms.append((coef, (m.group(2), m.group(3), m.group(4))))
    return tuple(terms)


def _stated_in(rule: dict) -> str | None:
    return rule.get("stated_in") or rule.get("note")


def _expand(rule: dict) -> list[RuleCheck]:
    expr = " ".join(rule["expr"].split())
    for_each = rule.get("for_each") or {}
    (key, values), = for_each.items() if for_each else (("", [None]),)
    as_written = expr + (f"  for each {key} in {', '.join(values)}" if key else "")
    checks = []
    for value in values:
        text = expr.replace("{" + key + "}", value) if key else expr
        text = _LAGGED.sub(rf"\1{PREVIOUS}.\2.\3", text).replace("@Y", "")
        op = next(o for o in ("==", ">=", "<=") if o in text)
        lhs, rhs = text.split(op)
        lhs_terms, rhs_terms = _parse_sum(lhs), _parse_sum(rhs)
        table = lhs_terms[0][1][0]
        row = value if key == "row" else None
        column = value if key == "col" else None
        if not key:  # single-instance rules are located by the cell they check
            row, column = lhs_terms[-1][1][1], lhs_terms[-1][1][2]
        checks.append(
            RuleCheck(rule["id"], rule["kind"], rule["severity"], op, lhs_terms, rhs_terms, table, row, column,
                      as_written, _stated_in(rule))
        )
    return checks


def _table(code: str, spec: dict, layout: Layout) -> Table:
    columns = {c["code"]: Column(c["code"], c["label"], c["type"]) for c in spec["columns"]}
    rows = {}
    for r in _flatten(spec["rows"]):
        cells = tuple(columns) if r.get("cells", "all") == "all" else tuple(r["cells"])
        if r.get("group"):
            cells = ()
        match = re.compile(r["match"]) if r.get("match") else None
        alone = r.get("printed_alone")
        alone = (tuple(alone["parts"]), alone["into"]) if alone else None
        rows[r["code"]] = Row(r["code"], r.get("label"), match, cells, bool(r.get("group")), alone)
    return Table(code, spec["label"], columns, rows, layout, tuple(spec.get("result_leaf_rows", ())))


def _text_rule(spec: dict, number: str) -> tuple[TextRule, ...]:
    """A text rule, one per section when it lists `sections:`; `{n}` in a prose phrase stands
    for the figure (`number`, the format's `prose_number`)."""
    unless, prose = spec.get("unless") or {}, spec.get("prose")
    if prose:
        def phrase(p: str) -> re.Pattern:
            if "{n}" not in p:
                raise ValueError(f"text rule {spec['id']}: phrase {p!r} has no {{n}}")
            # not inside another number; a phrase opening with the figure first looks ahead for a
            # digit or numeral (its first character) so that the lookbehind is not tried everywhere
            anchor = "(?=[\\d零〇一二两三四五六七八九十百千万])" if p.startswith("{n}") else ""
            return re.compile(p.replace("{n}", f"{anchor}(?<![\\d.零〇一二两三四五六七八九十百千万])(?P<n>{number})"))

        prose = Prose(_parse_sum(prose["cells"]), tuple(map(phrase, prose["phrases"])),
                      tuple(re.compile(z) for z in prose.get("zero", ())),
                      re.compile(prose["not_in_clause"]) if prose.get("not_in_clause") else None,
                      {str(k): float(v) for k, v in (prose.get("units") or {}).items()})
    mention = spec.get("must_mention")
    zero = tuple(ref for _, ref in _parse_sum(" + ".join(unless["zero"]))) if unless.get("zero") else ()
    return tuple(
        TextRule(spec["id"], spec["kind"], spec["severity"], section,
                 must_mention=re.compile(mention) if mention else None, max_chars=spec.get("max_chars"),
                 min_chars=spec.get("min_chars"), table_values=spec.get("table_values"),
                 numbered=bool(spec.get("numbered")),
                 unless_text=re.compile(unless["text"]) if unless.get("text") else None, unless_zero=zero,
                 prose=prose, stated_in=_stated_in(spec))
        for section in spec.get("sections") or [spec.get("section")]
    )


def _version(code: str, spec: dict, layouts: dict[str, Layout], number: str) -> Version:
    specs = spec.get("tables") or {}
    if unknown := set(specs) - set(layouts):
        raise ValueError(f"version {code}: tables {sorted(unknown)} have no entry in table_layouts")
    tables = {name: _table(name, specs[name], layout) for name, layout in layouts.items() if name in specs}
    rules = _flatten(spec.get("rules"))
    checks = tuple(c for r in rules if not r.get("cross_year") for c in _expand(r))
    cross_year = tuple(c for r in rules if r.get("cross_year") for c in _expand(r))
    text_rules = tuple(rule for r in _flatten(spec.get("text_rules")) for rule in _text_rule(r, number))
    years = tuple(spec["report_years"])
    return Version(
        code,
        spec["title"],
        years,
        tuple(spec.get("detection_hints", ())),
        tables,
        checks,
        cross_year,
        text_rules,
    )


def _layout(spec: dict) -> Layout:
    ends = spec.get("row_ends")
    return Layout(spec["layout"], re.compile(spec["marker"]), spec.get("starts_at_row"),
                  tuple(ends) if ends else None, spec.get("section"))


def _parse(text: str) -> Format:
    spec = yaml.safe_load(text)
    layouts = {code: _layout(t) for code, t in spec["table_layouts"].items()}
    detection, chart = spec["detection"], spec["chart"]
    return Format(
        versions={code: _version(code, v, layouts, spec.get("prose_number", r"\d+"))
                  for code, v in spec["versions"].items()},
        detection=Detection(tuple(detection["template_words"]), detection["no_template"],
                            re.compile(detection["report_title"])),
        layouts=layouts,
        table_words=re.compile(spec["table_words"]),
        value_ends=ValueEnds(re.compile(spec["value_ends"]["heading"]), frozenset(spec["value_ends"]["number_words"])),
        chart=Chart(chart["table"], chart["column"], {k: tuple(v) for k, v in chart["bars"].items()}),
        sections={code: re.compile(s["match"]) for code, s in spec["sections"].items()},
        header_labels=tuple(spec["header_labels"]),
        null_markers=frozenset(spec["null_markers"]),
        label_repairs=dict(spec["label_repairs"]),
        value_types=spec["value_types"],
        document_rules={r["id"]: r for r in spec.get("document_rules", ())},
        type_rules=tuple(TypeRule(r["id"], r["kind"], r["severity"], tuple(r["types"]),
                                  re.compile(r["match"]) if r.get("match") else None, _stated_in(r))
                         for r in spec.get("type_rules", ())),
        section_labels={code: s["label"] for code, s in spec["sections"].items()},
    )


@lru_cache(maxsize=1)
def _shipped() -> Format:
    return _parse(resources.files(__package__).joinpath("templates.yaml").read_text(encoding="utf-8"))


_active: Format | None = None  # set by use_format


def load_format(path: str | Path | None = None) -> Format:
    """The format at `path`; without one, the format in use: templates.yaml (parsed once per
    process) unless `use_format` has swapped in another."""
    if path is not None:
        return _parse(Path(path).read_text(encoding="utf-8"))
    return _active or _shipped()


# Parts of the format that ogi.extract.values and ogi.read.textnorm cache results of, unkeyed.
_CACHED_ELSEWHERE = ("null_markers", "value_types", "label_repairs")


@contextmanager
def use_format(path: str | Path):
    """Within the block, `load_format()` in this process returns the format at `path` (a test of
    a template that exists only in a fixture). The label scanner is cached per format, so the
    previous format's labels are not reused; a format that changes what other modules cache
    without a key is refused rather than read with stale results."""
    global _active
    fmt, current = load_format(path), load_format()
    if changed := [name for name in _CACHED_ELSEWHERE if getattr(fmt, name) != getattr(current, name)]:
        raise ValueError(f"use_format cannot change {', '.join(changed)}: they are cached without a key")
    before, _active = _active, fmt
    try:
        yield _active
    finally:
        _active = before


_ORDINAL = re.compile(r"^\s*(?:([一二三四五六七八九十]{1,2})|(\d{1,2}))、")
_NUMERALS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_numeral(text: str) -> int | None:
    """零 … 九十九 written out (`三`, `十二`, `两`); None for anything longer (百, 千) or not a
    numeral (`一二`). Headings and prose figures print no larger ones (`prose_number`)."""
    if len(text) == 1 and text in _NUMERALS:
        return _NUMERALS[text]
    tens, ten, ones = text.partition("十")
    if not ten or len(tens) > 1 or len(ones) > 1 or not set(tens + ones) <= set(_NUMERALS):
        return None
    if tens and not _NUMERALS[tens]:  # 零十, 〇十: no numeral
        return None
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0)


def heading_number(heading: str) -> int | None:
    """The ordinal a heading prints (`三、…` and `3、…` are 3), or None when it prints none."""
    m = _ORDINAL.match(heading)
    if not m:
        return None
    return int(m.group(2)) if m.group(2) else chinese_numeral(m.group(1))


def cross_year_cells() -> set[tuple[str, str, str]]:
    """Cells of the year before that some cross-year rule reads."""
    return {(table[: -len(PREVIOUS)], row, col) for version in load_format().versions.values()
            for check in version.cross_year_checks for table, row, col in check.cells()
            if table.endswith(PREVIOUS)}
