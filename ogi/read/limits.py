"""A wall-clock limit per document, so one hostile file cannot stall a year."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from ogi.read.decode import UnreadableDocument

SECONDS_PER_DOCUMENT = 60


@contextmanager
def time_limit(seconds: float = SECONDS_PER_DOCUMENT):
    """Raise UnreadableDocument after `seconds`. Uses SIGALRM, so it only acts in a process's
    main thread (the CLI and the pipeline's workers); elsewhere it does nothing."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise UnreadableDocument(f"gave up after {seconds:g} s: the document takes too long to read")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
