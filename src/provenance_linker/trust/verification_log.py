"""Verification outcomes kept in the store: one entry of the `verifications` log per
recorded verification (`verify`, `POST /v1/verify`, the verify report), and their counts
by hour and by day for the explorer's overview.

The log is the store's hash-chained append-only log, so the series survives restarts,
is shared by every replica, and is carried by backups. Reading is incremental: a tally
remembers the last entry it read and reads only newer ones; the first read finds the
start of its window by bisecting the sequence numbers, so old history is never read."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import StoreError
from ..model import LogEntry
from ..store.interface import GraphStore
from ..telemetry import events
from ..telemetry.logging import get_logger

STREAM = "verifications"
PAGE = 5000  # entries read per query
DAYS = 14  # the window the overview shows, by day
HOURS = 24  # and by hour


def record_outcome(store: GraphStore, *, outcome: str, artifact_type: str,
                   failure_reason: str | None, environment: str | None,
                   digest: str) -> None:
    """Append one outcome. A store that cannot take it does not undo the verification's
    answer (that is already decided and reported); the loss is logged."""
    try:
        store.append_log(STREAM, {"outcome": outcome, "artifact_type": artifact_type,
                                  "failure_reason": failure_reason or "",
                                  "environment": environment or "", "digest": digest})
    except StoreError as exc:
        get_logger(component=events.COMPONENT_VERIFIER).warning("verification outcome not recorded",
                                                 error=str(exc), digest=digest)


def _hour(at: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _first_entry(store: GraphStore, after: int) -> LogEntry | None:
    page = store.read_log(STREAM, after=after, limit=1)
    return page[0] if page else None


def _start_after(store: GraphStore, since: datetime) -> int:
    """The sequence number after which the entries at or after `since` begin (entries
    are appended in time order). O(log n) single-entry reads."""
    def before(seq: int) -> bool:  # entry `seq` exists and is older than `since`
        entry = _first_entry(store, seq - 1)
        if entry is None:
            return False
        hour = _hour(entry.at)
        return hour is not None and hour < since
    if not before(1):
        return 0
    low, high = 1, 2  # before(low) holds; find a high where it does not
    while before(high):
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if before(mid):
            low = mid
        else:
            high = mid
    return low


@dataclass
class OutcomeTally:
    """Counts per (hour, outcome) over the last DAYS days, kept up to date by reading
    only the entries appended since the last read. One per process."""

    days: int = DAYS
    _after: int = -1  # -1: window start not found yet
    _hours: dict[datetime, dict[str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def series(self, store: GraphStore, now: datetime | None = None) -> dict[str, Any]:
        now = (now or datetime.now(UTC)).astimezone(UTC)
        this_hour = now.replace(minute=0, second=0, microsecond=0)
        first_day = this_hour.replace(hour=0) - timedelta(days=self.days - 1)
        with self._lock:
            self._read(store, first_day)
            for hour in [h for h in self._hours if h < first_day]:
                del self._hours[hour]
            hours = dict(self._hours)
        return _shape(hours, this_hour, first_day, self.days)

    def _read(self, store: GraphStore, since: datetime) -> None:
        if self._after < 0:
            self._after = _start_after(store, since)
        while page := store.read_log(STREAM, after=self._after, limit=PAGE):
            for entry in page:
                hour = _hour(entry.at)
                if hour is not None and hour >= since:
                    outcome = str(entry.payload.get("outcome") or "unknown")
                    bucket = self._hours.setdefault(hour, {})
                    bucket[outcome] = bucket.get(outcome, 0) + 1
            self._after = page[-1].seq
            if len(page) < PAGE:
                break


def _total(buckets: list[Mapping[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for b in buckets:
        for k, v in b.items():
            out[k] = out.get(k, 0) + v
    return out


def _shape(hours: Mapping[datetime, Mapping[str, int]], this_hour: datetime,
           first_day: datetime, days: int) -> dict[str, Any]:
    def stamp(t: datetime) -> str:
        return t.isoformat().replace("+00:00", "Z")

    by_day: list[dict[str, Any]] = []
    for d in range(days):
        start = first_day + timedelta(days=d)
        counts = _total([c for h, c in hours.items() if start <= h < start + timedelta(days=1)])
        by_day.append({"start": stamp(start), "counts": counts})
    by_hour: list[dict[str, Any]] = []
    for i in range(HOURS - 1, -1, -1):
        start = this_hour - timedelta(hours=i)
        by_hour.append({"start": stamp(start), "counts": dict(hours.get(start, {}))})
    outcomes = sorted({k for c in hours.values() for k in c})
    return {"by_day": by_day, "by_hour": by_hour, "outcomes": outcomes,
            "total": _total([b["counts"] for b in by_day])}
