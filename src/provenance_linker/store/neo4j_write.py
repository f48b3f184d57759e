"""The Neo4j store's write transactions: a document's batch, withdrawal, log appends.

Each function runs inside a managed transaction (the driver may run it again after a
transient failure), so it only reads what it was given and what the database holds.
Read-modify-write steps lock first (`SET x._lock = true REMOVE x._lock` takes the
node's write lock), so concurrent writers serialize instead of losing updates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from neo4j import ManagedTransaction

from ..errors import StoreError
from ..model import Batch, EdgeKind, LogEntry
from . import ledger
from . import neo4j_schema as schema
from .chain import check_continuation
from .neo4j_cypher import collected, collected_rows, seek
from .neo4j_props import drop_none, dumps, loads, merge_patch, property_map
from .neo4j_seal import MAC, edge_mac, flush, node_mac, row_mac
from .paths import encode_dependencies
from .seal import Sealer, Tally

CHUNK = 5000  # rows per UNWIND (bounded parameter size)
ORD_STRIDE = 10**9  # edge insertion order: document sequence * stride + position
_LOCK = "SET {v}._lock = true REMOVE {v}._lock"
EdgeIdentity = tuple[str, str, str, str, str, str]  # kind, src kind/key, dst kind/key, doc


def _chunks(rows: Sequence[Any]) -> list[Sequence[Any]]:
    return [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]


class BatchWriter:
    """Everything one document asserts, prepared once and written in one transaction.

    Nodes are written in three steps per kind: lock and read the ones that exist, CREATE
    the rest together with their provenance (no MERGE round on the common path), then
    patch the existing ones whose properties change. Edges then find their endpoints by
    element id (no second index lookup) and carry the document digest."""

    def __init__(self, batch: Batch, now: str, sealer: Sealer | None = None) -> None:
        self.batch = batch
        self.now = now
        self.sealer = sealer
        self.tally = Tally()
        self.doc = batch.document.digest
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for node in batch.nodes:
            current = merged.get((node.kind, node.key))
            if current is None:
                merged[(node.kind, node.key)] = dict(node.props)
            else:
                current.update(node.props)
        endpoint_docs: set[tuple[str, str, str]] = set()
        # (kind, src kind, src key, dst kind, dst key, doc) -> (first position, last props),
        # as SQLite's upsert keeps them.
        edges: dict[EdgeIdentity, tuple[int, Mapping[str, Any]]] = {}
        for position, edge in enumerate(batch.edges):
            doc = edge.doc or self.doc
            src, dst = (edge.src.kind, edge.src.key), (edge.dst.kind, edge.dst.key)
            for end in (src, dst):
                if end not in merged:
                    merged[end] = {}
                if doc != self.doc:
                    endpoint_docs.add((*end, doc))
            identity = (edge.kind, *src, *dst, doc)
            previous = edges.get(identity)
            edges[identity] = (previous[0] if previous else position, edge.props)
        self.nodes = {key: drop_none(props) for key, props in merged.items()}
        self.endpoint_docs = sorted(endpoint_docs)
        self.edges = edges
        self.other_docs = sorted({identity[5] for identity in edges} - {self.doc})
        self.node_count = len(merged)
        self.dependencies = dependency_index(edges, self.doc)
        # Documents whose DEPENDS_ON edges this batch extends: their index is no longer
        # complete, so readers fall back to the edges themselves.
        self.stale_indexes = sorted({identity[5] for identity in edges
                                     if identity[0] == EdgeKind.DEPENDS_ON} - {self.doc})

    def run(self, tx: ManagedTransaction) -> bool:
        self.tally = Tally()  # the driver may run this again after a transient failure
        for old in self.batch.replaces:
            if old != self.doc:
                delete_document(tx, old, self.sealer, self.tally)
        if self.other_docs:
            found = {r["d"] for r in tx.run(
                f"UNWIND $docs AS d MATCH (:{schema.DOCUMENT} {{digest: d}}) RETURN d",
                {"docs": self.other_docs})}
            missing = [d for d in self.other_docs if d not in found]
            if missing:
                raise StoreError(f"edge asserted by unknown document {missing[0]}")
        seq, created = self._ensure_document(tx)
        ids = self._upsert_nodes(tx, created)
        self._endpoint_provenance(tx)
        self._upsert_edges(tx, ids, seq, created)
        if self.stale_indexes:
            tx.run(f"UNWIND $docs AS d MATCH (x:{schema.DOCUMENT} {{digest: d}}) "
                   f"REMOVE x.{schema.DEPENDENCY_INDEX}, x.{schema.DEPENDENCY_INDEX_MAC}",
                   {"docs": self.stale_indexes}).consume()
        for stream, payload in self.batch.log:
            append_log(tx, stream, dict(payload), self.now, self.sealer, self.tally)
        flush(tx, self.sealer, self.tally)
        return created

    def _ensure_document(self, tx: ManagedTransaction) -> tuple[int, bool]:
        # The sequence node's lock orders document creation (ingest order, no duplicates).
        tx.run(f"MERGE (c:{schema.SEQUENCE} {{name: 'documents'}}) ON CREATE SET c.value = 0 "
               + _LOCK.format(v="c")).consume()
        record = tx.run(f"MATCH (d:{schema.DOCUMENT} {{digest: $digest}}) RETURN d.seq AS seq",
                        {"digest": self.doc}).single()
        if record is not None:
            return int(record["seq"]), False
        info = self.batch.document
        meta, at = dumps(drop_none(info.meta)), info.ingested_at or self.now
        mac = row_mac(self.sealer, "documents", self.doc, info.kind, info.format, info.name,
                      meta, at)
        record = tx.run(
            f"MATCH (c:{schema.SEQUENCE} {{name: 'documents'}}) SET c.value = c.value + 1 "
            f"CREATE (d:{schema.DOCUMENT} {{digest: $digest, kind: $kind, format: $format, "
            "name: $name, meta: $meta, ingested_at: $at, seq: c.value, "
            f"{schema.DEPENDENCY_INDEX}: $dependencies, "
            f"{schema.DEPENDENCY_INDEX_MAC}: $dependencies_mac, {MAC}: $mac}}) "
            "RETURN d.seq AS seq",
            {"digest": self.doc, "kind": info.kind, "format": info.format, "name": info.name,
             "meta": meta, "at": at, "dependencies": self.dependencies,
             "dependencies_mac": dependency_index_mac(self.sealer, self.doc, self.dependencies),
             "mac": mac},
        ).single()
        self.tally.add("documents", mac)
        assert record is not None
        return int(record["seq"]), True

    def _upsert_nodes(self, tx: ManagedTransaction, created: bool) -> dict[tuple[str, str], str]:
        """Write every node; returns (kind, key) -> element id."""
        ids: dict[tuple[str, str], str] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, key in self.nodes:
            by_kind.setdefault(kind, []).append(key)
        # A new document cannot have asserted anything yet: CREATE, no existence check.
        asserts = "CREATE" if created else "MERGE"
        for kind, keys in sorted(by_kind.items()):
            keys.sort()  # a stable lock order between concurrent writers
            stored: dict[str, str | None] = {}
            old_macs: dict[str, str | None] = {}
            for chunk in _chunks(keys):
                for key, props, element, mac in collected_rows(tx.run(
                        f"UNWIND $keys AS k {seek('n', kind)} " + _LOCK.format(v="n")
                        + " " + collected(f"k, n._props, elementId(n), n.{MAC}"),
                        {"keys": list(chunk)})):
                    stored[key] = props
                    old_macs[key] = mac
                    ids[(kind, key)] = element
            fresh = [[key, self._sealed_node(kind, property_map(self.nodes[(kind, key)],
                                                                 {"key": key}), None)]
                     for key in keys if key not in stored]
            for chunk in _chunks(fresh):
                for key, element in collected_rows(tx.run(
                        f"MATCH (d:{schema.DOCUMENT} {{digest: $doc}}) UNWIND $rows AS r "
                        f"CREATE (n:{kind}) SET n = r[1] CREATE (d)-[:{schema.ASSERTS}]->(n) "
                        + collected("r[0], elementId(n)"),
                        {"doc": self.doc, "rows": list(chunk)})):
                    ids[(kind, key)] = element
            changed = []
            for key, text in stored.items():
                patch = self.nodes[(kind, key)]
                if patch:
                    before = loads(text)
                    after = merge_patch(before, patch)
                    if after != before:
                        changed.append([ids[(kind, key)], self._sealed_node(
                            kind, property_map(after, {"key": key}), old_macs[key])])
            for chunk in _chunks(changed):
                tx.run("UNWIND $rows AS r MATCH (n) WHERE elementId(n) = r[0] SET n = r[1]",
                       {"rows": list(chunk)}).consume()
            existing = [ids[(kind, key)] for key in stored]
            for chunk in _chunks(existing):
                tx.run(f"MATCH (d:{schema.DOCUMENT} {{digest: $doc}}) UNWIND $ids AS id "
                       f"MATCH (n) WHERE elementId(n) = id {asserts} (d)-[:{schema.ASSERTS}]->(n)",
                       {"doc": self.doc, "ids": list(chunk)}).consume()
        return ids

    def _sealed_node(self, kind: str, properties: dict[str, Any],
                     old: str | None) -> dict[str, Any]:
        mac = node_mac(self.sealer, kind, properties)
        if mac is not None:
            properties[MAC] = mac
        self.tally.change("nodes", old, mac)
        return properties

    def _endpoint_provenance(self, tx: ManagedTransaction) -> None:
        """Endpoints of edges another document asserts are asserted by that document too
        (so withdrawing it removes what only it needed)."""
        rows = [{"key": key, "kind": kind, "doc": doc} for kind, key, doc in self.endpoint_docs]
        by_kind: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            by_kind.setdefault(row["kind"], []).append(row)
        for kind, kind_rows in sorted(by_kind.items()):
            for chunk in _chunks(kind_rows):
                tx.run(f"UNWIND $rows AS r MATCH (d:{schema.DOCUMENT} {{digest: r.doc}}) "
                       f"{seek('n', kind, 'r.key')} MERGE (d)-[:{schema.ASSERTS}]->(n)",
                       {"rows": list(chunk)}).consume()

    def _upsert_edges(self, tx: ManagedTransaction, ids: Mapping[tuple[str, str], str],
                      seq: int, created: bool) -> None:
        groups: dict[tuple[str, bool], list[list[Any]]] = {}
        for (kind, sk, skey, dk, dkey, doc), (position, props) in self.edges.items():
            fresh = created and doc == self.doc
            values = drop_none(props)
            extra = property_map(values, {}) if values else {}
            mac = edge_mac(self.sealer, kind, (sk, skey), (dk, dkey), {**extra, "doc": doc})
            if fresh:
                self.tally.add("edges", mac)
            groups.setdefault((kind, fresh), []).append(
                [ids[(sk, skey)], ids[(dk, dkey)], seq * ORD_STRIDE + position, extra, doc,
                 mac])
        for (kind, fresh), rows in sorted(groups.items()):
            match = ("UNWIND $rows AS r MATCH (a) WHERE elementId(a) = r[0] "
                     "MATCH (b) WHERE elementId(b) = r[1] ")
            if fresh:
                query = match + (f"CREATE (a)-[e:{kind} {{doc: r[4], _ord: r[2]}}]->(b) "
                                 f"SET e += r[3] SET e.{MAC} = r[5]")
            else:  # an upsert replaces the properties, keeping the original position
                query = match + (f"MERGE (a)-[e:{kind} {{doc: r[4]}}]->(b) "
                                 f"WITH e, r, coalesce(e._ord, r[2]) AS ord, e.{MAC} AS old "
                                 f"SET e = r[3] SET e.doc = r[4], e._ord = ord, e.{MAC} = r[5] "
                                 "RETURN collect([old, r[5]]) AS changes")
            for chunk in _chunks(rows):
                result = tx.run(query, {"rows": list(chunk)})
                if fresh:
                    result.consume()
                else:
                    for old, new in collected_rows(result):
                        self.tally.change("edges", old, new)


def dependency_index(edges: Mapping[EdgeIdentity, tuple[int, Any]], doc: str) -> str | None:
    """The document's own DEPENDS_ON edges as one compact JSON property of its Document
    node (store/paths.py `encode_dependencies`). Blast radius reads one property per SBOM
    instead of every edge; written when the document is created (and by migration 2 for
    documents stored before), removed when another document extends its edges."""
    own = sorted((position, identity[2], identity[4]) for identity, (position, _) in
                 edges.items() if identity[0] == EdgeKind.DEPENDS_ON and identity[5] == doc)
    return encode_dependencies([(src, dst) for _, src, dst in own])


def dependency_index_mac(sealer: Sealer | None, doc: str, index: str | None) -> str | None:
    """The index's own MAC (None without a key or an index)."""
    return row_mac(sealer, "dependencies", doc, index) if index is not None else None


def delete_document(tx: ManagedTransaction, digest: str, sealer: Sealer | None = None,
                    tally: Tally | None = None) -> bool:
    """Withdraw the document's edges and provenance; delete nodes nobody asserts now."""
    own = tally is None
    tally = Tally() if tally is None else tally
    record = tx.run(f"MATCH (d:{schema.DOCUMENT} {{digest: $d}}) " + _LOCK.format(v="d")
                    + " RETURN count(d) AS n", {"d": digest}).single()
    if record is None or not record["n"]:
        return False
    for kind in EdgeKind:  # each lookup uses the relationship index on `doc`
        for mac in tx.run(f"MATCH ()-[e:{kind} {{doc: $d}}]->() WITH e, e.{MAC} AS m "
                          "DELETE e RETURN collect(m) AS macs", {"d": digest}).single(
                              strict=True)[0]:
            tally.remove("edges", mac)
    candidates = [row[0] for row in collected_rows(tx.run(
        f"MATCH (:{schema.DOCUMENT} {{digest: $d}})-[a:{schema.ASSERTS}]->(n) "
        "DELETE a " + collected("elementId(n)"), {"d": digest}))]
    for chunk in _chunks(candidates):
        # Lock before the check, so a concurrent assertion of the node is seen.
        for mac in tx.run("UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id "
                          + _LOCK.format(v="n") + f" WITH n WHERE NOT EXISTS "
                          f"{{ MATCH ()-[:{schema.ASSERTS}]->(n) }} WITH n, n.{MAC} AS m "
                          "DETACH DELETE n RETURN collect(m) AS macs",
                          {"ids": list(chunk)}).single(strict=True)[0]:
            tally.remove("nodes", mac)
    gone = tx.run(f"MATCH (d:{schema.DOCUMENT} {{digest: $d}}) WITH d, d.{MAC} AS m DELETE d "
                  "RETURN m", {"d": digest}).single()
    tally.remove("documents", gone["m"] if gone else None)
    if own:
        flush(tx, sealer, tally)
    return True


def _lock_stream(tx: ManagedTransaction, stream: str) -> tuple[int, str]:
    """Lock the stream's head (so appends serialize and the chain never forks)."""
    tx.run(f"MERGE (h:{schema.LOG_STREAM} {{stream: $s}}) "
           "ON CREATE SET h.seq = 0, h.hash = $genesis " + _LOCK.format(v="h"),
           {"s": stream, "genesis": ledger.GENESIS}).consume()
    head = tx.run(f"MATCH (h:{schema.LOG_STREAM} {{stream: $s}}) RETURN h.seq AS seq, "
                  "h.hash AS hash", {"s": stream}).single()
    assert head is not None
    return int(head["seq"]), str(head["hash"])


_CREATE_ENTRIES = (
    f"MATCH (h:{schema.LOG_STREAM} {{stream: $s}}) SET h.seq = $seq, h.hash = $hash "
    f"WITH h UNWIND $entries AS e CREATE (:{schema.LOG_ENTRY} {{stream: $s, seq: e.seq, "
    f"at: e.at, payload: e.payload, prev_hash: e.prev_hash, hash: e.hash, {MAC}: e.mac}})"
)


def _entry_row(sealer: Sealer | None, tally: Tally, stream: str, seq: int, at: str,
               payload: str, prev: str, digest: str) -> dict[str, Any]:
    mac = row_mac(sealer, "logs", stream, seq, at, payload, prev, digest)
    tally.add("logs", mac)
    return {"seq": seq, "at": at, "payload": payload, "prev_hash": prev, "hash": digest,
            "mac": mac}


def append_log(tx: ManagedTransaction, stream: str, payload: Mapping[str, Any],
               at: str, sealer: Sealer | None = None, tally: Tally | None = None) -> LogEntry:
    own = tally is None
    tally = Tally() if tally is None else tally
    last, prev = _lock_stream(tx, stream)
    seq = last + 1
    body = orjson.loads(orjson.dumps(dict(payload)))
    digest = ledger.entry_hash(stream, seq, at, body, prev)
    tx.run(_CREATE_ENTRIES, {"s": stream, "seq": seq, "hash": digest, "entries": [
        _entry_row(sealer, tally, stream, seq, at, dumps(body), prev, digest)]}).consume()
    if own:
        flush(tx, sealer, tally)
    return LogEntry(stream, seq, at, body, prev, digest)


def import_log(tx: ManagedTransaction, stream: str, entries: Sequence[LogEntry],
               sealer: Sealer | None = None) -> int:
    """Write entries copied from another store verbatim (they must continue the chain)."""
    if not entries:
        return 0
    tally = Tally()
    last, prev = _lock_stream(tx, stream)
    check_continuation(stream, entries, last, prev)
    rows = [_entry_row(sealer, tally, stream, e.seq, e.at, dumps(dict(e.payload)),
                       e.prev_hash, e.hash) for e in entries]
    for chunk in _chunks(rows):
        tx.run(_CREATE_ENTRIES, {"s": stream, "seq": chunk[-1]["seq"],
                                 "hash": chunk[-1]["hash"], "entries": list(chunk)}).consume()
    flush(tx, sealer, tally)
    return len(entries)


def put_record(tx: ManagedTransaction, collection: str, key: str, value: str,
               sealer: Sealer | None) -> None:
    mac = row_mac(sealer, "records", collection, key, value)
    record = tx.run(f"MERGE (r:{schema.RECORD} {{collection: $c, key: $k}}) "
                    f"WITH r, r.{MAC} AS old SET r.value = $v, r.{MAC} = $m RETURN old",
                    {"c": collection, "k": key, "v": value, "m": mac}).single(strict=True)
    tally = Tally()
    tally.change("records", record["old"], mac)
    flush(tx, sealer, tally)


def delete_record(tx: ManagedTransaction, collection: str, key: str,
                  sealer: Sealer | None) -> bool:
    # Counted apart from the MACs: without an integrity key a record has none.
    deleted, macs = tx.run(f"MATCH (r:{schema.RECORD} {{collection: $c, key: $k}}) "
                           f"WITH r, r.{MAC} AS m DELETE r RETURN count(*) AS n, "
                           "collect(m) AS macs", {"c": collection, "k": key}).single(strict=True)
    tally = Tally()
    for mac in macs:
        tally.remove("records", mac)
    flush(tx, sealer, tally)
    return bool(deleted)


def run_statement(tx: ManagedTransaction, statement: str,
                  params: Mapping[str, Any] | None = None) -> None:
    tx.run(statement, dict(params or {})).consume()
