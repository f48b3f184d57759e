"""The GraphStore contract: every backend must pass this suite unchanged."""

from __future__ import annotations

import random

import pytest

from provenance_linker.errors import StoreError
from provenance_linker.model import (
    Batch,
    Direction,
    DocumentInfo,
    DocumentRows,
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    NodeRef,
)
from provenance_linker.store import ledger
from provenance_linker.store.interface import GraphStore
from provenance_linker.store.paths import first_chain

A = NodeRef(NodeKind.ARTIFACT, "sha256:" + "a" * 64)
S1 = NodeRef(NodeKind.SBOM, "sha256:" + "1" * 64)
S2 = NodeRef(NodeKind.SBOM, "sha256:" + "2" * 64)


def pkg(name: str, version: str = "1.0.0") -> NodeRef:
    return NodeRef(NodeKind.PACKAGE, f"pkg:npm/{name}@{version}")


def doc(ref: NodeRef, name: str = "doc.json") -> DocumentInfo:
    return DocumentInfo(digest=ref.key, kind="sbom", format="cyclonedx-json", name=name,
                        meta={"size": 10})


def sbom_batch(sbom: NodeRef, chain: list[str], extra_props: dict[str, object] | None = None
               ) -> Batch:
    """An SBOM describing artifact A that lists `chain` with sbom -> chain[0] -> chain[1] …"""
    nodes = [Node(NodeKind.SBOM, sbom.key, {"format": "CycloneDX", "packages": len(chain)}),
             Node(NodeKind.ARTIFACT, A.key, {"type": "container"})]
    nodes += [Node(NodeKind.PACKAGE, pkg(n).key,
                   {"name": n, "version": "1.0.0", "ecosystem": "npm", **(extra_props or {})})
              for n in chain]
    edges = [Edge(EdgeKind.DESCRIBES, sbom, A)]
    edges += [Edge(EdgeKind.LISTS, sbom, pkg(n)) for n in chain]
    prev = sbom
    for n in chain:
        edges.append(Edge(EdgeKind.DEPENDS_ON, prev, pkg(n)))
        prev = pkg(n)
    return Batch(document=doc(sbom), nodes=nodes, edges=edges)


def test_apply_then_get_and_counts(store: GraphStore) -> None:
    result = store.apply(sbom_batch(S1, ["a", "b", "c"]))
    assert result.created is True
    node = store.get(pkg("b"))
    assert node is not None and node.props["name"] == "b"
    assert store.get(pkg("zzz")) is None
    counts = store.counts()
    assert counts["Package"] == 3
    assert counts["LISTS"] == 3
    assert counts["DEPENDS_ON"] == 3
    assert counts["documents"] == 1
    info = store.document(S1.key)
    assert info is not None and info.name == "doc.json" and info.meta["size"] == 10
    assert info.ingested_at


def test_apply_is_idempotent(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a", "b"]))
    before = (store.counts(), store.content_digest())
    again = store.apply(sbom_batch(S1, ["a", "b"]))
    assert again.created is False
    assert (store.counts(), store.content_digest()) == before


def test_props_merge_and_none_is_dropped(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a"], {"license": "MIT", "cpe": None}))
    store.apply(sbom_batch(S2, ["a"], {"supplier": "Acme"}))
    node = store.get(pkg("a"))
    assert node is not None
    assert node.props["license"] == "MIT" and node.props["supplier"] == "Acme"
    assert "cpe" not in node.props


def test_get_many_and_find(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a", "b", "c"]))
    many = store.get_many(NodeKind.PACKAGE, [pkg("a").key, pkg("c").key, "pkg:npm/nope@1"])
    assert sorted(many) == [pkg("a").key, pkg("c").key]
    found = store.find(NodeKind.PACKAGE, {"name": "b"})
    assert [n.key for n in found] == [pkg("b").key]
    assert len(store.find(NodeKind.PACKAGE, {"ecosystem": "npm"})) == 3
    assert len(store.find(NodeKind.PACKAGE, limit=2)) == 2
    assert store.find(NodeKind.PACKAGE, {"name": "b", "version": "2.0"}) == []


def test_edges_filters(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a", "b"]))
    store.apply(sbom_batch(S2, ["b", "c"]))
    lists = store.edges([EdgeKind.LISTS])
    assert len(lists) == 4
    from_s2 = store.edges([EdgeKind.LISTS], src=[S2])
    assert {e.dst.key for e in from_s2} == {pkg("b").key, pkg("c").key}
    into_b = store.edges(dst=[pkg("b")])
    assert {(e.kind, e.src.key) for e in into_b} == {
        (EdgeKind.LISTS, S1.key), (EdgeKind.LISTS, S2.key),
        (EdgeKind.DEPENDS_ON, pkg("a").key), (EdgeKind.DEPENDS_ON, S2.key)}
    assert all(e.doc in (S1.key, S2.key) for e in into_b)
    scoped = store.edges([EdgeKind.DEPENDS_ON], doc=S2.key)
    assert {(e.src.key, e.dst.key) for e in scoped} == {(S2.key, pkg("b").key),
                                                        (pkg("b").key, pkg("c").key)}
    assert store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, "sha256:" + "9" * 64)]) == []
    both = store.edges([EdgeKind.DEPENDS_ON], src=[pkg("a")], dst=[pkg("b")])
    assert len(both) == 1


def test_traverse_depth_direction_and_scope(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a", "b", "c", "d"]))
    store.apply(sbom_batch(S2, ["x", "c"]))
    out = store.traverse([S1], [EdgeKind.DEPENDS_ON], Direction.OUT, max_depth=2)
    assert [(s.depth, s.node.key) for s in out] == [(1, pkg("a").key), (2, pkg("b").key)]
    deep = store.traverse([S1], [EdgeKind.DEPENDS_ON], Direction.OUT, max_depth=10, doc=S1.key)
    assert [s.node.key for s in deep] == [pkg(n).key for n in "abcd"]
    # Without the document scope, S2's edge x -> c is not reachable from S1 (direction).
    unscoped = store.traverse([S1], [EdgeKind.DEPENDS_ON], Direction.OUT, max_depth=10)
    assert {s.node.key for s in unscoped} == {pkg(n).key for n in "abcd"}
    up = store.traverse([pkg("c")], [EdgeKind.DEPENDS_ON], Direction.IN, max_depth=10)
    assert {s.node.key for s in up} == {pkg("b").key, pkg("a").key, S1.key, pkg("x").key,
                                        S2.key}
    assert all(s.depth >= 1 for s in up)
    both = store.traverse([pkg("b")], [EdgeKind.DEPENDS_ON], Direction.BOTH, max_depth=1)
    assert {s.node.key for s in both} == {pkg("a").key, pkg("c").key}
    assert store.traverse([], [EdgeKind.DEPENDS_ON]) == []
    assert store.traverse([S1], [EdgeKind.DEPENDS_ON], max_depth=0) == []


def test_traverse_handles_cycles(store: GraphStore) -> None:
    b = sbom_batch(S1, ["a", "b"])
    b = Batch(b.document, b.nodes, [*b.edges, Edge(EdgeKind.DEPENDS_ON, pkg("b"), pkg("a"))])
    store.apply(b)
    steps = store.traverse([S1], [EdgeKind.DEPENDS_ON], Direction.OUT, max_depth=50)
    assert sorted((s.edge.src.key, s.edge.dst.key) for s in steps) == sorted([
        (S1.key, pkg("a").key), (pkg("a").key, pkg("b").key), (pkg("b").key, pkg("a").key)])


def test_delete_document_keeps_shared_nodes(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a", "b"]))
    store.apply(sbom_batch(S2, ["b", "c"]))
    assert store.delete_document(S1.key) is True
    assert store.get(pkg("a")) is None
    assert store.get(pkg("b")) is not None
    assert store.get(A) is not None  # S2 still describes it
    assert store.document(S1.key) is None
    assert store.edges(doc=S1.key) == []
    assert store.delete_document(S1.key) is False
    assert store.delete_document(S2.key) is True
    assert store.counts().get("Package", 0) == 0


def test_replaces_withdraws_old_document_atomically(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a"]))
    new = sbom_batch(S2, ["b"])
    store.apply(Batch(new.document, new.nodes, new.edges, replaces=[S1.key]))
    assert store.document(S1.key) is None
    assert store.get(pkg("a")) is None and store.get(pkg("b")) is not None


def test_failed_apply_changes_nothing(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a"]))
    before = (store.counts(), store.content_digest())
    bad = sbom_batch(S2, ["b", "c"])
    broken = Batch(bad.document, bad.nodes,
                   [*bad.edges, Edge(EdgeKind.AFFECTED_BY, pkg("b"),
                                     NodeRef(NodeKind.VULNERABILITY, "CVE-1"),
                                     doc="sha256:" + "f" * 64)])
    with pytest.raises(StoreError):
        store.apply(broken)
    assert (store.counts(), store.content_digest()) == before
    assert store.document(S2.key) is None


def test_edge_asserted_by_another_document(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a"]))
    vuln_doc = DocumentInfo(digest="sha256:" + "e" * 64, kind="advisory", format="osv-json",
                            name="osv.json")
    vuln = Node(NodeKind.VULNERABILITY, "GHSA-xxxx", {"severity": "high"})
    store.apply(Batch(vuln_doc, [vuln], []))
    store.apply(Batch(doc(S2), [], [Edge(EdgeKind.AFFECTED_BY, pkg("a"), vuln.ref,
                                          {"range": "<2"}, doc=vuln_doc.digest)]))
    edges = store.edges([EdgeKind.AFFECTED_BY])
    assert len(edges) == 1 and edges[0].doc == vuln_doc.digest
    assert edges[0].props == {"range": "<2"}
    store.delete_document(vuln_doc.digest)
    assert store.edges([EdgeKind.AFFECTED_BY]) == []


def test_documents_in_ingest_order(store: GraphStore) -> None:
    store.apply(sbom_batch(S2, ["a"]))
    store.apply(sbom_batch(S1, ["b"]))
    assert [d.digest for d in store.documents()] == [S2.key, S1.key]
    assert [d.digest for d in store.documents("sbom")] == [S2.key, S1.key]
    assert store.documents("advisory") == []
    seqs = [d.seq for d in store.documents()]
    assert seqs == sorted(seqs)


def test_documents_in_pages(store: GraphStore) -> None:
    batches = [sbom_batch(NodeRef(NodeKind.SBOM, "sha256:" + f"{n:064x}"), [f"p{n}"])
               for n in range(1, 8)]
    for batch in batches:
        store.apply(batch)
    store.apply(Batch(DocumentInfo(digest="sha256:" + "a" * 64, kind="advisory",
                                   format="osv-json", name="adv.json", meta={}),
                      [Node(NodeKind.VULNERABILITY, "GHSA-page")], []))
    every = [d.digest for d in store.documents()]
    pages: list[str] = []
    after = 0
    while page := store.documents(after=after, limit=3):
        assert len(page) <= 3
        pages += [d.digest for d in page]
        after = page[-1].seq
    assert pages == every and len(every) == 8
    first = store.documents("sbom", limit=2)
    assert [d.digest for d in first] == every[:2]
    rest = store.documents("sbom", after=first[-1].seq)
    assert [d.digest for d in rest] == every[2:7]
    assert store.documents("advisory", after=0, limit=5)[0].digest == every[7]


def test_export_document_round_trips(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a", "b"]))
    exported = store.export_document(S1.key)
    assert exported is not None
    digest = store.content_digest()
    store.delete_document(S1.key)
    assert store.content_digest() != digest
    store.apply(exported)
    assert store.content_digest() == digest
    assert store.export_document("sha256:" + "0" * 64) is None


def test_records(store: GraphStore) -> None:
    store.put_record("tokens", "t1", {"role": "reader", "n": 1})
    store.put_record("tokens", "t2", {"role": "admin"})
    store.put_record("tokens", "t1", {"role": "writer"})
    assert store.get_record("tokens", "t1") == {"role": "writer"}
    assert store.get_record("tokens", "nope") is None
    assert [k for k, _ in store.list_records("tokens")] == ["t1", "t2"]
    assert store.delete_record("tokens", "t1") is True
    assert store.delete_record("tokens", "t1") is False
    assert store.list_records("other") == []


def test_logs_are_hash_chained(store: GraphStore) -> None:
    for i in range(5):
        entry = store.append_log("audit", {"i": i, "who": "alice"})
        assert entry.seq == i + 1
    entries = store.read_log("audit")
    assert [e.payload["i"] for e in entries] == [0, 1, 2, 3, 4]
    assert entries[0].prev_hash == ledger.GENESIS
    assert ledger.verify_chain("audit", entries).ok
    assert [e.seq for e in store.read_log("audit", after=3)] == [4, 5]
    assert len(store.read_log("audit", limit=2)) == 2
    assert store.read_log("other") == []
    # A batch can append in its own transaction.
    b = sbom_batch(S1, ["a"])
    store.apply(Batch(b.document, b.nodes, b.edges, log=[("ledger", {"doc": S1.key})]))
    assert store.read_log("ledger")[0].payload == {"doc": S1.key}


def test_tampered_log_is_detected(store: GraphStore) -> None:
    for i in range(3):
        store.append_log("audit", {"i": i})
    entries = store.read_log("audit")
    edited = [entries[0], type(entries[1])(entries[1].stream, entries[1].seq, entries[1].at,
                                           {"i": 99}, entries[1].prev_hash, entries[1].hash),
              entries[2]]
    report = ledger.verify_chain("audit", edited)
    assert not report.ok and report.first_bad_seq == 2
    dropped = ledger.verify_chain("audit", [entries[0], entries[2]])
    assert not dropped.ok and dropped.first_bad_seq == 2


def test_content_digest_depends_on_content(store: GraphStore) -> None:
    empty = store.content_digest()
    store.apply(sbom_batch(S1, ["a"]))
    one = store.content_digest()
    assert one != empty and one.startswith("sha256:")


def test_migrate_is_repeatable(store: GraphStore) -> None:
    version = store.migrate()
    assert version >= 1
    assert store.migrate() == version
    store.ping()


def test_shortest_dependency_paths_use_each_sboms_own_edges(store: GraphStore) -> None:
    """The blast-radius fast path both backends provide: per SBOM, the shortest chain
    from its root to a wanted package over the edges that SBOM asserts, including edges
    another document asserts on its behalf."""
    paths = store.shortest_dependency_paths
    store.apply(sbom_batch(S1, ["a", "b", "c", "d"]))
    store.apply(sbom_batch(S2, ["d"]))  # S2 reaches d directly: never a shortcut for S1
    assert paths({S1.key: {pkg("d").key}}) == {S1.key: [S1.key, *(pkg(n).key for n in "abcd")]}
    assert paths({S1.key: {pkg("c").key, pkg("d").key}}) == {
        S1.key: [S1.key, pkg("a").key, pkg("b").key, pkg("c").key]}
    assert paths({S2.key: {pkg("d").key}, S1.key: {pkg("b").key}}) == {
        S2.key: [S2.key, pkg("d").key], S1.key: [S1.key, pkg("a").key, pkg("b").key]}
    assert paths({S2.key: {pkg("a").key}}) == {}  # listed nowhere in S2's graph
    assert paths({S1.key: {pkg("d").key}}, 2) == {}  # deeper than allowed
    # Another document adds a shortcut a -> d to S1's dependency graph.
    other = DocumentInfo(digest="sha256:" + "f" * 64, kind="sbom", format="cyclonedx-json",
                         name="patch.json")
    store.apply(Batch(other, [], [Edge(EdgeKind.DEPENDS_ON, pkg("a"), pkg("d"), doc=S1.key)]))
    assert paths({S1.key: {pkg("d").key}}) == {S1.key: [S1.key, pkg("a").key, pkg("d").key]}
    store.delete_document(other.digest)
    assert paths({S1.key: {pkg("b").key}}) == {S1.key: [S1.key, pkg("a").key, pkg("b").key]}


def random_dependency_batch(rng: random.Random, sbom: NodeRef, size: int) -> Batch:
    """An SBOM whose packages form a random graph with shared nodes, cycles and
    repeated edges: the chains stored or walked must be `first_chain` over its edges."""
    names = [f"r{rng.randrange(3 * size)}" for _ in range(size)]
    names = list(dict.fromkeys(names))
    pairs = [(sbom, pkg(n)) for n in names[:3]]
    for n in names:
        for child in rng.sample(names, min(2, len(names))):
            if rng.random() < 0.5:
                pairs.append((pkg(n), pkg(child)))
    pairs += rng.sample(pairs, min(3, len(pairs)))  # the same edge twice keeps its place
    nodes = [Node(NodeKind.SBOM, sbom.key, {})]
    nodes += [Node(NodeKind.PACKAGE, pkg(n).key, {"name": n}) for n in names]
    edges = [Edge(EdgeKind.LISTS, sbom, pkg(n)) for n in names]
    edges += [Edge(EdgeKind.DEPENDS_ON, a, b) for a, b in pairs]
    return Batch(document=doc(sbom), nodes=nodes, edges=edges)


def expected_chains(batches: list[Batch], wanted: dict[str, set[str]],
                    depth: int) -> dict[str, list[str]]:
    found = {}
    for batch in batches:
        children: dict[str, list[str]] = {}
        for e in batch.edges:
            if e.kind == EdgeKind.DEPENDS_ON:
                children.setdefault(e.src.key, []).append(e.dst.key)
        key = batch.document.digest
        if key in wanted and (chain := first_chain(children, wanted[key], key, depth)):
            found[key] = chain
    return found


def test_shortest_dependency_paths_follow_one_rule_on_random_graphs(
        store: GraphStore) -> None:
    rng = random.Random(11)
    sboms = [NodeRef(NodeKind.SBOM, "sha256:" + f"{i:064x}") for i in range(1, 13)]
    batches = [random_dependency_batch(rng, s, rng.randrange(3, 40)) for s in sboms]
    store.load_documents(map(DocumentRows.of, batches[:6]))  # the bulk path and `apply` alike
    for batch in batches[6:]:
        store.apply(batch)
    compared = 0
    for _ in range(8):
        wanted = {b.document.digest: set(rng.sample(
            [n.key for n in b.nodes if n.kind == NodeKind.PACKAGE], 2)) for b in batches}
        depth = rng.choice([1, 2, 3, 64])
        expected = expected_chains(batches, wanted, depth)
        assert store.shortest_dependency_paths(wanted, depth) == expected
        compared += len(expected)
    assert compared > 40
    # Re-ingesting changes nothing; withdrawing an SBOM takes its chains with it.
    store.apply(batches[7])
    wanted = {b.document.digest: {n.key for n in b.nodes if n.kind == NodeKind.PACKAGE}
              for b in batches}
    assert store.shortest_dependency_paths(wanted) == expected_chains(batches, wanted, 64)
    store.delete_document(batches[7].document.digest)
    assert batches[7].document.digest not in store.shortest_dependency_paths(wanted)
    store.apply(batches[7])
    assert store.shortest_dependency_paths(wanted) == expected_chains(batches, wanted, 64)


def test_document_scoped_traverse_equals_unscoped_on_one_document(store: GraphStore) -> None:
    """With a single document, scoping a walk to it changes nothing, in every direction
    and at every depth (Neo4j walks a scoped traversal differently from an unscoped one)."""
    b = sbom_batch(S1, ["a", "b", "c", "d", "e"])
    extra = [Edge(EdgeKind.DEPENDS_ON, pkg("a"), pkg("c")), Edge(EdgeKind.DEPENDS_ON,
             pkg("d"), pkg("b")), Edge(EdgeKind.DEPENDS_ON, S1, pkg("e"))]
    store.apply(Batch(b.document, b.nodes, [*b.edges, *extra]))
    compared = 0
    for start in ([S1], [pkg("c")], [pkg("b"), pkg("e")]):
        for direction in Direction:
            for depth in (1, 2, 3, 8):
                kinds = [EdgeKind.DEPENDS_ON, EdgeKind.LISTS]
                scoped = store.traverse(start, kinds, direction, depth, doc=S1.key)
                unscoped = store.traverse(start, kinds, direction, depth)
                assert [(s.depth, s.edge, s.node) for s in scoped] == \
                    [(s.depth, s.edge, s.node) for s in unscoped], (start, direction, depth)
                compared += len(scoped)
    assert compared > 50
    # d and e are both one hop from S1 (LISTS, DEPENDS_ON): d -> e is taken forwards.
    both = store.traverse([S1], [EdgeKind.DEPENDS_ON, EdgeKind.LISTS], Direction.BOTH, 2)
    tie = [s for s in both if (s.edge.src, s.edge.dst) == (pkg("d"), pkg("e"))]
    assert [(s.depth, s.node.key) for s in tie] == [(2, pkg("e").key)]
    assert store.traverse([pkg("c")], [EdgeKind.DEPENDS_ON], Direction.IN, 8,
                          doc="sha256:" + "9" * 64) == []


def test_deployment_runs_equal_the_piecewise_reads(store: GraphStore) -> None:
    """One read of what an environment's workloads run gives the RUNS edges and the
    Deployment nodes the IN edges, RUNS edges and get_many give one after another."""
    def dep(name: str) -> NodeRef:
        return NodeRef(NodeKind.DEPLOYMENT, f"c1/shop/Deployment/{name}")

    def art(n: int) -> NodeRef:
        return NodeRef(NodeKind.ARTIFACT, "sha256:" + str(n) * 64)

    prod, staging = (NodeRef(NodeKind.ENVIRONMENT, e) for e in ("production", "staging"))
    web, api, job, idle = dep("web"), dep("api"), dep("job"), dep("idle")
    nodes = [Node(NodeKind.DEPLOYMENT, d.key, {"name": d.key.rsplit("/", 1)[1],
                                               "running": d != idle})
             for d in (web, api, job, idle)]
    nodes += [Node(NodeKind.ENVIRONMENT, e.key, {}) for e in (prod, staging)]
    nodes += [Node(NodeKind.ARTIFACT, art(n).key, {}) for n in (1, 2, 3)]
    edges = [Edge(EdgeKind.IN, web, prod), Edge(EdgeKind.IN, web, staging),
             Edge(EdgeKind.IN, api, prod), Edge(EdgeKind.IN, idle, prod),
             Edge(EdgeKind.RUNS, web, art(1), {"container": "app", "image": "r/web:1"}),
             Edge(EdgeKind.RUNS, web, art(2), {"container": "side"}),
             Edge(EdgeKind.RUNS, api, art(2), {"container": "app"}),
             Edge(EdgeKind.RUNS, job, art(3), {"container": "app"}),
             Edge(EdgeKind.RUNS, idle, art(3), {"container": "app"}),
             Edge(EdgeKind.DEPENDS_ON, pkg("a"), pkg("b"))]  # not a RUNS edge: never answered
    nodes += [Node(NodeKind.PACKAGE, pkg(n).key, {}) for n in ("a", "b")]
    observed = DocumentInfo(digest="sha256:" + "d" * 64, kind="deployment", format="k8s",
                            name="cluster.json", meta={})
    store.apply(Batch(observed, nodes, edges))

    def piecewise(environment: str | None) -> list[tuple[Edge, Node]]:
        if environment is None:
            runs = store.edges([EdgeKind.RUNS])
        else:
            members = [e.src for e in store.edges(
                [EdgeKind.IN], dst=[NodeRef(NodeKind.ENVIRONMENT, environment)])]
            runs = store.edges([EdgeKind.RUNS], src=members) if members else []
        found = store.get_many(NodeKind.DEPLOYMENT, {e.src.key for e in runs})
        return [(e, found[e.src.key]) for e in runs]

    def keyed(rows: list[tuple[Edge, Node]]) -> list[tuple[str, str, str, str, bool]]:
        return sorted((e.src.key, e.dst.key, str(e.props.get("container")), e.doc,
                       bool(n.props.get("running"))) for e, n in rows)

    for environment in ("production", "staging", None, "nowhere"):
        batched = store.deployment_runs(environment)
        assert keyed(batched) == keyed(piecewise(environment)), environment
        assert all(e.kind == EdgeKind.RUNS and n.key == e.src.key for e, n in batched)
    assert {e.src for e, _ in store.deployment_runs("production")} == {web, api, idle}
    assert len(store.deployment_runs("production")) == 4  # web in two environments: once
    assert len(store.deployment_runs(None)) == 5
    assert store.deployment_runs("nowhere") == []


def test_load_documents_refuses_a_store_with_documents(store: GraphStore) -> None:
    store.apply(sbom_batch(S1, ["a"]))
    before = (store.counts(), store.content_digest())
    with pytest.raises(StoreError, match="empty"):
        store.load_documents([DocumentRows.of(sbom_batch(S2, ["b"]))])
    assert (store.counts(), store.content_digest()) == before


def test_load_documents_into_an_empty_store(store: GraphStore) -> None:
    """The bulk load (restores) ends in the state `apply` of each batch in order ends in:
    properties merged across documents, edges per document, log entries appended."""
    first = sbom_batch(S1, ["a", "b"], {"license": "MIT"})
    second = sbom_batch(S2, ["b", "c"], {"supplier": "Acme"})
    second = Batch(second.document, second.nodes, second.edges,
                   log=[("ledger", {"action": "ingest", "document": S2.key})])
    assert store.load_documents(map(DocumentRows.of, [first, second])) == 2
    assert [e.payload for e in store.read_log("ledger")] == [
        {"action": "ingest", "document": S2.key}]
    node = store.get(pkg("b"))
    assert node is not None and node.props["license"] == "MIT"
    assert node.props["supplier"] == "Acme"
    assert [d.digest for d in store.documents()] == [S1.key, S2.key]
    counts, digest = store.counts(), store.content_digest()
    assert counts["Package"] == 3 and counts["LISTS"] == 4 and counts["documents"] == 2
    # the same batches applied one by one give the same content
    exported = [store.export_document(d) for d in (S1.key, S2.key)]
    for d in (S2.key, S1.key):
        store.delete_document(d)
    assert store.counts()["documents"] == 0
    for batch in (first, second):
        store.apply(batch)
    assert (store.counts(), store.content_digest()) == (counts, digest)
    assert all(b is not None and b.nodes for b in exported)


def test_record_changes_and_their_log_entry_are_one_transaction(store: GraphStore) -> None:
    store.put_record("blocks", "gone", {"k": 1})
    found = store.change_records(puts=[("tokens", "t1", {"role": "reader"})],
                                 deletes=[("blocks", "gone"), ("blocks", "never")],
                                 log=[("audit", {"action": "tokens.create"})])
    assert found == [True, False]
    assert store.get_record("tokens", "t1") == {"role": "reader"}
    assert store.get_record("blocks", "gone") is None
    assert [e.payload for e in store.read_log("audit")] == [{"action": "tokens.create"}]
    assert ledger.verify_chain("audit", store.read_log("audit")).ok


def _dated_sbom(sbom: NodeRef, artifacts: list[NodeRef], created: object,
                packages: list[str]) -> Batch:
    """An SBOM document describing `artifacts`, listing `packages`, with `created`."""
    props = {"format": "CycloneDX"} | ({} if created is None else {"created": created})
    nodes = [Node(NodeKind.SBOM, sbom.key, props)]
    nodes += [Node(NodeKind.ARTIFACT, a.key, {}) for a in artifacts]
    nodes += [Node(NodeKind.PACKAGE, pkg(n).key, {"name": n}) for n in packages]
    edges = [Edge(EdgeKind.DESCRIBES, sbom, a) for a in artifacts]
    edges += [Edge(EdgeKind.LISTS, sbom, pkg(n)) for n in packages]
    return Batch(document=doc(sbom), nodes=nodes, edges=edges)


B = NodeRef(NodeKind.ARTIFACT, "sha256:" + "b" * 64)
C = NodeRef(NodeKind.ARTIFACT, "sha256:" + "c" * 64)
S3 = NodeRef(NodeKind.SBOM, "sha256:" + "3" * 64)
S4 = NodeRef(NodeKind.SBOM, "sha256:" + "4" * 64)
S5 = NodeRef(NodeKind.SBOM, "sha256:" + "5" * 64)


def _sbom_graph(store: GraphStore) -> None:
    """Artifacts with several SBOMs: dated, undated, a non-string date, tied dates, and
    an SBOM node no SBOM document of its own stands behind (asserted by an attestation)."""
    store.apply(_dated_sbom(S1, [A, B], "2026-01-02T00:00:00+01:00", ["x", "y"]))
    store.apply(_dated_sbom(S2, [A], "2026-01-01T23:30:00Z", ["x"]))
    store.apply(_dated_sbom(S3, [B, C], None, ["y", "z"]))
    store.apply(_dated_sbom(S4, [C], 20260101, ["z"]))
    store.apply(_dated_sbom(S2, [A], "2026-01-01T23:30:00Z", ["x"]))  # again: no change
    attestation = DocumentInfo(digest="sha256:" + "e" * 64, kind="attestation",
                               format="in-toto", name="att.json", meta={})
    store.apply(Batch(attestation, [Node(NodeKind.SBOM, S5.key, {"created": "2026-01-01"}),
                                    Node(NodeKind.ARTIFACT, C.key, {})],
                      [Edge(EdgeKind.DESCRIBES, S5, C), Edge(EdgeKind.NAMES, S5, C)]))


def test_edge_keys_equal_the_ends_of_edges(store: GraphStore) -> None:
    """The lean read answers the (src, dst) keys `edges` answers, in the same order,
    once per asserting document; unknown keys and other kinds are not answered."""
    _sbom_graph(store)
    store.apply(Batch(DocumentInfo(digest="sha256:" + "f" * 64, kind="sbom", format="x",
                                   name="again.json", meta={}),
                      [Node(NodeKind.SBOM, S1.key, {}), Node(NodeKind.PACKAGE, pkg("x").key,
                                                              {})],
                      [Edge(EdgeKind.LISTS, S1, pkg("x"))]))  # a second assertion
    packages = [pkg(n) for n in ("x", "y", "z", "unknown")]
    sboms = [S1, S2, S3, S4, S5, NodeRef(NodeKind.SBOM, "sha256:" + "0" * 64)]
    cases = [(EdgeKind.LISTS, packages, Direction.IN),
             (EdgeKind.LISTS, sboms, Direction.OUT),
             (EdgeKind.DESCRIBES, sboms, Direction.OUT),
             (EdgeKind.DESCRIBES, [A, B, C], Direction.IN),
             (EdgeKind.NAMES, [A, B, C], Direction.IN),
             (EdgeKind.IS, [A, B, C], Direction.IN)]
    for kind, refs, direction in cases:
        expected = store.edges([kind], **{"dst" if direction == Direction.IN else "src": refs})
        lean = store.edge_keys(kind, refs[0].kind, [r.key for r in refs], direction)
        assert lean == [(e.src.key, e.dst.key) for e in expected], (kind, direction)
    assert store.edge_keys(EdgeKind.LISTS, NodeKind.PACKAGE, [pkg("x").key]).count(
        (S1.key, pkg("x").key)) == 2
    assert store.edge_keys(EdgeKind.LISTS, NodeKind.ARTIFACT, [pkg("x").key]) == []
    assert store.edge_keys(EdgeKind.LISTS, NodeKind.PACKAGE, []) == []
    with pytest.raises(StoreError, match="direction"):
        store.edge_keys(EdgeKind.LISTS, NodeKind.PACKAGE, [pkg("x").key], Direction.BOTH)


def test_distinct_edge_keys_are_the_edge_keys_once_each(store: GraphStore) -> None:
    """Each (src, dst) pair once, sorted, however many documents assert it."""
    _sbom_graph(store)
    packages = [pkg(n).key for n in ("x", "y", "z", "unknown")]
    for n in range(3):  # three more SBOMs assert x LISTS and x IS A
        sbom = NodeRef(NodeKind.SBOM, "sha256:" + f"{n + 1:x}" * 64)
        store.apply(Batch(doc(sbom, f"again-{n}.json"),
                          [Node(NodeKind.SBOM, sbom.key, {}),
                           Node(NodeKind.PACKAGE, pkg("x").key, {}),
                           Node(NodeKind.ARTIFACT, A.key, {})],
                          [Edge(EdgeKind.LISTS, sbom, pkg("x")), Edge(EdgeKind.IS, pkg("x"), A),
                           Edge(EdgeKind.IS, pkg("y"), B)]))
    sboms = [s.key for s in (S1, S2, S3, S4, S5)]
    for kind, node_kind, keys in ((EdgeKind.IS, NodeKind.PACKAGE, packages),
                                  (EdgeKind.LISTS, NodeKind.SBOM, sboms),
                                  (EdgeKind.DESCRIBES, NodeKind.SBOM, sboms)):
        every = store.edge_keys(kind, node_kind, keys, Direction.OUT)
        distinct = store.distinct_edge_keys(kind, node_kind, keys)
        assert distinct == sorted(set(every)), kind
    assert store.edge_keys(EdgeKind.IS, NodeKind.PACKAGE, [pkg("x").key], Direction.OUT
                           ).count((pkg("x").key, A.key)) == 3
    assert store.distinct_edge_keys(EdgeKind.IS, NodeKind.PACKAGE, [pkg("x").key]) == [
        (pkg("x").key, A.key)]
    assert store.distinct_edge_keys(EdgeKind.IS, NodeKind.PACKAGE, []) == []
    assert store.distinct_edge_keys(EdgeKind.IS, NodeKind.ARTIFACT, packages) == []


def test_sbom_candidates_equal_the_piecewise_reads(store: GraphStore) -> None:
    """One read answers what the DESCRIBES edges, the SBOM nodes and their documents
    answer one after another: `created` when a string, the document's seq or 0."""
    _sbom_graph(store)
    arts = [A, B, C, NodeRef(NodeKind.ARTIFACT, "sha256:" + "9" * 64)]
    expected = set()
    for e in store.edges([EdgeKind.DESCRIBES], dst=arts):
        node = store.get(e.src)
        assert node is not None
        created = node.props.get("created")
        info = store.document(e.src.key)
        expected.add((e.dst.key, e.src.key, created if isinstance(created, str) else None,
                      info.seq or 0 if info else 0))
    lean = store.sbom_candidates([a.key for a in arts])
    assert lean == sorted(expected)
    assert len(lean) == 7  # S2 ingested twice, S5 asserted by two edges: once each
    assert (C.key, S5.key, "2026-01-01", 0) in lean
    assert (C.key, S4.key, None, store.document(S4.key).seq) in lean  # type: ignore[union-attr]
    assert store.sbom_candidates([]) == []


def test_current_sboms_follow_the_rule_of_sboms_for(store: GraphStore) -> None:
    """The batched current SBOM is the first of `sboms_for_many` (one rule, two readers):
    the later instant across offsets, dated over undated, ingest order on ties."""
    from provenance_linker.graph.sboms import current_sboms, sboms_for_many

    _sbom_graph(store)
    store.apply(_dated_sbom(S5, [B], "2026-01-02T00:00:00+01:00", []))  # ties S1 on B
    arts = [A.key, B.key, C.key]
    current = current_sboms(store, arts)
    assert current == {A.key: S2.key, B.key: S5.key, C.key: S5.key}
    history = sboms_for_many(store, arts)
    assert {a: infos[0].digest for a, infos in history.items()} == current
