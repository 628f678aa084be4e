"""The source registry: where reports come from (a YAML file, `OGI_SOURCES`).

Each entry names its `kind`; KINDS maps that name to the class that reads the entry, lists what it
would fetch and gathers its documents (ogi/acquire/kinds/). A new kind is a new class, listed here.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ogi.acquire.kinds.base import Entry, RegistryError, Source
from ogi.acquire.kinds.files import FilesSource
from ogi.acquire.kinds.listing import ListingSource
from ogi.acquire.kinds.urls import UrlsSource

KINDS: dict[str, type[Source]] = {kind.kind: kind for kind in (FilesSource, UrlsSource, ListingSource)}


def load_sources(path: str | Path) -> list[Source]:
    """Parse and check a registry; relative `path`s are relative to the registry file."""
    path = Path(path)
    sources: list[Source] = []
    for i, data in enumerate(_entries(path)):
        name = data.get("name") if isinstance(data, dict) else None
        entry = Entry(data, f"{path}: source {i + 1}" + (f" ({name})" if name else ""), path.parent)
        kind = _kind(entry)
        if any(source.name == str(name) for source in sources):
            raise entry.error(f"duplicate name {name!r}")
        sources.append(kind.from_entry(entry))
    return sources


def _entries(path: Path) -> list:
    """The `sources:` list of a registry file."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise RegistryError(f"cannot read source registry {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"source registry {path} is not valid YAML: {exc}") from None
    entries = spec.get("sources") if isinstance(spec, dict) else None
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: expected a top-level `sources:` list")
    return entries


def _kind(entry: Entry) -> type[Source]:
    """The class of the entry's kind."""
    kind = entry.data.get("kind") if isinstance(entry.data, dict) else None
    if not isinstance(kind, str) or kind not in KINDS or not entry.data.get("name"):
        raise entry.error(f"needs `name` and `kind` (one of {', '.join(KINDS)})")
    return KINDS[kind]
