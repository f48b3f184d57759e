"""The job table in SQLite (the default queue): WAL, `BEGIN IMMEDIATE` claims."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import orjson

from ..errors import StoreUnavailable
from ..store.sqlite import ConnectionPool, commit, path_from_url, rollback
from .interface import PENDING_STATES, RUNNING, Job

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, state TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
  digest TEXT NOT NULL, options TEXT NOT NULL, actor TEXT NOT NULL,
  attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, available_at REAL NOT NULL,
  lease_owner TEXT, error TEXT, result TEXT, created_at REAL NOT NULL,
  updated_at REAL NOT NULL, data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, available_at);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at, id);
"""
_COLUMNS = ("id", "state", "kind", "name", "digest", "options", "actor", "attempts",
            "max_attempts", "available_at", "lease_owner", "error", "result", "created_at",
            "updated_at")
_JSON = {"options", "actor", "result"}


def _encode(name: str, value: Any) -> Any:
    return orjson.dumps(value).decode() if name in _JSON and value is not None else value


class SqliteJobQueue:
    def __init__(self, url: str) -> None:
        self.url = url
        self.path = path_from_url(url)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._pool = ConnectionPool(self.path, "queue database")
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        return self._pool.get()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            rollback(conn)
            raise
        commit(conn)
        self._pool.after_commit(conn)  # queued uploads pass through the WAL: keep it small

    def _row(self, row: tuple[Any, ...], data: bytes = b"") -> Job:
        values = dict(zip(_COLUMNS, row, strict=False))
        for name in _JSON:
            if values[name] is not None:
                values[name] = orjson.loads(values[name])
        return Job(**values, data=data)

    def enqueue(self, job: Job) -> tuple[Job, bool]:
        with self._tx() as conn:
            existing = self.get(job.id)
            if existing is not None:
                return existing, False
            cols = (*_COLUMNS, "data")
            conn.execute(f"INSERT INTO jobs ({', '.join(cols)}) VALUES "
                         f"({', '.join('?' * len(cols))})",
                         [_encode(c, getattr(job, c)) for c in cols])
        return job, True

    def claim(self, owner: str, lease_seconds: float, now: float) -> Job | None:
        with self._tx() as conn:
            row = conn.execute(
                "SELECT id FROM jobs WHERE state IN (?, ?, ?) AND available_at <= ? "
                "ORDER BY available_at LIMIT 1", (*PENDING_STATES, now)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE jobs SET state = ?, lease_owner = ?, available_at = ?, "
                         "attempts = attempts + 1, updated_at = ? WHERE id = ?",
                         (RUNNING, owner, now + lease_seconds, now, row[0]))
        return self.get(row[0], with_data=True)

    def renew(self, job_id: str, owner: str, until: float) -> bool:
        return self.finish(job_id, owner, {"available_at": until})

    def finish(self, job_id: str, owner: str, changes: Mapping[str, Any]) -> bool:
        return self._set(job_id, changes, "AND state = ? AND lease_owner = ?", (RUNNING, owner))

    def update(self, job_id: str, changes: Mapping[str, Any]) -> bool:
        return self._set(job_id, changes, "", ())

    def _set(self, job_id: str, changes: Mapping[str, Any], cond: str,
             params: tuple[Any, ...]) -> bool:
        names = [c for c in changes if (c in _COLUMNS or c == "data") and c != "id"]
        sets = ", ".join(f"{c} = ?" for c in names)
        with self._tx() as conn:
            cur = conn.execute(f"UPDATE jobs SET {sets} WHERE id = ? {cond}",
                               [*(_encode(c, changes[c]) for c in names), job_id, *params])
            return cur.rowcount == 1

    def get(self, job_id: str, *, with_data: bool = False) -> Job | None:
        cols = ", ".join((*_COLUMNS, "data") if with_data else _COLUMNS)
        row = self._conn().execute(f"SELECT {cols} FROM jobs WHERE id = ?",
                                   (job_id,)).fetchone()
        if row is None:
            return None
        return self._row(row[: len(_COLUMNS)], bytes(row[-1]) if with_data else b"")

    def list(self, state: str | None = None, limit: int = 100) -> list[Job]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM jobs"
        params: list[Any] = []
        if state:
            sql += " WHERE state = ?"
            params.append(state)
        sql += " ORDER BY created_at, id LIMIT ?"
        params.append(limit)
        return [self._row(r) for r in self._conn().execute(sql, params)]

    def counts(self) -> dict[str, int]:
        return dict(self._conn().execute("SELECT state, count(*) FROM jobs GROUP BY state"))

    def backlog(self) -> int:
        row = self._conn().execute("SELECT count(*) FROM jobs WHERE state IN (?, ?, ?)",
                                   PENDING_STATES).fetchone()
        return int(row[0])

    def ping(self) -> None:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"queue database unavailable: {exc}") from exc

    def close(self) -> None:
        self._pool.close()
