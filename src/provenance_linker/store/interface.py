"""The narrow store interface every backend implements (contract: tests/contract/)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

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
from .seal import Seal, Sealer


@runtime_checkable
class GraphStore(Protocol):
    """A provenance graph plus the small operational state replicas must share.

    Writes happen only through `apply` (one transaction per document) and
    `delete_document`; records and logs hold tokens, blocks, keys and the audit trail.
    """

    url: str

    # --- lifecycle
    def migrate(self) -> int:
        """Bring the schema (constraints, indexes) up to date; return its version."""
        ...

    def ping(self) -> None:
        """Raise StoreUnavailable unless the backend answers."""
        ...

    def close(self) -> None: ...

    # --- graph writes
    def apply(self, batch: Batch) -> ApplyResult:
        """Upsert everything a document asserts, all or nothing."""
        ...

    def delete_document(self, digest: str) -> bool:
        """Withdraw every assertion the document made; nodes no document asserts any
        more are removed. Returns False if the document was unknown."""
        ...

    # --- graph reads
    def document(self, digest: str) -> DocumentInfo | None: ...

    def documents(self, kind: str | None = None, *, after: int = 0,
                  limit: int | None = None) -> list[DocumentInfo]:
        """Documents in ingest order: those whose `seq` is over `after`, at most `limit`
        (a page; the next one starts after the last `seq`)."""
        ...

    def get(self, ref: NodeRef) -> Node | None: ...

    def get_many(self, kind: NodeKind, keys: Iterable[str]) -> dict[str, Node]: ...

    def find(
        self, kind: NodeKind, where: Mapping[str, Any] | None = None, limit: int | None = None
    ) -> list[Node]:
        """Nodes of a kind whose top-level properties equal the given values."""
        ...

    def edges(
        self,
        kinds: Sequence[EdgeKind] = (),
        *,
        src: Sequence[NodeRef] = (),
        dst: Sequence[NodeRef] = (),
        doc: str | None = None,
    ) -> list[Edge]:
        """Edges matching every given filter (an empty filter matches all)."""
        ...

    def traverse(
        self,
        start: Sequence[NodeRef],
        edge_kinds: Sequence[EdgeKind],
        direction: Direction = Direction.OUT,
        max_depth: int = 1,
        doc: str | None = None,
    ) -> list[TraversalStep]:
        """Every edge reachable from `start` within `max_depth` hops along the given
        kinds (all kinds when empty), once each, in order of depth: the step's depth is
        1 + the shortest distance from `start` to the edge's near end, and its node is the
        far end (an edge reached from both ends at the same depth is taken in its own
        direction: its node is `dst`). `doc` restricts the walk to edges that document
        asserted."""
        ...

    def shortest_dependency_paths(self, wanted: Mapping[str, Iterable[str]],
                                  max_depth: int = 64) -> dict[str, list[str]]:
        """For each SBOM digest, the dependency chain (keys, SBOM root first) to the wanted
        package its breadth-first walk over its own DEPENDS_ON edges (in edge order)
        reaches first, at most max_depth edges long: a shortest chain, ties to the earlier
        edges (store/paths.py `first_chain`). SBOMs reaching none are absent."""
        ...

    def edge_keys(self, kind: EdgeKind, node_kind: NodeKind, keys: Iterable[str],
                  direction: Direction = Direction.IN) -> list[tuple[str, str]]:
        """(src key, dst key) of every `kind` edge into (IN) or out of (OUT) the given
        nodes of `node_kind`, once per asserting document, in edge order: the ends `edges`
        answers, keys resolved by the backend and no Edge objects built (blast radius
        reads thousands)."""
        ...

    def distinct_edge_keys(self, kind: EdgeKind, node_kind: NodeKind,
                           keys: Iterable[str]) -> list[tuple[str, str]]:
        """(src key, dst key) of the `kind` edges out of the given nodes of `node_kind`,
        each pair once however many documents assert it, sorted: a read that grows with
        the distinct pairs, not with the documents (a package shared by thousands of
        SBOMs is linked to its artifact by one edge per SBOM)."""
        ...

    def sbom_candidates(self, artifacts: Iterable[str]) -> list[tuple[str, str, Any, int]]:
        """(artifact, SBOM, the SBOM node's `created` property when a string (else None),
        the seq of the SBOM's document or 0) once per SBOM that DESCRIBES one of the
        artifacts, sorted: what graph/sboms.py `current_sboms` ranks, in one read."""
        ...

    def counts(self) -> dict[str, int]:
        """Node counts per kind and edge counts per kind, plus 'documents'."""
        ...

    def export_document(self, digest: str) -> Batch | None:
        """The batch that re-asserts exactly what the document asserts now (for copies)."""
        ...

    def content_digest(self) -> str:
        """A digest of the graph's content that every backend computes the same way."""
        ...

    # --- shared operational state
    def put_record(self, collection: str, key: str, value: Mapping[str, Any]) -> None: ...

    def get_record(self, collection: str, key: str) -> dict[str, Any] | None: ...

    def list_records(self, collection: str) -> list[tuple[str, dict[str, Any]]]: ...

    def delete_record(self, collection: str, key: str) -> bool: ...

    def append_log(self, stream: str, payload: Mapping[str, Any]) -> LogEntry:
        """Append to a hash-chained log atomically (see ledger.entry_hash)."""
        ...

    def read_log(self, stream: str, after: int = 0, limit: int | None = None) -> list[LogEntry]: ...

    def change_records(self, puts: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
                       deletes: Sequence[tuple[str, str]] = (),
                       log: Sequence[tuple[str, Mapping[str, Any]]] = ()) -> list[bool]:
        """Put records, delete records and append log entries in ONE transaction (a
        state change and its audit entry together, or neither); whether each delete
        found its record."""
        ...

    # --- copying a whole store (store/copy.py)
    def record_collections(self) -> list[str]:
        """Names of the record collections that hold at least one record."""
        ...

    def log_streams(self) -> list[str]:
        """Names of the logs that hold at least one entry."""
        ...

    def import_log(self, stream: str, entries: Sequence[LogEntry]) -> int:
        """Store entries read from another store verbatim (same seq, time and hashes);
        they must continue this store's chain (StoreError otherwise)."""
        ...

    def load_documents(self, documents: Iterable[DocumentRows]) -> int:
        """Into a store without documents, nodes, edges or log entries: the state that
        `apply` of each document's batch in order leaves, loaded in bulk (restores);
        returns how many were loaded. SQLite loads all or nothing; Neo4j one transaction
        per document."""
        ...

    # --- integrity and consistent snapshots (ops/integrity.py, ops/backup.py)
    sealer: Sealer | None
    """Computes row seals when an integrity key is configured (store/seal.py)."""

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads of the calling thread inside the block see one consistent state."""
        ...

    def integrity_seals(self) -> dict[str, Seal]:
        """Each sealed table's stored seal (store/seal.TABLES)."""
        ...

    def integrity_rows(self, table: str
                       ) -> Iterator[tuple[str, str, tuple[object, ...], str | None]]:
        """(label, key, sealed content, stored mac) of every row of a sealed table."""
        ...

    def integrity_orphan(self, table: str) -> tuple[str, str] | None:
        """A row referencing a row that does not exist (label, key), if any."""
        ...

    def integrity_derived(self) -> tuple[str, str] | None:
        """The first derived row (the dependency trees or indexes blast radius reads,
        kept beside the sealed tables with their own MACs) whose MAC does not match, as
        (label, key); None when all match or no key is configured."""
        ...

    # --- size (ops/retention.py)
    def size_bytes(self) -> int | None:
        """Bytes the store occupies on disk, when the backend can tell."""
        ...

    def reclaim_space(self) -> None:
        """Return space freed by deletions to the file system where the backend needs it."""
        ...

    # --- what runs now, batched (runtime/history.py)
    def deployment_runs(self, environment: str | None = None) -> list[tuple[Edge, Node]]:
        """Every `Deployment -RUNS-> Artifact` edge with its Deployment node, of the
        workloads `IN` that environment (of every workload when None), in edge order:
        one read instead of the IN edges, the RUNS edges and the nodes one after another."""
        ...
