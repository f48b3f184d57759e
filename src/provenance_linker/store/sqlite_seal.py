"""Row seals in the SQLite store (store/seal.py): the `pl_mac` SQL function computes a
row's MAC where SQLite computes the row (node merges), TEMP triggers — present only on
this process's connections, not on a shell's — tally every row change of a write
transaction, and `flush` folds the tally into the sealed tables before COMMIT."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from .seal import TABLES, Seal, Sealer, Tally

# How each sealed table's rows are read back: (label, key, content parts…, mac), in
# storage order (a plain scan; edges name their ends through one read of the nodes).
ROW_QUERIES: dict[str, str] = {
    "documents": "SELECT kind, digest, digest, kind, format, name, meta, ingested_at, mac "
                 "FROM documents",
    "nodes": "SELECT kind, key, kind, key, props, mac FROM nodes",
    "records": "SELECT collection, key, collection, key, value, mac FROM records",
    "logs": "SELECT stream, seq, stream, seq, at, payload, prev_hash, hash, mac FROM logs",
}
# Rows that reference a missing row (inserted with foreign keys off) are reported too.
ORPHAN_QUERIES: dict[str, str] = {
    "edges": "SELECT e.kind, e.id FROM edges e WHERE NOT EXISTS (SELECT 1 FROM nodes n "
             "WHERE n.id = e.src) OR NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = e.dst) "
             "OR NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = e.doc_id) LIMIT 1",
}


def register(conn: sqlite3.Connection, sealer: Sealer | None, tally: Tally) -> None:
    """`pl_mac(table, parts…)` (NULL without a key) and `pl_tally(table, old, new)`."""
    def mac(table: str, *parts: object) -> str | None:
        return sealer.mac(table, *parts) if sealer is not None else None

    conn.create_function("pl_mac", -1, mac, deterministic=True)
    conn.create_function("pl_tally", 3, lambda t, o, n: tally.change(t, o, n))


def install_triggers(conn: sqlite3.Connection) -> None:
    for table in TABLES:
        for event, old, new in (("INSERT", "NULL", "new.mac"), ("UPDATE", "old.mac", "new.mac"),
                                ("DELETE", "old.mac", "NULL")):
            conn.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS pl_seal_{table}_{event.lower()} AFTER "
                f"{event} ON main.{table} WHEN {old} IS NOT {new} "  # no MAC, no change:
                f"BEGIN SELECT pl_tally('{table}', {old}, {new}); END")  # skip the call


def read_seals(conn: sqlite3.Connection) -> dict[str, Seal]:
    seals = {t: Seal(t) for t in TABLES}
    for name, count, total, version, mac in conn.execute(
            "SELECT name, count, total, version, mac FROM integrity_seals"):
        seals[name] = Seal(name, count, total, version, mac)
    return seals


def flush(conn: sqlite3.Connection, sealer: Sealer, tally: Tally) -> None:
    """Fold the transaction's row changes into the seals (inside the transaction)."""
    tables = tally.tables()
    if not tables:
        return
    seals = read_seals(conn)
    for table in tables:
        new = sealer.advance(seals[table], tally.counts[table], tally.totals[table])
        if new is not None:
            conn.execute("INSERT INTO integrity_seals VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) "
                         "DO UPDATE SET count = excluded.count, total = excluded.total, "
                         "version = excluded.version, mac = excluded.mac",
                         (table, new.count, new.total, new.version, new.mac))
    tally.clear()


def sealed_rows(conn: sqlite3.Connection, table: str
                ) -> Iterator[tuple[str, str, tuple[object, ...], str | None]]:
    """(label, key, content parts, stored mac) for every row of a sealed table."""
    if table == "edges":
        yield from _edge_rows(conn)
        return
    for row in conn.execute(ROW_QUERIES[table]):
        yield str(row[0]), str(row[1]), tuple(row[2:-1]), row[-1]


def _edge_rows(conn: sqlite3.Connection
               ) -> Iterator[tuple[str, str, tuple[object, ...], str | None]]:
    ends = {i: (kind, key) for i, kind, key in conn.execute("SELECT id, kind, key FROM nodes")}
    docs = dict(conn.execute("SELECT id, digest FROM documents").fetchall())
    for kind, src, dst, doc_id, props, mac in conn.execute(
            "SELECT kind, src, dst, doc_id, props, mac FROM edges"):
        s, d, doc = ends.get(src), ends.get(dst), docs.get(doc_id)
        if s is None or d is None or doc is None:
            continue  # an orphan: `orphan` names it
        yield kind, f"{s[1]} -> {d[1]} @{doc}", (kind, *s, *d, doc, props), mac


def orphan(conn: sqlite3.Connection, table: str) -> tuple[str, str] | None:
    query = ORPHAN_QUERIES.get(table)
    row = conn.execute(query).fetchone() if query else None
    return (str(row[0]), f"row id {row[1]}") if row else None
