"""The plans Neo4j picks for the store's key lookups: index seeks, whatever the
statistics say. On a new database (packages, no advisories yet) the planner once chose to
scan the whole key index per looked-up key when the query then expanded a relationship
type with no relationships, which made matching one large SBOM take seconds."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from provenance_linker.model import (
    Batch,
    Direction,
    DocumentInfo,
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    NodeRef,
)
from provenance_linker.store import neo4j_cypher as cy
from provenance_linker.store import open_store

from ..support.neo4j_server import Neo4jServer


def operators(plan: Any) -> list[str]:
    found = [str(plan["operatorType"]).split("@")[0]]
    for child in plan.get("children", []):
        found += operators(child)
    return found


def test_key_lookups_seek_even_with_no_relationships_of_the_type(
        neo4j_server: Neo4jServer) -> None:
    store = open_store(neo4j_server.url)
    try:
        packages = [Node(NodeKind.PACKAGE, f"pkg:npm/p{i}@1.0.0", {"name": f"p{i}"})
                    for i in range(300)]
        sbom = Node(NodeKind.SBOM, "sha256:" + "1" * 64, {})
        store.apply(Batch(DocumentInfo(sbom.key, "sbom", "cyclonedx-json", "s.json", {}),
                          [sbom, *packages],
                          [Edge(EdgeKind.LISTS, sbom.ref, p.ref) for p in packages]))
        refs = [p.ref for p in packages] + [NodeRef(NodeKind.PACKAGE, "pkg:npm/absent")]
        params: dict[str, Any] = {}
        queries, _ = cy.edges_query([EdgeKind.AFFECTED_BY], refs, [], None, params)
        queries += cy.traverse_queries(refs, [EdgeKind.AFFECTED_BY], "out", 3, None, params)
        for query in queries:
            with neo4j_server.driver().session() as session:
                plan = session.run("PROFILE " + query, params).consume().profile
            used = operators(plan)
            assert "NodeUniqueIndexSeek" in used, (query, used)
            assert not {"NodeIndexScan", "NodeByLabelScan", "AllNodesScan"} & set(used), used
        assert store.edges([EdgeKind.AFFECTED_BY], src=refs) == []
        assert len(store.edges([EdgeKind.LISTS], dst=refs)) == 300
    finally:
        store.close()


def test_answers_do_not_depend_on_how_anchors_are_split(
        neo4j_server: Neo4jServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anchored reads are split into queries of at most ANCHORS_PER_QUERY keys (each
    answer is one list the server holds in memory); splitting must not change them."""
    store = open_store(neo4j_server.url)
    try:
        sboms = [Node(NodeKind.SBOM, "sha256:" + f"{i:064x}", {"n": i}) for i in range(1, 8)]
        packages = [Node(NodeKind.PACKAGE, f"pkg:npm/p{i}@1.0.0", {"name": f"p{i}"})
                    for i in range(12)]
        for s, sbom in enumerate(sboms):
            mine = packages[s:s + 6]
            edges = [Edge(EdgeKind.DEPENDS_ON, sbom.ref, mine[0].ref)]
            edges += [Edge(EdgeKind.DEPENDS_ON, a.ref, b.ref)
                      for a, b in pairwise(mine)]
            edges += [Edge(EdgeKind.LISTS, sbom.ref, p.ref) for p in mine]
            store.apply(Batch(DocumentInfo(sbom.key, "sbom", "cyclonedx-json", f"{s}.json", {}),
                              [sbom, *mine], edges))
        refs = [p.ref for p in packages] + [s.ref for s in sboms]
        wanted = {s.key: {packages[s_i + 5].key} for s_i, s in enumerate(sboms)}

        def answers() -> tuple[Any, ...]:
            return (store.get_many(NodeKind.PACKAGE, [p.key for p in packages]),
                    store.edges([EdgeKind.DEPENDS_ON], src=refs),
                    store.edges([EdgeKind.LISTS, EdgeKind.DEPENDS_ON], dst=refs),
                    store.traverse(refs[:5], [EdgeKind.DEPENDS_ON], Direction.BOTH, 3),
                    store.shortest_dependency_paths(wanted))

        whole = answers()
        assert len(whole[0]) == 12 and len(whole[1]) == 42 and len(whole[4]) == 7
        monkeypatch.setattr(cy, "ANCHORS_PER_QUERY", 2)
        assert answers() == whole
    finally:
        store.close()
