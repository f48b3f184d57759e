"""The SQLite store's per-SBOM dependency trees (migration 0018): written with the edges
they derive from, read by blast radius.

A row per (package, SBOM) the SBOM's root reaches over the SBOM's own DEPENDS_ON edges:
its rank in the breadth-first walk and the node ids between the root and it (`via`,
packed little-endian uint32, or uint64 after a marker byte when an id needs it). The
shortest chain to any of a set of packages is then the row with the least rank, read by
primary key (store/paths.py `chain_from_tree`, the rule Neo4j's walk follows too).

The rows are derived, so they are not part of the table seals; with an integrity key
each carries its own keyed MAC (16 bytes of HMAC-SHA256 over the row), checked for the
rows an answer uses: an edited row is not shown, its SBOM's edges are walked instead.
"""

from __future__ import annotations

import sqlite3
import struct
import sys
from array import array
from collections.abc import Iterable, Mapping, Sequence

from .paths import children_of, dependency_tree
from .seal import Sealer
from .sqlite_rows import chunks

_ROW = struct.Struct("<qqq")  # node id, document id, rank: fixed width, then `via`
_LABEL = b"dependency_chains\0"
MAC_BYTES = 16
_WIDE = b"\xff"  # prefix of a uint64 chain: its length is then 1 mod 4
_SMALL = 2**32


def encode_via(ids: Sequence[int]) -> bytes:
    if not ids:
        return b""
    if max(ids) < _SMALL:
        packed = array("I", ids)
        wide = b""
    else:
        packed, wide = array("Q", ids), _WIDE
    if sys.byteorder != "little":
        packed.byteswap()
    return wide + packed.tobytes()


def decode_via(data: bytes) -> list[int]:
    if not data:
        return []
    packed = array("Q", data[1:]) if len(data) % 4 == 1 else array("I", data)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tolist()


def row_mac(sealer: Sealer | None, node: int, doc_id: int, rank: int, via: bytes
            ) -> bytes | None:
    if sealer is None:
        return None
    return sealer.digest(_LABEL + _ROW.pack(node, doc_id, rank) + via)[:MAC_BYTES]


def write_tree(conn: sqlite3.Connection, doc_id: int, root_id: int | None,
               pairs: Iterable[tuple[int, int]], sealer: Sealer | None) -> None:
    """Store the tree of `doc_id` from its DEPENDS_ON (src id, dst id) pairs in edge
    order; rows already stored for it are the caller's to clear (`clear_tree`)."""
    if root_id is None:
        return
    children = children_of(pairs)
    if root_id not in children:
        return
    rows = []
    for node, (rank, between) in dependency_tree(children, root_id).items():
        via = encode_via(between)
        rows.append((node, doc_id, rank, via, row_mac(sealer, node, doc_id, rank, via)))
    conn.executemany("INSERT INTO dependency_chains VALUES (?, ?, ?, ?, ?)", rows)


def clear_tree(conn: sqlite3.Connection, doc_id: int) -> None:
    """Drop a document's rows: every node they name is one it asserts (node_sources)."""
    conn.execute("DELETE FROM dependency_chains WHERE doc_id = ?1 AND node_id IN "
                 "(SELECT node_id FROM node_sources WHERE doc_id = ?1)", (doc_id,))


def rebuild_tree(conn: sqlite3.Connection, doc_id: int, sealer: Sealer | None) -> None:
    """Recompute a document's tree from its stored edges (after another document extends
    them, a re-ingest, or the migration)."""
    clear_tree(conn, doc_id)
    root = conn.execute("SELECT n.id FROM documents d JOIN nodes n ON n.kind = 'Sbom' "
                        "AND n.key = d.digest WHERE d.id = ?", (doc_id,)).fetchone()
    write_tree(conn, doc_id, root[0] if root else None, dependency_pairs(conn, doc_id), sealer)


def dependency_pairs(conn: sqlite3.Connection, doc_id: int) -> list[tuple[int, int]]:
    """The document's stored DEPENDS_ON edges as (src id, dst id), in edge order."""
    return conn.execute("SELECT src, dst FROM edges WHERE doc_id = ? "
                        "AND +kind = 'DEPENDS_ON' ORDER BY id", (doc_id,)).fetchall()


def backfill(conn: sqlite3.Connection, sealer: Sealer | None) -> int:
    """Trees for every document with DEPENDS_ON edges (migration 0018)."""
    docs = [r[0] for r in conn.execute(
        "SELECT DISTINCT doc_id FROM edges WHERE kind = 'DEPENDS_ON'")]
    for doc_id in docs:
        rebuild_tree(conn, doc_id, sealer)
    return len(docs)


def stored_trees(conn: sqlite3.Connection, targets: Mapping[int, set[int]],
                 sealer: Sealer | None
                 ) -> tuple[dict[int, dict[int, tuple[int, list[int]]]], list[int]]:
    """Per document, the stored rows of its targets as {node: (rank, nodes between)} (a
    document whose root reaches none of them is absent), and the documents with a row
    whose MAC does not match."""
    by_node: dict[int, list[int]] = {}
    for doc_id, nodes in targets.items():
        for node in nodes:
            by_node.setdefault(node, []).append(doc_id)
    trees: dict[int, dict[int, tuple[int, list[int]]]] = {}
    forged: set[int] = set()
    for node, docs in by_node.items():
        docs.sort()
        for chunk in chunks(docs):
            for doc_id, rank, via, mac in conn.execute(
                    f"SELECT doc_id, rank, via, mac FROM dependency_chains WHERE node_id = ? "
                    f"AND doc_id IN ({','.join('?' * len(chunk))})", (node, *chunk)):
                if sealer is not None and mac != row_mac(sealer, node, doc_id, rank, via):
                    forged.add(doc_id)
                else:
                    trees.setdefault(doc_id, {})[node] = (rank, decode_via(via))
    for doc_id in forged:
        trees.pop(doc_id, None)
    return trees, sorted(forged)


def first_unsealed(conn: sqlite3.Connection, sealer: Sealer) -> tuple[int, int] | None:
    """(document id, node id) of the first stored row whose MAC does not match."""
    for node, doc_id, rank, via, mac in conn.execute(
            "SELECT node_id, doc_id, rank, via, mac FROM dependency_chains"):
        if mac != row_mac(sealer, node, doc_id, rank, via):
            return doc_id, node
    return None
