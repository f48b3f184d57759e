"""KubernetesRecord → Batch: which workloads run which image digests, where.

Deployment nodes are keyed `cluster/namespace/kind/name`; `RUNS` points at the Artifact
by digest (from `image: name@sha256:…` or a Pod's resolved `imageID`), `Name -NAMES->
Artifact` records the image name, `IN` the environment. The environment is the
`--environment` option, else the workload's `environment`/`env` label
(`app.kubernetes.io/environment` too), else a namespace named like one (`prod`,
`payments-production`, `staging`, …). A newer snapshot replaces an older one when it
covers every workload the older one asserted; otherwise queries use, per workload, the
RUNS edges observed last.
"""

from __future__ import annotations

import re
from typing import Any

from ..documents import Document
from ..formats.kubernetes import KubernetesRecord, Workload
from ..graph.refs import name_node_props
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from .contract import BuildContext, Built

DEFAULT_CLUSTER = "default"
_DIGEST = re.compile(r"sha256:([0-9a-fA-F]{64})")
_ENV_LABELS = ("environment", "env", "app.kubernetes.io/environment")
_ENV_WORDS = {"prod": "production", "production": "production", "prd": "production",
              "staging": "staging", "stage": "staging", "stg": "staging",
              "dev": "development", "development": "development", "test": "test",
              "qa": "qa", "sandbox": "sandbox"}


def normalize_environment(value: str) -> str:
    text = value.strip().lower()
    return _ENV_WORDS.get(text, text)


def environment_of(workload: Workload, option: str | None) -> str | None:
    if option:
        return normalize_environment(option)
    for label in _ENV_LABELS:
        if workload.labels.get(label):
            return normalize_environment(workload.labels[label])
    for token in re.split(r"[-_.]", workload.namespace.lower()):
        if token in _ENV_WORDS:
            return _ENV_WORDS[token]
    return None


def split_image(image: str) -> tuple[str, str | None]:
    """'reg/app:1.2@sha256:ab…' -> ('reg/app:1.2', 'sha256:ab…')."""
    name, _, rest = image.partition("@")
    match = _DIGEST.search(rest) if rest else None
    return name, ("sha256:" + match.group(1).lower()) if match else None


def digest_of_image_id(image_id: str | None) -> str | None:
    match = _DIGEST.search(image_id or "")
    return "sha256:" + match.group(1).lower() if match else None


def deployment_batch(record: KubernetesRecord, document: Document, cluster: str | None,
                     environment: str | None, now: str, previous: dict[str, set[str]]
                     ) -> tuple[Batch, dict[str, Any], list[str]]:
    """`previous` maps each older snapshot document (asserting RUNS of some of these
    workloads) to every workload key it asserted."""
    cluster = cluster or DEFAULT_CLUSTER
    warnings = list(record.warnings)
    merged: dict[str, tuple[Workload, dict[str, tuple[str, str | None]]]] = {}
    for w in record.workloads:
        key = f"{cluster}/{w.namespace}/{w.kind}/{w.name}"
        current = merged.get(key)
        if current is None:
            current = merged[key] = (w, {})
        else:
            if w.replicas is not None:
                current[0].replicas = w.replicas
            current[0].labels.update(w.labels)
        images = current[1]
        for c in w.containers:
            name, digest = split_image(c.image)
            digest = digest or digest_of_image_id(c.image_id)
            slot = f"{c.name}|{name}"
            if images.get(slot, (name, None))[1] is None:
                images[slot] = (name, digest)
    nodes: list[Node] = []
    edges: list[Edge] = []
    environments: set[str] = set()
    unlinked = 0
    for key, (w, images) in merged.items():
        dep = NodeRef(NodeKind.DEPLOYMENT, key)
        env = environment_of(w, environment)
        nodes.append(Node(NodeKind.DEPLOYMENT, key, {
            "cluster": cluster, "namespace": w.namespace, "kind": w.kind, "name": w.name,
            "replicas": w.replicas, "labels": w.labels, "environment": env,
            "images": sorted({name + ("@" + d if d else "") for name, d in images.values()}),
            "observed_at": now}))
        if env:
            environments.add(env)
            nodes.append(Node(NodeKind.ENVIRONMENT, env, {"name": env}))
            edges.append(Edge(EdgeKind.IN, dep, NodeRef(NodeKind.ENVIRONMENT, env)))
        for slot, (name, digest) in sorted(images.items()):
            container = slot.split("|", 1)[0]
            if w.replicas == 0:  # scaled to zero (the runbooks' block): nothing runs
                continue
            if digest is None:
                unlinked += 1
                warnings.append(f"{key}: container {container!r} image {name!r} has no digest; "
                                "it cannot be linked by digest")
                continue
            art = NodeRef(NodeKind.ARTIFACT, digest)
            nodes.append(Node(NodeKind.ARTIFACT, digest, {}))
            edges.append(Edge(EdgeKind.RUNS, dep, art, {"container": container, "image": name,
                                                        "observed_at": now}))
            nodes.append(Node(NodeKind.NAME, name, name_node_props(name)))
            edges.append(Edge(EdgeKind.NAMES, NodeRef(NodeKind.NAME, name), art, {"at": now}))
    replaces = sorted(d for d, keys in previous.items()
                      if d != document.digest and keys <= merged.keys())
    info = DocumentInfo(digest=document.digest, kind=str(document.kind),
                        format=str(document.format), name=document.name,
                        meta={"size": document.size, "cluster": cluster})
    summary = {"workloads": len(merged), "runs_edges": sum(e.kind == EdgeKind.RUNS
                                                           for e in edges),
               "unlinked_images": unlinked, "environments": sorted(environments),
               "replaced_snapshots": len(replaces), "skipped_objects": sum(
                   record.skipped.values())}
    return Batch(document=info, nodes=nodes, edges=edges, replaces=replaces), summary, warnings


def build_deployments(record: KubernetesRecord, document: Document, ctx: BuildContext) -> Built:
    cluster = getattr(ctx.options, "cluster", None) or DEFAULT_CLUSTER
    keys = {f"{cluster}/{w.namespace}/{w.kind}/{w.name}" for w in record.workloads}
    refs = [NodeRef(NodeKind.DEPLOYMENT, k) for k in sorted(keys)]
    previous: dict[str, set[str]] = {}
    for edge in ctx.store.edges([EdgeKind.RUNS], src=refs):
        if edge.doc and edge.doc not in previous:
            previous[edge.doc] = {e.src.key for e in ctx.store.edges([EdgeKind.RUNS],
                                                                     doc=edge.doc)}
    batch, summary, warnings = deployment_batch(record, document, cluster,
                                                ctx.options.environment, ctx.now, previous)
    return Built(batch, summary, warnings)
