"""Removing a document is an explicit act: an entry in `withdrawn.yaml` (its doc_id or its source URL, and why).

Nothing else removes one: a report URL that answers 404, 5xx or times out once, a listing that no
longer shows a link, a folder that is missing all leave it in the catalog (ogi.acquire.catalog.merge),
read again from its stored raw bytes, with the failed attempt recorded beside it.
"""

from __future__ import annotations

from pathlib import Path

import yaml


class WithdrawnError(ValueError):
    """withdrawn.yaml is malformed; the message says where."""


def load_withdrawn(path: str | Path) -> dict[str, str]:
    """{doc_id or source URL: reason}; a missing file withdraws nothing."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise WithdrawnError(f"{path} is not valid YAML: {exc}") from None
    entries = spec.get("withdrawn") if isinstance(spec, dict) else None
    if not isinstance(entries, list):
        raise WithdrawnError(f"{path}: expected a top-level `withdrawn:` list")
    out = {}
    for i, entry in enumerate(entries):
        key = isinstance(entry, dict) and (entry.get("doc_id") or entry.get("source_url"))
        if not key or not entry.get("reason"):
            raise WithdrawnError(f"{path}: entry {i + 1} needs `doc_id` or `source_url`, and `reason`")
        out[str(key)] = str(entry["reason"])
    return out


def is_withdrawn(row: dict, withdrawn: dict[str, str]) -> bool:
    return row["doc_id"] in withdrawn or row["source_url"] in withdrawn
