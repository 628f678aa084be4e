"""Run a pure stage function over a stream of items on worker processes, in bounded batches.

Batches keep memory flat however many documents a year has; results come back in input order.
Workers are spawned (not forked) so they never inherit the orchestrator's threads; each dies
with the process that started it (even after a kill -9 of that process) and reads under a
memory ceiling, so one hostile document costs its own record, never the machine.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import resource
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import lru_cache, partial
from itertools import islice

MEMORY_MIB = 2048  # address space a worker may add; a document needing more is refused, not the run


@lru_cache(maxsize=1)
def usable_cpus() -> int:
    """The CPUs this process may really use: its affinity, and a cgroup v2 `cpu.max` quota
    (a 4-CPU pod on a 64-core node gets 4, not 64). Read once per process: map_batches asks
    for it at every batch."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max", encoding="ascii").read().split()
        if quota != "max":
            cpus = min(cpus, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cpus


def cap_memory(memory_mib: int = MEMORY_MIB) -> None:
    """Let this process grow by at most `memory_mib` more address space: past it, allocations
    raise MemoryError, which the stage functions turn into the document's error."""
    if memory_mib <= 0:
        return
    with open("/proc/self/statm", encoding="ascii") as handle:
        current = int(handle.read().split()[0]) * resource.getpagesize()
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = current + memory_mib * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _worker_init(memory_mib: int) -> None:
    if os.uname().sysname == "Linux":  # die with the parent, even after a kill -9 of it
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        cap_memory(memory_mib)


def _ready(_: int) -> None:
    time.sleep(0.05)  # long enough for every worker to take one


class LazyPool:
    """n worker processes, started at the first map (a step with nothing for them starts none)."""

    def __init__(self, n: int, memory_mib: int):
        self.n, self.memory_mib, self.executor = n, memory_mib, None

    def map(self, fn: Callable, items: Iterable, chunksize: int = 1) -> Iterator:
        if self.executor is None:
            self.executor = ProcessPoolExecutor(max_workers=self.n, mp_context=mp.get_context("spawn"),
                                                initializer=_worker_init, initargs=(self.memory_mib,))
            # Start every worker now, so that each has armed its parent-death signal before the work
            # runs: a worker still starting when its parent is killed could otherwise outlive it.
            list(self.executor.map(_ready, range(self.n)))
        return self.executor.map(fn, items, chunksize=chunksize)

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


@contextmanager
def pool(n: int = 0, memory_mib: int = MEMORY_MIB):
    """A process pool of n workers (0: one per usable CPU) for the life of the block, started when
    first given work; None when n is 1, so the work runs in this process. Stopped however the
    block ends."""
    n = n or usable_cpus()
    if n <= 1:
        yield None
        return
    workers = LazyPool(n, memory_mib)
    try:
        yield workers
    finally:
        workers.shutdown()


def batched(items: Iterable, n: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, n)):
        yield chunk


def map_batches(executor, fn: Callable, items: Iterable, batch: int = 256) -> Iterator[list]:
    """Yield fn(item) for each batch of items, in order; in this process if executor is None."""
    for _, results in map_chunks(executor, fn, items, batch):
        yield results


def map_chunks(executor, fn: Callable, items: Iterable, batch: int = 256) -> Iterator[tuple[list, list]]:
    """(batch of items, fn of each) in order. On a pool the next batch is handed to the workers
    before this one is yielded, so they work while the caller writes: two batches in flight."""
    chunks = batched(items, batch)
    if executor is None:
        for chunk in chunks:
            yield chunk, [fn(x) for x in chunk]
        return
    pending = None
    for chunk in chunks:
        submitted = chunk, executor.map(fn, chunk, chunksize=max(1, len(chunk) // (4 * usable_cpus())))
        if pending is not None:
            yield pending[0], list(pending[1])
        pending = submitted
    if pending is not None:
        yield pending[0], list(pending[1])


IN_PROCESS_BYTES = 2**21  # larger documents have their title read by a worker, under its memory ceiling


def read_years(executor, items: list[tuple[bytes, str]], ocr: bool = True) -> list[int | None]:
    """The report year each (bytes, name) states: from its title, read in this process (cheap),
    else from the whole document, on the pool (ocr: PDFs without text by OCR). Only the documents
    whose title says no year (or that are large) are sent to a worker."""
    from ogi.steps import report_year, title_report_year

    small = [len(item[0]) <= IN_PROCESS_BYTES for item in items]
    years = [title_report_year(item) if fits else None for item, fits in zip(items, small, strict=True)]
    for title_read in (True, False):  # a small document's title was read here: not again in the worker
        rest = [i for i, year in enumerate(years) if year is None and small[i] == title_read]
        read = (y for batch in map_batches(executor, partial(report_year, ocr=ocr, title_read=title_read),
                                           [items[i] for i in rest]) for y in batch)
        for i, year in zip(rest, read, strict=True):
            years[i] = year
    return years
