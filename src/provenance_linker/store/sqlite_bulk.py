"""Bulk loading of many documents into an empty SQLite store (restores, benchmarks).

Same end state as `apply` of each batch in order — every batch goes through the same
`sqlite_write.apply_batch` — but in one transaction on a connection of its own without
the row-change triggers (a Python call per row), with the secondary indexes dropped
while loading and rebuilt once at the end (one sorted build each instead of a B-tree
insert per row). The seals of the tables it fills are computed from the rows it wrote
inside that same transaction, which is sound only because those tables were empty when
it took the write lock: it refuses otherwise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime

from ..errors import StoreError, StoreUnavailable
from ..model import Batch
from . import sqlite_seal
from . import sqlite_write as write
from .seal import MODULUS, Sealer, Tally

# The tables a load writes; they must be empty before it.
LOADED = ("documents", "nodes", "edges", "logs")
_INDEXED = ("documents", "nodes", "node_sources", "edges")
BULK_CACHE_KIB = 262_144  # page cache of the loading connection


def load_documents(conn: sqlite3.Connection, batches: Iterable[Batch],
                   clock: Callable[[], datetime], sealer: Sealer | None) -> int:
    """Load `batches` in order in one transaction on `conn` (a connection without the
    seal triggers); returns how many documents were loaded."""
    conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"cannot start the bulk load: {exc}") from exc
    try:
        for table in LOADED:
            if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                raise StoreError(f"bulk load needs an empty store ({table} has rows)")
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({','.join('?' * len(_INDEXED))})", _INDEXED).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        loaded = 0
        for batch in batches:
            write.apply_batch(conn, batch, clock, sealer)
            loaded += 1
        for _, sql in indexes:
            conn.execute(sql)
        if sealer is not None:
            _seal_loaded(conn, sealer)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return loaded


def _seal_loaded(conn: sqlite3.Connection, sealer: Sealer) -> None:
    """Each loaded table's seal from its rows (all written by this transaction)."""
    tally = Tally()
    for table in LOADED:
        count, total = 0, 0
        for (mac,) in conn.execute(f"SELECT mac FROM {table}"):
            count += 1
            total += int(mac, 16)
        tally.counts[table], tally.totals[table] = count, total % MODULUS
    # Advanced from the stored seals like any write: a seal that did not say "empty"
    # (rows deleted outside) or is not valid keeps showing in `integrity verify`.
    sqlite_seal.flush(conn, sealer, tally)
