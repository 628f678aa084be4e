"""How often one host is asked: one request at a time, and at least its delay between two.

Shared by every thread of a crawl, so that many hosts are fetched at once while each host sees
one polite client. A host's delay is the larger of the policy's and its robots.txt Crawl-delay.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MAX_DELAY = 60.0  # seconds: a longer Crawl-delay is honoured as this (a day's delay would stop a crawl)


class HostGate:
    def __init__(self, delay: float):
        self.delay = delay
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}  # when the host's last request ended
        self._delays: dict[str, float] = {}

    def slow_down(self, host: str, seconds: float | None) -> None:
        """Ask `host` at most once every `seconds` (never faster than the policy's delay, never
        slower than MAX_DELAY)."""
        if seconds:
            with self._lock:
                self._delays[host] = min(max(seconds, self._delays.get(host, 0.0)), MAX_DELAY)

    def delay_of(self, host: str) -> float:
        return max(self.delay, self._delays.get(host, 0.0))

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        """Wait for `host`'s turn; the request is made inside, and the next one waits the delay after it ends."""
        with self._lock:
            lock = self._hosts.setdefault(host, threading.Lock())
        with lock:
            if host in self._last:
                time.sleep(max(self._last[host] + self.delay_of(host) - time.monotonic(), 0.0))
            try:
                yield
            finally:
                self._last[host] = time.monotonic()
