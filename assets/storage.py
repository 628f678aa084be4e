"""The storage root: a local folder by default, any fsspec URL (s3://, gs://, memory://…)."""

from __future__ import annotations

import os

import fsspec

DEFAULT_ROOT = "data"


def storage_root() -> str:
    return os.environ.get("OGI_DATA") or DEFAULT_ROOT


def filesystem(root: str):
    """(fs, path) for a storage root URL or local path."""
    return fsspec.core.url_to_fs(root)
