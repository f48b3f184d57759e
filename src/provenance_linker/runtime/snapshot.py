"""kubectl snapshots (`ingest deployments`) → workload facts and their scope.

A `List` (what `kubectl get … -o json` prints) is a snapshot: of one namespace when all
its workloads are in one, else of the whole cluster; single objects speak only for
themselves. `--scope cluster|namespace|workloads` overrides the guess. A workload with
`replicas: 0` is observed as not running.
"""

from __future__ import annotations

from typing import Any

from ..documents import Document
from ..errors import UsageError
from ..formats.kubernetes import KubernetesRecord, Workload
from ..model import DocumentInfo, EdgeKind
from ..store.interface import GraphStore
from .environments import from_namespace_name, from_workload_labels, normalize_environment
from .facts import Scope, WorkloadFact, workload_key
from .images import ImageRun, resolve_image
from .lifecycle import observe

DEFAULT_CLUSTER = "default"
SCOPES = ("cluster", "namespace", "workloads")


def _environment(w: Workload, option: str | None) -> str | None:
    if option:
        return normalize_environment(option)
    return from_workload_labels(w.labels) or from_namespace_name(w.namespace)


def facts_of(record: KubernetesRecord, cluster: str, environment: str | None
             ) -> list[WorkloadFact]:
    merged: dict[str, tuple[Workload, dict[str, ImageRun]]] = {}
    for w in record.workloads:
        key = workload_key(cluster, w.namespace, w.kind, w.name)
        current = merged.get(key)
        if current is None:
            current = merged[key] = (w, {})
        else:
            if w.replicas is not None:
                current[0].replicas = w.replicas
            current[0].labels.update(w.labels)
        images = current[1]
        for c in w.containers:
            run = resolve_image(c.name, c.image, c.image_id)
            slot = f"{c.name}|{run.image}"
            if slot not in images or images[slot].digest is None:
                images[slot] = run
    facts = []
    for w, images in merged.values():
        running = w.replicas != 0
        facts.append(WorkloadFact(cluster, w.namespace, w.kind, w.name,
                                  _environment(w, environment), running,
                                  tuple(images.values()), w.replicas, dict(w.labels),
                                  None if running else "scaled to 0"))
    return facts


def scope_of(record: KubernetesRecord, facts: list[WorkloadFact], cluster: str,
             option: str | None) -> Scope:
    namespaces = {f.namespace for f in facts}
    choice = option or (("namespace" if len(namespaces) == 1 else "cluster")
                        if record.listed else "workloads")
    if choice not in SCOPES:
        raise UsageError(f"unknown scope {option!r}", hint="use " + ", ".join(SCOPES))
    if choice == "cluster":
        return Scope(cluster)
    if choice == "namespace":
        if len(namespaces) != 1:
            raise UsageError("a namespace snapshot lists workloads of exactly one namespace",
                             hint=f"this one lists {len(namespaces)}: "
                             + ", ".join(sorted(namespaces)))
        return Scope(cluster, namespace=namespaces.pop())
    return Scope(cluster, keys=frozenset(f.key for f in facts))


def snapshot_batch(store: GraphStore, record: KubernetesRecord, document: Document, *,
                   cluster: str | None, environment: str | None, scope: str | None,
                   now: str) -> tuple[Any, dict[str, Any], list[str]]:
    cluster = cluster or DEFAULT_CLUSTER
    facts = facts_of(record, cluster, environment)
    where = scope_of(record, facts, cluster, scope)
    warnings = list(record.warnings)
    unlinked = 0
    for f in facts:
        for i in f.images:
            if i.digest is None:
                unlinked += 1
                warnings.append(f"{f.key}: container {i.container!r} image {i.image!r} has "
                                f"no digest ({i.reason}); it cannot be linked by digest")
    info = DocumentInfo(digest=document.digest, kind=str(document.kind),
                        format=str(document.format), name=document.name,
                        meta={"size": document.size, "cluster": cluster,
                              "scope": where.label})
    result = observe(store, where, facts, now, info)
    summary = {"workloads": len(facts), "running": sum(f.running for f in facts),
               "runs_edges": sum(e.kind == EdgeKind.RUNS for e in result.batch.edges
                                 if e.src.key in {f.key for f in facts}),
               "unlinked_images": unlinked,
               "environments": sorted({f.environment for f in facts
                                       if f.environment and f.running}),
               "scope": where.label, "ended": result.ended,
               "replaced_snapshots": result.replaced,
               "skipped_objects": sum(record.skipped.values())}
    return result.batch, summary, warnings
