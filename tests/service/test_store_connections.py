"""SQLite connections under a churning thread pool, and a WAL that shrinks again.

A server's thread pool ends idle threads and starts new ones; each thread used to keep a
connection (with its page cache) for the life of the process. And under steady readers
a passive checkpoint never finds a moment without readers: the WAL grew without bound.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from provenance_linker.jobs.sqlite import SqliteJobQueue
from provenance_linker.store import sqlite as sqlite_store
from provenance_linker.store.sqlite import SqliteStore


def _open_files(path: Path) -> int:
    """File descriptors of this process open on `path` (one per SQLite connection)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
        except OSError:
            continue
    return count


def _in_threads(n: int, work: object) -> None:
    for _ in range(n):  # one after another, as an idle pool's threads end and start
        thread = threading.Thread(target=work)  # type: ignore[arg-type]
        thread.start()
        thread.join()


def test_threads_that_end_give_their_connection_back(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    store = SqliteStore(f"sqlite:///{path}")
    try:
        _in_threads(40, lambda: store.counts())
        assert _open_files(path) <= 2
        store.put_record("c", "k", {"v": 1})  # still one working store afterwards
        assert store.get_record("c", "k") == {"v": 1}
    finally:
        store.close()
    assert _open_files(path) == 0


def test_queue_connections_are_pooled_too(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    queue = SqliteJobQueue(f"sqlite:///{path}")
    try:
        _in_threads(40, lambda: queue.counts())
        assert _open_files(path) <= 2
    finally:
        queue.close()


def test_wal_is_truncated_once_readers_let_go(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_EVERY", 0.0)
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_BYTES", 1024 * 1024)
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_WAIT_MS", 10)
    path = tmp_path / "graph.db"
    wal = tmp_path / "graph.db-wal"
    store = SqliteStore(f"sqlite:///{path}")
    started, release, done = threading.Event(), threading.Event(), threading.Event()

    def reader() -> None:  # an old snapshot held open: nothing can be checkpointed past it
        with store.snapshot():
            started.set()
            release.wait(60)
        done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert started.wait(30)
        blob = "x" * 100_000
        for i in range(200):  # over 10 MB of WAL while the snapshot is held
            store.put_record("bulk", str(i), {"blob": blob})
        assert wal.stat().st_size > 10 * 1024 * 1024
        release.set()
        assert done.wait(30)
        store.put_record("bulk", "last", {"blob": "y"})
        assert wal.stat().st_size < 1024 * 1024
        assert store.get_record("bulk", "199") == {"blob": blob}
    finally:
        release.set()
        thread.join(30)
        store.close()
