"""Source kinds: the registry looks each kind up in KINDS, and the crawl and `ogi discover` only call its methods."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from ogi.acquire.crawl import crawl
from ogi.acquire.fetch import RawStore
from ogi.acquire.found import Found
from ogi.acquire.kinds.base import Candidate
from ogi.acquire.kinds.files import FilesSource
from ogi.acquire.kinds.listing import MAX_PAGES, ListingSource
from ogi.acquire.kinds.urls import UrlEntry, UrlsSource
from ogi.acquire.sources import KINDS, RegistryError, Source, load_sources
from orchestration.cli import main


def _load(tmp_path, text: str) -> list[Source]:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n" + text, encoding="utf-8")
    return load_sources(path)


def _error(tmp_path, text: str) -> str:
    with pytest.raises(RegistryError) as caught:
        _load(tmp_path, text)
    return str(caught.value)


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
    assert urls.urls == (UrlEntry("https://example.gov.cn/1.html"),
                         UrlEntry("https://example.gov.cn/2.html", None, 2020))
    assert listing.link_pattern.pattern == "/nb/" and listing.max_pages == 3
    assert listing.allow_other_sites is False and listing.allow_private is False


def test_defaults_and_real_booleans(tmp_path):
    (listing,) = _load(tmp_path, """
  - {name: c, kind: listing, url: "https://example.gov.cn/nb/", allow_private: true, allow_other_sites: yes}
""")
    assert listing.max_pages == MAX_PAGES and listing.link_pattern is None
    assert listing.allow_private is True and listing.allow_other_sites is True  # YAML's unquoted yes is a boolean
    (off,) = _load(tmp_path, "  - {name: c, kind: urls, allow_private: false}\n")
    assert off.allow_private is False


@pytest.mark.parametrize("value", ['"false"', "'no'", '"0"', '"off"', "0", "1", '""'])
@pytest.mark.parametrize("key", ["allow_private", "allow_other_sites"])
def test_a_boolean_that_is_not_a_yaml_boolean_is_an_error(tmp_path, key, value):
    message = _error(tmp_path, f'  - {{name: 示例县, kind: listing, url: "https://example.gov.cn/", {key}: {value}}}\n')
    assert str(tmp_path / "sources.yaml") in message and "source 1 (示例县)" in message
    assert f"{key} must be true or false" in message


def test_untested_must_be_a_boolean_too(tmp_path):
    assert "untested must be true or false" in _error(tmp_path, '  - {name: a, kind: urls, untested: "yes"}\n')


@pytest.mark.parametrize("value", ["0", "-1", '"5"', "2.5", "true"])
def test_max_pages_must_be_a_positive_integer(tmp_path, value):
    message = _error(tmp_path, f'  - {{name: a, kind: listing, url: "https://example.gov.cn/", max_pages: {value}}}\n')
    assert "max_pages must be a positive whole number" in message


def test_an_unknown_key_is_an_error_that_lists_the_allowed_ones(tmp_path):
    message = _error(tmp_path, '  - {name: a, kind: listing, url: "https://example.gov.cn/", max_page: 5}\n')
    assert "unknown key `max_page`" in message and "source 1 (a)" in message
    assert "a listing source takes" in message and "max_pages" in message and "link_pattern" in message
    assert "unknown key `path`" in _error(tmp_path, '  - {name: a, kind: urls, path: x}\n')
    message = _error(tmp_path, '  - {name: a, kind: urls, urls: [{url: "https://example.gov.cn/", yaer: 2020}]}\n')
    assert "urls item 1: unknown key `yaer`" in message and "url, publisher, year" in message


def test_the_keys_that_describe_an_entry_are_kept(tmp_path):
    (source,) = _load(tmp_path, """
  - {name: a, kind: listing, url: "https://example.gov.cn/", level: county, untested: true, found_in: "a page",
     note: "only the column"}
""")
    assert source.options == {"level": "county", "untested": True, "found_in": "a page", "note": "only the column"}


@pytest.mark.parametrize(("entry", "expected"), [
    ("{name: x}", "needs `name` and `kind` (one of files, urls, listing)"),
    ("{name: x, kind: [files]}", "needs `name` and `kind`"),
    ("{kind: files, path: x}", "needs `name` and `kind`"),
    ("{name: x, kind: files}", "a files source needs `path`"),
    ("{name: x, kind: listing}", "a listing source needs `url`"),
    ("{name: x, kind: urls, urls: [{publisher: y}]}", "each of `urls` needs a `url`"),
    ("{name: x, kind: urls, urls: https://example.gov.cn/}", "`urls` must be a list"),
    ("{name: x, kind: urls, year: twenty}", "year must be a number, not 'twenty'"),
    ("{name: x, kind: urls, urls: [{url: 'https://example.gov.cn/', year: y}]}", "year must be a number"),
    ("{name: x, kind: urls, publisher: 3}", "publisher must be text"),
    ("{name: x, kind: listing, url: 'https://example.gov.cn/', link_pattern: '(nb'}",
     "link_pattern is not a regular expression"),
])
def test_malformed_entries_are_clear_errors(tmp_path, entry, expected):
    message = _error(tmp_path, f"  - {entry}\n")
    assert expected in message and str(tmp_path / "sources.yaml") in message


def test_duplicate_names_and_a_registry_that_is_not_a_mapping(tmp_path):
    twice = "  - {name: x, kind: urls}\n  - {name: x, kind: urls}\n"
    assert "source 2 (x): duplicate name 'x'" in _error(tmp_path, twice)
    path = tmp_path / "list.yaml"
    path.write_text("- {name: x, kind: urls}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="expected a top-level `sources:` list"):
        load_sources(path)


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


def test_files_are_gathered_and_not_listed_for_discover(tmp_path, monkeypatch, capsys):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.txt").write_bytes(b"report")
    (source,) = _load(tmp_path, "  - {name: f, kind: files, path: reports, year: 2020}\n")
    assert source.candidates(None, None, print, print) == []
    store = RawStore(str(tmp_path / "data"))
    result = crawl([source], store, {}, read_years=lambda items: [None] * len(items))
    ((row,),) = result.rows.values()
    assert result.requests == [] and row["source"] == "f" and row["report_year"] == 2020
    assert store.get(row["sha256"]) == b"report"
    monkeypatch.setenv("OGI_DATA", str(tmp_path / "data"))
    assert main(["discover", "--sources", str(tmp_path / "sources.yaml")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "f: a files source is read from disk by the crawl, not discovered" in err


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

    fetches = False

    def read_local(self, store, known, log):
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
    ((row,),) = crawl([source], store, {}, read_years=lambda items: [None] * len(items)).rows.values()
    assert store.get(row["sha256"]) == "年度报告".encode() and row["report_year"] == 2023
    assert main(["discover", "--sources", str(registry)]) == 0
    assert json.loads(capsys.readouterr().out) == {"url": "notes:n", "publisher": None, "year": 2023,
                                                   "title": "年度报告", "source": "n"}
    registry.write_text("sources:\n  - {name: n, kind: notes, txt: x}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="a notes source takes .*text"):
        load_sources(registry)
