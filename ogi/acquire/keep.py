"""What an outage must not unpublish: documents published before that this run could not refresh.

A report URL that answers 404, 5xx or times out once, a listing that no longer shows a link, a
folder that is missing: none of these removes a published document. It stays in its year, read
again from its stored raw bytes, with the failed attempt recorded beside it. Removing a document
is an explicit act: an entry in `withdrawn.yaml` (its doc_id or its source URL, and why).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

NOT_SEEN = "not found at its source in this run (kept from the stored copy)"


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


def kept_rows(published: list[dict], refreshed: set[str], failures: dict[str, str], stored: set[str],
              withdrawn: dict[str, str], attempted_at: datetime) -> list[dict]:
    """Rows (in the shape of the `fetched` staging) for the year's published documents whose
    URL gave no document in this run, whose bytes are still stored, and that are not withdrawn.

    `refreshed`: URLs that gave a document now; `failures`: URL -> why its request failed now;
    `stored`: the content hashes still in the raw store."""
    rows = []
    for doc in published:
        if (doc["status"] != "ok" or doc["source_url"] in refreshed or doc["content_sha256"] not in stored
                or is_withdrawn(doc, withdrawn)):
            continue
        rows.append({
            "doc_id": doc["doc_id"], "source": doc["source"], "source_url": doc["source_url"],
            "publisher_hint": doc["publisher"], "content_sha256": doc["content_sha256"],
            "fetched_at": doc["fetched_at"], "status": "ok", "http_status": doc["http_status"],
            "content_type": doc["content_type"], "error": None,
            "last_attempt_at": attempted_at, "last_attempt": failures.get(doc["source_url"], NOT_SEEN),
        })
    return rows
