"""Who published a report, for which year, and when: from the title, header and sign-off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ogi.read.document import Document

_REPORT = re.compile(r"年度报告|年报|年度工作报告")
_ORG_THEN_YEAR = re.compile(r"^(?P<org>.{2,40}?)(?P<year>(?:19|20)\d{2})年(?:度)?(?:的)?(?:政府|政务)?信息公开")
_YEAR_THEN_ORG = re.compile(r"^(?P<year>(?:19|20)\d{2})年(?:度)?(?P<org>.{2,40}?)(?:政府|政务)?信息公开")
_ORG_NO_YEAR = re.compile(
    r"^(?P<org>.{2,40}?(?:人民政府办公室|人民政府|办公室|办公厅|管理委员会|管委会|委员会|局|委|厅|院|中心|办事处|街道|镇|乡|署|站|所))"
    r"(?:的)?(?:政府|政务)?信息公开(?:工作)?(?:年度报告|年报)"
)
_LETTER = re.compile(r"关于(?:报送|印发|上报|呈报|公布|发布)|的函$|的通知$|现将|报送")
_ENDS_AS_TITLE = re.compile(r"(?:年度报告|年报|年度工作报告)(?:\([^)]{0,10}\))?$")
_LETTER_TAIL = re.compile(r"关于(?:报送|印发|上报|呈报|公布|发布)?$")
_COMPILED_BY = re.compile(r"由([^,.;:，。、《》()\s]{4,40}?)(?:编制|根据|依据|按照)")
_SIGN_OFF = re.compile(
    r"^([\u4e00-\u9fff()]{2,30}?(?:人民政府办公室|人民政府|政府办公室|办公室|管理委员会|管委会|委员会|局|委|厅|院|中心|街道办事处|办事处))$"
)
_BARE_REGION = re.compile(r"^[\u4e00-\u9fff]{1,8}(?:省|市|县|区|旗)$")
_ZONE = re.compile(r"(?:实验区|开发区|新区|示范区|高新区|园区)$")
_TOWNSHIP = re.compile(r"^([\u4e00-\u9fff]{2,6}?(?:镇|乡|街道))")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_LABELED_DATE = re.compile(
    r"(?:发布时间|发布日期|公开日期|公开时间|成文日期|发文日期|(?<!采集)(?<!访问)(?<!更新)时间)\s*[:]?\s*"
    r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})"
)
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")
_CN_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


@dataclass(frozen=True)
class Metadata:
    title: str | None
    publisher: str | None
    year: int | None
    published_date: str | None


def read_metadata(doc: Document) -> Metadata:
    text = doc.plain_text()
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    title = _title(doc, lines)
    org, year = _org_year(title or "")
    m = _COMPILED_BY.search(text[:3000])
    publisher = _choose(org, m.group(1) if m else None) or _sign_off(lines)
    publisher = _qualify(_clean_org(publisher), text) if publisher else None
    if year is None:
        year = _year_from_text(text)
    return Metadata(title, publisher, year, _published_date(doc, text, lines))


def title_year(doc: Document) -> int | None:
    """The report year its title states: exactly what read_metadata takes first."""
    lines = [ln.strip() for ln in doc.plain_text().split("\n") if ln.strip()]
    return _org_year(_title(doc, lines) or "")[1]


def _title(doc: Document, lines: list[str]) -> str | None:
    if doc.title:
        return re.split(r"[_|]| - |-(?=[^-]*$)", doc.title)[0].strip()
    for line in lines[:15]:
        m = re.match(r"^(?:标题|名称)\s*:\s*(.+)$", line)
        if m:
            return m.group(1)
    head = [re.sub(r"^[#\s]+", "", ln) for ln in lines[:15] if len(ln) <= 80]
    singles = head
    pairs = ["".join(head[i : i + 2]) for i in range(len(head) - 1)]
    reports = [c for c in singles + pairs if _REPORT.search(c) and len(c) <= 80 and not _CN_DATE.search(c)]
    # The report's own title before a covering letter's lines (`…关于报送…年度报告的函`, `现将…`);
    # one that ends as a title does, then one that names its publisher, then one with the year.
    ranked = sorted(reports, key=lambda c: (bool(_LETTER.search(c)), not _ENDS_AS_TITLE.search(c),
                                            not _org_year(c)[0], not _YEAR.search(c)))
    return (ranked or [None])[0]


def _org_year(title: str) -> tuple[str | None, int | None]:
    compact = re.sub(r"\s+", "", title)
    for pattern in (_ORG_THEN_YEAR, _YEAR_THEN_ORG):
        m = pattern.search(compact)
        if m:
            return m.group("org"), int(m.group("year"))
    m = _ORG_NO_YEAR.search(compact)  # a title without its year still names the publisher
    return (m.group("org") if m else None), None


def _choose(titled: str | None, compiled: str | None) -> str | None:
    """The title's organ, given its full name when the `由…编制` line has one:
    洪泽区人民政府 + 由淮安市洪泽区人民政府办公室… -> 淮安市洪泽区人民政府; an abbreviation
    (南谯区经信局) gives way to the compiler's full name."""
    if titled and compiled:
        at = compiled.find(titled)
        return compiled[: at + len(titled)] if at >= 0 else compiled
    return titled or compiled


def _clean_org(org: str) -> str:
    org = re.sub(r"^(?:关于|#+)\s*", "", org.strip())
    return _LETTER_TAIL.sub("", org).rstrip("的 ")


def _sign_off(lines: list[str]) -> str | None:
    for i in range(len(lines) - 1, max(len(lines) - 25, -1), -1):
        m = _SIGN_OFF.match(lines[i])
        if m and any(_CN_DATE.search(x) for x in lines[i + 1 : i + 3]):
            return m.group(1)
    return None


def _qualify(org: str, text: str) -> str:
    """宿松县 -> 宿松县人民政府; 芝英镇人民政府 -> 永康市芝英镇人民政府 when the text names the city."""
    if _BARE_REGION.match(org) and not _ZONE.search(org):
        return org + "人民政府"
    m = _TOWNSHIP.match(org)
    if m:
        parent = re.search(r"([\u4e00-\u9fff]{2,4}?[市县区])" + re.escape(m.group(1)), text)
        if parent:
            return parent.group(1) + org
    return org


def _year_from_text(text: str) -> int | None:
    m = _PERIOD.search(text[:5000]) or _YEAR.search(text[:2000])
    return int(m.group(1)) if m else None


def _valid(y: str, mo: str, d: str) -> str | None:
    try:
        return date(int(y), int(mo), int(d)).isoformat()
    except ValueError:
        return None


def _published_date(doc: Document, text: str, lines: list[str]) -> str | None:
    pub = doc.meta.get("pubdate") or doc.meta.get("firstpublishedtime")
    m = _ISO_DATE.search(pub or "")
    if m and _valid(*m.groups()):
        return _valid(*m.groups())
    for pattern, region in ((_LABELED_DATE, text[:5000]), (_ISO_DATE, text[:800])):
        m = pattern.search(region)
        if m and _valid(*m.groups()):
            return _valid(*m.groups())
    for line in reversed(lines[-12:]):
        m = _CN_DATE.fullmatch(line.strip("()（） "))
        if m and _valid(*m.groups()):
            return _valid(*m.groups())
    for line in lines[:6]:  # a dated line under the title, e.g. `(2026年1月23日)`
        m = _CN_DATE.fullmatch(line.strip("()（） "))
        if m and _valid(*m.groups()):
            return _valid(*m.groups())
    return None
