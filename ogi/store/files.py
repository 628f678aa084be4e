"""The storage root: a local folder by default, any fsspec URL (s3://, gs://, memory://…)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import fsspec


def filesystem(root: str):
    """(fs, path) for a storage root URL or local path."""
    return fsspec.core.url_to_fs(root)


@contextmanager
def replacing(fs, final: str):
    """Yield a hidden temporary path beside `final`; on success it replaces `final` in one move
    (readers see the old file or the new one), on failure it is removed."""
    folder, name = final.rsplit("/", 1)
    fs.makedirs(folder, exist_ok=True)
    temp = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
    try:
        yield temp
        fs.mv(temp, final)
    finally:
        if fs.exists(temp):
            fs.rm(temp)
