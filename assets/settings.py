"""The settings resource every asset reads: where data lives, where sources and waivers are, fetch manners,
where the Data Docs are served; and the run's worker pool."""

from contextlib import contextmanager

import dagster as dg
from pydantic import PrivateAttr

from expectations.data_docs import DOCS_URL
from ogi.acquire.fetch import FetchPolicy
from ogi.parallel import pool

_NO_RUN = object()  # the settings are used outside a run: no pool of the run


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

    _pool = PrivateAttr(default=_NO_RUN)

    @contextmanager
    def yield_for_execution(self, context):
        """One worker pool for the whole run, shared by its steps (they run one after the other in
        the run's process), started when a step first gives it work and stopped when the run ends,
        however it ends: workers are started once per run, not once per step."""
        with pool(self.workers) as executor:
            self._pool = executor
            try:
                yield self
            finally:
                self._pool = _NO_RUN

    @contextmanager
    def worker_pool(self):
        """The run's pool (None: work in this process), or outside a run one for the block."""
        if self._pool is not _NO_RUN:
            yield self._pool
            return
        with pool(self.workers) as executor:
            yield executor

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(per_host_delay=self.per_host_delay, read_timeout=self.read_timeout, retries=self.retries)
