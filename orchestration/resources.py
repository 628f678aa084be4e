"""The settings resource, filled from the environment when the definitions load."""

import os

from assets.settings import OgiSettings
from expectations.data_docs import DOCS_URL
from ogi.store.files import storage_root


def settings_from_env() -> OgiSettings:
    return OgiSettings(
        storage_root=storage_root(),
        sources=os.environ.get("OGI_SOURCES") or "sources.yaml",
        waivers=os.environ.get("OGI_WAIVERS") or "waivers.yaml",
        withdrawn=os.environ.get("OGI_WITHDRAWN") or "withdrawn.yaml",
        gate=os.environ.get("OGI_GATE") or "",
        workers=int(os.environ.get("OGI_WORKERS") or 0),
        hosts=int(os.environ.get("OGI_HOSTS") or 16),
        crawl_max_age=float(os.environ.get("OGI_CRAWL_MAX_AGE") or 3600),
        docs_url=os.environ.get("OGI_DOCS_URL") or DOCS_URL,
    )
