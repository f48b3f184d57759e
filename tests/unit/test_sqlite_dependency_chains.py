"""The SQLite store's stored dependency trees: a store made before them gets them from its
edges when it migrates, and every later write keeps them equal to a fresh walk."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from provenance_linker.model import Batch, Edge, EdgeKind, NodeKind, NodeRef
from provenance_linker.store.sqlite import SqliteStore
from tests.contract.test_store_contract import S1, S2, doc, pkg, sbom_batch


def stored_rows(path: Path) -> list[tuple[int, int, int, bytes]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM dependency_chains ORDER BY 1, 2").fetchall()


def test_a_store_made_before_the_trees_gets_them_when_it_migrates(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    store = SqliteStore(f"sqlite:///{path}", integrity_key=b"k" * 32)
    store.apply(sbom_batch(S1, ["a", "b", "c"]))
    store.apply(sbom_batch(S2, ["c"]))
    wanted = {S1.key: {pkg("c").key}, S2.key: {pkg("c").key}}
    before = store.shortest_dependency_paths(wanted)
    rows = stored_rows(path)
    store.close()
    with sqlite3.connect(path) as conn:  # the schema as version 17 left it
        conn.execute("DROP TABLE dependency_chains")
        conn.execute("DELETE FROM schema_migrations WHERE version = 18")
    store = SqliteStore(f"sqlite:///{path}", integrity_key=b"k" * 32)
    assert stored_rows(path) == rows and len(rows) == 4
    assert store.shortest_dependency_paths(wanted) == before == {
        S1.key: [S1.key, pkg("a").key, pkg("b").key, pkg("c").key],
        S2.key: [S2.key, pkg("c").key]}
    store.close()


def test_edges_asserted_for_another_sbom_rebuild_its_tree(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    store = SqliteStore(f"sqlite:///{path}")
    store.apply(sbom_batch(S1, ["a", "b", "c", "d"]))
    patch = doc(NodeRef(NodeKind.SBOM, "sha256:" + "e" * 64), "patch.json")
    store.apply(Batch(patch, [], [Edge(EdgeKind.DEPENDS_ON, S1, pkg("d"), doc=S1.key)]))
    assert store.shortest_dependency_paths({S1.key: {pkg("d").key}}) == {
        S1.key: [S1.key, pkg("d").key]}
    store.delete_document(S1.key)
    assert stored_rows(path) == []  # withdrawn with its SBOM, nothing left behind
    store.close()


def test_an_edited_tree_row_is_not_shown_as_evidence(tmp_path: Path) -> None:
    """With an integrity key the tree rows carry MACs: a row edited outside the store to claim a
    shortcut that no edge of the SBOM makes is caught, and the chain walked again."""
    path = tmp_path / "graph.db"
    store = SqliteStore(f"sqlite:///{path}", integrity_key=b"k" * 32)
    store.apply(sbom_batch(S1, ["a", "b", "c", "d"]))
    wanted = {S1.key: {pkg("d").key}}
    honest = store.shortest_dependency_paths(wanted)
    with sqlite3.connect(path) as conn:
        d = conn.execute("SELECT id FROM nodes WHERE key = ?", (pkg("d").key,)).fetchone()[0]
        conn.execute("UPDATE dependency_chains SET via = x'' WHERE node_id = ?", (d,))
        forged = conn.execute("SELECT count(*) FROM dependency_chains WHERE via = x''"
                              ).fetchone()[0]
    assert forged == 2  # a, and d claiming to hang off the root directly
    assert store.shortest_dependency_paths(wanted) == honest == {
        S1.key: [S1.key, *(pkg(n).key for n in "abcd")]}
    assert store.integrity_derived() == (f"dependency tree of {S1.key}", pkg("d").key)
    store.close()
