"""Throttle buckets every API process on the host shares: one small SQLite file beside
the graph database, updated in a `BEGIN IMMEDIATE` transaction per take, so `serve
--workers N` holds one limit, not N. (The in-process `Limiter` remains for stores that are
not a local file; there the limit is per process.)"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from ..store.sqlite import ConnectionPool, commit, rollback

_SCHEMA = ("CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, "
           "at REAL NOT NULL)")
MAX_KEYS = 100_000


class SharedBuckets:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._pool = ConnectionPool(path, "throttle buckets")
        self._conn().execute(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        return self._pool.get()

    def take(self, key: str, rate: float, burst: int) -> float:
        """Take one token; 0 when allowed, else the seconds until one is free."""
        conn = self._conn()
        now = self._clock()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT tokens, at FROM buckets WHERE key = ?", (key,)).fetchone()
            tokens = float(burst) if row is None else min(float(burst),
                                                           row[0] + (now - row[1]) * rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / rate
            if wait == 0.0:
                tokens -= 1.0
            conn.execute("INSERT INTO buckets (key, tokens, at) VALUES (?, ?, ?) ON CONFLICT(key) "
                         "DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
                         (key, tokens, now))
            if row is None:  # bounded: forget callers idle for an hour when too many
                count = conn.execute("SELECT count(*) FROM buckets").fetchone()[0]
                if count > MAX_KEYS:
                    conn.execute("DELETE FROM buckets WHERE at < ?", (now - 3600,))
            commit(conn)
        except BaseException:
            rollback(conn)
            raise
        return wait

    def close(self) -> None:
        self._pool.close()
