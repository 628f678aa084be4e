"""Printed values, readings of dropped and glued cells, and the arithmetic that picks one."""

import pytest

from ogi.extract.solve import resolve
from ogi.extract.values import cell_value, dropped_readings, glued_readings, positional_reading
from ogi.format import load_format
from ogi.rules.evaluate import check_rule

T3 = ["count"] * 7
T4 = ["count"] * 15


@pytest.mark.parametrize("text,type_name,expected", [
    ("14", "count", (14.0, "14", True)),
    ("", "count", (None, None, True)),
    ("无", "count", (None, "无", True)),
    ("/", "count", (None, "/", True)),
    ("—", "signed_count", (None, "—", True)),
    ("-18", "signed_count", (-18.0, "-18", True)),
    ("+12", "signed_count", (12.0, "+12", True)),
    ("-18", "count", (None, "-18", False)),
    ("251000元", "amount_unit_unstated", (25.1, "251000元", True)),
    ("3441万", "amount_unit_unstated", (3441.0, "3441万", True)),
    ("24252.311082", "amount_wan_yuan", (24252.311082, "24252.311082", True)),
    ("1,234", "count", (1234.0, "1,234", True)),
    ("5件", "count", (5.0, "5件", True)),
    ("05", "count", (None, "05", False)),
])
def test_cell_value(text, type_name, expected):
    value, raw, ok = cell_value(text, type_name)
    assert (value if value is None else pytest.approx(value), raw, ok) == expected


def test_positional_row_drops_trailing_padding_only():
    assert positional_reading(["5", "0", "0", "0", "0", "0", "5", "", ""], T3)[0] == (5.0, "5")
    assert positional_reading(["5", "0", "x", "0", "0", "0", "5"], T3) is None


def test_glued_run_readings():
    assert len(glued_readings("396442278", ["count", "signed_count", "count"])) == 28
    assert glued_readings("000", ["count"] * 3) == [((0.0, "0"),) * 3]
    (reading,) = glued_readings("35-15", ["count", "signed_count"])
    assert [v for v, _ in reading] == [35, -15]
    first_cells = {reading[0][0] for reading in glued_readings("13575394432.52元", ["count", "amount_unit_unstated"])}
    assert first_cells == {1, 13, 135, 1357, 13575, 135753, 1357539, 13575394, 135753944, 1357539443}


def test_dropped_cells_anchor_first_and_last():
    anchored = dropped_readings(["26", "26"], T3, anchors=(0, 6))
    assert anchored == [((26.0, "26"),) + ((None, None),) * 5 + ((26.0, "26"),)]
    assert len(dropped_readings(["26", "26"], T3)) == 21


def _resolve_row(table, row, tiers):
    version = load_format().versions["2021"]
    cols = version.tables[table].rows[row].cells
    return [c.value for c in (resolve({row: tiers}, {row: cols}, list(version.checks), table)[(row, col)] for col in cols)]


def test_row_total_picks_the_one_split():
    """VARIANTS 2.4: `640020470` has one split whose 总计 is the sum of the six others."""
    assert _resolve_row("t3", "new_received", [glued_readings("640020470", T3)]) == [64, 0, 0, 2, 0, 4, 70]


def test_t4_totals_pick_the_one_split():
    """VARIANTS 2.5: the 15 cells of t4 from `10203120001200000`."""
    assert _resolve_row("t4", "cases", [glued_readings("10203120001200000", T4)]) == [
        1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]


def test_two_consistent_splits_stay_null():
    """VARIANTS: `220000325` is `22 0 0 0 0 3 25` or `2 20 0 0 0 3 25` by its row total alone."""
    values = _resolve_row("t3", "unable_not_held", [glued_readings("220000325", T3)])
    assert values == [None, None, 0, 0, 0, 3, 25]


def test_rule_detail_and_not_evaluable():
    check = next(c for c in load_format().versions["2021"].checks if c.rule == "t4_review_total")
    refs = {ref: 1.0 for ref in check.cells()}
    assert check_rule(check, refs).detail == "1 != 1 + 1 + 1 + 1"
    refs[("t4", "cases", "review_total")] = 4.0
    assert check_rule(check, refs) is None
    refs[("t4", "cases", "review_other")] = None
    violation = check_rule(check, refs)
    assert violation.status == "not_evaluable" and "review_other" in violation.detail


def test_the_rules_that_decided_a_row_are_named_in_the_format_order():
    """r is read (1, 9, 5), (2, 5, 5) or (3, 5, 5) and q is 1 or 3, with A: r.a == q.a before
    B: r.b == r.c. B drops r's first reading, then A q's 1, then A r's second: r is decided by A and
    B, named in that order though B ruled first."""
    from ogi.format import RuleCheck

    def check(rule, left, right):
        return RuleCheck(rule, "official", "error", "==", ((1.0, ("x",) + left),), ((1.0, ("x",) + right),), "x", None, None)

    def reading(*values):
        return tuple((float(v), str(v)) for v in values)

    checks = [check("A", ("r", "a"), ("q", "a")), check("B", ("r", "b"), ("r", "c"))]
    tiers = {"r": [[reading(1, 9, 5), reading(2, 5, 5), reading(3, 5, 5)]], "q": [[reading(1), reading(3)]]}
    cells = resolve(tiers, {"r": ("a", "b", "c"), "q": ("a",)}, checks, "x")
    assert (cells[("r", "a")].value, cells[("r", "a")].decided_by) == (3, ("A", "B"))
