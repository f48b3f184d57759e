"""`running_in` (one batched store read) answers what `running_now` answers for an
environment's workloads, stopped workloads left out, on every backend."""

from __future__ import annotations

from provenance_linker.model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from provenance_linker.runtime.history import running_in, running_now
from provenance_linker.store.interface import GraphStore


def _workloads(store: GraphStore) -> None:
    def dep(name: str) -> NodeRef:
        return NodeRef(NodeKind.DEPLOYMENT, f"c1/shop/Deployment/{name}")

    def art(n: int) -> NodeRef:
        return NodeRef(NodeKind.ARTIFACT, "sha256:" + str(n) * 64)

    prod, dev = NodeRef(NodeKind.ENVIRONMENT, "production"), NodeRef(NodeKind.ENVIRONMENT, "dev")
    names = ("web", "api", "stopped", "elsewhere")
    nodes = [Node(NodeKind.DEPLOYMENT, dep(n).key,
                  {"cluster": "c1", "namespace": "shop", "kind": "Deployment", "name": n,
                   "environment": "dev" if n == "elsewhere" else "production",
                   "running": n != "stopped"}) for n in names]
    nodes += [Node(NodeKind.ENVIRONMENT, e.key, {}) for e in (prod, dev)]
    nodes += [Node(NodeKind.ARTIFACT, art(i).key, {}) for i in (1, 2, 3)]
    edges = [Edge(EdgeKind.IN, dep(n), dev if n == "elsewhere" else prod) for n in names]
    edges += [Edge(EdgeKind.RUNS, dep("web"), art(1), {"container": "app", "image": "r/web",
                                                       "since": "2026-12-01T00:00:00Z"}),
              Edge(EdgeKind.RUNS, dep("web"), art(2), {"container": "side",
                                                       "observed_at": "2026-12-01T00:00:00Z"}),
              Edge(EdgeKind.RUNS, dep("api"), art(2), {"container": "app"}),
              Edge(EdgeKind.RUNS, dep("stopped"), art(3), {"container": "app"}),
              Edge(EdgeKind.RUNS, dep("elsewhere"), art(3), {"container": "app"})]
    info = DocumentInfo(digest="sha256:" + "e" * 64, kind="deployment", format="k8s",
                        name="cluster.json", meta={})
    store.apply(Batch(info, nodes, edges))


def test_running_in_equals_running_now_of_the_environment(store: GraphStore) -> None:
    _workloads(store)
    for environment in ("production", "dev"):
        members = [e.src.key for e in store.edges(
            [EdgeKind.IN], dst=[NodeRef(NodeKind.ENVIRONMENT, environment)])]
        assert running_in(store, environment) == running_now(store, deployments=members)
    production = running_in(store, "production")
    assert [(r.name, r.container, r.digest[-1]) for r in production] == [
        ("api", "app", "2"), ("web", "app", "1"), ("web", "side", "2")]  # stopped: left out
    assert production[1].since == "2026-12-01T00:00:00Z" and production[1].image == "r/web"
    assert running_in(store, None) == running_now(store)
    assert len(running_in(store, None)) == 4
    assert running_in(store, "staging") == []
