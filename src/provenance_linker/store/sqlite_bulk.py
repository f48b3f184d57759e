"""Bulk loading of many documents into an empty SQLite store (restores, benchmarks).

Same end state as `apply` of each document's batch in order — the same statements and
helpers as `sqlite_write.apply_batch`, fed from plain rows (`DocumentRows`) instead of an
object per node and edge — but in one transaction on a connection of its own without
the row-change triggers (a Python call per row), with the secondary indexes dropped
while loading and rebuilt once at the end (one sorted build each instead of a B-tree
insert per row), and a new node's MAC computed before the insert instead of by a SQL
callback. The seals of the tables it fills are computed from the rows it wrote inside
that same transaction, which is sound only because those tables were empty when it took
the write lock: it refuses otherwise.

When its connection is the only one open on the file, the load runs outside WAL: in
rollback-journal mode the pages past the file's size when the transaction began are not
journaled, so each page is written once, straight into the file, instead of into the
WAL and again by the checkpoint (a million-occurrence restore writes 1.3 GB).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from datetime import datetime

from ..errors import StoreError, StoreUnavailable
from ..model import DocumentRows, EdgeKind, NodeKind
from . import sqlite_seal
from . import sqlite_write as write
from .mac_worker import MacWorker, merged_nodes
from .seal import MODULUS, Sealer, Tally
from .sqlite_rows import dumps, node_ids

# The tables a load writes; they must be empty before it.
LOADED = ("documents", "nodes", "edges", "logs")
_INDEXED = ("documents", "nodes", "node_sources", "edges")
BULK_CACHE_KIB = 262_144  # page cache of the loading connection


def load_documents(conn: sqlite3.Connection, documents: Iterable[DocumentRows],
                   clock: Callable[[], datetime], sealer: Sealer | None) -> int:
    """Load `documents` in order in one transaction on `conn` (a connection without the
    seal triggers); returns how many were loaded."""
    conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    # Every id the load writes is one it has just read or written itself, so the foreign
    # key lookups (three per edge) would only repeat them; `integrity verify` reports
    # rows that reference a missing row whichever way they came.
    conn.execute("PRAGMA foreign_keys=OFF")
    out_of_wal = _leave_wal(conn)
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
        loaded = _load_all(conn, documents, clock, sealer)
        for _, sql in indexes:
            conn.execute(sql)
        if sealer is not None:
            _seal_loaded(conn, sealer)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode=WAL" if out_of_wal else "PRAGMA wal_checkpoint(TRUNCATE)")
    return loaded


def _leave_wal(conn: sqlite3.Connection) -> bool:
    """Switch `conn` to rollback-journal mode; SQLite refuses while another connection
    has the file open (then the load stays in WAL, only slower)."""
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:  # another connection holds a lock
        return False
    return str(mode).lower() == "delete"


def _load_all(conn: sqlite3.Connection, documents: Iterable[DocumentRows],
              clock: Callable[[], datetime], sealer: Sealer | None) -> int:
    """Each document in order; with a key, its MACs come from a second process, which
    works on the next document while this one is written (store/mac_worker.py)."""
    loaded = 0
    with MacWorker(sealer) if sealer is not None else nullcontext() as worker:
        for rows in _one_ahead(documents, worker):
            _load(conn, rows, clock, sealer, worker)
            loaded += 1
    return loaded


def _one_ahead(documents: Iterable[DocumentRows], worker: MacWorker | None
               ) -> Iterator[DocumentRows]:
    """The documents in order, each submitted to `worker` before the one ahead of it is
    handed out."""
    current = None
    for following in documents:
        if worker is not None:
            worker.submit(following)
        if current is not None:
            yield current
        current = following
    if current is not None:
        yield current


def _load(conn: sqlite3.Connection, rows: DocumentRows, clock: Callable[[], datetime],
          sealer: Sealer | None, worker: MacWorker | None) -> None:
    """One document, as `sqlite_write.apply_batch` writes its batch."""
    digest = rows.document.digest
    merged = merged_nodes(rows.nodes, rows.edges)
    for old in rows.replaces:
        if old != digest:
            write.delete_document(conn, old)
    doc_id, created = write.ensure_document(conn, rows.document, clock, sealer)
    count = len(merged) + len(rows.edges)
    macs: list[str] | list[None] = worker.macs(count) if worker is not None else [None] * count
    before = conn.execute("SELECT coalesce(max(id), 0) FROM nodes").fetchone()[0]
    conn.executemany(write.UPSERT_NODES_MAC_GIVEN, (
        (kind, key, dumps(props), mac)
        for ((kind, key), props), mac in zip(merged.items(), macs[:len(merged)], strict=True)))
    ids = write.inserted_node_ids(conn, before)
    ids.update(node_ids(conn, [k for k in merged if k not in ids]))
    doc_ids = {digest: doc_id}
    sources = [(ids[k], doc_id) for k in merged]
    own: list[tuple[int, int]] = []  # this document's DEPENDS_ON pairs, in edge order
    others: set[str] = set()
    edge_rows = []
    for (kind, sk, skey, dk, dkey, props, doc), mac in zip(rows.edges, macs[len(merged):],
                                                           strict=True):
        src, dst = ids[(sk, skey)], ids[(dk, dkey)]
        if doc is None or doc == digest:
            doc = digest
            if kind == EdgeKind.DEPENDS_ON:
                own.append((src, dst))
        else:
            if doc not in doc_ids:
                doc_ids[doc] = write.document_id(conn, doc)
            sources += ((src, doc_ids[doc]), (dst, doc_ids[doc]))
            if kind == EdgeKind.DEPENDS_ON:
                others.add(doc)
        edge_rows.append((kind, src, dst, doc_ids[doc], dumps(props), mac))
    conn.executemany("INSERT OR IGNORE INTO node_sources VALUES (?, ?)", sources)
    conn.executemany(write.UPSERT_EDGES, edge_rows)
    del edge_rows
    write.keep_trees(conn, doc_id, ids.get((NodeKind.SBOM, digest)), created, own,
                     [doc_ids[other] for other in sorted(others)], sealer)
    for stream, payload in rows.log:
        write.append_log(conn, stream, payload, clock().isoformat(), sealer)


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
