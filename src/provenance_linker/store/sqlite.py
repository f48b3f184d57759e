"""The embedded default backend: one SQLite file, WAL, one transaction per document.

This module opens the connections (also for the SQLite job queue), runs migrations and
reads; the write transactions are in `sqlite_write.py`, as the Neo4j store's are in
`neo4j_write.py`. Traversals are recursive CTEs. Writes go through `executemany` inside
`BEGIN IMMEDIATE … COMMIT`.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
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
    DocumentRows,
    Edge,
    EdgeKind,
    LogEntry,
    Node,
    NodeKind,
    NodeRef,
    TraversalStep,
)
from ..telemetry.logging import timed_query
from . import sqlite_bulk, sqlite_chains, sqlite_seal
from . import sqlite_write as write
from .digest import edge_line_of, end_json, lines_digest, node_line
from .paths import chain_from_tree, children_of, first_chain
from .seal import Seal, Sealer, Tally, key_from_env
from .sqlite_rows import chunks, loads, node_ids

# Enum lookup by value through a dict: Enum.__call__ dominated large edge reads.
_NODE_KINDS = {str(k): k for k in NodeKind}
_EDGE_KINDS = {str(k): k for k in EdgeKind}
# Python steps of a migration, run in its transaction after its SQL.
_AFTER_MIGRATION: dict[int, Callable[[sqlite3.Connection, Sealer | None], object]] = {
    18: sqlite_chains.backfill}


def utc_now() -> datetime:
    return datetime.now(UTC)


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


JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
CACHE_KIB = 64 * 1024  # page cache of a store's first connection
POOLED_CACHE_KIB = 8 * 1024  # and of each further one (one per live server thread)
# While a document's batch is written: SQLite holds a transaction's dirty pages in its
# cache until they spill, so a large cache holds most of a large document's rows twice
# (as Python objects and as pages); a small one spills them to the WAL early. The
# ingest time of a 10,000-component SBOM into a 10,000-SBOM store is the same.
APPLY_CACHE_KIB = 2 * 1024
BUSY_TIMEOUT_MS = 30_000
CHECKPOINT_BYTES = 16 * 1024 * 1024  # a WAL over this is checkpointed and truncated
CHECKPOINT_EVERY = 2.0  # seconds between looks at the WAL's size
CHECKPOINT_WAIT_MS = 200  # how long a TRUNCATE checkpoint waits for readers


def create_private(path: Path) -> None:
    """Create the database file readable by its owner only (it holds uploads, token
    hashes and the trust store); SQLite gives its -wal and -shm files the same mode."""
    if str(path) == ":memory:" or path.exists():
        return
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def open_connection(path: Path, what: str, *, cache_kib: int = CACHE_KIB) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit) in WAL mode, shared by the
    graph store and the SQLite job queue."""
    try:
        create_private(path)
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute(f"PRAGMA cache_size=-{cache_kib}")
        conn.execute("PRAGMA temp_store=MEMORY")
        # A WAL left behind by a burst is truncated back to this size at each checkpoint.
        conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    except (sqlite3.Error, OSError) as exc:
        raise StoreUnavailable(f"cannot open the {what}: {exc}", where=str(path)) from exc
    return conn


def commit(conn: sqlite3.Connection) -> None:
    """COMMIT, and when it fails (a full disk refuses the last pages) roll back: a
    transaction left open would make every later BEGIN on this pooled connection fail."""
    try:
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is open (SQLite may have rolled back by itself)."""
    if conn.in_transaction:
        with suppress(sqlite3.Error):  # the error that brought us here is the one to report
            conn.execute("ROLLBACK")


class _Lease:
    """A thread's hold on a pooled connection; dropped with the thread's locals."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class ConnectionPool:
    """The connections of one SQLite file, one per live thread that uses it.

    A thread keeps its connection while it lives (a write transaction, a snapshot's
    reads and the sealing tally stay on one connection); when the thread ends its
    connection goes back to the pool for the next thread. A server's thread pool, whose
    idle threads exit and are started again, so holds as many connections as it has
    live threads, not one per thread it ever ran. The first connection gets the full
    page cache (the CLI's bulk writes), later ones `POOLED_CACHE_KIB`.

    After commits the WAL's size is looked at (at most once per `CHECKPOINT_EVERY`
    seconds); past `CHECKPOINT_BYTES` a TRUNCATE checkpoint waits briefly for readers
    and gives the file back: under steady reads a passive checkpoint never finds a
    moment without readers, and the WAL grew to 30x the database."""

    def __init__(self, path: Path, what: str,
                 setup: Callable[[sqlite3.Connection], None] | None = None) -> None:
        self.path = path
        self.what = what
        self._setup = setup
        self._local = threading.local()
        self._lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._all: list[sqlite3.Connection] = []
        self._generation = 0
        self._checked_at = 0.0
        self.checkpoints = 0

    def get(self) -> sqlite3.Connection:
        lease: _Lease | None = getattr(self._local, "lease", None)
        if lease is not None:
            return lease.conn
        with self._lock:
            conn = self._idle.pop() if self._idle else None
            first = not self._all
            generation = self._generation
        if conn is None:
            conn = open_connection(self.path, self.what,
                                   cache_kib=CACHE_KIB if first else POOLED_CACHE_KIB)
            if self._setup is not None:
                self._setup(conn)
            with self._lock:
                self._all.append(conn)
        lease = _Lease(conn)
        weakref.finalize(lease, self._give_back, conn, generation)
        self._local.lease = lease
        return conn

    def _give_back(self, conn: sqlite3.Connection, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self._idle.append(conn)

    @property
    def size(self) -> int:
        """Connections open (leased and idle)."""
        return len(self._all)

    def connections(self) -> list[sqlite3.Connection]:
        with self._lock:
            return list(self._all)

    def after_commit(self, conn: sqlite3.Connection) -> None:
        now = time.monotonic()
        if now - self._checked_at < CHECKPOINT_EVERY:
            return
        self._checked_at = now
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            if wal.stat().st_size <= CHECKPOINT_BYTES:
                return
        except OSError:
            return
        try:
            conn.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                self.checkpoints += 1
        except sqlite3.Error:
            pass  # readers held on; the next look tries again
        finally:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._idle.clear()
            self._generation += 1
        self._local = threading.local()


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
        self._tallies: dict[sqlite3.Connection, Tally] = {}
        self._pool = ConnectionPool(self.path, "graph database", setup=self._setup)
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
    def _setup(self, conn: sqlite3.Connection) -> None:
        tally = Tally()
        sqlite_seal.register(conn, self.sealer, tally)
        if self._sealing:
            sqlite_seal.install_triggers(conn)
        self._tallies[conn] = tally

    def _conn(self) -> sqlite3.Connection:
        return self._pool.get()

    @property
    def pool(self) -> ConnectionPool:
        return self._pool

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot start a write transaction: {exc}",
                                   where=str(self.path)) from exc
        tally = self._tallies[conn]
        tally.clear()
        try:
            yield conn
            if self.sealer is not None:
                sqlite_seal.flush(conn, self.sealer, tally)
        except BaseException:
            rollback(conn)
            tally.clear()
            raise
        else:
            commit(conn)
            self._pool.after_commit(conn)

    def close(self) -> None:
        self._pool.close()
        self._tallies.clear()

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
                    if version in _AFTER_MIGRATION:
                        _AFTER_MIGRATION[version](w, self.sealer)
                    w.execute("INSERT INTO schema_migrations VALUES (?, ?)",
                              (version, self._clock().isoformat()))
                    applied.add(version)
        return max(applied, default=0)

    # --- writes (store/sqlite_write.py) -----------------------------------------------
    def apply(self, batch: Batch) -> ApplyResult:
        conn = self._conn()
        (cache,) = conn.execute("PRAGMA cache_size").fetchone()
        conn.execute(f"PRAGMA cache_size=-{APPLY_CACHE_KIB}")
        try:
            with timed_query("apply", self.backend), self._write() as conn:
                return write.apply_batch(conn, batch, self._clock, self.sealer)
        finally:
            conn.execute(f"PRAGMA cache_size={cache}")

    def delete_document(self, digest: str) -> bool:
        with timed_query("delete_document", self.backend), self._write() as conn:
            return write.delete_document(conn, digest)

    # --- reads -------------------------------------------------------------------------
    @staticmethod

    def _document(row: Sequence[Any]) -> DocumentInfo:
        return DocumentInfo(digest=row[0], kind=row[1], format=row[2], name=row[3],
                            meta=loads(row[4]), ingested_at=row[5], seq=row[6])

    _DOC_COLUMNS = "digest, kind, format, name, meta, ingested_at, id"

    def document(self, digest: str) -> DocumentInfo | None:
        row = self._conn().execute(
            f"SELECT {self._DOC_COLUMNS} FROM documents WHERE digest = ?", (digest,)).fetchone()
        return self._document(row) if row else None

    def documents(self, kind: str | None = None, *, after: int = 0,
                  limit: int | None = None) -> list[DocumentInfo]:
        sql = f"SELECT {self._DOC_COLUMNS} FROM documents WHERE id > ?"
        params: list[Any] = [after]
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [self._document(r) for r in self._conn().execute(sql, params)]

    def get(self, ref: NodeRef) -> Node | None:
        row = self._conn().execute("SELECT props FROM nodes WHERE kind = ? AND key = ?",
                                   (str(ref.kind), ref.key)).fetchone()
        return Node(ref.kind, ref.key, loads(row[0])) if row else None

    def get_many(self, kind: NodeKind, keys: Iterable[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        unique = list(dict.fromkeys(keys))
        conn = self._conn()
        with timed_query("get_many", self.backend):
            for chunk in chunks(unique):
                marks = ",".join("?" * len(chunk))
                for key, props in conn.execute(
                    f"SELECT key, props FROM nodes WHERE kind = ? AND key IN ({marks})",
                    (str(kind), *chunk),
                ):
                    found[key] = Node(kind, key, loads(props))
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
            return [Node(kind, k, loads(p)) for k, p in self._conn().execute(sql, params)]

    def find_key_prefix(self, kind: NodeKind, prefix: str, limit: int) -> list[Node]:
        """Nodes of a kind whose key starts with `prefix` (a range over the key index;
        portfolio search uses it when present, else filters `find`)."""
        sql = ("SELECT key, props FROM nodes WHERE kind = ? AND key >= ? AND key < ? "
               "ORDER BY key LIMIT ?")
        with timed_query("find_key_prefix", self.backend):
            return [Node(kind, k, loads(p)) for k, p in self._conn().execute(
                sql, (str(kind), prefix, prefix + "\U0010ffff", limit))]

    _EDGE_SELECT = (
        "SELECT e.kind, s.kind, s.key, d.kind, d.key, e.props, doc.digest "
        "FROM edges e JOIN nodes s ON s.id = e.src JOIN nodes d ON d.id = e.dst "
        "JOIN documents doc ON doc.id = e.doc_id"
    )

    @staticmethod

    def _edge(row: Sequence[Any]) -> Edge:
        return Edge(_EDGE_KINDS[row[0]], NodeRef(_NODE_KINDS[row[1]], row[2]),
                    NodeRef(_NODE_KINDS[row[3]], row[4]), loads(row[5]), row[6])

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
        known: dict[int, NodeRef] = {}  # the first filter's nodes, by id
        for column, endpoint_refs in (("e.src", src), ("e.dst", dst)):
            if endpoint_refs:
                found = node_ids(conn, {(str(r.kind), r.key) for r in endpoint_refs})
                if not found:
                    return []
                if not endpoint_filters:
                    known = {i: NodeRef(_NODE_KINDS[kind], key)
                             for (kind, key), i in found.items()}
                endpoint_filters.append((column, list(found.values())))
        results: list[Edge] = []
        with timed_query("edges", self.backend):
            if not endpoint_filters:
                sql = self._EDGE_SELECT + (" WHERE " + " AND ".join(base_where)
                                           if base_where else "")
                return [self._edge(r) for r in conn.execute(sql + " ORDER BY e.id", base_params)]
            column, ids = endpoint_filters[0]
            rest = endpoint_filters[1:]
            # Without statistics the planner prefers the kind index, scanning every edge
            # of that kind; the endpoint's (node, kind) index is the precise one. The
            # filtered endpoint is known by id already: no join to its node row.
            select = self._FILTERED_SELECT[column].format(index=self._ENDPOINT_INDEX[column])
            for chunk in chunks(ids):
                where = [*base_where, f"{column} IN ({','.join('?' * len(chunk))})"]
                params = [*base_params, *chunk]
                for other_column, other_ids in rest:
                    where.append(f"{other_column} IN ({','.join('?' * len(other_ids))})")
                    params += other_ids
                sql = select + " WHERE " + " AND ".join(where) + " ORDER BY e.id"
                rows = conn.execute(sql, params)
                if column == "e.src":
                    results += [Edge(_EDGE_KINDS[k], known[s], NodeRef(_NODE_KINDS[dk], dkey),
                                     loads(p), d) for k, s, dk, dkey, p, d in rows]
                else:
                    results += [Edge(_EDGE_KINDS[k], NodeRef(_NODE_KINDS[sk], skey), known[t],
                                     loads(p), d) for k, sk, skey, t, p, d in rows]
        return results

    # The endpoint-filtered reads: the filtered endpoint's id instead of its node row.
    _FILTERED_SELECT = {
        "e.src": "SELECT e.kind, e.src, d.kind, d.key, e.props, doc.digest "
                 "FROM edges e INDEXED BY {index} JOIN nodes d ON d.id = e.dst "
                 "JOIN documents doc ON doc.id = e.doc_id",
        "e.dst": "SELECT e.kind, s.kind, s.key, e.dst, e.props, doc.digest "
                 "FROM edges e INDEXED BY {index} JOIN nodes s ON s.id = e.src "
                 "JOIN documents doc ON doc.id = e.doc_id",
    }

    # UNIQUE (src, kind, dst, doc_id) in 0001_graph.sql, and edges_dst (dst, kind).
    _ENDPOINT_INDEX = {"e.src": "sqlite_autoindex_edges_1", "e.dst": "edges_dst"}

    # Keys resolve in SQL from one JSON list (no IN list per 900 keys, no id map built
    # in Python); the given end's index drives the join.
    _EDGE_KEYS = {
        Direction.IN: "SELECT o.key, n.key FROM nodes n JOIN edges e INDEXED BY edges_dst "
                      "ON e.dst = n.id AND e.kind = ? JOIN nodes o ON o.id = e.src ",
        Direction.OUT: "SELECT n.key, o.key FROM nodes n JOIN edges e INDEXED BY "
                       "sqlite_autoindex_edges_1 ON e.src = n.id AND e.kind = ? "
                       "JOIN nodes o ON o.id = e.dst ",
    }
    _GIVEN = "WHERE n.kind = ? AND n.key IN (SELECT value FROM json_each(?))"

    def edge_keys(self, kind: EdgeKind, node_kind: NodeKind, keys: Iterable[str],
                  direction: Direction = Direction.IN) -> list[tuple[str, str]]:
        if direction not in self._EDGE_KEYS:
            raise StoreError(f"edge_keys reads one direction, not {direction}")
        given = orjson.dumps(list(set(keys))).decode()
        with timed_query("edge_keys", self.backend):
            return self._conn().execute(
                self._EDGE_KEYS[direction] + self._GIVEN + " ORDER BY e.id",
                (str(kind), str(node_kind), given)).fetchall()

    # A loose index scan: per source node, the next distinct destination is one seek in
    # the (src, kind, dst, doc_id) index past the last, instead of a row per document.
    _DISTINCT_OUT = (
        "WITH RECURSIVE given(id, key) AS (SELECT n.id, n.key FROM nodes n " + _GIVEN + "), "
        "step(src, key, dst) AS (SELECT id, key, (SELECT min(e.dst) FROM edges e WHERE "
        "e.src = given.id AND e.kind = ?) FROM given UNION ALL SELECT src, key, (SELECT "
        "min(e.dst) FROM edges e WHERE e.src = step.src AND e.kind = ? AND e.dst > step.dst) "
        "FROM step WHERE step.dst IS NOT NULL) "
        "SELECT step.key, o.key FROM step JOIN nodes o ON o.id = step.dst "
        "ORDER BY step.key, o.key")

    def distinct_edge_keys(self, kind: EdgeKind, node_kind: NodeKind,
                           keys: Iterable[str]) -> list[tuple[str, str]]:
        given = orjson.dumps(list(set(keys))).decode()
        with timed_query("distinct_edge_keys", self.backend):
            return self._conn().execute(self._DISTINCT_OUT, (
                str(node_kind), given, str(kind), str(kind))).fetchall()

    def sbom_candidates(self, artifacts: Iterable[str]) -> list[tuple[str, str, Any, int]]:
        given = orjson.dumps(list(set(artifacts))).decode()
        with timed_query("sbom_candidates", self.backend):
            return self._conn().execute(
                "SELECT DISTINCT n.key, o.key, CASE json_type(o.props, '$.created') WHEN 'text' "
                "THEN json_extract(o.props, '$.created') END, "
                "coalesce(doc.id, 0) FROM nodes n JOIN edges e INDEXED BY edges_dst "
                "ON e.dst = n.id AND e.kind = ? JOIN nodes o ON o.id = e.src "
                "LEFT JOIN documents doc ON doc.digest = o.key " + self._GIVEN
                + " AND o.kind = ? ORDER BY n.key, o.key",
                (str(EdgeKind.DESCRIBES), str(NodeKind.ARTIFACT), given,
                 str(NodeKind.SBOM))).fetchall()

    def shortest_dependency_paths(self, wanted: Mapping[str, Iterable[str]],
                                  max_depth: int = 64) -> dict[str, list[str]]:
        """For each SBOM digest, the shortest DEPENDS_ON chain (keys, root first) from the
        SBOM root to one of the given package keys, over that SBOM's own edges.

        Answered from the stored dependency trees (store/sqlite_chains.py): per wanted
        package, its rows for the wanted SBOMs by primary key, then one read of the keys
        of the nodes on the chains."""
        conn = self._conn()
        with timed_query("shortest_dependency_paths", self.backend):
            docs = self._doc_ids(conn, list(wanted))
            doc_of = {d: i for i, d in docs.items()}
            targets = node_ids(conn, {("Package", k) for ks in wanted.values() for k in ks})
            by_doc = {doc_of[d]: {targets[("Package", k)] for k in keys
                                  if ("Package", k) in targets}
                      for d, keys in wanted.items() if d in doc_of}
            chains: dict[int, list[int]] = {}
            roots = node_ids(conn, {("Sbom", d) for d in doc_of})
            trees, forged = sqlite_chains.stored_trees(conn, by_doc, self.sealer)
            for doc_id, tree in trees.items():
                root = roots.get(("Sbom", docs[doc_id]))
                if root is not None and (
                        chain := chain_from_tree(tree, by_doc[doc_id], root, max_depth)):
                    chains[doc_id] = chain
            for doc_id in forged:  # a tree row edited outside the store: walk the edges
                root = roots.get(("Sbom", docs[doc_id]))
                children = children_of(sqlite_chains.dependency_pairs(conn, doc_id))
                if root is not None and (
                        chain := first_chain(children, by_doc[doc_id], root, max_depth)):
                    chains[doc_id] = chain
            key_of: dict[int, str] = {}
            ids = sorted({n for c in chains.values() for n in c})
            for chunk in chunks(ids):
                key_of.update(conn.execute(
                    f"SELECT id, key FROM nodes WHERE id IN ({','.join('?' * len(chunk))})",
                    list(chunk)).fetchall())
        return {docs[d]: [docs[d], *(key_of[n] for n in chain[1:])]
                for d, chain in chains.items()}

    def _doc_ids(self, conn: sqlite3.Connection, digests: Sequence[str]) -> dict[int, str]:
        found: dict[int, str] = {}
        for chunk in chunks(list(dict.fromkeys(digests))):
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
        start_ids = list(node_ids(conn, {(str(r.kind), r.key) for r in start}).values())
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
                far = Node(NodeKind(row[9]), row[10], loads(row[11]))
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
            Node(NodeKind(k), key, loads(p))
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
        """Lines made straight from the rows: nodes read once (their id → kind and key
        serves the edges), edges by a plain scan instead of a three-way join."""
        conn = self._conn()
        ends: dict[int, bytes] = {}
        lines: list[bytes] = []
        with timed_query("content_digest", self.backend), self._reading(conn):
            for node_id, kind, key, props in conn.execute(
                    "SELECT id, kind, key, props FROM nodes"):
                ends[node_id] = end_json(kind, key)
                lines.append(node_line(kind, key, loads(props)))
            docs = dict(conn.execute("SELECT id, digest FROM documents").fetchall())
            for kind, src, dst, doc_id, props in conn.execute(
                    "SELECT kind, src, dst, doc_id, props FROM edges"):
                lines.append(edge_line_of(kind, ends[src], ends[dst], docs[doc_id],
                                          None if props == "{}" else loads(props)))
            del ends
            return lines_digest(lines)

    # --- records and logs ------------------------------------------------------------
    def put_record(self, collection: str, key: str, value: Mapping[str, Any]) -> None:
        with self._write() as conn:
            write.put_record(conn, collection, key, value, self.sealer)

    def get_record(self, collection: str, key: str) -> dict[str, Any] | None:
        row = self._conn().execute("SELECT value FROM records WHERE collection = ? AND key = ?",
                                   (collection, key)).fetchone()
        return loads(row[0]) if row else None

    def list_records(self, collection: str) -> list[tuple[str, dict[str, Any]]]:
        return [(k, loads(v)) for k, v in self._conn().execute(
            "SELECT key, value FROM records WHERE collection = ? ORDER BY key", (collection,))]

    def delete_record(self, collection: str, key: str) -> bool:
        with self._write() as conn:
            return write.delete_record(conn, collection, key)

    def append_log(self, stream: str, payload: Mapping[str, Any]) -> LogEntry:
        with self._write() as conn:
            return write.append_log(conn, stream, payload, self._clock().isoformat(),
                                    self.sealer)

    def change_records(self, puts: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
                       deletes: Sequence[tuple[str, str]] = (),
                       log: Sequence[tuple[str, Mapping[str, Any]]] = ()) -> list[bool]:
        with self._write() as conn:
            for collection, key, value in puts:
                write.put_record(conn, collection, key, value, self.sealer)
            found = [write.delete_record(conn, collection, key) for collection, key in deletes]
            at = self._clock().isoformat()
            for stream, payload in log:
                write.append_log(conn, stream, payload, at, self.sealer)
            return found

    def read_log(self, stream: str, after: int = 0, limit: int | None = None) -> list[LogEntry]:
        sql = "SELECT seq, at, payload, prev_hash, hash FROM logs WHERE stream = ? AND seq > ? " \
              "ORDER BY seq"
        params: list[Any] = [stream, after]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [LogEntry(stream, s, at, loads(p), prev, h)
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
            return write.import_log(conn, stream, entries, self.sealer)

    def load_documents(self, documents: Iterable[DocumentRows]) -> int:
        """Into an empty store, in one transaction (store/sqlite_bulk.py), on the only
        connection this store has open: the pool's are closed (it reopens them after)."""
        self._pool.close()
        conn = open_connection(self.path, "graph database")  # no seal triggers on it
        sqlite_seal.register(conn, self.sealer, Tally())
        try:
            with timed_query("load_documents", self.backend):
                return sqlite_bulk.load_documents(conn, documents, self._clock, self.sealer)
        finally:
            conn.close()

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

    @contextmanager
    def _reading(self, conn: sqlite3.Connection) -> Iterator[None]:
        """Several statements that must see one state: inside the caller's snapshot, or
        a read transaction of their own."""
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def integrity_seals(self) -> dict[str, Seal]:
        return sqlite_seal.read_seals(self._conn())

    def integrity_rows(self, table: str
                       ) -> Iterator[tuple[str, str, tuple[object, ...], str | None]]:
        return sqlite_seal.sealed_rows(self._conn(), table)

    def integrity_derived(self) -> tuple[str, str] | None:
        if self.sealer is None:
            return None
        conn = self._conn()
        bad = sqlite_chains.first_unsealed(conn, self.sealer)
        if bad is None:
            return None
        doc_id, node_id = bad
        digest = conn.execute("SELECT digest FROM documents WHERE id = ?", (doc_id,)).fetchone()
        key = conn.execute("SELECT key FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return (f"dependency tree of {digest[0] if digest else f'document {doc_id}'}",
                key[0] if key else f"node {node_id}")

    def integrity_orphan(self, table: str) -> tuple[str, str] | None:
        return sqlite_seal.orphan(self._conn(), table)

    _DEPLOYMENT_RUNS = (
        "SELECT e.kind, s.kind, s.key, d.kind, d.key, e.props, doc.digest, s.props "
        "FROM edges e JOIN nodes s ON s.id = e.src JOIN nodes d ON d.id = e.dst "
        "JOIN documents doc ON doc.id = e.doc_id WHERE e.kind = ? AND s.kind = ?"
    )
    _IN_ENVIRONMENT = (
        " AND e.src IN (SELECT i.src FROM edges i JOIN nodes v ON v.id = i.dst "
        "WHERE i.kind = ? AND v.kind = ? AND v.key = ?)"
    )

    def deployment_runs(self, environment: str | None = None) -> list[tuple[Edge, Node]]:
        sql = self._DEPLOYMENT_RUNS
        params: list[Any] = [str(EdgeKind.RUNS), str(NodeKind.DEPLOYMENT)]
        if environment is not None:
            sql += self._IN_ENVIRONMENT
            params += [str(EdgeKind.IN), str(NodeKind.ENVIRONMENT), environment]
        with timed_query("deployment_runs", self.backend):
            rows = self._conn().execute(sql + " ORDER BY e.id", params).fetchall()
        return [(self._edge(r), Node(NodeKind.DEPLOYMENT, r[2], loads(r[7]))) for r in rows]

