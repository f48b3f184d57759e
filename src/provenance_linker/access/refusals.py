"""Refused requests in the audit trail, aggregated so a flood cannot grow it without bound.

The first refusal of a kind (source address, actor, route, reason) in an interval is
written at once; the rest of that interval are counted in memory and written as one
entry with `count` when the interval ends. A flood from one source therefore costs at
most two audit writes per interval, not a write transaction per request. The number of
distinct kinds held is bounded too: past `max_kinds`, further kinds share one entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ProvenanceError
from ..store.interface import GraphStore
from ..telemetry.logging import get_logger
from . import audit

OVERFLOW = ("*", "*", "*", "too many distinct refusals")


@dataclass(slots=True)
class _Pending:
    count: int
    first: float
    last: float


class RefusalAudit:
    def __init__(self, store: GraphStore, *, interval: float = 10.0, max_kinds: int = 1000,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._interval = interval
        self._max_kinds = max_kinds
        self._clock = clock
        self._seen: dict[tuple[str, str, str, str], float] = {}  # kind -> interval start
        self._pending: dict[tuple[str, str, str, str], _Pending] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refused(self, *, action: str, actor: str, source_ip: str | None, reason: str) -> None:
        """Record one refusal: written now if it is the first of its kind this interval."""
        now = self._clock()
        kind = (source_ip or "", actor, action, reason)
        with self._lock:
            started = self._seen.get(kind)
            if started is None or now - started >= self._interval:
                if started is None and len(self._seen) >= self._max_kinds:
                    kind = OVERFLOW
                    started = self._seen.get(kind)
                if started is None or now - started >= self._interval:
                    self._seen[kind] = now
                    write_now = True
                else:
                    write_now = False
            else:
                write_now = False
            if not write_now:
                pending = self._pending.get(kind)
                if pending is None:
                    self._pending[kind] = _Pending(1, now, now)
                else:
                    pending.count += 1
                    pending.last = now
                return
        self._write(kind, 1, now, now)

    def flush(self, *, everything: bool = False) -> int:
        """Write the counted refusals of intervals that ended; returns entries written."""
        now = self._clock()
        with self._lock:
            due = {k: p for k, p in self._pending.items()
                   if everything or now - self._seen.get(k, 0.0) >= self._interval}
            for kind in due:
                del self._pending[kind]
            for kind, started in list(self._seen.items()):
                if now - started >= self._interval and kind not in self._pending:
                    del self._seen[kind]
        for kind, pending in due.items():
            self._write(kind, pending.count, pending.first, pending.last)
        return len(due)

    def _write(self, kind: tuple[str, str, str, str], count: int, first: float,
               last: float) -> None:
        ip, actor, action, reason = kind
        try:
            audit.record(self._store, action=action, actor=actor, outcome="refused",
                         source_ip=ip or None, reason=reason, count=count,
                         first_at=_iso(first), last_at=_iso(last))
        except ProvenanceError as err:  # the refusal stands even if the store is down
            get_logger().error("audit_failed", error=str(err))

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="refusal-audit",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(min(self._interval, 1.0)):
            self.flush()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self.flush(everything=True)


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
