"""Run a pure stage function over a stream of items on every core, in bounded batches.

Batches keep memory flat however many documents a year has; results come back in input order.
Workers are spawned (not forked) so they never inherit the orchestrator's threads.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from itertools import islice


def workers() -> int:
    return int(os.environ.get("OGI_WORKERS") or os.cpu_count() or 1)


_POOLS: dict[int, ProcessPoolExecutor] = {}


@contextmanager
def pool(n: int | None = None):
    """A process pool of n workers (None when n is 1), kept for the life of the process: the
    stages of a run share it instead of paying for new workers at every step."""
    n = n or workers()
    if n <= 1:
        yield None
        return
    executor = _POOLS.get(n)
    if executor is None:
        executor = _POOLS[n] = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"))
    try:
        yield executor
    except BrokenProcessPool:
        _POOLS.pop(n, None)
        raise


@atexit.register
def shutdown_pools() -> None:
    """Stop the shared workers (at exit, or before measuring them)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(cancel_futures=True)


def batched(items: Iterable, n: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, n)):
        yield chunk


def map_batches(executor, fn: Callable, items: Iterable, batch: int = 256) -> Iterator[list]:
    """Yield fn(item) for each batch of items, in order; in this process if executor is None."""
    for chunk in batched(items, batch):
        if executor is None:
            yield [fn(x) for x in chunk]
        else:
            yield list(executor.map(fn, chunk, chunksize=max(1, len(chunk) // (4 * workers()))))


def read_years(executor, items: list[tuple[bytes, str]]) -> list[int | None]:
    """The report year each (bytes, name) states, on the pool."""
    from ogi.steps import report_year

    return [year for batch in map_batches(executor, report_year, items) for year in batch]
