"""The scanner's first-character prefilter: read from the label patterns' text, never narrower."""

import pytest

from ogi.extract.labels import scanner
from ogi.extract.prefilter import first_class
from ogi.format import load_format
from ogi.read.textnorm import normalize


@pytest.mark.parametrize(("patterns", "expected"), [
    (["(?:一、)?本年新收"], "[一本]"),
    ([r"\(?本列数据"], r"[\(本]"),
    ([r"(?:[一二]{1,2}、|\d、)?总体情况"], r"[\d一二总]"),
    (["3[.、]其他(?!处理)", "(?<=x)(?!处理)其他"], "[3其]"),
    (["a*b", "c{0,2}d", "e+f", "^g"], "[abcdeg]"),
])
def test_first_characters(patterns, expected):
    assert first_class(patterns) == expected


@pytest.mark.parametrize("pattern", ["a?", "x|", ".b", "[^)]x", r"\w", "[a-z]", "(?P<n>a)", "(?i)a", "(a", "{2}"])
def test_no_prefilter_when_a_match_could_start_anywhere_or_the_syntax_is_not_followed(pattern):
    assert first_class([pattern]) is None


def test_every_label_of_the_format_passes_the_prefilter():
    fmt = load_format()
    for code, version in fmt.versions.items():
        if not version.tables:
            continue
        scan = scanner(code)
        assert scan.regex.pattern.startswith("(?=[")  # the shipped patterns keep their prefilter
        labels = [r.label for t in version.tables.values() for r in t.rows.values() if r.match]
        for label in labels + ["一、总体情况", "六、其他需要报告的事项", "行政复议", "信息内容", "总计"]:
            assert scan.regex.match(normalize(label, join_lines=True)), (code, label)
