"""Concurrent writers on one Neo4j (replicas of the service): the log chain never forks,
property merges are not lost, and documents get distinct ingest positions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from provenance_linker.model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind
from provenance_linker.store import ledger, open_store

from ..support.neo4j_server import Neo4jServer

WRITERS = 4
SHARED = "pkg:npm/shared@1.0.0"


def batch(writer: int) -> Batch:
    digest = "sha256:" + f"{writer + 1:x}".rjust(64, "c")
    doc = DocumentInfo(digest=digest, kind="sbom", format="cyclonedx-json", name=f"{writer}")
    sbom = Node(NodeKind.SBOM, digest, {"writer": writer})
    shared = Node(NodeKind.PACKAGE, SHARED, {f"seen_by_{writer}": True, "name": "shared"})
    return Batch(doc, [sbom, shared], [Edge(EdgeKind.LISTS, sbom.ref, shared.ref)],
                 log=[("ledger", {"writer": writer})])


def test_concurrent_writers(neo4j_server: Neo4jServer) -> None:
    stores = [open_store(neo4j_server.url) for _ in range(WRITERS)]
    try:
        stores[0].migrate()

        def work(i: int) -> None:
            for n in range(5):
                stores[i].append_log("audit", {"writer": i, "n": n})
            stores[i].apply(batch(i))

        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(work, range(WRITERS)))
        store = stores[0]
        audit = store.read_log("audit")
        assert len(audit) == WRITERS * 5 and ledger.verify_chain("audit", audit).ok
        assert [e.seq for e in audit] == list(range(1, WRITERS * 5 + 1))
        assert ledger.verify_chain("ledger", store.read_log("ledger")).ok
        node = store.get(Node(NodeKind.PACKAGE, SHARED).ref)
        assert node is not None
        assert {k for k in node.props if k.startswith("seen_by_")} == {
            f"seen_by_{i}" for i in range(WRITERS)}
        seqs = [d.seq for d in store.documents()]
        assert len(seqs) == WRITERS and len(set(seqs)) == WRITERS
        assert store.counts()["LISTS"] == WRITERS and store.counts()["Package"] == 1
    finally:
        for s in stores:
            s.close()
