"""Artifacts running in an environment without a valid signature or verified
attestation (`Deployment -IN-> Environment`, `Deployment -RUNS-> Artifact`).

Feeds the `provenance_unsigned_artifacts_in_production` gauge and the API route; each
row's `artifact_name` is a reference `verify --artifact` accepts (`name@sha256:…`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..model import EdgeKind, NodeKind, NodeRef
from ..runtime.history import running_at, running_in
from ..store.interface import GraphStore
from ..trust.policy import Trust, judge_signature
from ..trust.trust_store import TrustStore


def unsigned_in_environment(store: GraphStore, environment: str, *,
                            clock: Callable[[], datetime] | None = None,
                            at: datetime | None = None) -> list[dict[str, Any]]:
    """What runs in ENV now (or ran at `at`, from the runtime history) without a
    signature acceptable by today's trust store."""
    clock = clock or (lambda: datetime.now(UTC))
    if at is None:
        runs = running_in(store, environment)  # one read, not IN, RUNS, nodes in turn
    else:
        runs = [r for r in running_at(store, at) if r.environment == environment]
    artifacts = sorted({NodeRef(NodeKind.ARTIFACT, r.digest) for r in runs},
                       key=lambda r: r.key)
    if not artifacts:
        return []
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
    rows: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()  # a set, not `row in rows`: linear in the runs
    for r in sorted(runs, key=lambda x: (x.deployment, x.digest)):
        if r.digest in signed:
            continue
        row = {"artifact_name": f"{r.image}@{r.digest}" if r.image else r.digest,
               "digest": r.digest, "deployment": r.name or r.deployment,
               "namespace": r.namespace, "environment": environment,
               "container": r.container, "since": r.since}
        identity = tuple(row.values())
        if identity not in seen:
            seen.add(identity)
            rows.append(row)
    return rows


def unsigned_gauge_rows(store: GraphStore, environment: str = "production"
                        ) -> list[tuple[dict[str, str], float]]:
    """Rows for `provenance_unsigned_artifacts_in_production` (api/metrics_collector.py)."""
    return [({"artifact_name": r["artifact_name"], "deployment": str(r["deployment"]),
              "namespace": str(r["namespace"] or ""), "environment": environment}, 1.0)
            for r in unsigned_in_environment(store, environment)]
