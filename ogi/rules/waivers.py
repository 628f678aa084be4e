"""Reviewed waivers: (doc_id, rule) pairs a curator accepted, with the reason (`OGI_WAIVERS`)."""

from __future__ import annotations

from pathlib import Path

import yaml


class WaiverError(ValueError):
    pass


def load_waivers(path: str | Path) -> dict[tuple[str, str], str]:
    """{(doc_id, rule): reason}; a missing file means no waivers."""
    path = Path(path)
    if not path.exists():
        return {}
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = {}
    for i, w in enumerate(spec.get("waivers") or []):
        if not isinstance(w, dict) or not all(w.get(k) for k in ("doc_id", "rule", "reason")):
            raise WaiverError(f"{path}: waiver {i + 1} needs doc_id, rule and reason")
        out[(str(w["doc_id"]), str(w["rule"]))] = str(w["reason"])
    return out
