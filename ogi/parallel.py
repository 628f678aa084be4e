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


@contextmanager
def pool(n: int = 0, memory_mib: int = MEMORY_MIB):
    """A process pool of n workers (0: one per usable CPU) for the life of the block; None when
    n is 1, so the work runs in this process. Stopped however the block ends."""
    n = n or usable_cpus()
    if n <= 1:
        yield None
        return
    executor = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"),
                                   initializer=_worker_init, initargs=(memory_mib,))
    try:
        # Start every worker now, so that each has armed its parent-death signal before the step
        # runs: a worker still starting when its parent is killed could otherwise outlive it.
        list(executor.map(_ready, range(n)))
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


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
            yield list(executor.map(fn, chunk, chunksize=max(1, len(chunk) // (4 * usable_cpus()))))


def read_years(executor, items: list[tuple[bytes, str]], ocr: bool = False) -> list[int | None]:
    """The report year each (bytes, name) states, on the pool (ocr: PDFs without text by OCR)."""
    from ogi.steps import report_year

    return [year for batch in map_batches(executor, partial(report_year, ocr=ocr), items) for year in batch]
