"""Memory signals the runbooks grep for: `OutOfMemory` on MemoryError and a
`memory leak suspected` warning when resident memory grows past a threshold."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from . import events
from .logging import get_logger

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


@contextmanager
def guard_memory(**fields: object) -> Iterator[None]:
    """Log `OutOfMemory` at ERROR when the block runs out of memory, then re-raise."""
    try:
        yield
    except MemoryError:
        get_logger().error(events.OUT_OF_MEMORY, rss_bytes=rss_bytes(), **fields)
        raise


class RssWatch:
    """Warns `memory leak suspected` each time RSS passes the threshold and is higher
    than the last warning (so a steady high plateau warns once, growth keeps warning)."""

    def __init__(self, threshold_bytes: int, interval: float = 30.0) -> None:
        self.threshold = threshold_bytes
        self.interval = interval
        self._last_warned = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        rss = rss_bytes()
        if rss > self.threshold and rss > self._last_warned * 1.1:
            self._last_warned = rss
            get_logger().warning(events.MEMORY_LEAK, rss_bytes=rss,
                                 threshold_bytes=self.threshold)
            return True
        return False

    def start(self) -> None:
        if self.threshold <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="rss-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.check()

    def stop(self) -> None:
        self._stop.set()
