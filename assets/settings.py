"""The settings resource every asset reads: where data lives, where sources and waivers are, fetch manners,
where the Data Docs are served."""

import dagster as dg

from expectations.data_docs import DOCS_URL
from ogi.acquire.fetch import FetchPolicy


class OgiSettings(dg.ConfigurableResource):
    """Given by orchestration.resources: EnvVars of OGI_DATA, OGI_SOURCES, …, read when a run starts."""

    storage_root: str = "data"
    sources: str = "sources.yaml"
    waivers: str = "waivers.yaml"
    withdrawn: str = "withdrawn.yaml"
    publishers: str = "publishers.yaml"  # reviewed placements of publishers (ogi.publishers), winning over matching
    gate: str = ""
    workers: int = 0  # 0: one per core
    per_host_delay: float = 1.0
    read_timeout: float = 30.0
    retries: int = 3  # on connection errors, 429 and 5xx
    hosts: int = 16  # hosts fetched at once by a crawl
    crawl_max_age: int = 3600  # seconds: a year's run reuses a crawl this recent of the same registry
    ocr: bool = True  # PDFs without a text layer read by OCR when the ocr extra is installed (ogi.read.ocr)
    docs_url: str = DOCS_URL  # where `ogi docs` serves <storage_root>/data_docs (the gate's links)

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(per_host_delay=self.per_host_delay, read_timeout=self.read_timeout, retries=self.retries)
