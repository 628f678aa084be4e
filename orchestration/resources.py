"""Settings every asset reads: where data lives, where sources and waivers are, fetch manners."""

import os

import dagster as dg

from assets.fetch import FetchPolicy
from assets.storage import storage_root


class OgiSettings(dg.ConfigurableResource):
    """Defaults come from the environment: OGI_DATA, OGI_SOURCES, OGI_WAIVERS, OGI_GATE."""

    storage_root: str = "data"
    sources: str = "sources.yaml"
    waivers: str = "waivers.yaml"
    gate: str = ""
    workers: int = 0  # 0: one per core
    per_host_delay: float = 1.0
    read_timeout: float = 30.0

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(per_host_delay=self.per_host_delay, read_timeout=self.read_timeout)


def settings_from_env() -> OgiSettings:
    return OgiSettings(
        storage_root=storage_root(),
        sources=os.environ.get("OGI_SOURCES") or "sources.yaml",
        waivers=os.environ.get("OGI_WAIVERS") or "waivers.yaml",
        gate=os.environ.get("OGI_GATE") or "",
        workers=int(os.environ.get("OGI_WORKERS") or 0),
    )
