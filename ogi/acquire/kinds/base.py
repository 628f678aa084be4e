"""What every source kind is: how it reads its registry entry and which reports it lists (the crawl,
ogi.acquire.crawl, fetches them) or reads from disk. A kind is a subclass; the registry
(ogi.acquire.sources) only looks it up."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ogi.acquire.fetch import Fetcher, FetchResult, RawStore
from ogi.acquire.found import Found

Log = Callable[[str], None]
Record = Callable[[FetchResult], None]

COMMON = ("name", "kind", "publisher", "year", "allow_private")
NOTES = ("level", "untested", "found_in", "note")  # say what an entry is; kept as given in `options`


class RegistryError(ValueError):
    """The registry file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class Candidate:
    """A report a source would fetch, as `ogi discover` lists it."""

    url: str
    publisher: str | None
    year: int | None
    title: str | None
    source: str


class Entry:
    """A mapping of the registry file, read with checks whose errors say where it is and which key is wrong."""

    def __init__(self, data: dict, where: str, folder: Path):
        self.data, self.where, self.folder = data, where, folder

    def error(self, message: str) -> RegistryError:
        return RegistryError(f"{self.where}: {message}")

    def only(self, allowed: tuple[str, ...], what: str) -> None:
        """A misspelt key would otherwise be ignored silently (`alow_private`, `max_page`)."""
        unknown = [f"`{key}`" for key in self.data if key not in allowed]
        if unknown:
            raise self.error(f"unknown key {', '.join(unknown)}: {what} takes {', '.join(allowed)}")

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self.error(f"{key} must be text, not {value!r}")
        return value

    def year(self, key: str = "year") -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self.error(f"{key} must be a number, not {value!r}") from None

    def flag(self, key: str) -> bool:
        """A YAML boolean, false when not given. Anything else is an error: bool() would read the quoted
        "false" (or "no", "0", "off") as true, and these flags turn safety checks off."""
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(f"{key} must be true or false (a YAML boolean, unquoted), not {value!r}")
        return value

    def count(self, key: str, default: int) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(f"{key} must be a positive whole number, not {value!r}")
        return value


@dataclass(frozen=True, kw_only=True)
class Source(ABC):
    """One entry of the registry. `kind` is its name in the registry, `keys` the keys of its own."""

    kind: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]
    fetches: ClassVar[bool] = True  # its reports are on the web (else read_local reads them)

    name: str
    publisher: str | None = None  # hints for every document of the source
    year: int | None = None
    allow_private: bool = False  # the Fetcher may ask private and loopback addresses (test sites)
    options: dict = field(default_factory=dict)  # the NOTES keys

    @classmethod
    def from_entry(cls, entry: Entry) -> Source:
        """The source an entry describes: the common keys are checked here, the kind's own by `read`."""
        entry.only((*COMMON, *cls.keys, *NOTES), f"a {cls.kind} source")
        entry.flag("untested")  # a note, but a yes/no one: checked like the other booleans
        return cls(name=str(entry.data["name"]), publisher=entry.text("publisher"), year=entry.year(),
                   allow_private=entry.flag("allow_private"),
                   options={key: value for key, value in entry.data.items() if key in NOTES}, **cls.read(entry))

    @classmethod
    @abstractmethod
    def read(cls, entry: Entry) -> dict:
        """The kind's own keys of `entry`, checked, as arguments of the constructor."""

    @abstractmethod
    def candidates(self, fetcher: Fetcher, year: int | None, log: Log, record: Record) -> list[Candidate]:
        """The reports the crawl fetches and `ogi discover` lists (of `year` when given); every request
        made to find them is passed to `record`."""

    def read_local(self, store: RawStore, known: dict[str, dict], log: Log) -> Iterator[tuple[Found, str | None]]:
        """Documents that are not fetched (a kind whose `fetches` is False), stored, each with the
        validator that tells the next crawl it is unchanged; `known`: url -> its catalog row."""
        return iter(())
