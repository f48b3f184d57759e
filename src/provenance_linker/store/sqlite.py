"""The embedded default backend: one SQLite file, WAL, one transaction per document.

Nodes are upserted by natural key (`INSERT … ON CONFLICT DO UPDATE` with a JSON merge
patch), edges are per-document assertions, traversals are recursive CTEs. Writes go
through `executemany` inside `BEGIN IMMEDIATE … COMMIT`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from ..errors import StoreError, StoreUnavailable
from ..model import (
    ApplyResult,
    Batch,
    Direction,
    DocumentInfo,
    Edge,
    EdgeKind,
    LogEntry,
    Node,
    NodeKind,
    NodeRef,
    TraversalStep,
)
from ..telemetry.logging import timed_query
from . import ledger, sqlite_seal
from .chain import check_continuation
from .digest import graph_digest
from .paths import chains_per_document
from .seal import Seal, Sealer, Tally, key_from_env

# Enum lookup by value through a dict: Enum.__call__ dominated large edge reads.
_NODE_KINDS = {str(k): k for k in NodeKind}
_EDGE_KINDS = {str(k): k for k in EdgeKind}

CHUNK = 900  # stays below SQLite's bound-parameter limit


def utc_now() -> datetime:
    return datetime.now(UTC)


def _dumps(props: Mapping[str, Any]) -> str:
    return orjson.dumps({k: v for k, v in props.items() if v is not None}).decode()


def _loads(text: str) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(text)
    return value


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def path_from_url(url: str) -> Path:
    """`sqlite:///abs/path.db`, `sqlite:relative.db` or a plain path."""
    if url.startswith("sqlite://"):
        rest = url[len("sqlite://") :]
    elif url.startswith("sqlite:"):
        rest = url[len("sqlite:") :]
    else:
        rest = url
    if not rest:
        raise StoreError("empty SQLite path", where=url, hint="use sqlite:///path/to/file.db")
    return Path(rest).expanduser()


def open_connection(path: Path, what: str) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) in WAL mode, shared by the
    graph store and the SQLite job queue."""
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-65536")
        conn.execute("PRAGMA temp_store=MEMORY")
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"cannot open the {what}: {exc}", where=str(path)) from exc
    return conn


class SqliteStore:
    backend = "sqlite"

    def __init__(self, url: str, *, clock: Callable[[], datetime] = utc_now,
                 integrity_key: bytes | None = None) -> None:
        self.url = url
        self.path = path_from_url(url)
        self._clock = clock
        key = integrity_key if integrity_key is not None else key_from_env()
        self.sealer: Sealer | None = Sealer(key) if key else None
        self._sealing = False  # row-change triggers go in once the schema has mac columns
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot create the database folder: {exc}",
                                   where=str(self.path.parent)) from exc
        self.migrate()
        if self.sealer is not None:
            self._sealing = True
            sqlite_seal.install_triggers(self._conn())

    # --- connections ---------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path, "graph database")
            self._local.conn = conn
            self._local.tally = Tally()
            sqlite_seal.register(conn, self.sealer, self._local.tally)
            if self._sealing:
                sqlite_seal.install_triggers(conn)
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot start a write transaction: {exc}",
                                   where=str(self.path)) from exc
        tally: Tally = self._local.tally
        tally.clear()
        try:
            yield conn
            if self.sealer is not None:
                sqlite_seal.flush(conn, self.sealer, tally)
        except BaseException:
            conn.execute("ROLLBACK")
            tally.clear()
            raise
        else:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def ping(self) -> None:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite not answering: {exc}", where=str(self.path)) from exc

    # --- schema ------------------------------------------------------------------------
    def migrate(self) -> int:
        conn = self._conn()
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name='schema_migrations'").fetchone()
        applied: set[int] = set()
        if has_table:
            applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        scripts = sorted(
            (p for p in resources.files("provenance_linker.store.migrations").iterdir()
             if p.name.endswith(".sql")),
            key=lambda p: p.name,
        )
        pending = [(int(p.name.split("_", 1)[0]), p) for p in scripts]
        pending = [(v, p) for v, p in pending if v not in applied]
        if pending:
            with self._write() as w:
                w.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                          "(version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
                for version, script in pending:
                    for statement in script.read_text().split(";\n"):
                        if statement.strip():
                            w.execute(statement)
                    w.execute("INSERT INTO schema_migrations VALUES (?, ?)",
                              (version, self._clock().isoformat()))
                    applied.add(version)
        return max(applied, default=0)

    # --- writes ------------------------------------------------------------------------
    def apply(self, batch: Batch) -> ApplyResult:
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for node in batch.nodes:
            key = (str(node.kind), node.key)
            current = merged.get(key)
            # Copy only when two nodes merge (a 10k-package batch otherwise copies 20k dicts).
            merged[key] = node.props if current is None else {**current, **node.props}
        doc_digest = batch.document.digest
        endpoint_docs: set[tuple[str, str, str]] = set()
        for edge in batch.edges:
            for end in (edge.src, edge.dst):
                merged.setdefault((str(end.kind), end.key), {})
                if edge.doc and edge.doc != doc_digest:
                    endpoint_docs.add((str(end.kind), end.key, edge.doc))
        with timed_query("apply", self.backend), self._write() as conn:
            for old in batch.replaces:
                if old != doc_digest:
                    self._delete_document(conn, old)
            doc_id, created = self._ensure_document(conn, batch.document)
            conn.executemany(
                "INSERT INTO nodes(kind, key, props, mac) VALUES (?1, ?2, ?3, "
                "pl_mac('nodes', ?1, ?2, ?3)) "
                "ON CONFLICT(kind, key) DO UPDATE SET props = json_patch(nodes.props, "
                "excluded.props), mac = pl_mac('nodes', nodes.kind, nodes.key, "
                "json_patch(nodes.props, excluded.props)) WHERE excluded.props <> '{}' "
                "AND nodes.props <> json_patch(nodes.props, excluded.props)",
                ((k, key, _dumps(p)) for (k, key), p in merged.items()),  # streamed
            )
            ids = self._node_ids(conn, merged.keys())
            doc_ids = {doc_digest: doc_id}
            for digest in {e.doc for e in batch.edges if e.doc} - {doc_digest}:
                doc_ids[digest] = self._doc_id(conn, digest)
            sources = [(ids[k], doc_id) for k in merged]
            sources += [(ids[(k, key)], doc_ids[d]) for k, key, d in endpoint_docs]
            conn.executemany("INSERT OR IGNORE INTO node_sources VALUES (?, ?)", sources)
            conn.executemany(
                "INSERT INTO edges(kind, src, dst, doc_id, props, mac) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(src, kind, dst, doc_id) DO UPDATE SET props = excluded.props, "
                "mac = excluded.mac WHERE edges.props <> excluded.props",
                (self._edge_row(e, ids, doc_ids, e.doc or doc_digest) for e in batch.edges),
            )
            for stream, payload in batch.log:
                self._append_log(conn, stream, payload)
        return ApplyResult(doc_digest, created, len(merged), len(batch.edges))

    def _edge_row(self, e: Edge, ids: Mapping[tuple[str, str], int],
                  doc_ids: Mapping[str, int], doc: str) -> tuple[Any, ...]:
        props = _dumps(e.props)
        src, dst = (str(e.src.kind), e.src.key), (str(e.dst.kind), e.dst.key)
        mac = (self.sealer.mac("edges", str(e.kind), *src, *dst, doc, props)
               if self.sealer is not None else None)
        return (str(e.kind), ids[src], ids[dst], doc_ids[doc], props, mac)

    def _row_mac(self, table: str, *parts: Any) -> str | None:
        return self.sealer.mac(table, *parts) if self.sealer is not None else None

    def _ensure_document(self, conn: sqlite3.Connection, doc: DocumentInfo) -> tuple[int, bool]:
        row = conn.execute("SELECT id FROM documents WHERE digest = ?", (doc.digest,)).fetchone()
        if row:
            return int(row[0]), False
        row = (doc.digest, doc.kind, doc.format, doc.name, _dumps(doc.meta),
               doc.ingested_at or self._clock().isoformat())  # kept when copied
        cur = conn.execute(
            "INSERT INTO documents(digest, kind, format, name, meta, ingested_at, mac) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (*row, self._row_mac("documents", *row)))
        return int(cur.lastrowid or 0), True

    def _doc_id(self, conn: sqlite3.Connection, digest: str) -> int:
        row = conn.execute("SELECT id FROM documents WHERE digest = ?", (digest,)).fetchone()
        if row is None:
            raise StoreError(f"edge asserted by unknown document {digest}")
        return int(row[0])

    def _node_ids(self, conn: sqlite3.Connection,
                  keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        by_kind: dict[str, list[str]] = {}
        for kind, key in keys:
            by_kind.setdefault(kind, []).append(key)
        ids: dict[tuple[str, str], int] = {}
        for kind, kind_keys in by_kind.items():
            for chunk in _chunks(kind_keys):
                marks = ",".join("?" * len(chunk))
                for node_id, key in conn.execute(
                    f"SELECT id, key FROM nodes WHERE kind = ? AND key IN ({marks})",
                    (kind, *chunk),
                ):
                    ids[(kind, key)] = node_id
        return ids

    def delete_document(self, digest: str) -> bool:
        with timed_query("delete_document", self.backend), self._write() as conn:
            return self._delete_document(conn, digest)

    def _delete_document(self, conn: sqlite3.Connection, digest: str) -> bool:
        row = conn.execute("SELECT id FROM documents WHERE digest = ?", (digest,)).fetchone()
        if row is None:
            return False
        doc_id = row[0]
        conn.execute("DELETE FROM edges WHERE doc_id = ?", (doc_id,))
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

    # --- reads -------------------------------------------------------------------------
    @staticmethod
    def _document(row: Sequence[Any]) -> DocumentInfo:
        return DocumentInfo(digest=row[0], kind=row[1], format=row[2], name=row[3],
                            meta=_loads(row[4]), ingested_at=row[5], seq=row[6])

    _DOC_COLUMNS = "digest, kind, format, name, meta, ingested_at, id"

    def document(self, digest: str) -> DocumentInfo | None:
        row = self._conn().execute(
            f"SELECT {self._DOC_COLUMNS} FROM documents WHERE digest = ?", (digest,)).fetchone()
        return self._document(row) if row else None

    def documents(self, kind: str | None = None) -> list[DocumentInfo]:
        sql = f"SELECT {self._DOC_COLUMNS} FROM documents"
        params: tuple[Any, ...] = ()
        if kind:
            sql += " WHERE kind = ?"
            params = (kind,)
        return [self._document(r) for r in self._conn().execute(sql + " ORDER BY id", params)]

    def get(self, ref: NodeRef) -> Node | None:
        row = self._conn().execute("SELECT props FROM nodes WHERE kind = ? AND key = ?",
                                   (str(ref.kind), ref.key)).fetchone()
        return Node(ref.kind, ref.key, _loads(row[0])) if row else None

    def get_many(self, kind: NodeKind, keys: Iterable[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        unique = list(dict.fromkeys(keys))
        conn = self._conn()
        with timed_query("get_many", self.backend):
            for chunk in _chunks(unique):
                marks = ",".join("?" * len(chunk))
                for key, props in conn.execute(
                    f"SELECT key, props FROM nodes WHERE kind = ? AND key IN ({marks})",
                    (str(kind), *chunk),
                ):
                    found[key] = Node(kind, key, _loads(props))
        return found

    def find(self, kind: NodeKind, where: Mapping[str, Any] | None = None,
             limit: int | None = None) -> list[Node]:
        sql = "SELECT key, props FROM nodes WHERE kind = ?"
        params: list[Any] = [str(kind)]
        for name, value in (where or {}).items():
            if not name.replace("_", "").isalnum():
                raise StoreError(f"invalid property name {name!r}")
            sql += f" AND json_extract(props, '$.{name}') = ?"
            params.append(int(value) if isinstance(value, bool) else value)
        sql += " ORDER BY key"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with timed_query("find", self.backend):
            return [Node(kind, k, _loads(p)) for k, p in self._conn().execute(sql, params)]

    _EDGE_SELECT = (
        "SELECT e.kind, s.kind, s.key, d.kind, d.key, e.props, doc.digest "
        "FROM edges e JOIN nodes s ON s.id = e.src JOIN nodes d ON d.id = e.dst "
        "JOIN documents doc ON doc.id = e.doc_id"
    )

    @staticmethod
    def _edge(row: Sequence[Any]) -> Edge:
        return Edge(_EDGE_KINDS[row[0]], NodeRef(_NODE_KINDS[row[1]], row[2]),
                    NodeRef(_NODE_KINDS[row[3]], row[4]), _loads(row[5]), row[6])

    def edges(self, kinds: Sequence[EdgeKind] = (), *, src: Sequence[NodeRef] = (),
              dst: Sequence[NodeRef] = (), doc: str | None = None) -> list[Edge]:
        conn = self._conn()
        base_where: list[str] = []
        base_params: list[Any] = []
        if kinds:
            base_where.append(f"e.kind IN ({','.join('?' * len(kinds))})")
            base_params += [str(k) for k in kinds]
        if doc is not None:
            base_where.append("doc.digest = ?")
            base_params.append(doc)
        # Endpoint filters resolve to node ids first so the edge indexes are used.
        endpoint_filters: list[tuple[str, list[int]]] = []
        for column, endpoint_refs in (("e.src", src), ("e.dst", dst)):
            if endpoint_refs:
                ids = list(self._node_ids(conn, {(str(r.kind), r.key) for r in endpoint_refs})
                           .values())
                if not ids:
                    return []
                endpoint_filters.append((column, ids))
        results: list[Edge] = []
        with timed_query("edges", self.backend):
            if not endpoint_filters:
                sql = self._EDGE_SELECT + (" WHERE " + " AND ".join(base_where)
                                           if base_where else "")
                return [self._edge(r) for r in conn.execute(sql + " ORDER BY e.id", base_params)]
            column, ids = endpoint_filters[0]
            rest = endpoint_filters[1:]
            # Without statistics the planner prefers the kind index, scanning every edge
            # of that kind; the endpoint's (node, kind) index is the precise one.
            select = self._EDGE_SELECT.replace(
                "FROM edges e ", f"FROM edges e INDEXED BY {self._ENDPOINT_INDEX[column]} ")
            for chunk in _chunks(ids):
                where = [*base_where, f"{column} IN ({','.join('?' * len(chunk))})"]
                params = [*base_params, *chunk]
                for other_column, other_ids in rest:
                    where.append(f"{other_column} IN ({','.join('?' * len(other_ids))})")
                    params += other_ids
                sql = select + " WHERE " + " AND ".join(where) + " ORDER BY e.id"
                results += [self._edge(r) for r in conn.execute(sql, params)]
        return results

    # UNIQUE (src, kind, dst, doc_id) in 0001_graph.sql, and edges_dst (dst, kind).
    _ENDPOINT_INDEX = {"e.src": "sqlite_autoindex_edges_1", "e.dst": "edges_dst"}

    def shortest_dependency_paths(self, wanted: Mapping[str, Iterable[str]],
                                  max_depth: int = 64) -> dict[str, list[str]]:
        """For each SBOM digest, the shortest DEPENDS_ON chain (keys, root first) from the
        SBOM root to one of the given package keys, over that SBOM's own edges.

        Blast radius asks this for many SBOMs at once: direct dependencies are answered
        from the roots' edges, the rest by reading each remaining SBOM's edges as integer
        triples (doc_id index) and walking them here."""
        conn = self._conn()
        docs = {d: i for i, d in self._doc_ids(conn, list(wanted)).items()}
        roots = self._node_ids(conn, {("Sbom", d) for d in docs})
        targets = self._node_ids(conn, {("Package", k) for ks in wanted.values() for k in ks})
        by_doc: dict[int, set[int]] = {}
        for digest, keys in wanted.items():
            if digest in docs:
                by_doc[docs[digest]] = {targets[("Package", k)] for k in keys
                                        if ("Package", k) in targets}
        root_of = {docs[d]: roots[("Sbom", d)] for d in docs if ("Sbom", d) in roots}
        chains: dict[int, list[int]] = {}
        with timed_query("shortest_dependency_paths", self.backend):
            for chunk in _chunks(list(root_of.values())):
                for doc_id, src, dst in conn.execute(
                        f"SELECT doc_id, src, dst FROM edges INDEXED BY "
                        f"{self._ENDPOINT_INDEX['e.src']} WHERE src IN "
                        f"({','.join('?' * len(chunk))}) AND kind = 'DEPENDS_ON' ORDER BY id",
                        list(chunk)):
                    if doc_id not in chains and dst in by_doc.get(doc_id, ()) \
                            and root_of.get(doc_id) == src:
                        chains[doc_id] = [src, dst]
            rest = [d for d in by_doc if d not in chains and d in root_of]
            for chunk in _chunks(rest, 200):
                rows = conn.execute(
                    f"SELECT doc_id, src, dst FROM edges WHERE doc_id IN "
                    f"({','.join('?' * len(chunk))}) AND +kind = 'DEPENDS_ON' ORDER BY id",
                    list(chunk))
                chains.update(chains_per_document(rows, chunk, by_doc, root_of, max_depth))
            key_of: dict[int, str] = {}
            ids = sorted({n for c in chains.values() for n in c})
            for chunk in _chunks(ids):
                key_of.update(conn.execute(
                    f"SELECT id, key FROM nodes WHERE id IN ({','.join('?' * len(chunk))})",
                    list(chunk)).fetchall())
        digest_of = {i: d for d, i in docs.items()}
        return {digest_of[d]: [key_of[n] for n in chain] for d, chain in chains.items()}

    def _doc_ids(self, conn: sqlite3.Connection, digests: Sequence[str]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in _chunks(list(dict.fromkeys(digests))):
            found.update(conn.execute(
                f"SELECT id, digest FROM documents WHERE digest IN "
                f"({','.join('?' * len(chunk))})", list(chunk)).fetchall())
        return found

    def traverse(self, start: Sequence[NodeRef], edge_kinds: Sequence[EdgeKind],
                 direction: Direction = Direction.OUT, max_depth: int = 1,
                 doc: str | None = None) -> list[TraversalStep]:
        if not start or max_depth < 1:
            return []
        conn = self._conn()
        start_ids = list(self._node_ids(conn, {(str(r.kind), r.key) for r in start}).values())
        if not start_ids:
            return []
        kinds = [str(k) for k in edge_kinds]
        kind_sql = f"IN ({','.join('?' * len(kinds))})" if kinds else "IS NOT NULL"
        doc_sql = ""
        doc_params: list[Any] = []
        if doc is not None:
            doc_sql = " AND e.doc_id = (SELECT id FROM documents WHERE digest = ?)"
            doc_params = [doc]
        hops = []
        if direction in (Direction.OUT, Direction.BOTH):
            hops.append(("e.src", "e.dst"))
        if direction in (Direction.IN, Direction.BOTH):
            hops.append(("e.dst", "e.src"))
        recursive = " UNION ".join(
            f"SELECT {far}, w.depth + 1 FROM walk w JOIN edges e ON {near} = w.id "
            f"AND e.kind {kind_sql}{doc_sql} WHERE w.depth < ?"
            for near, far in hops
        )
        steps = " UNION ALL ".join(
            f"SELECT e.id, {far}, r.depth + 1 FROM reached r JOIN edges e ON {near} = r.id "
            f"AND e.kind {kind_sql}{doc_sql} WHERE r.depth < ?"
            for near, far in hops
        )
        hop_params = [*kinds, *doc_params, max_depth]
        sql = (
            f"WITH RECURSIVE walk(id, depth) AS ("
            f"SELECT id, 0 FROM nodes WHERE id IN ({','.join('?' * len(start_ids))}) "
            f"UNION {recursive}), "
            f"reached AS (SELECT id, MIN(depth) AS depth FROM walk GROUP BY id), "
            f"step(edge_id, far, depth) AS ({steps}) "
            f"SELECT step.edge_id, step.depth, e.kind, s.kind, s.key, d.kind, d.key, e.props, "
            f"doc.digest, f.kind, f.key, f.props "
            f"FROM step JOIN edges e ON e.id = step.edge_id "
            f"JOIN nodes s ON s.id = e.src JOIN nodes d ON d.id = e.dst "
            f"JOIN documents doc ON doc.id = e.doc_id JOIN nodes f ON f.id = step.far "
            f"ORDER BY step.depth, e.id, step.far = e.dst DESC"
        )
        params = [*start_ids, *(hop_params * len(hops)), *(hop_params * len(hops))]
        result: list[TraversalStep] = []
        seen: set[int] = set()
        with timed_query("traverse", self.backend):
            for row in conn.execute(sql, params):
                if row[0] in seen:  # reached at a greater depth too, or from both ends
                    continue
                seen.add(row[0])
                edge = self._edge(row[2:9])
                far = Node(NodeKind(row[9]), row[10], _loads(row[11]))
                result.append(TraversalStep(depth=row[1], edge=edge, node=far))
        return result

    def counts(self) -> dict[str, int]:
        conn = self._conn()
        out: dict[str, int] = {}
        for kind, n in conn.execute("SELECT kind, count(*) FROM nodes GROUP BY kind"):
            out[kind] = n
        for kind, n in conn.execute("SELECT kind, count(*) FROM edges GROUP BY kind"):
            out[kind] = n
        out["documents"] = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        return out

    def export_document(self, digest: str) -> Batch | None:
        doc = self.document(digest)
        if doc is None:
            return None
        conn = self._conn()
        nodes = [
            Node(NodeKind(k), key, _loads(p))
            for k, key, p in conn.execute(
                "SELECT n.kind, n.key, n.props FROM node_sources s JOIN nodes n "
                "ON n.id = s.node_id WHERE s.doc_id = ? ORDER BY n.id", (doc.seq,))
        ]
        edges = [
            Edge(e.kind, e.src, e.dst, e.props, None)
            for e in self.edges(doc=digest)
        ]
        return Batch(document=doc, nodes=nodes, edges=edges)

    def content_digest(self) -> str:
        conn = self._conn()
        nodes = (Node(NodeKind(k), key, _loads(p))
                 for k, key, p in conn.execute("SELECT kind, key, props FROM nodes"))
        edges = (self._edge(r) for r in conn.execute(self._EDGE_SELECT))
        return graph_digest(nodes, edges)

    # --- records and logs ------------------------------------------------------------
    def put_record(self, collection: str, key: str, value: Mapping[str, Any]) -> None:
        with self._write() as conn:
            text = orjson.dumps(dict(value)).decode()
            conn.execute("INSERT INTO records VALUES (?, ?, ?, ?) ON CONFLICT(collection, key) "
                         "DO UPDATE SET value = excluded.value, mac = excluded.mac",
                         (collection, key, text, self._row_mac("records", collection, key,
                                                               text)))

    def get_record(self, collection: str, key: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT value FROM records WHERE collection = ? AND key = ?",
                                   (collection, key)).fetchone()
        return _loads(row[0]) if row else None

    def list_records(self, collection: str) -> list[tuple[str, dict[str, Any]]]:
        return [(k, _loads(v)) for k, v in self._conn().execute(
            "SELECT key, value FROM records WHERE collection = ? ORDER BY key", (collection,))]

    def delete_record(self, collection: str, key: str) -> bool:
        with self._write() as conn:
            cur = conn.execute("DELETE FROM records WHERE collection = ? AND key = ?",
                               (collection, key))
            return cur.rowcount > 0

    def append_log(self, stream: str, payload: Mapping[str, Any]) -> LogEntry:
        with self._write() as conn:
            return self._append_log(conn, stream, payload)

    def _append_log(self, conn: sqlite3.Connection, stream: str,
                    payload: Mapping[str, Any]) -> LogEntry:
        row = conn.execute("SELECT seq, hash FROM logs WHERE stream = ? ORDER BY seq DESC "
                           "LIMIT 1", (stream,)).fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, ledger.GENESIS)
        at = self._clock().isoformat()
        body = orjson.loads(orjson.dumps(dict(payload)))
        digest = ledger.entry_hash(stream, seq, at, body, prev)
        text = orjson.dumps(body).decode()
        conn.execute("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (stream, seq, at, text, prev, digest,
                      self._row_mac("logs", stream, seq, at, text, prev, digest)))
        return LogEntry(stream, seq, at, body, prev, digest)

    def read_log(self, stream: str, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        sql = "SELECT seq, at, payload, prev_hash, hash FROM logs WHERE stream = ? AND seq > ? " \
              "ORDER BY seq"
        params: list[Any] = [stream, after]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [LogEntry(stream, s, at, _loads(p), prev, h)
                for s, at, p, prev, h in self._conn().execute(sql, params)]

    # --- copying a whole store (store/copy.py) -----------------------------------------
    def record_collections(self) -> list[str]:
        return [r[0] for r in self._conn().execute(
            "SELECT DISTINCT collection FROM records ORDER BY collection")]

    def log_streams(self) -> list[str]:
        return [r[0] for r in self._conn().execute(
            "SELECT DISTINCT stream FROM logs ORDER BY stream")]

    def import_log(self, stream: str, entries: Sequence[LogEntry]) -> int:
        """Write entries copied from another store verbatim; they must continue the chain."""
        if not entries:
            return 0
        with self._write() as conn:
            row = conn.execute("SELECT seq, hash FROM logs WHERE stream = ? ORDER BY seq "
                               "DESC LIMIT 1", (stream,)).fetchone()
            last, prev = (row[0], row[1]) if row else (0, ledger.GENESIS)
            check_continuation(stream, entries, last, prev)
            rows = [(stream, e.seq, e.at, orjson.dumps(dict(e.payload)).decode(), e.prev_hash,
                     e.hash) for e in entries]
            conn.executemany("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [(*r, self._row_mac("logs", *r)) for r in rows])
        return len(entries)

    # --- size and space (ops/retention.py) -------------------------------------------
    def size_bytes(self) -> int | None:
        return sum(p.stat().st_size for p in (self.path, self.path.with_name(
            self.path.name + "-wal")) if p.exists())

    def reclaim_space(self) -> None:
        """Give freed pages back to the file system (VACUUM rewrites the file)."""
        conn = self._conn()
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot reclaim space: {exc}", where=str(self.path)) from exc

    # --- integrity and snapshots (ops/) ---------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads of this thread inside the block see one read transaction (WAL: a
        consistent snapshot while other connections keep writing)."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT count(*) FROM integrity_seals").fetchone()  # pins the snapshot
            yield
        finally:
            conn.execute("COMMIT")

    def integrity_seals(self) -> dict[str, Seal]:
        return sqlite_seal.read_seals(self._conn())

    def integrity_rows(self, table: str
                       ) -> Iterator[tuple[str, str, tuple[object, ...], str | None]]:
        return sqlite_seal.sealed_rows(self._conn(), table)

    def integrity_orphan(self, table: str) -> tuple[str, str] | None:
        return sqlite_seal.orphan(self._conn(), table)
