"""The source registry: where reports come from (a YAML file, `OGI_SOURCES`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

KINDS = ("files", "urls", "listing")


class RegistryError(ValueError):
    """The registry file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class UrlEntry:
    url: str
    publisher: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    path: Path | None = None  # files: a folder or a glob
    urls: tuple[UrlEntry, ...] = ()
    url: str | None = None  # listing: the report column's address
    allow_private: bool = False
    publisher: str | None = None  # hints for every document of the source
    year: int | None = None
    options: dict = field(default_factory=dict)

    def files(self) -> list[Path]:
        """Every file of a `files` source, sorted: a folder is read recursively."""
        if self.path is None:
            return []
        if any(ch in str(self.path) for ch in "*?["):
            anchor = Path(self.path.anchor or ".")
            pattern = str(self.path.relative_to(anchor)) if self.path.is_absolute() else str(self.path)
            return sorted(p for p in anchor.glob(pattern) if p.is_file())
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.rglob("*") if p.is_file() and not p.name.startswith("."))


def _flag(entry: dict, key: str, where: str) -> bool:
    """A YAML boolean: a quoted "false" or "no" must not switch a guard off by being non-empty."""
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise RegistryError(f"{where}: `{key}` must be true or false (unquoted), not {value!r}")
    return value


def _year(value, where: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise RegistryError(f"{where}: year must be a number, not {value!r}") from None


def load_sources(path: str | Path) -> list[Source]:
    """Parse and check a registry; relative `path`s are relative to the registry file."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise RegistryError(f"cannot read source registry {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"source registry {path} is not valid YAML: {exc}") from None
    entries = spec.get("sources")
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: expected a top-level `sources:` list")
    sources, names = [], set()
    for i, entry in enumerate(entries):
        where = f"{path}: source {i + 1}"
        if not isinstance(entry, dict) or not entry.get("name") or entry.get("kind") not in KINDS:
            raise RegistryError(f"{where}: needs `name` and `kind` (one of {', '.join(KINDS)})")
        if entry["name"] in names:
            raise RegistryError(f"{where}: duplicate name {entry['name']!r}")
        names.add(entry["name"])
        common = {"name": str(entry["name"]), "kind": entry["kind"],
                  "allow_private": _flag(entry, "allow_private", where),
                  "publisher": entry.get("publisher"), "year": _year(entry.get("year"), where)}
        extra = {k: v for k, v in entry.items() if k not in (*common, "path", "urls", "url")}
        if entry["kind"] == "files":
            if not entry.get("path"):
                raise RegistryError(f"{where}: a files source needs `path`")
            sources.append(Source(**common, path=(path.parent / str(entry["path"])), options=extra))
        elif entry["kind"] == "urls":
            urls = []
            for u in entry.get("urls") or []:
                u = {"url": u} if isinstance(u, str) else u
                if not isinstance(u, dict) or not u.get("url"):
                    raise RegistryError(f"{where}: each of `urls` needs a `url`")
                urls.append(UrlEntry(u["url"], u.get("publisher"), _year(u.get("year"), where)))
            sources.append(Source(**common, urls=tuple(urls), options=extra))
        else:
            if not entry.get("url"):
                raise RegistryError(f"{where}: a listing source needs `url`")
            sources.append(Source(**common, url=entry["url"], options=extra))
    return sources
