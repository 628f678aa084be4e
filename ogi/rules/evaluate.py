"""Stage 4: evaluate every rule of the format on one document's extracted values."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ogi.extract.values import cell_value
from ogi.format import HEADING, PREVIOUS, RuleCheck, TextRule, TypeRule, Version, heading_number, load_format
from ogi.rules.prose import compact, find_figure, prose_text, table_side

_OPS = {"==": lambda a, b: abs(a - b) < 1e-6, ">=": lambda a, b: a >= b - 1e-6, "<=": lambda a, b: a <= b + 1e-6}
_NEGATED = {"==": "!=", ">=": "<", "<=": ">"}
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Violation:
    rule: str
    table: str | None
    row: str | None
    column: str | None
    severity: str
    status: str  # broken | not_evaluable
    detail: str
    kind: str

    def as_dict(self) -> dict:
        """As dataclasses.asdict has it (every field is a string or None), without its deep copy
        of each value: a record's violations are built for every document."""
        return dict(self.__dict__)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _total(terms, values) -> float:
    total = 0.0
    for coef, ref in terms:
        total += coef * values[ref]
    return total


def _side(terms, values) -> str:
    """A side of a broken rule as printed in its detail (only then: most rules hold)."""
    if len(terms) > 8:
        return f"{_fmt(_total(terms, values))} (sum of {len(terms)} cells)"
    text = ""
    for i, (coef, ref) in enumerate(terms):
        term = _fmt(values[ref]) if abs(coef) == 1 else f"{_fmt(abs(coef))} * {_fmt(values[ref])}"
        text += (("-" if coef < 0 else "") if i == 0 else (" - " if coef < 0 else " + ")) + term
    return text


def check_rule(check: RuleCheck, values: dict) -> Violation | None:
    """None when the rule holds; a violation when broken or when an input is null."""
    refs = check.cells()
    missing = [r for r in refs if values.get(r) is None]
    if missing:
        names = ", ".join(".".join(r[1:]) for r in missing[:3]) + (" …" if len(missing) > 3 else "")
        return Violation(check.rule, check.table, check.row, check.column, check.severity, "not_evaluable",
                         f"null input: {names}", check.kind)
    if _OPS[check.op](_total(check.lhs, values), _total(check.rhs, values)):
        return None
    return Violation(check.rule, check.table, check.row, check.column, check.severity, "broken",
                     f"{_side(check.lhs, values)} {_NEGATED[check.op]} {_side(check.rhs, values)}", check.kind)


def check_types(version: Version, raws: dict) -> list[Violation]:
    """A violation of the format's type rules for each cell whose printed text (`raws`) its
    column's type refuses."""
    out = []
    for table in version.tables.values():
        for row, col in table.cells():
            raw = raws.get((table.code, row, col))
            type_name = table.columns[col].type
            if raw is not None and (rule := type_rule_broken(type_name, raw)) is not None:
                out.append(Violation(rule.id, table.code, row, col, rule.severity, "broken",
                                     f"printed {raw.strip()!r}: not a {type_name} value", rule.kind))
    return out


def type_rule_broken(type_name: str, raw: str) -> TypeRule | None:
    """The type rule a cell's printed text breaks: None when its column's type takes the text."""
    return None if cell_value(raw, type_name)[2] else load_format().type_rule(type_name, raw)


def check_text(rule: TextRule, sections: dict[str, str], values: dict, version: Version) -> Violation | None:
    """None when the text rule holds; a violation when broken or when its section is not found."""
    def broken(detail: str) -> Violation:
        return Violation(rule.id, None, None, None, rule.severity, "broken", detail, rule.kind)

    text = sections.get(rule.section)
    if text is None:
        return Violation(rule.id, None, None, None, rule.severity, "not_evaluable",
                         f"section {rule.section} not found", rule.kind)
    chars = len(_CJK.findall(text))
    if rule.must_mention and not mentions(rule, compact(text), values):
        return broken(f"section {rule.section} does not mention {rule.must_mention.pattern}")
    if rule.max_chars and chars > rule.max_chars:
        return broken(f"section {rule.section} has {chars} characters > {rule.max_chars}")
    if rule.min_chars and chars < rule.min_chars:
        return broken(f"section {rule.section} is empty: {chars} characters < {rule.min_chars}")
    if rule.table_values and rule.table_values in version.tables and not any(
            values.get((rule.table_values, r, c)) is not None for r, c in version.tables[rule.table_values].cells()):
        return broken(f"section {rule.section} has a heading but table {rule.table_values} has no value")
    if rule.numbered:
        heading = sections.get(rule.section + HEADING) or ""
        printed, expected = heading_number(heading), heading_number(load_format().section_labels[rule.section])
        if printed is not None and printed != expected:
            return broken(f"section {rule.section} is numbered {printed} ({heading.strip()[:20]}), "
                          f"the template numbers it {expected}")
    return None


def mentions(rule: TextRule, text: str, values: dict) -> bool:
    """The section says what it must, or says only `unless_text` while the `unless_zero` cells are 0."""
    if rule.must_mention.search(text):
        return True
    return bool(rule.unless_text and rule.unless_text.search(text)
                and all(values.get(ref) == 0 for ref in rule.unless_zero))


def check_prose(rule: TextRule, prose: str, values: dict) -> Violation | None:
    """None when the figure the prose (the document's prose_text) states equals its table cells
    (within the prose's precision); not evaluable when the prose states no figure, more than one,
    or a cell is null."""
    figure = find_figure(rule.prose, prose)
    total, missing = table_side(rule.prose, values)

    def violation(status: str, detail: str) -> Violation:  # located like the other text rules
        return Violation(rule.id, None, None, None, rule.severity, status, detail, rule.kind)

    if figure.value is None:
        return violation("not_evaluable", figure.detail)
    if total is None:
        return violation("not_evaluable", "null input: " + ", ".join(".".join(r) for r in missing))
    if abs(figure.value - total) <= figure.tolerance:
        return None
    cells = " + ".join(".".join(ref) for _, ref in rule.prose.cells)
    return violation("broken", f"prose {figure.detail} != table {_fmt(total)} ({cells})")


def evaluate(version: Version, values: dict, sections: dict[str, str], year: int | None,
             published: str | None, previous: dict | None = None, raws: dict | None = None) -> list[Violation]:
    """Every rule of the version; the cross-year rules only when the same publisher's report of
    the year before is known (`previous`: its cell values); the type rules on the printed texts
    of the cells (`raws`) when given."""
    out = [v for c in version.checks if (v := check_rule(c, values)) is not None]
    if previous is not None:
        both = values | {(table + PREVIOUS, row, col): v for (table, row, col), v in previous.items()}
        out += [v for c in version.cross_year_checks if (v := check_rule(c, both)) is not None]
    out += check_types(version, raws or {})
    prose = prose_text(sections) if any(rule.prose for rule in version.text_rules) else ""
    for rule in version.text_rules:
        check = check_prose(rule, prose, values) if rule.prose else check_text(rule, sections, values, version)
        out += [check] if check is not None else []
    late = load_format().document_rules["published_after_report_year"]
    if year and published and int(published[:4]) <= year:
        out.append(Violation(late["id"], None, None, None, late["severity"], "broken",
                             f"published {published}, before report year {year} ended", late["kind"]))
    return out
