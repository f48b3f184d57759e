"""The SQLite store's write transactions: a document's batch, withdrawal, records, logs.

Every function runs inside the caller's `BEGIN IMMEDIATE` transaction (`SqliteStore._write`).
Nodes are upserted by natural key (`INSERT … ON CONFLICT DO UPDATE` with a JSON merge
patch that skips unchanged rows); edges are per-document assertions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from itertools import chain
from typing import Any

import orjson

from ..errors import StoreError
from ..model import ApplyResult, Batch, DocumentInfo, Edge, EdgeKind, LogEntry, NodeKind
from . import ledger, sqlite_chains
from .chain import check_continuation
from .seal import Sealer
from .sqlite_rows import dumps, node_ids

# A node is upserted by natural key; an existing one takes the JSON merge patch of the new
# properties, and its MAC is computed in SQL (pl_mac), where the merged properties exist.
_NODE_MERGE = (
    "ON CONFLICT(kind, key) DO UPDATE SET props = json_patch(nodes.props, "
    "excluded.props), mac = {merged_mac} WHERE excluded.props <> '{{}}' "
    "AND nodes.props <> json_patch(nodes.props, excluded.props)")
_MERGED_MAC = "pl_mac('nodes', nodes.kind, nodes.key, json_patch(nodes.props, excluded.props))"
_UPSERT_NODES_SEALED = ("INSERT INTO nodes(kind, key, props, mac) VALUES (?1, ?2, ?3, "
                        "pl_mac('nodes', ?1, ?2, ?3)) " + _NODE_MERGE.format(
                            merged_mac=_MERGED_MAC))
# Without an integrity key every MAC is NULL: the same upsert without a call per row.
_UPSERT_NODES = ("INSERT INTO nodes(kind, key, props, mac) VALUES (?1, ?2, ?3, NULL) "
                 + _NODE_MERGE.format(merged_mac="NULL"))
# A new node's MAC given by the caller (?4, bulk loads: store/sqlite_bulk.py).
UPSERT_NODES_MAC_GIVEN = ("INSERT INTO nodes(kind, key, props, mac) VALUES (?1, ?2, ?3, ?4) "
                          + _NODE_MERGE.format(merged_mac=_MERGED_MAC))
UPSERT_EDGES = (
    "INSERT INTO edges(kind, src, dst, doc_id, props, mac) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(src, kind, dst, doc_id) DO UPDATE SET props = excluded.props, "
    "mac = excluded.mac WHERE edges.props <> excluded.props")


def _mac(sealer: Sealer | None, table: str, *parts: Any) -> str | None:
    # Each row's keyed MAC (store/seal.py); None when no integrity key is configured.
    return sealer.mac(table, *parts) if sealer is not None else None


def apply_batch(conn: sqlite3.Connection, batch: Batch, clock: Callable[[], datetime],
                sealer: Sealer | None = None) -> ApplyResult:
    """One document's batch inside the caller's write transaction: withdraw what it
    replaces, upsert nodes (JSON merge patch), record node provenance, upsert edges,
    append its log entries."""
    # Keys are (kind, key) with the kind enum as is: a StrEnum hashes and compares as its
    # text, so rows read back as plain text find the same entries without str() per use.
    # One dict serves twice: each node's merged properties until they are written, then
    # its row id (assigning to a key it has keeps the key: no second set of keys).
    merged: dict[tuple[str, str], Any] = {}
    for node in batch.nodes:
        key = (node.kind, node.key)
        current = merged.get(key)
        # Copy only when two nodes merge (a 10k-package batch otherwise copies 20k dicts).
        merged[key] = node.props if current is None else {**current, **node.props}
    doc_digest = batch.document.digest
    no_props: Mapping[str, Any] = {}
    endpoint_docs: set[tuple[str, str, str]] = set()
    for edge in batch.edges:  # endpoints the batch does not carry as nodes, in edge order
        for end in (edge.src, edge.dst):
            end_key = (end.kind, end.key)
            if end_key not in merged:
                merged[end_key] = no_props
            if edge.doc and edge.doc != doc_digest:
                endpoint_docs.add((end.kind, end.key, str(edge.doc)))
    for old in batch.replaces:
        if old != doc_digest:
            delete_document(conn, old)
    doc_id, created = ensure_document(conn, batch.document, clock, sealer)
    # The node MAC is computed in SQL (pl_mac), where the merged properties exist.
    before = conn.execute("SELECT coalesce(max(id), 0) FROM nodes").fetchone()[0]
    conn.executemany(
        _UPSERT_NODES_SEALED if sealer is not None else _UPSERT_NODES,
        ((k, key, dumps(p)) for (k, key), p in merged.items()),  # streamed
    )
    ids = _row_ids(conn, before, merged)
    doc_ids = {doc_digest: doc_id}
    for digest in {e.doc for e in batch.edges if e.doc} - {doc_digest}:
        doc_ids[digest] = document_id(conn, digest)
    conn.executemany("INSERT OR IGNORE INTO node_sources VALUES (?, ?)", chain(
        ((node_id, doc_id) for node_id in ids.values()),
        ((ids[(k, key)], doc_ids[d]) for k, key, d in endpoint_docs)))
    conn.executemany(
        UPSERT_EDGES,
        (_edge_row(e, ids, doc_ids, e.doc or doc_digest, sealer) for e in batch.edges)
        if sealer is not None else  # no MACs: the same rows, built inline (35k per 10k SBOM)
        ((e.kind, ids[(e.src.kind, e.src.key)], ids[(e.dst.kind, e.dst.key)],
          doc_ids[e.doc or doc_digest], dumps(e.props), None) for e in batch.edges),
    )
    _dependency_trees(conn, batch, created, ids, doc_ids, sealer)
    for stream, payload in batch.log:
        append_log(conn, stream, payload, clock().isoformat(), sealer)
    return ApplyResult(doc_digest, created, len(merged), len(batch.edges))


def _row_ids(conn: sqlite3.Connection, before: int, merged: dict[tuple[str, str], Any]
             ) -> dict[tuple[str, str], int]:
    """Turn `merged` (node key -> properties, all written) into node key -> row id, in
    place: the rows inserted since id `before` from one scan (as `inserted_node_ids`),
    the rest looked up by key."""
    for node_id, kind, key in conn.execute("SELECT id, kind, key FROM nodes WHERE id > ?",
                                           (before,)):
        if (kind, key) in merged:
            merged[(kind, key)] = node_id
    merged.update(node_ids(conn, [k for k, v in merged.items() if type(v) is not int]))
    return merged


def inserted_node_ids(conn: sqlite3.Connection, before: int) -> dict[tuple[str, str], int]:
    """The nodes this transaction inserted since the largest id was `before`, by key: one
    scan of the end of the table instead of a keyed lookup each (a new SBOM's packages
    are mostly new). SQLite gives new rows larger ids while it can; any it did not is
    looked up by key like the nodes that already existed."""
    return {(kind, key): node_id for node_id, kind, key in conn.execute(
        "SELECT id, kind, key FROM nodes WHERE id > ?", (before,))}


def _dependency_trees(conn: sqlite3.Connection, batch: Batch, created: bool,
                      ids: Mapping[tuple[str, str], int], doc_ids: Mapping[str, int],
                      sealer: Sealer | None) -> None:
    """Keep the dependency trees of the documents whose DEPENDS_ON edges this batch adds
    to: a new document's from the batch itself (in edge order, as stored), any other's
    rebuilt from its stored edges."""
    digest = batch.document.digest
    own: list[tuple[int, int]] = []
    others: set[str] = set()
    for e in batch.edges:
        if e.kind != EdgeKind.DEPENDS_ON:
            continue
        if e.doc and e.doc != digest:
            others.add(e.doc)
        else:
            own.append((ids[(e.src.kind, e.src.key)], ids[(e.dst.kind, e.dst.key)]))
    keep_trees(conn, doc_ids[digest], ids.get((NodeKind.SBOM, digest)), created, own,
               [doc_ids[other] for other in sorted(others)], sealer)


def keep_trees(conn: sqlite3.Connection, doc_id: int, root_id: int | None, created: bool,
               own: list[tuple[int, int]], others: list[int], sealer: Sealer | None) -> None:
    """A new document's tree from its own DEPENDS_ON (src id, dst id) pairs in edge
    order; an existing one that gained pairs, and the `others` given pairs by it,
    rebuilt from their stored edges."""
    if created:
        sqlite_chains.write_tree(conn, doc_id, root_id, own, sealer)
    elif own:
        sqlite_chains.rebuild_tree(conn, doc_id, sealer)
    for other in others:
        sqlite_chains.rebuild_tree(conn, other, sealer)


def _edge_row(e: Edge, ids: Mapping[tuple[str, str], int], doc_ids: Mapping[str, int],
              doc: str, sealer: Sealer | None) -> tuple[Any, ...]:
    props = dumps(e.props)
    src, dst = (str(e.src.kind), e.src.key), (str(e.dst.kind), e.dst.key)
    return (str(e.kind), ids[src], ids[dst], doc_ids[doc], props,
            _mac(sealer, "edges", str(e.kind), *src, *dst, doc, props))


def ensure_document(conn: sqlite3.Connection, doc: DocumentInfo, clock: Callable[[], datetime],
                    sealer: Sealer | None = None) -> tuple[int, bool]:
    row = conn.execute("SELECT id FROM documents WHERE digest = ?", (doc.digest,)).fetchone()
    if row:
        return int(row[0]), False
    values = (doc.digest, doc.kind, doc.format, doc.name, dumps(doc.meta),
              doc.ingested_at or clock().isoformat())  # kept when copied
    cur = conn.execute(
        "INSERT INTO documents(digest, kind, format, name, meta, ingested_at, mac) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", (*values, _mac(sealer, "documents", *values)))
    return int(cur.lastrowid or 0), True


def document_id(conn: sqlite3.Connection, digest: str) -> int:
    row = conn.execute("SELECT id FROM documents WHERE digest = ?", (digest,)).fetchone()
    if row is None:
        raise StoreError(f"edge asserted by unknown document {digest}")
    return int(row[0])


def delete_document(conn: sqlite3.Connection, digest: str) -> bool:
    """Withdraw a document: its edges, its node provenance, nodes nobody asserts now."""
    row = conn.execute("SELECT id FROM documents WHERE digest = ?", (digest,)).fetchone()
    if row is None:
        return False
    doc_id = row[0]
    conn.execute("DELETE FROM edges WHERE doc_id = ?", (doc_id,))
    sqlite_chains.clear_tree(conn, doc_id)
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS orphan_candidates(id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM orphan_candidates")
    conn.execute("INSERT INTO orphan_candidates SELECT node_id FROM node_sources "
                 "WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM node_sources WHERE doc_id = ?", (doc_id,))
    conn.execute(
        "DELETE FROM nodes WHERE id IN (SELECT id FROM orphan_candidates) AND NOT EXISTS "
        "(SELECT 1 FROM node_sources s WHERE s.node_id = nodes.id)")
    conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
    return True


def put_record(conn: sqlite3.Connection, collection: str, key: str,
               value: Mapping[str, Any], sealer: Sealer | None = None) -> None:
    text = orjson.dumps(dict(value)).decode()
    conn.execute("INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT(collection, key) "
                 "DO UPDATE SET value = excluded.value, mac = excluded.mac",
                 (collection, key, text, _mac(sealer, "records", collection, key, text)))


def delete_record(conn: sqlite3.Connection, collection: str, key: str) -> bool:
    cur = conn.execute("DELETE FROM records WHERE collection = ? AND key = ?", (collection, key))
    return cur.rowcount > 0


def append_log(conn: sqlite3.Connection, stream: str, payload: Mapping[str, Any], at: str,
               sealer: Sealer | None = None) -> LogEntry:
    row = conn.execute("SELECT seq, hash FROM logs WHERE stream = ? ORDER BY seq DESC "
                       "LIMIT 1", (stream,)).fetchone()
    seq, prev = (row[0] + 1, row[1]) if row else (1, ledger.GENESIS)
    body = orjson.loads(orjson.dumps(dict(payload)))
    digest = ledger.entry_hash(stream, seq, at, body, prev)
    text = orjson.dumps(body).decode()
    conn.execute("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (stream, seq, at, text, prev, digest,
                  _mac(sealer, "logs", stream, seq, at, text, prev, digest)))
    return LogEntry(stream, seq, at, body, prev, digest)


def import_log(conn: sqlite3.Connection, stream: str, entries: Sequence[LogEntry],
               sealer: Sealer | None = None) -> int:
    row = conn.execute("SELECT seq, hash FROM logs WHERE stream = ? ORDER BY seq "
                       "DESC LIMIT 1", (stream,)).fetchone()
    last, prev = (row[0], row[1]) if row else (0, ledger.GENESIS)
    check_continuation(stream, entries, last, prev)
    rows = [(stream, e.seq, e.at, orjson.dumps(dict(e.payload)).decode(), e.prev_hash,
             e.hash) for e in entries]
    conn.executemany("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(*r, _mac(sealer, "logs", *r)) for r in rows])
    return len(entries)
