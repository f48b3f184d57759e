"""Row seals in the Neo4j store (store/seal.py): every provenance node, relationship,
Document, Record and LogEntry written carries `_mac`; each write transaction folds its
tally into `(:IntegritySeal {name})` nodes before it commits.

A node's MAC covers its label and whole property map (the `_props` JSON and the native
copies `find` filters on); a relationship's covers its type, both ends and properties
except `_ord` (insertion order, kept by the database on upsert); a Document's covers
what it was created with (its derived dependency index and sequence are excluded).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from neo4j import ManagedTransaction

from ..model import EdgeKind, NodeKind
from .seal import TABLES, Seal, Sealer, Tally

SEAL = "IntegritySeal"
MAC = "_mac"
_UNSEALED_EDGE_PROPS = frozenset({MAC, "_ord"})


def node_mac(sealer: Sealer | None, kind: str, properties: Mapping[str, Any]) -> str | None:
    if sealer is None:
        return None
    return sealer.mac("nodes", kind, {k: v for k, v in properties.items() if k != MAC})


def edge_mac(sealer: Sealer | None, kind: str, src: tuple[str, str], dst: tuple[str, str],
             properties: Mapping[str, Any]) -> str | None:
    if sealer is None:
        return None
    kept = {k: v for k, v in properties.items() if k not in _UNSEALED_EDGE_PROPS}
    return sealer.mac("edges", kind, *src, *dst, kept)


def row_mac(sealer: Sealer | None, table: str, *parts: Any) -> str | None:
    return sealer.mac(table, *parts) if sealer is not None else None


def read_seals(tx: ManagedTransaction, lock: bool = False) -> dict[str, Seal]:
    if lock:  # every sealed writer takes these locks too: holding them is a snapshot
        tx.run(f"UNWIND $names AS name MERGE (s:{SEAL} {{name: name}}) "
               "SET s._lock = true REMOVE s._lock", {"names": list(TABLES)}).consume()
    seals = {t: Seal(t) for t in TABLES}
    for record in tx.run(f"MATCH (s:{SEAL}) RETURN s.name, s.count, s.total, s.version, "
                         "s.mac"):
        name, count, total, version, mac = record.values()
        if name in seals and mac is not None:
            seals[name] = Seal(name, count, total, version, mac)
    return seals


def flush(tx: ManagedTransaction, sealer: Sealer | None, tally: Tally) -> None:
    tables = tally.tables()
    if sealer is None or not tables:
        return
    seals = read_seals(tx, lock=True)
    for table in tables:
        new = sealer.advance(seals[table], tally.counts[table], tally.totals[table])
        if new is not None:
            tx.run(f"MATCH (s:{SEAL} {{name: $n}}) SET s.count = $c, s.total = $t, "
                   "s.version = $v, s.mac = $m", {"n": table, "c": new.count, "t": new.total,
                                                 "v": new.version, "m": new.mac}).consume()
    tally.clear()


def sealed_rows(tx: ManagedTransaction, table: str
                ) -> Iterator[tuple[str, str, tuple[object, ...], str | None]]:
    """(label, key, content parts, stored mac) for every row of a sealed table."""
    if table == "documents":
        for r in tx.run("MATCH (d:Document) RETURN d.kind, d.digest, d.format, d.name, "
                        "d.meta, d.ingested_at, d._mac ORDER BY d.digest"):
            kind, digest, fmt, name, meta, at, mac = r.values()
            yield str(kind), str(digest), (digest, kind, fmt, name, meta, at), mac
    elif table == "nodes":
        for kind in NodeKind:
            for r in tx.run(f"MATCH (n:{kind}) RETURN n.key, properties(n) ORDER BY n.key"):
                key, props = r.values()
                mac = props.get(MAC)
                yield str(kind), str(key), (str(kind), {k: v for k, v in props.items()
                                                        if k != MAC}), mac
    elif table == "edges":
        for kind in EdgeKind:
            for r in tx.run(f"MATCH (a)-[e:{kind}]->(b) RETURN labels(a)[0], a.key, "
                            "labels(b)[0], b.key, properties(e) ORDER BY e._ord"):
                sk, skey, dk, dkey, props = r.values()
                kept = {k: v for k, v in props.items() if k not in _UNSEALED_EDGE_PROPS}
                yield (str(kind), f"{skey} -> {dkey} @{props.get('doc')}",
                       (str(kind), sk, skey, dk, dkey, kept), props.get(MAC))
    elif table == "records":
        for r in tx.run("MATCH (r:Record) RETURN r.collection, r.key, r.value, r._mac "
                        "ORDER BY r.collection, r.key"):
            collection, key, value, mac = r.values()
            yield str(collection), str(key), (collection, key, value), mac
    elif table == "logs":
        for r in tx.run("MATCH (e:LogEntry) RETURN e.stream, e.seq, e.at, e.payload, "
                        "e.prev_hash, e.hash, e._mac ORDER BY e.stream, e.seq"):
            stream, seq, at, payload, prev, digest, mac = r.values()
            yield str(stream), str(seq), (stream, seq, at, payload, prev, digest), mac
