"""Each SBOM's dependency index on Neo4j: written with the document, rebuilt by migration 2
for documents stored without one, and equal to what the edges say."""

from __future__ import annotations

import orjson

from provenance_linker.model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind
from provenance_linker.store import open_store
from provenance_linker.store.neo4j import Neo4jStore

from ..support.neo4j_server import Neo4jServer


def indexes(server: Neo4jServer) -> dict[str, str | None]:
    records = server.driver().execute_query(
        "MATCH (d:Document) RETURN d.digest AS digest, d.dependencies AS index").records
    return {r["digest"]: r["index"] for r in records}


def test_migration_2_rebuilds_missing_indexes(neo4j_server: Neo4jServer) -> None:
    store = open_store(neo4j_server.url)
    assert isinstance(store, Neo4jStore)
    try:
        wanted = {}
        for s in range(3):
            sbom = Node(NodeKind.SBOM, "sha256:" + f"{s + 1:064x}", {})
            pkgs = [Node(NodeKind.PACKAGE, f"pkg:npm/p{s}-{i}@1.0.0", {}) for i in range(6)]
            edges = [Edge(EdgeKind.DEPENDS_ON, sbom.ref, pkgs[0].ref),
                     Edge(EdgeKind.DEPENDS_ON, sbom.ref, pkgs[1].ref)]
            edges += [Edge(EdgeKind.DEPENDS_ON, pkgs[i].ref, pkgs[i + 2].ref) for i in range(4)]
            store.apply(Batch(DocumentInfo(sbom.key, "sbom", "cyclonedx-json", f"{s}.json", {}),
                              [sbom, *pkgs], edges))
            wanted[sbom.key] = {pkgs[5].key}
        advisory = DocumentInfo("sha256:" + "a" * 64, "advisory", "osv-json", "osv.json", {})
        store.apply(Batch(advisory, [], []))
        written = indexes(neo4j_server)
        assert written[advisory.digest] is None
        assert all(written[d] for d in wanted)
        chains = store.shortest_dependency_paths(wanted)
        assert all(len(chain) == 4 for chain in chains.values())  # sbom -> p1 -> p3 -> p5

        # A database from before the index: no index, schema at version 1.
        neo4j_server.driver().execute_query(
            "MATCH (d:Document) REMOVE d.dependencies WITH count(d) AS n "
            "MATCH (v:SchemaVersion) WHERE v.version >= 2 DELETE v")
        assert not any(indexes(neo4j_server).values())
        assert store.shortest_dependency_paths(wanted) == chains  # the edge walk
        assert store.migrate() == 3
        assert indexes(neo4j_server) == written
        assert store.shortest_dependency_paths(wanted) == chains
        assert store.migrate() == 3  # nothing pending: no second backfill
    finally:
        store.close()


def test_an_edited_index_is_walked_around_and_reported(neo4j_server: Neo4jServer) -> None:
    """The index is derived, so it carries its own MAC under an integrity key: an index
    edited outside the store to claim a shortcut is not used (the sealed edges are
    walked), and `integrity verify`'s derived check names the document."""
    store = open_store(neo4j_server.url, integrity_key=b"k" * 32)
    assert isinstance(store, Neo4jStore)
    try:
        sbom = Node(NodeKind.SBOM, "sha256:" + "5" * 64, {})
        pkgs = [Node(NodeKind.PACKAGE, f"pkg:npm/q{i}@1.0.0", {}) for i in range(4)]
        edges = [Edge(EdgeKind.DEPENDS_ON, a.ref, b.ref)
                 for a, b in zip([sbom, *pkgs], pkgs, strict=False)]
        store.apply(Batch(DocumentInfo(sbom.key, "sbom", "cyclonedx-json", "q.json", {}),
                          [sbom, *pkgs], edges))
        wanted = {sbom.key: {pkgs[3].key}}
        honest = store.shortest_dependency_paths(wanted)
        assert honest == {sbom.key: [sbom.key, *(p.key for p in pkgs)]}
        assert store.integrity_derived() is None
        forged = orjson.dumps({"keys": [pkgs[3].key, sbom.key], "edges": [1, 0]}).decode()
        neo4j_server.driver().execute_query(
            "MATCH (d:Document {digest: $d}) SET d.dependencies = $i",
            {"d": sbom.key, "i": forged})
        assert store.shortest_dependency_paths(wanted) == honest
        assert store.integrity_derived() == ("dependency index", sbom.key)
    finally:
        store.close()
