"""Observations → one batch: start, change and end workload facts, history appended.

Every observation (a kubectl snapshot, or the workloads one watch flush changed) becomes
one document applied in one transaction. The batch replaces the documents that asserted
the workloads it rewrites and carries over everything else those documents asserted, so
each running workload is asserted by exactly one document and `RUNS` edges in the graph
are exactly what runs now, on every backend, through the plain `GraphStore` interface.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..graph.refs import name_node_props
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore
from .facts import (
    CHANGED,
    ENDED,
    RUNTIME_STREAM,
    STARTED,
    Scope,
    WorkloadFact,
    images_as_dicts,
    images_from_dicts,
)


@dataclass(frozen=True, slots=True)
class Transition:
    event: str  # started | changed | ended
    key: str
    environment: str | None
    digests: tuple[str, ...]  # what runs after the transition (none when ended)


@dataclass(frozen=True, slots=True)
class Observed:
    batch: Batch
    transitions: list[Transition]
    ended: int
    replaced: int


def _running(node: Node | None) -> bool:
    # Nodes written before workload lifecycles have no `running` flag: they ran.
    return node is not None and node.props.get("running") is not False


def _ran(node: Node | None, has_runs: bool) -> bool:
    if node is None:
        return False
    if "running" in node.props:
        return node.props["running"] is True
    return has_runs


def _in_scope(store: GraphStore, scope: Scope, observed: Iterable[str]) -> dict[str, Node]:
    keys = set(observed)
    if scope.keys is not None:
        keys |= scope.keys
        return store.get_many(NodeKind.DEPLOYMENT, keys)
    where: dict[str, Any] = {"cluster": scope.cluster}
    if scope.namespace is not None:
        where["namespace"] = scope.namespace
    found = {n.key: n for n in store.find(NodeKind.DEPLOYMENT, where)}
    missing = keys - found.keys()
    if missing:
        found.update(store.get_many(NodeKind.DEPLOYMENT, missing))
    return found


def _history(event: str, fact: WorkloadFact | None, key: str, prev: Node | None, now: str,
             since: str, reason: str | None) -> dict[str, Any]:
    p = prev.props if prev else {}
    source = fact or WorkloadFact(str(p.get("cluster") or ""), str(p.get("namespace") or ""),
                                  str(p.get("kind") or ""), str(p.get("name") or ""),
                                  p.get("environment"), False)
    images = fact.images if fact is not None and event != ENDED else images_from_dicts(
        p.get("image_runs"))
    return {"event": event, "deployment": key, "cluster": source.cluster,
            "namespace": source.namespace, "kind": source.kind, "name": source.name,
            "environment": source.environment, "images": images_as_dicts(images),
            "since": since, "at": now, "reason": reason}


def _fact_nodes(fact: WorkloadFact, since: str | None, now: str, doc: str,
                until: str | None) -> tuple[list[Node], list[Edge]]:
    dep = NodeRef(NodeKind.DEPLOYMENT, fact.key)
    unresolved = [i.as_dict() for i in fact.images if i.digest is None]
    props: dict[str, Any] = {
        "cluster": fact.cluster, "namespace": fact.namespace, "kind": fact.kind,
        "name": fact.name, "replicas": fact.replicas, "labels": dict(fact.labels),
        "environment": fact.environment, "running": fact.running,
        "images": sorted({i.image + ("@" + i.digest if i.digest else "")
                          for i in fact.images}) if fact.running else [],
        "image_runs": images_as_dicts(fact.images), "unresolved": unresolved or None,
        "since": since, "until": until, "end_reason": None if fact.running else fact.reason,
        "observed_at": now, "runtime_doc": doc}
    nodes = [Node(NodeKind.DEPLOYMENT, fact.key, props)]
    edges: list[Edge] = []
    if not fact.running:
        return nodes, edges
    if fact.environment:
        nodes.append(Node(NodeKind.ENVIRONMENT, fact.environment, {"name": fact.environment}))
        edges.append(Edge(EdgeKind.IN, dep, NodeRef(NodeKind.ENVIRONMENT, fact.environment)))
    for image in sorted(fact.images, key=lambda i: (i.container, i.image)):
        if image.digest is None:
            continue
        art = NodeRef(NodeKind.ARTIFACT, image.digest)
        nodes += [Node(NodeKind.ARTIFACT, image.digest, {}),
                  Node(NodeKind.NAME, image.image, name_node_props(image.image))]
        edges.append(Edge(EdgeKind.RUNS, dep, art, {"container": image.container,
                                                    "image": image.image, "since": since,
                                                    "observed_at": now}))
        edges.append(Edge(EdgeKind.NAMES, NodeRef(NodeKind.NAME, image.image), art,
                          {"at": now}))
    return nodes, edges


def _carry(store: GraphStore, docs: Iterable[str], rewritten: set[str], doc: str
           ) -> tuple[list[Node], list[Edge]]:
    """What the replaced documents asserted about anything not rewritten now."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    for old in sorted(docs):
        exported = store.export_document(old)
        if exported is None:
            continue
        for n in exported.nodes:
            if n.kind == NodeKind.DEPLOYMENT:
                if n.key in rewritten:
                    continue
                n = Node(n.kind, n.key, {**n.props, "runtime_doc": doc})
            nodes.append(n)
        for e in exported.edges:
            if e.kind in (EdgeKind.RUNS, EdgeKind.IN) and e.src.key in rewritten:
                continue
            edges.append(dataclasses.replace(e, doc=None))
    return nodes, edges


def observe(store: GraphStore, scope: Scope, facts: Sequence[WorkloadFact], now: str,
            document: DocumentInfo, *, extra_nodes: Sequence[Node] = ()) -> Observed:
    """The batch that makes the store say what this observation saw."""
    by_key = {f.key: f for f in facts}
    current = _in_scope(store, scope, by_key)
    ending = {k for k, n in current.items() if k not in by_key and _running(n)
              and (scope.keys is None or k in scope.keys)}
    rewritten = set(by_key) | ending
    runs = store.edges([EdgeKind.RUNS], src=[NodeRef(NodeKind.DEPLOYMENT, k)
                                             for k in sorted(rewritten)])
    previous_digests: dict[str, set[str]] = {}
    docs = set()
    for e in runs:
        previous_digests.setdefault(e.src.key, set()).add(e.dst.key)
        if e.doc:
            docs.add(e.doc)
    for k in rewritten:
        node = current.get(k)
        if node is not None and node.props.get("runtime_doc"):
            docs.add(str(node.props["runtime_doc"]))
    docs.discard(document.digest)
    nodes, edges = _carry(store, docs, rewritten, document.digest)
    nodes = [*nodes, *extra_nodes]
    log: list[tuple[str, dict[str, Any]]] = []
    transitions: list[Transition] = []
    for key in sorted(rewritten):
        prev = current.get(key)
        was = _ran(prev, key in previous_digests)
        fact = by_key.get(key)
        if fact is None:  # running before, not listed by this snapshot
            p = prev.props if prev else {}
            fact = WorkloadFact(str(p.get("cluster") or scope.cluster),
                                str(p.get("namespace") or ""), str(p.get("kind") or ""),
                                str(p.get("name") or ""), p.get("environment"), False,
                                images_from_dicts(p.get("image_runs")), p.get("replicas"),
                                dict(p.get("labels") or {}),
                                f"missing from a later {scope.label}")
        prev_images = images_from_dicts(prev.props.get("image_runs")) if prev else ()
        prev_since = str(prev.props.get("since") or prev.props.get("observed_at") or now) \
            if prev else now
        same = was and fact.running and fact.signature() == WorkloadFact(
            fact.cluster, fact.namespace, fact.kind, fact.name,
            prev.props.get("environment") if prev else None, True, prev_images).signature()
        if fact.running:
            since = prev_since if same else now
            if not same:
                event = CHANGED if was else STARTED
                log.append((RUNTIME_STREAM, _history(event, fact, key, prev, now, since,
                                                     None)))
                transitions.append(Transition(event, key, fact.environment, tuple(sorted(
                    {i.digest for i in fact.images if i.digest}))))
            more_nodes, more_edges = _fact_nodes(fact, since, now, document.digest, None)
        else:
            since = prev_since if was else (str(prev.props.get("since") or now)
                                            if prev else now)
            if was:
                log.append((RUNTIME_STREAM, _history(ENDED, None, key, prev, now, since,
                                                     fact.reason)))
                transitions.append(Transition(ENDED, key, fact.environment, ()))
            until = now if was else (str(prev.props.get("until") or now) if prev else now)
            more_nodes, more_edges = _fact_nodes(fact, since, now, document.digest, until)
        nodes += more_nodes
        edges += more_edges
    batch = Batch(document=document, nodes=_dedupe_nodes(nodes), edges=edges,
                  replaces=sorted(docs), log=log)
    return Observed(batch, transitions, sum(t.event == ENDED for t in transitions),
                    len(docs))


def _dedupe_nodes(nodes: Sequence[Node]) -> list[Node]:
    out: dict[tuple[str, str], Node] = {}
    for n in nodes:
        key = (str(n.kind), n.key)
        old = out.get(key)
        out[key] = n if old is None else Node(n.kind, n.key, {**old.props, **n.props})
    return list(out.values())
