"""The cluster-scale backend: the same graph in Neo4j 5, through the official driver.

One label per node kind (`:Package {key, …}`), one relationship type per edge kind
carrying the asserting document's digest (`doc`), `(:Document)-[:ASSERTS]->(node)` for
node provenance, and records and hash-chained logs as nodes (see docs/neo4j.md). Every
write is a managed transaction (`execute_write`), so the driver retries transient
failures with backoff; one document is one transaction of batched `UNWIND … MERGE`s.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import ConstraintError

from ..errors import StoreError, StoreUnavailable
from ..model import (
    ApplyResult,
    Batch,
    Direction,
    DocumentInfo,
    DocumentRows,
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    NodeRef,
    TraversalStep,
)
from ..telemetry.logging import timed_query
from . import neo4j_cypher as cy
from . import neo4j_schema as schema
from . import neo4j_seal
from .digest import graph_digest
from .neo4j_config import parse_target
from .neo4j_errors import log_unavailable, translate
from .neo4j_props import is_native, loads
from .neo4j_state import OperationalState
from .neo4j_write import BatchWriter, delete_document, dependency_index_mac, run_statement
from .paths import chains_per_document, encode_dependencies, index_chain, walk_edges
from .seal import Seal, Sealer, key_from_env

T = TypeVar("T")
DEFAULT_CONNECT_SECONDS = 3.0
DEFAULT_RETRY_SECONDS = 10.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class Neo4jStore(OperationalState):
    backend = "neo4j"

    def __init__(self, url: str, *, clock: Callable[[], datetime] = utc_now,
                 username: str | None = None, password: str | None = None,
                 database: str | None = None, env: Mapping[str, str] | None = None,
                 connect_seconds: float = DEFAULT_CONNECT_SECONDS,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS,
                 integrity_key: bytes | None = None) -> None:
        self.url = url
        key = integrity_key if integrity_key is not None else key_from_env(env)
        self.sealer: Sealer | None = Sealer(key) if key else None
        self._snapshot = threading.local()  # the open snapshot transaction of this thread
        self.target = parse_target(url, username=username, password=password,
                                   database=database, env=env)
        self._clock = clock
        # No connection yet: the store opens while the database is down, and the first
        # call (or the health monitor) finds out.
        self._driver: Driver = GraphDatabase.driver(
            self.target.uri, auth=self.target.auth, connection_timeout=connect_seconds,
            connection_acquisition_timeout=max(connect_seconds * 2, 5.0),
            max_transaction_retry_time=retry_seconds, user_agent="provenance-linker",
            notifications_min_severity="OFF")
        # Sessions share one bookmark manager: a read after a write sees it, even when a
        # cluster routes the read to another member.
        self._bookmarks = GraphDatabase.bookmark_manager()
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        # The driver logs each retry as a warning on stderr; what matters is reported by
        # our own errors and the health monitor. An explicitly set level is respected.
        driver_log = logging.getLogger("neo4j")
        if driver_log.level == logging.NOTSET:
            driver_log.setLevel(logging.ERROR)

    @property
    def display_url(self) -> str:
        return self.target.display

    # --- sessions ------------------------------------------------------------------
    def _session_run(self, mode: str, work: Callable[..., T], *args: Any,
                     conflict_retries: int = 0) -> T:
        tx = getattr(self._snapshot, "tx", None)
        if tx is not None and mode == READ_ACCESS:
            return work(tx)
        try:
            with self._driver.session(database=self.target.database, default_access_mode=mode,
                                      bookmark_manager=self._bookmarks) as session:
                if mode == READ_ACCESS:
                    return session.execute_read(work, *args)
                for _ in range(conflict_retries):
                    try:
                        return session.execute_write(work, *args)
                    except ConstraintError:
                        continue  # another writer created the same node first: run again
                return session.execute_write(work, *args)
        except Exception as exc:
            error = translate(exc, self.target.display)
            if isinstance(error, StoreUnavailable):
                log_unavailable(self.target.display, error.message)
            raise error from exc

    def _write(self, work: Callable[..., T], *args: Any, conflict_retries: int = 0) -> T:
        self._ensure_schema()
        return self._session_run(WRITE_ACCESS, work, *args, conflict_retries=conflict_retries)

    def _read(self, work: Callable[..., T], *args: Any) -> T:
        self._ensure_schema()
        return self._session_run(READ_ACCESS, work, *args)

    def _rows(self, queries: Sequence[str], params: Mapping[str, Any],
              collected: bool = False) -> list[list[Any]]:
        """The rows of every query, run one after another in one read transaction;
        `collected` queries answer all their rows as one list (cy.collected)."""
        def work(tx: ManagedTransaction) -> list[list[Any]]:
            rows: list[list[Any]] = []
            for query in queries:
                result = tx.run(query, dict(params))
                rows += (cy.collected_rows(result) if collected
                         else [list(r.values()) for r in result])
            return rows
        return self._read(work)

    def close(self) -> None:
        self._driver.close()

    def ping(self) -> None:
        """One round trip, no transaction retries; a dead pooled connection (after a
        restart of the server) is replaced by a second attempt."""
        last: Exception | None = None
        for _ in range(2):
            try:
                with self._driver.session(database=self.target.database,
                                          default_access_mode=READ_ACCESS) as session:
                    session.run("RETURN 1").consume()
                return
            except Exception as exc:
                last = exc
        assert last is not None
        raise translate(last, self.target.display) from last

    # --- schema ------------------------------------------------------------------------
    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            with self._schema_lock:
                if not self._schema_ready:
                    self.migrate()

    def _version(self) -> int:
        def work(tx: ManagedTransaction) -> int:
            record = tx.run(f"MATCH (v:{schema.SCHEMA_VERSION}) "
                            "RETURN max(v.version) AS v").single()
            return int(record["v"] or 0) if record else 0
        return self._session_run(READ_ACCESS, work)

    def migrate(self) -> int:
        with timed_query("migrate", self.backend):
            current = self._version()
            for version in sorted(v for v in schema.MIGRATIONS if v > current):
                for statement in schema.MIGRATIONS[version]:
                    self._session_run(WRITE_ACCESS, run_statement, statement)
                self._session_run(WRITE_ACCESS, run_statement, "CALL db.awaitIndexes(300)")
                if version in (2, 3):
                    self._backfill_indexes()
                self._session_run(
                    WRITE_ACCESS, run_statement,
                    f"MERGE (v:{schema.SCHEMA_VERSION} {{version: $version}}) "
                    "ON CREATE SET v.applied_at = $at",
                    {"version": version, "at": self._clock().isoformat()})
                current = version
        self._schema_ready = True
        return current

    def _backfill_indexes(self, chunk: int = 200) -> int:
        """Give every document with DEPENDS_ON edges and no dependency index one, built
        from its edges as they are now (in edge order). Runs inside `migrate`, so it uses
        sessions directly (the schema is not marked ready yet)."""
        pending = self._session_run(READ_ACCESS, _read_rows, (
            f"MATCH (d:{schema.DOCUMENT}) WHERE d.{schema.DEPENDENCY_INDEX} IS NULL "
            f"AND EXISTS {{ ()-[:{EdgeKind.DEPENDS_ON} {{doc: d.digest}}]->() }} "
            "RETURN d.digest"), {})
        docs = [row[0] for row in pending]
        for i in range(0, len(docs), chunk):
            part = docs[i : i + chunk]
            edges = self._session_run(READ_ACCESS, _read_rows, (
                f"MATCH (a)-[e:{EdgeKind.DEPENDS_ON}]->(b) WHERE e.doc IN $docs "
                "RETURN e.doc, a.key, b.key ORDER BY e._ord"), {"docs": part})
            pairs: dict[str, list[tuple[str, str]]] = {}
            for doc, src, dst in edges:
                pairs.setdefault(doc, []).append((src, dst))
            rows = [[doc, index, dependency_index_mac(self.sealer, doc, index)]
                    for doc, p in pairs.items() if (index := encode_dependencies(p))]
            self._session_run(WRITE_ACCESS, run_statement, (
                f"UNWIND $rows AS r MATCH (d:{schema.DOCUMENT} {{digest: r[0]}}) "
                f"SET d.{schema.DEPENDENCY_INDEX} = r[1], "
                f"d.{schema.DEPENDENCY_INDEX_MAC} = r[2]"), {"rows": rows})
        return len(docs)

    # --- graph writes --------------------------------------------------------------------
    def apply(self, batch: Batch) -> ApplyResult:
        writer = BatchWriter(batch, self._clock().isoformat(), self.sealer)
        with timed_query("apply", self.backend):
            created = self._write(writer.run, conflict_retries=3)
        return ApplyResult(batch.document.digest, created, writer.node_count,
                           len(batch.edges))

    def load_documents(self, documents: Iterable[DocumentRows]) -> int:
        """One `apply` per document: the batch writer already sends each as a few
        UNWIND statements, so Neo4j gains nothing from one larger transaction."""
        if self.counts().get("documents") or self.log_streams():
            raise StoreError("bulk load needs an empty store", where=self.target.display)
        loaded = 0
        for rows in documents:
            self.apply(rows.batch())
            loaded += 1
        return loaded

    def delete_document(self, digest: str) -> bool:
        with timed_query("delete_document", self.backend):
            return self._write(delete_document, digest, self.sealer)

    # --- reads -------------------------------------------------------------------------
    _DOC_RETURN = ("RETURN d.digest, d.kind, d.format, d.name, d.meta, d.ingested_at, d.seq")

    @staticmethod
    def _document(row: Sequence[Any]) -> DocumentInfo:
        return DocumentInfo(digest=row[0], kind=row[1], format=row[2], name=row[3],
                            meta=loads(row[4]), ingested_at=row[5], seq=row[6])

    def document(self, digest: str) -> DocumentInfo | None:
        rows = self._rows([f"MATCH (d:{schema.DOCUMENT} {{digest: $digest}}) "
                           + self._DOC_RETURN], {"digest": digest})
        return self._document(rows[0]) if rows else None

    def documents(self, kind: str | None = None, *, after: int = 0,
                  limit: int | None = None) -> list[DocumentInfo]:
        where = "d.seq > $after" + (" AND d.kind = $kind" if kind else "")
        page = " LIMIT $limit" if limit is not None else ""
        rows = self._rows([f"MATCH (d:{schema.DOCUMENT}) WHERE {where} {self._DOC_RETURN} "
                           f"ORDER BY d.seq{page}"], {"kind": kind, "after": after,
                                                     "limit": limit})
        return [self._document(r) for r in rows]

    def get(self, ref: NodeRef) -> Node | None:
        return self.get_many(ref.kind, [ref.key]).get(ref.key)

    def get_many(self, kind: NodeKind, keys: Iterable[str]) -> dict[str, Node]:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return {}
        params: dict[str, Any] = {}
        queries = [f"{clause} {cy.collected('n.key, n._props')}"
                   for clause in cy.match_refs("n", [NodeRef(kind, k) for k in unique],
                                               params)]
        with timed_query("get_many", self.backend):
            rows = self._rows(queries, params, collected=True)
        return {key: Node(kind, key, loads(props)) for key, props in rows}

    def find(self, kind: NodeKind, where: Mapping[str, Any] | None = None,
             limit: int | None = None) -> list[Node]:
        params: dict[str, Any] = {}
        clauses: list[str] = []
        later: dict[str, Any] = {}  # values Neo4j cannot compare natively: checked here
        for i, (name, value) in enumerate((where or {}).items()):
            if not name.replace("_", "").isalnum() or name.startswith("_") or name == "key":
                raise StoreError(f"invalid property name {name!r}")
            if value is None:
                return []
            if is_native(value):
                clauses.append(f"n.`{name}` = $v{i}")
                params[f"v{i}"] = value
            else:
                later[name] = value
        query = f"MATCH (n:{kind})"
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        query += " RETURN n.key, n._props ORDER BY n.key"
        if limit is not None and not later:
            query += " LIMIT $limit"
            params["limit"] = limit
        with timed_query("find", self.backend):
            rows = self._rows([query], params)
        nodes = [Node(kind, key, loads(props)) for key, props in rows]
        if later:
            nodes = [n for n in nodes if all(n.props.get(k) == v for k, v in later.items())]
            nodes = nodes[:limit] if limit is not None else nodes
        return nodes

    def edges(self, kinds: Sequence[EdgeKind] = (), *, src: Sequence[NodeRef] = (),
              dst: Sequence[NodeRef] = (), doc: str | None = None) -> list[Edge]:
        params: dict[str, Any] = {}
        queries, collected = cy.edges_query(kinds, src, dst, doc, params)
        with timed_query("edges", self.backend):
            rows = self._rows(queries, params, collected)
        if src and dst:
            wanted = set(dst)
            rows = [r for r in rows if NodeRef(NodeKind(r[3]), r[4]) in wanted]
        rows.sort(key=_edge_order)
        return [cy.edge_from_row(r) for r in rows]

    def edge_keys(self, kind: EdgeKind, node_kind: NodeKind, keys: Iterable[str],
                  direction: Direction = Direction.IN) -> list[tuple[str, str]]:
        if direction not in (Direction.IN, Direction.OUT):
            raise StoreError(f"edge_keys reads one direction, not {direction}")
        params: dict[str, Any] = {}
        anchor = "b" if direction == Direction.IN else "a"
        queries = [f"{start} MATCH (a)-[e:{kind}]->(b) "
                   f"{cy.collected('e._ord, e.doc, a.key, b.key')}"
                   for start in cy.match_refs(anchor, [NodeRef(node_kind, k)
                                                       for k in set(keys)], params)]
        with timed_query("edge_keys", self.backend):
            rows = self._rows(queries, params, collected=True)
        rows.sort(key=lambda r: (r[0] if r[0] is not None else 0, r[1], r[2], r[3]))
        return [(r[2], r[3]) for r in rows]

    def distinct_edge_keys(self, kind: EdgeKind, node_kind: NodeKind,
                           keys: Iterable[str]) -> list[tuple[str, str]]:
        params: dict[str, Any] = {}
        queries = [f"{start} MATCH (a)-[:{kind}]->(b) WITH DISTINCT a, b "
                   f"{cy.collected('a.key, b.key')}"
                   for start in cy.match_refs("a", [NodeRef(node_kind, k)
                                                    for k in set(keys)], params)]
        with timed_query("distinct_edge_keys", self.backend):
            rows = self._rows(queries, params, collected=True)
        return sorted({(r[0], r[1]) for r in rows})

    def sbom_candidates(self, artifacts: Iterable[str]) -> list[tuple[str, str, Any, int]]:
        params: dict[str, Any] = {}
        queries = [f"{start} MATCH (a:{NodeKind.SBOM})-[:{EdgeKind.DESCRIBES}]->(b) "
                   f"WITH DISTINCT a, b "
                   f"OPTIONAL MATCH (d:{schema.DOCUMENT} {{digest: a.key}}) "
                   f"{cy.collected('b.key, a.key, a._props, d.seq')}"
                   for start in cy.match_refs("b", [NodeRef(NodeKind.ARTIFACT, k)
                                                    for k in set(artifacts)], params)]
        with timed_query("sbom_candidates", self.backend):
            rows = self._rows(queries, params, collected=True)
        out = []
        for art, sbom, props, seq in rows:
            created = loads(props).get("created")
            out.append((art, sbom, created if isinstance(created, str) else None, seq or 0))
        return sorted(out)

    def shortest_dependency_paths(self, wanted: Mapping[str, Iterable[str]],
                                  max_depth: int = 64) -> dict[str, list[str]]:
        """For each SBOM digest, the shortest DEPENDS_ON chain (keys, root first) from the
        SBOM root to one of the given package keys, over that SBOM's own edges (the
        blast-radius fast path; SQLite has the same method).

        Direct dependencies are answered from the roots' few edges; the rest from each
        SBOM's dependency index (one property of its Document node, see neo4j_write.py),
        or, where a document has none, from its own edges read through the per-type `doc`
        index. A Cypher shortest path would expand every SBOM's edges at each shared
        package."""
        targets = {sbom: set(keys) for sbom, keys in wanted.items() if keys}
        if not targets:
            return {}
        direct = (f"UNWIND $rows AS r {cy.seek('s', NodeKind.SBOM, 'r[0]')} "
                  f"MATCH (s)-[e:{EdgeKind.DEPENDS_ON}]->(t:{NodeKind.PACKAGE}) "
                  "WHERE e.doc = r[0] AND t.key IN r[1] "
                  "WITH r[0] AS sbom, t.key AS key ORDER BY e._ord "
                  "WITH sbom, collect(key)[0] AS first " + cy.collected("sbom, first"))
        indexes = (f"UNWIND $docs AS d MATCH (x:{schema.DOCUMENT} {{digest: d}}) "
                   + cy.collected(f"d, x.{schema.DEPENDENCY_INDEX}, "
                                  f"x.{schema.DEPENDENCY_INDEX_MAC}"))
        # The fallback streams: 200 large SBOMs' edges are too many for one list.
        walk = (f"MATCH (a)-[e:{EdgeKind.DEPENDS_ON}]->(b) WHERE e.doc IN $docs "
                "RETURN e.doc, a.key, b.key ORDER BY e._ord")
        with timed_query("shortest_dependency_paths", self.backend):
            rows = [[sbom, sorted(keys)] for sbom, keys in targets.items()]
            chains: dict[str, list[str]] = {}
            for i in range(0, len(rows), cy.ANCHORS_PER_QUERY):
                chains.update((sbom, [sbom, key]) for sbom, key in self._rows(
                    [direct], {"rows": rows[i : i + cy.ANCHORS_PER_QUERY]}, collected=True))
            rest = [sbom for sbom in targets if sbom not in chains]
            unindexed = []
            for i in range(0, len(rest), 200):
                for sbom, index, mac in self._rows([indexes], {"docs": rest[i : i + 200]},
                                                   collected=True):
                    # No index, or one edited outside the store: walk the sealed edges.
                    if index is None or (self.sealer is not None and mac != (
                            dependency_index_mac(self.sealer, sbom, index))):
                        unindexed.append(sbom)
                    elif chain := index_chain(index, targets[sbom], sbom, max_depth):
                        chains[sbom] = chain
            for i in range(0, len(unindexed), 200):
                docs = unindexed[i : i + 200]
                rows = self._rows([walk], {"docs": docs})
                chains.update(chains_per_document(rows, docs, targets, {d: d for d in docs},
                                                  max_depth))
        return chains

    def traverse(self, start: Sequence[NodeRef], edge_kinds: Sequence[EdgeKind],
                 direction: Direction = Direction.OUT, max_depth: int = 1,
                 doc: str | None = None) -> list[TraversalStep]:
        if not start or max_depth < 1:
            return []
        if doc is not None:
            return self._traverse_document(start, edge_kinds, direction, max_depth, doc)
        params: dict[str, Any] = {}
        queries = cy.traverse_queries(start, edge_kinds, str(direction), max_depth, doc, params)
        with timed_query("traverse", self.backend):
            rows = self._rows(queries, params, collected=True)
        rows.sort(key=lambda r: (r[0], _edge_order(r[1:]), not r[9]))  # forward first
        result: list[TraversalStep] = []
        seen: set[tuple[Any, ...]] = set()
        for row in rows:
            edge_row = row[1:9]
            identity = tuple(edge_row[:6])
            if identity in seen:  # reached again from its other end, or deeper
                continue
            seen.add(identity)
            forward = row[9]
            far = (cy.node_from_row(row[4], row[5], row[11]) if forward
                   else cy.node_from_row(row[2], row[3], row[10]))
            result.append(TraversalStep(depth=row[0], edge=cy.edge_from_row(edge_row),
                                        node=far))
        return result

    def _traverse_document(self, start: Sequence[NodeRef], edge_kinds: Sequence[EdgeKind],
                           direction: Direction, max_depth: int, doc: str
                           ) -> list[TraversalStep]:
        """A walk restricted to one document's edges: read them all through the per-type
        `doc` index (bounded by the document's size) and walk them here. A Cypher
        variable-length expand would read every document's edges at each shared package
        and filter them by document (700 ms for one SBOM's tree among 5,000)."""
        with timed_query("traverse", self.backend):
            edges = self.edges(edge_kinds, doc=doc)
            steps = walk_edges(edges, start, direction, max_depth)
            far: dict[NodeKind, set[str]] = {}
            for step in steps:
                far.setdefault(step[1].kind, set()).add(step[1].key)
            nodes = {(kind, key): node for kind, keys in far.items()
                     for key, node in self.get_many(kind, keys).items()}
        return [TraversalStep(depth=depth, edge=edge, node=nodes[(ref.kind, ref.key)])
                for depth, ref, edge in steps if (ref.kind, ref.key) in nodes]

    def counts(self) -> dict[str, int]:
        # Each COUNT is answered from the count store, not by scanning.
        parts = [f"`{k}`: COUNT {{ (:{k}) }}" for k in NodeKind]
        parts += [f"`{k}`: COUNT {{ ()-[:{k}]->() }}" for k in EdgeKind]
        parts.append(f"documents: COUNT {{ (:{schema.DOCUMENT}) }}")
        rows = self._rows(["RETURN {" + ", ".join(parts) + "}"], {})
        counts: dict[str, int] = rows[0][0]
        return {kind: n for kind, n in counts.items() if n or kind == "documents"}

    def export_document(self, digest: str) -> Batch | None:
        info = self.document(digest)
        if info is None:
            return None
        rows = self._rows([f"MATCH (:{schema.DOCUMENT} {{digest: $digest}})-"
                           f"[:{schema.ASSERTS}]->(n) "
                           "RETURN labels(n)[0], n.key, n._props ORDER BY n.key"],
                          {"digest": digest})
        nodes = [cy.node_from_row(*r) for r in rows]
        params: dict[str, Any] = {}
        queries, collected = cy.edges_query((), (), (), digest, params)
        edge_rows = self._rows(queries, params, collected)
        edge_rows.sort(key=_edge_order)
        edges = [cy.edge_from_row(r, doc=None) for r in edge_rows]
        return Batch(document=info, nodes=nodes, edges=edges)

    def content_digest(self) -> str:
        queries = [f"MATCH (n:{k}) RETURN labels(n)[0], n.key, n._props" for k in NodeKind]
        nodes = [cy.node_from_row(*r) for r in self._rows(queries, {})]
        params: dict[str, Any] = {}
        queries, collected = cy.edges_query((), (), (), None, params)
        edges = [cy.edge_from_row(r) for r in self._rows(queries, params, collected)]
        return graph_digest(nodes, edges)

    # --- size and space (ops/retention.py) -------------------------------------------
    def size_bytes(self) -> int | None:
        return None  # the server's store files are not visible through Bolt

    def reclaim_space(self) -> None:
        """Nothing to do: Neo4j reuses the space of deleted records itself."""

    # --- integrity and snapshots (ops/) ---------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads of this thread inside the block see one transaction. Neo4j reads are
        read-committed, so the transaction first takes every table seal's lock, which each
        sealed writer takes before it commits: writers wait until the block ends."""
        self._ensure_schema()
        try:
            with self._driver.session(database=self.target.database,
                                      bookmark_manager=self._bookmarks) as session, \
                    session.begin_transaction() as tx:
                neo4j_seal.read_seals(tx, lock=True)  # type: ignore[arg-type]
                self._snapshot.tx = tx
                try:
                    yield
                finally:
                    self._snapshot.tx = None
                    tx.rollback()
        except Exception as exc:
            if isinstance(exc, StoreError):
                raise
            raise translate(exc, self.target.display) from exc

    def integrity_seals(self) -> dict[str, Seal]:
        return self._read(neo4j_seal.read_seals)

    def integrity_rows(self, table: str
                       ) -> Iterator[tuple[str, str, tuple[object, ...], str | None]]:
        return iter(self._read(lambda tx: list(neo4j_seal.sealed_rows(tx, table))))

    def integrity_orphan(self, table: str) -> tuple[str, str] | None:
        return None  # relationships cannot outlive their nodes in Neo4j

    def integrity_derived(self) -> tuple[str, str] | None:
        if self.sealer is None:
            return None
        for digest, index, mac in self._rows([
                f"MATCH (d:{schema.DOCUMENT}) WHERE d.{schema.DEPENDENCY_INDEX} IS NOT NULL "
                f"RETURN d.digest, d.{schema.DEPENDENCY_INDEX}, "
                f"d.{schema.DEPENDENCY_INDEX_MAC} ORDER BY d.seq"], {}):
            if mac != dependency_index_mac(self.sealer, digest, index):
                return "dependency index", digest
        return None


    def deployment_runs(self, environment: str | None = None) -> list[tuple[Edge, Node]]:
        params: dict[str, Any] = {}
        start = f"MATCH (a:{NodeKind.DEPLOYMENT})"
        if environment is not None:
            params["env"] = environment
            start = (f"{cy.seek('v', NodeKind.ENVIRONMENT, '$env')} "
                     f"MATCH (a:{NodeKind.DEPLOYMENT})-[:{EdgeKind.IN}]->(v) WITH DISTINCT a")
        query = (f"{start} MATCH (a)-[e:{EdgeKind.RUNS}]->(b) "
                 f"RETURN {cy.EDGE_COLUMNS}, a._props AS a_props")
        with timed_query("deployment_runs", self.backend):
            rows = self._rows([query], params)  # streamed: every workload's edges
        rows.sort(key=_edge_order)
        return [(cy.edge_from_row(r), cy.node_from_row(r[1], r[2], r[8])) for r in rows]

def _read_rows(tx: ManagedTransaction, query: str, params: Mapping[str, Any]
               ) -> list[list[Any]]:
    return [list(record.values()) for record in tx.run(query, dict(params))]


def _edge_order(row: Sequence[Any]) -> tuple[Any, ...]:
    """Insertion order (`_ord`), then a stable tie-break on the edge's identity."""
    return (row[7] if row[7] is not None else 0, row[0], row[1], row[2], row[3], row[4],
            row[5])
