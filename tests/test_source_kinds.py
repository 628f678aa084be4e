"""Source kinds: the registry looks each kind up in KINDS, and gather and `ogi discover` only call its methods."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from ogi.acquire.collect import gather
from ogi.acquire.fetch import Fetcher, RawStore
from ogi.acquire.found import Found
from ogi.acquire.kinds.base import Candidate
from ogi.acquire.kinds.files import FilesSource
from ogi.acquire.kinds.listing import ListingSource
from ogi.acquire.kinds.urls import UrlEntry, UrlsSource
from ogi.acquire.sources import KINDS, Source, load_sources
from orchestration.cli import main


def _load(tmp_path, text: str) -> list[Source]:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n" + text, encoding="utf-8")
    return load_sources(path)


def test_each_kind_is_one_class_in_kinds(tmp_path):
    assert KINDS == {"files": FilesSource, "urls": UrlsSource, "listing": ListingSource}
    assert all(cls.kind == kind for kind, cls in KINDS.items())
    sources = _load(tmp_path, """
  - {name: a, kind: files, path: reports, publisher: 某县人民政府, year: 2021}
  - {name: b, kind: urls, urls: ["https://example.gov.cn/1.html", {url: "https://example.gov.cn/2.html", year: 2020}]}
  - {name: c, kind: listing, url: "https://example.gov.cn/nb/", link_pattern: "/nb/", max_pages: 3}
""")
    files, urls, listing = sources
    assert isinstance(files, FilesSource) and files.path == tmp_path / "reports" and files.year == 2021
    assert files.publisher == "某县人民政府"
    assert urls.urls == (UrlEntry("https://example.gov.cn/1.html"), UrlEntry("https://example.gov.cn/2.html", None, 2020))
    assert listing.link_pattern.pattern == "/nb/" and listing.max_pages == 3
    assert listing.allow_other_sites is False and listing.allow_private is False


def test_urls_candidates_carry_the_source_hints_and_skip_other_years(tmp_path):
    (source,) = _load(tmp_path, """
  - name: s
    kind: urls
    publisher: 某县人民政府
    urls: [{url: "https://example.gov.cn/a", year: 2021}, {url: "https://example.gov.cn/b", publisher: 某局}]
""")
    asked = []
    found = source.candidates(None, 2022, print, asked.append)
    assert found == [Candidate("https://example.gov.cn/b", "某局", None, None, "s")] and asked == []
    assert [c.year for c in source.candidates(None, None, print, asked.append)] == [2021, None]


def test_files_are_gathered_and_not_listed_for_discover(tmp_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.txt").write_bytes(b"report")
    (source,) = _load(tmp_path, "  - {name: f, kind: files, path: reports, year: 2020}\n")
    assert source.candidates(None, None, print, print) == []
    ((found, result),) = gather([source], RawStore(str(tmp_path / "data")), None)
    assert result is None and found.source == "f" and found.year_hint == 2020 and found.data == b"report"


@dataclass(frozen=True, kw_only=True)
class _NotesSource(Source):
    """A kind made up for the test: its documents are written in the registry."""

    kind = "notes"
    keys = ("text",)

    text: str

    @classmethod
    def read(cls, entry):
        return {"text": str(entry.data.get("text", ""))}

    def candidates(self, fetcher, year, log, record):
        return [Candidate(f"notes:{self.name}", self.publisher, self.year, self.text, self.name)]

    def gather(self, store, fetcher, year, log):
        data = self.text.encode()
        yield Found(self.name, f"notes:{self.name}", self.publisher, self.year, store.put(data),
                    datetime(2024, 1, 1, tzinfo=UTC), "ok", None, None, None, data), None


def test_a_new_kind_is_one_class(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(KINDS, "notes", _NotesSource)
    monkeypatch.setenv("OGI_DATA", str(tmp_path / "data"))
    registry = tmp_path / "sources.yaml"
    registry.write_text("sources:\n  - {name: n, kind: notes, text: 年度报告, year: 2023}\n", encoding="utf-8")
    (source,) = load_sources(registry)
    store = RawStore(str(tmp_path / "data"))
    ((found, _),) = gather([source], store, Fetcher(store))
    assert found.data == "年度报告".encode() and found.year_hint == 2023
    assert main(["discover", "--sources", str(registry)]) == 0
    assert json.loads(capsys.readouterr().out) == {"url": "notes:n", "publisher": None, "year": 2023,
                                                   "title": "年度报告", "source": "n"}
