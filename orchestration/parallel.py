"""Run a pure stage function over a stream of items on every core, in bounded batches.

Batches keep memory flat however many documents a year has; results come back in input order.
Workers are spawned (not forked) so they never inherit the orchestrator's threads.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from itertools import islice


def workers() -> int:
    return int(os.environ.get("OGI_WORKERS") or os.cpu_count() or 1)


@contextmanager
def pool(n: int | None = None):
    n = n or workers()
    if n <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn")) as executor:
        yield executor


def map_batches(executor, fn: Callable, items: Iterable, batch: int = 256) -> Iterator[list]:
    """Yield fn(item) for each batch of items, in order; in this process if executor is None."""
    it = iter(items)
    while chunk := list(islice(it, batch)):
        if executor is None:
            yield [fn(x) for x in chunk]
        else:
            yield list(executor.map(fn, chunk, chunksize=max(1, len(chunk) // (4 * workers()))))
