"""The SQLite bulk load (restores) ends in exactly the state `apply` of each batch in order
ends in: the same rows, MACs, seals, node provenance and dependency trees, on random
batches with merged and repeated nodes, repeated edges, edges asserted for an earlier
document, withdrawals and log entries."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from provenance_linker.errors import StoreError
from provenance_linker.model import Batch, DocumentRows, Edge, EdgeKind, Node, NodeKind, NodeRef
from provenance_linker.ops import integrity
from provenance_linker.store.sqlite import SqliteStore
from tests.contract.test_store_contract import doc, pkg

KEY = b"bulk-load-test-key-0123456789abcdef"


def random_batches(rng: random.Random, count: int) -> list[Batch]:
    batches: list[Batch] = []
    live: list[str] = []  # documents not withdrawn yet
    for i in range(count):
        sbom = NodeRef(NodeKind.SBOM, f"sha256:{i + 1:064x}")
        names = [f"p{rng.randrange(40)}" for _ in range(rng.randrange(1, 15))]
        nodes = [Node(NodeKind.SBOM, sbom.key, {})]
        for n in names:  # repeated within a batch (merged) and across batches (patched)
            props: dict[str, Any] = {rng.choice("abc"): rng.choice([1, "x", None, [2]])}
            if rng.random() < 0.3:
                props["nested"] = {rng.choice("yz"): rng.choice([True, None, "v"])}
            nodes.append(Node(NodeKind.PACKAGE, pkg(n).key, props))
        edges = [Edge(EdgeKind.LISTS, sbom, pkg(n)) for n in names]
        edges += [Edge(EdgeKind.DEPENDS_ON, rng.choice([sbom, pkg(a)]), pkg(b),
                       {"scope": "dev"} if rng.random() < 0.2 else {})
                  for a, b in zip(names, reversed(names), strict=True)]
        edges += rng.sample(edges, min(2, len(edges)))  # the same edge twice
        edges.append(Edge(EdgeKind.IS, pkg(names[0]), NodeRef(NodeKind.ARTIFACT,
                                                                f"sha256:{rng.randrange(5):064x}")))
        replaces = [live.pop(rng.randrange(len(live)))] if live and rng.random() < 0.15 else []
        if live and rng.random() < 0.3:  # asserted on behalf of an earlier SBOM
            earlier = rng.choice(live)
            edges.append(Edge(EdgeKind.DEPENDS_ON, NodeRef(NodeKind.SBOM, earlier),
                              pkg(rng.choice(names)), doc=earlier))
        live.append(sbom.key)
        log = [("ledger", {"action": "ingest", "document": sbom.key, "n": i})]
        batches.append(Batch(doc(sbom, f"s{i}.json"), nodes, edges, replaces, log))
    return batches


def table_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row by natural keys (ids may differ between the two stores)."""
    with sqlite3.connect(path) as conn:
        key = dict(conn.execute("SELECT id, kind || ':' || key FROM nodes").fetchall())
        digest = dict(conn.execute("SELECT id, digest FROM documents").fetchall())
        return {
            "nodes": sorted(conn.execute("SELECT kind, key, props, mac FROM nodes")),
            "edges": sorted((k, key[s], key[d], digest[doc_id], props, mac) for k, s, d, doc_id,
                            props, mac in conn.execute("SELECT kind, src, dst, doc_id, props, "
                                                       "mac FROM edges")),
            "sources": sorted((key[n], digest[d]) for n, d in conn.execute(
                "SELECT node_id, doc_id FROM node_sources")),
            "trees": sorted((key[n], digest[d], rank, len(via)) for n, d, rank, via in
                            conn.execute("SELECT node_id, doc_id, rank, via "
                                         "FROM dependency_chains")),
            "seals": sorted(conn.execute("SELECT name, count, total FROM integrity_seals")),
            "documents": sorted(conn.execute(
                "SELECT digest, kind, format, name, meta, mac FROM documents")),
        }


@pytest.mark.parametrize("seed", range(12))
def test_bulk_load_ends_where_apply_in_order_ends(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    batches = random_batches(rng, rng.randrange(2, 14))
    clock = lambda: datetime(2026, 1, 1, tzinfo=UTC)  # noqa: E731
    applied = SqliteStore(f"sqlite:///{tmp_path}/applied.db", integrity_key=KEY, clock=clock)
    for batch in batches:
        applied.apply(batch)
    loaded = SqliteStore(f"sqlite:///{tmp_path}/loaded.db", integrity_key=KEY, clock=clock)
    assert loaded.load_documents(map(DocumentRows.of, batches)) == len(batches)
    assert loaded.content_digest() == applied.content_digest()
    assert loaded.counts() == applied.counts()
    assert table_rows(tmp_path / "loaded.db") == table_rows(tmp_path / "applied.db")
    assert [e.payload for e in loaded.read_log("ledger")] == [
        e.payload for e in applied.read_log("ledger")]
    wanted = {b.document.digest: {pkg(f"p{n}").key for n in range(40)} for b in batches}
    assert loaded.shortest_dependency_paths(wanted) == applied.shortest_dependency_paths(wanted)
    report = integrity.verify(loaded, clock=clock)
    assert report.ok, report.divergence
    applied.close()
    loaded.close()


def test_a_failed_bulk_load_leaves_the_store_empty(tmp_path: Path) -> None:
    store = SqliteStore(f"sqlite:///{tmp_path}/graph.db", integrity_key=KEY)
    batches = random_batches(random.Random(3), 4)
    orphan = Batch(doc(NodeRef(NodeKind.SBOM, "sha256:" + "f" * 64)), [],
                   [Edge(EdgeKind.LISTS, NodeRef(NodeKind.SBOM, "sha256:" + "f" * 64),
                         pkg("p1"), doc="sha256:" + "9" * 64)])  # asserted by no document
    with pytest.raises(StoreError, match="unknown document"):
        store.load_documents(map(DocumentRows.of, [*batches, orphan]))
    assert store.counts().get("documents", 0) == 0 and store.content_digest() == \
        SqliteStore(f"sqlite:///{tmp_path}/empty.db").content_digest()
    store.close()


def _journal_mode(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("other_open", [False, True])
def test_a_bulk_load_leaves_the_store_in_wal_whether_or_not_it_could_leave_it(
        tmp_path: Path, other_open: bool) -> None:
    """Alone on the file the load writes outside WAL; with another connection open it
    stays in WAL. Either way the same rows, and the store is in WAL after it."""
    batches = random_batches(random.Random(5), 6)
    clock = lambda: datetime(2026, 1, 1, tzinfo=UTC)  # noqa: E731
    applied = SqliteStore(f"sqlite:///{tmp_path}/applied.db", integrity_key=KEY, clock=clock)
    for batch in batches:
        applied.apply(batch)
    path = tmp_path / "loaded.db"
    loaded = SqliteStore(f"sqlite:///{path}", integrity_key=KEY, clock=clock)
    reader = SqliteStore(f"sqlite:///{path}", integrity_key=KEY) if other_open else None
    if reader is not None:
        assert reader.counts().get("documents", 0) == 0  # its connection is open
    modes: list[str] = []

    def documents() -> Any:
        for batch in batches:  # the file's mode while the load runs
            if not other_open:
                modes.append(_journal_mode(path))
            yield DocumentRows.of(batch)

    assert loaded.load_documents(documents()) == len(batches)
    assert set(modes) == (set() if other_open else {"delete"})
    assert _journal_mode(path) == "wal"
    assert not (tmp_path / "loaded.db-journal").exists()
    assert table_rows(path) == table_rows(tmp_path / "applied.db")
    assert integrity.verify(loaded, clock=clock).ok
    if reader is not None:
        assert reader.content_digest() == applied.content_digest()
        reader.close()
    applied.close()
    loaded.close()
