"""Text rules: figures restated in the prose against their table cells, and section 6's fee wording.

Generated reports get a prose paragraph planted in section 1; the figures agree with the tables,
disagree, are missing or are stated twice, in Simplified and Traditional characters."""


import opencc
import pandas as pd
import pytest

from expectations.residuals import rule_residuals
from expectations.suites import gate_settings, rule_suite
from expectations.validate import context, run_suite
from ogi.format import load_format
from ogi.report import extract_report
from ogi.rules.prose import compact, find_figure, prose_text
from ogi.testing import random_report, render_html, render_text
from tests.conftest import REAL, SEEDS, gate_frames, record_with_sections

PROSE_RULES = ["prose_new_received", "prose_results_total", "prose_carried_forward", "prose_review_total",
               "prose_litigation_total"]


def _figures(report) -> dict[str, int]:
    v = report.values
    return {"new": int(v[("t3", "new_received", "total")]), "done": int(v[("t3", "results_total", "total")]),
            "forward": int(v[("t3", "carried_forward", "total")]), "review": int(v[("t4", "cases", "review_total")]),
            "lit": int(v[("t4", "cases", "lit_direct_total")] + v[("t4", "cases", "lit_after_review_total")])}


def _paragraph(f: dict) -> str:
    return (f"全年共收到政府信息公开申请{f['new']}件,同比增长3件,依法办结{f['done']}件,"
            f"{f['forward']}件结转下年度继续办理。因政府信息公开引起的行政复议案件{f['review']}件、"
            f"行政诉讼{f['lit']}起。")


def _text(report, paragraph: str, traditional: bool = False, layout: str = "lines") -> str:
    opening = f"{report.year}年,本机关认真贯彻落实《条例》。"
    text = render_text(report, layout)
    assert opening in text
    text = text.replace(opening, opening + "\n" + paragraph)
    return opencc.OpenCC("s2t").convert(text) if traditional else text


def _statuses(record: dict, rules=PROSE_RULES) -> dict[str, str]:
    found = {v["rule"]: v for v in record["violations"]}
    return {r: found[r]["status"] if r in found else "passed" for r in rules}


@pytest.mark.parametrize("version", ["2019", "2021"])
@pytest.mark.parametrize("traditional", [False, True])
def test_agreeing_prose_passes(version, traditional):
    report = random_report(11, version)
    record = extract_report(_text(report, _paragraph(_figures(report)), traditional).encode(), "r.txt")
    assert _statuses(record) == dict.fromkeys(PROSE_RULES, "passed")


@pytest.mark.parametrize("traditional", [False, True])
def test_disagreeing_prose_is_a_warning(traditional):
    report = random_report(12, "2021")
    figures = {k: v + 2 for k, v in _figures(report).items()}
    record = extract_report(_text(report, _paragraph(figures), traditional).encode(), "r.txt")
    assert _statuses(record) == dict.fromkeys(PROSE_RULES, "broken")
    broken = {v["rule"]: v for v in record["violations"] if v["rule"] in PROSE_RULES}
    assert {v["severity"] for v in broken.values()} == {"warning"}
    assert {v["kind"] for v in broken.values()} == {"heuristic"}
    new = int(report.values[("t3", "new_received", "total")])
    assert broken["prose_new_received"]["detail"] == (
        f"prose 收到政府信息公开申请{new + 2}件 != table {new} (t3.new_received.total)")


def test_missing_prose_or_cell_is_not_evaluable():
    report = random_report(13, "2021")
    record = extract_report(render_text(report).encode(), "r.txt")
    assert _statuses(record) == dict.fromkeys(PROSE_RULES, "not_evaluable")
    assert {v["detail"] for v in record["violations"] if v["rule"] in PROSE_RULES} == {"prose states no figure"}
    report.values[("t3", "new_received", "total")] = None
    record = extract_report(_text(report, _paragraph(_figures(random_report(13, "2021")))).encode(), "r.txt")
    status = {v["rule"]: v for v in record["violations"]}["prose_new_received"]
    assert (status["status"], status["detail"]) == ("not_evaluable", "null input: t3.new_received.total")


def test_a_figure_stated_twice_differently_is_not_evaluable():
    report = random_report(14, "2021")
    f = _figures(report)
    twice = _paragraph(f) + f"其中本级受理政府信息公开申请{f['new'] + 9}件。全区受理政府信息公开申请{f['new'] + 5}件。"
    record = extract_report(_text(report, twice).encode(), "r.txt")
    statuses = _statuses(record)
    assert statuses["prose_new_received"] == "not_evaluable"  # the 其中 clause is a part, skipped
    detail = {v["rule"]: v["detail"] for v in record["violations"]}["prose_new_received"]
    assert detail.startswith("prose states different figures") and str(f["new"] + 9) not in detail
    same_twice = _paragraph(f) + f"全区受理政府信息公开申请{f['new']}件。"
    assert _statuses(extract_report(_text(report, same_twice).encode(), "r.txt"))["prose_new_received"] == "passed"


def test_html_report_with_prose():
    report = random_report(15, "2021")
    html = render_html(report).replace("<p>一、总体情况</p><p>", "<p>一、总体情况</p><p>" + _paragraph(_figures(report)))
    assert _statuses(extract_report(html.encode(), "r.html")) == dict.fromkeys(PROSE_RULES, "passed")


def _prose(rule_id: str):
    return next(r for r in load_format().versions["2021"].text_rules if r.id == rule_id).prose


@pytest.mark.parametrize("text, value", [
    ("2024年,全市共受理政府信息公开申请 3119 件,答复3050件", 3119),  # spaces around the number
    ("全年收到政府信息公开申请1,295件", 1295),
    ("全年收到政府信息公开申请1、295件", 1295),
    ("全年收到政府信息公开申请十二件", 12),
    ("本年度全区共收到70件申请", 70),
    ("2023年度我局共收到依申请信息公开26件", 26),
    ("2020年,我局未收到依申请公开事项。", 0),
    ("较上年收到政府信息公开申请80件有所减少,全年收到政府信息公开申请75件", 75),
    ("全年收到政府信息公开申请一百二十件", None),  # beyond the trivial Chinese numerals
    ("收到群众诉求348件,办结率100%", None),
])
def test_figure_bound_to_its_phrase(text, value):
    assert find_figure(_prose("prose_new_received"), prose_text({"s1": text})).value == value


@pytest.mark.parametrize("text, compacted", [
    ("受理政府信息公开申请 21 件", "受理政府信息公开申请21件"),
    ("行政许可\n 3  0\t\n12 ", "行政许可3 0 12"),  # a run of spaces between two digits is one space
    (" 1\n", "1"),
    ("２　3 ²", "２ 3 ²"),  # digits as str.isdigit has them: full width, superscripts
    ("", ""),
])
def test_compact_keeps_a_space_only_between_digits(text, compacted):
    assert compact(text) == compacted


@pytest.mark.parametrize("rule, text, value", [
    ("prose_results_total", "共收到政府信息公开申请154件,共办结148件,结转至2026年6件", 148),
    ("prose_results_total", "所有办结的信息公开申请中同意公开答复9件,部分公开答复0件", None),
    ("prose_carried_forward", "共收到政府信息公开申请154件,共办结148件,结转至2026年6件", 6),
    ("prose_carried_forward", "答复3050件(含上年度结转申请34件,另有103件顺延到下年度答复)", 103),
    ("prose_carried_forward", "共办理718件,结转下一年31件", 31),
    ("prose_review_total", "全年办理因政府信息公开申请引发的行政复议36起,行政诉讼9起", 36),
    ("prose_review_total", "全年未出现因政府信息公开申请引发的行政复议和行政诉讼。", 0),
    ("prose_review_total", "全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形", None),
    ("prose_litigation_total", "全年办理因政府信息公开申请引发的行政复议36起,行政诉讼9起", 9),
    ("prose_litigation_total", "全年未出现因政府信息公开申请引发的行政复议和行政诉讼。", 0),
    ("prose_litigation_total", "有1件涉及政府信息公开工作的行政复议。涉及的行政诉讼数为0件。", 0),
])
def test_figures_of_each_rule(rule, text, value):
    assert find_figure(_prose(rule), prose_text({"s1": text})).value == value


# The phrases as first written, lookbehind or optional word first (the format's start with what
# they match, to be fast), and the figure as the format wraps it without its leading lookahead.
_AS_STATED = {"(?=[共全累办答])(?<![^,;。:])": "(?<![^,;。:])", "转(?<!结转)": "(?<!结)转",
              "(?:收取行政事业性收费|行政事业性收费)": "(?:收取)?行政事业性收费"}
_FIGURE_FIRST = "(?=[\\d零〇一二两三四五六七八九十百千万])"


def test_phrases_match_as_stated_on_random_prose():
    import random
    import re

    phrases = {p for v in load_format().versions.values() for r in v.text_rules if r.prose
               for p in r.prose.phrases + r.prose.zero}
    stated = {}
    for p in phrases:
        pattern = p.pattern.removeprefix(_FIGURE_FIRST)
        for fast, slow in _AS_STATED.items():
            pattern = pattern.replace(fast, slow)
        stated[p] = re.compile(pattern)
    assert sum(p.pattern != s.pattern for p, s in stated.items()) == 6  # 3 figure-first, 3 rewritten
    rng = random.Random(3)
    parts = [["", "结", "上年", ",", "。", "其中", "未发生", "收取", "共", "全年", "累计", "2"],
             ["收到", "受理", "办理", "答复", "办结", "结转", "转", "行政事业性收费", "行政复议", "行政诉讼", ""],
             ["", "政府信息公开申请", "依申请公开", "下一年度", "至2026年", "案件", "金额", "共计", "的"],
             ["3", "12", "1,200", "0.5", "七", "十二", "一百", ""],
             ["件", "起", "万元", "元", "项", ""],
             ["", "申请", "结转到下年度", "的行政复议", "行政诉讼案件", "。", ","]]
    hits = dict.fromkeys(stated, 0)
    for _ in range(3000):
        text = "".join("".join(map(rng.choice, parts)) for _ in range(rng.randint(1, 4)))
        for fast, slow in stated.items():
            got = [(m.span(), m.groupdict()) for m in fast.finditer(text)]
            assert got == [(m.span(), m.groupdict()) for m in slow.finditer(text)], (fast.pattern, text)
            hits[fast] += len(got)
    assert min(n for p, n in hits.items() if p.pattern != stated[p].pattern) > 10


def test_fee_amount_in_prose_with_its_unit():
    report = random_report(16, "2021")
    report.values[("t2", "admin_fees", "fee_amount")] = 25.1
    for said, status in (("25.1万元", "passed"), ("251000元", "passed"), ("25.10万元", "passed"), ("26万元", "broken")):
        record = extract_report(_text(report, f"全年收取行政事业性收费{said}。").encode(), "r.txt")
        assert _statuses(record, ["prose_admin_fee_amount"]) == {"prose_admin_fee_amount": status}, said
    # 信息处理费 is another fee: no table cell, never compared with table 2
    record = extract_report(_text(report, "全年收取信息处理费380元。").encode(), "r.txt")
    assert _statuses(record, ["prose_admin_fee_amount"]) == {"prose_admin_fee_amount": "not_evaluable"}


@pytest.mark.parametrize("section6, fee, status", [
    ("2023年,无收取信息处理费情况。", 12.5, "passed"),
    ("2025年度本机关未收取信息公开处理费。", 12.5, "passed"),
    ("2023年度,县发展和改革局政府信息公开未发生收费情况。", 12.5, "passed"),
    ("无。", 0.0, "passed"),
    ("无。", 12.5, "broken"),
    ("本机关加强队伍建设。", 0.0, "broken"),
])
def test_section6_fee_wording(section6, fee, status):
    report = random_report(17, "2021")
    report.values[("t2", "admin_fees", "fee_amount")] = fee
    text = render_text(report).replace(f"{report.year}年,无收取信息处理费情况。", section6)
    record = extract_report(text.encode(), "r.txt")
    assert _statuses(record, ["s6_processing_fee_mentioned"]) == {"s6_processing_fee_mentioned": status}


def test_the_gate_recomputes_the_text_rules(shared_corpus):
    """The gate's text suite has the new rules; its residuals agree with the violations."""
    agree, differ = random_report(18, "2021"), random_report(19, "2019")
    records = [
        record_with_sections(_text(agree, _paragraph(_figures(agree))).encode(), "a.txt"),
        record_with_sections(_text(differ, _paragraph({k: v + 1 for k, v in _figures(differ).items()})).encode(), "b.txt"),
        record_with_sections(render_text(random_report(20, "2021")).encode(), "c.txt"),
        *(record_with_sections(p.read_bytes(), p.name) for p in (REAL / "pingtan_2025_105587.html",
                                                           REAL / "shuyang_2025.txt", SEEDS / "004_890802141209736b.txt")),
    ]
    residuals = rule_residuals(*gate_frames(records))
    text = residuals[residuals["table"] == "text"]
    from_gate = {(d, r, "not_evaluable" if pd.isna(v) else "broken")
                 for d, r, v in text[["doc_id", "rule", "residual"]].itertuples(index=False) if pd.isna(v) or v < 0}
    from_rules = {(r["doc_id"], v["rule"], v["status"]) for r in records for v in r["violations"]
                  if v["rule"] in {t.id for ver in load_format().versions.values() for t in ver.text_rules}}
    assert from_gate == from_rules
    assert (records[1]["doc_id"], "prose_review_total", "broken") in from_gate
    assert (records[4]["doc_id"], "prose_new_received", "broken") in from_gate  # 749 in prose, 713 new in table
    ctx = context()
    suite = rule_suite("text", gate_settings())
    assert {e.meta["rule"] for e in suite.expectations} >= set(PROSE_RULES) | {"prose_admin_fee_amount"}
    assert {e.meta["severity"] for e in suite.expectations} == {"warning"}
    outcome = run_suite(ctx, suite, text, ["doc_id", "location"])
    failed = {f.rule: f for f in outcome.failures}
    assert records[1]["doc_id"] in failed["prose_review_total"].doc_ids
    assert not outcome.blocking  # warnings only
