"""Artifacts running in an environment without a valid signature or verified
attestation (`Deployment -IN-> Environment`, `Deployment -RUNS-> Artifact`).

Feeds the `provenance_unsigned_artifacts_in_production` gauge and the API route; each
row's `artifact_name` is a reference `verify --artifact` accepts (`name@sha256:…`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..trust.policy import Trust, judge_signature
from ..trust.trust_store import TrustStore


def unsigned_in_environment(store: GraphStore, environment: str, *,
                            clock: Callable[[], datetime] | None = None
                            ) -> list[dict[str, Any]]:
    clock = clock or (lambda: datetime.now(UTC))
    env = NodeRef(NodeKind.ENVIRONMENT, environment)
    deployments = [e.src for e in store.edges([EdgeKind.IN], dst=[env])]
    if not deployments:
        return []
    runs = store.edges([EdgeKind.RUNS], src=deployments)
    artifacts = sorted({e.dst for e in runs}, key=lambda r: r.key)
    trust_store = TrustStore(store, clock=clock)
    trust = Trust(trust_store.keys(), trust_store.identities(), clock())
    evidence = store.edges([EdgeKind.SIGNS, EdgeKind.ATTESTS], dst=artifacts)
    props: dict[str, dict[str, Any]] = {}
    for kind in (NodeKind.SIGNATURE, NodeKind.ATTESTATION):
        keys = {e.src.key for e in evidence if e.src.kind == kind}
        props.update({k: dict(n.props) for k, n in store.get_many(kind, keys).items()})
    signed: set[str] = set()
    for edge in evidence:
        sig = props.get(edge.src.key)
        if sig is not None and judge_signature(sig, trust)[0]:
            signed.add(edge.dst.key)
    deployment_nodes = store.get_many(NodeKind.DEPLOYMENT, {d.key for d in deployments})
    rows: list[dict[str, Any]] = []
    for edge in sorted(runs, key=lambda e: (e.src.key, e.dst.key)):
        if edge.dst.key in signed:
            continue
        node = deployment_nodes.get(edge.src.key)
        dep = node.props if node else {}
        image = str(edge.props.get("image") or "")
        name = image.split("@", 1)[0]
        row = {"artifact_name": f"{name}@{edge.dst.key}" if name else edge.dst.key,
               "digest": edge.dst.key, "deployment": dep.get("name") or edge.src.key,
               "namespace": dep.get("namespace"), "environment": environment,
               "container": edge.props.get("container")}
        if row not in rows:
            rows.append(row)
    return rows


def unsigned_gauge_rows(store: GraphStore, environment: str = "production"
                        ) -> list[tuple[dict[str, str], float]]:
    """Rows for `provenance_unsigned_artifacts_in_production` (api/metrics_collector.py)."""
    return [({"artifact_name": r["artifact_name"], "deployment": str(r["deployment"]),
              "namespace": str(r["namespace"] or ""), "environment": environment}, 1.0)
            for r in unsigned_in_environment(store, environment)]
