"""Answers the explorer pages show, composed from the other queries (no new rules here):
the overview numbers, one artifact's evidence, and what runs where with verdicts.

Verdicts shown on a page are computed with `record=False`: looking at a page is not a
verification, so it counts nothing in provenance_verifications_total."""

from __future__ import annotations

from typing import Any

from ..errors import ProvenanceError
from ..formats.license_expressions import parse as parse_licenses
from ..graph.deployments import current_runs
from ..graph.refs import names_of
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..trust.gather import Evidence, gather, gather_many
from ..trust.verifier import verify_artifact
from ..vulns.stats import sbom_vulnerability_counts
from .trace import trace
from .unsigned import unsigned_in_environment
from .vulns import malicious, vulns_for_artifact

PRODUCTION = "production"


def overview(store: GraphStore) -> dict[str, Any]:
    counts = store.counts()
    return {"vulnerabilities": sbom_vulnerability_counts(store),
            "malicious": malicious(store)["findings"],
            "unsigned_in_production": unsigned_in_environment(store, PRODUCTION),
            "counts": {k: v for k, v in counts.items() if not k.isupper()},
            "edges": {k: v for k, v in counts.items() if k.isupper()}}


def verdict(store: GraphStore, digest: str, environment: str | None,
            evidence: Evidence | None = None) -> dict[str, Any]:
    try:
        report = verify_artifact(store, digest, environment=environment, record=False,
                                 evidence=evidence)
    except ProvenanceError as exc:
        return {"result": "error", "reason": exc.message, "environment": environment}
    return {"result": report.result, "reason": report.failure_reason or "",
            "environment": environment, "policy": report.policy}


def _runs(store: GraphStore, digest: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(running now, ran before) for an artifact."""
    edges = store.edges([EdgeKind.RUNS], dst=[NodeRef(NodeKind.ARTIFACT, digest)])
    deployments = {e.src.key for e in edges}
    live = {(e.src.key, e.dst.key) for e in current_runs(store, deployments)}
    envs = _environments(store, deployments)
    now: list[dict[str, Any]] = []
    before: list[dict[str, Any]] = []
    for e in sorted(edges, key=lambda x: (x.src.key, str(x.props.get("observed_at")))):
        row = {"deployment": e.src.key, "environments": envs.get(e.src.key, []),
               "image": e.props.get("image"), "container": e.props.get("container"),
               "observed_at": e.props.get("observed_at")}
        (now if (e.src.key, e.dst.key) in live else before).append(row)
    return now, before


def _environments(store: GraphStore, deployments: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if deployments:
        for e in store.edges([EdgeKind.IN], src=[NodeRef(NodeKind.DEPLOYMENT, d)
                                                for d in deployments]):
            out.setdefault(e.src.key, []).append(e.dst.key)
    return {k: sorted(v) for k, v in out.items()}


def artifact_view(store: GraphStore, ref: str, environment: str | None) -> dict[str, Any]:
    traced = trace(store, ref)
    digest = traced["artifact"]["digest"]
    now, before = _runs(store, digest)
    env = environment or next((e for r in now for e in r["environments"]), None)
    report = verify_artifact(store, digest, environment=env, record=False).as_dict()
    evidence = gather(store, digest)
    vulns = vulns_for_artifact(store, digest)
    nodes = store.get_many(NodeKind.PACKAGE, [p["purl"] for p in traced["packages"]])
    licenses = {purl: parse_licenses(tuple(n.props.get("licenses") or ())).expression
                for purl, n in nodes.items()}
    by_package: dict[str, list[dict[str, Any]]] = {}
    for r in [*vulns["vulnerabilities"], *vulns["suppressed"]]:
        by_package.setdefault(r["package"], []).append(r)
    return {"artifact": traced["artifact"], "sboms": traced["sboms"],
            "packages": traced["packages"], "by_package": by_package,
            "vulns": vulns, "verify": report, "licenses": licenses,
            "signatures": evidence.signatures,
            "builds": evidence.builds, "running": now, "ran_before": before,
            "contains": traced["contains_artifacts"]}


def deployments_view(store: GraphStore, *, environment: str | None, limit: int,
                     offset: int) -> dict[str, Any]:
    """Every deployment's current image(s), a page at a time, with verdicts for the page."""
    # Only the page's workloads are read in full: the filter reads the environment's
    # IN edges, and environments come from their own nodes.
    if environment:
        keys = sorted({e.src.key for e in store.edges(
            [EdgeKind.IN], dst=[NodeRef(NodeKind.ENVIRONMENT, environment)])})
        total = len(keys)
        found = store.get_many(NodeKind.DEPLOYMENT, keys[offset:offset + limit])
        page = [found[k] for k in keys[offset:offset + limit] if k in found]
    else:
        nodes = store.find(NodeKind.DEPLOYMENT)
        total = len(nodes)
        page = nodes[offset:offset + limit]
    envs = _environments(store, {n.key for n in page})
    runs = current_runs(store, {n.key for n in page})
    names = names_of(store, {e.dst.key for e in runs})
    evidence = gather_many(store, {e.dst.key for e in runs})  # one read for the page
    verdicts: dict[tuple[str, str | None], dict[str, Any]] = {}
    rows = []
    for node in page:
        env_list = envs.get(node.key, [])
        env = environment or (env_list[0] if env_list else None)
        images = []
        for e in runs:
            if e.src.key != node.key:
                continue
            key = (e.dst.key, env)
            if key not in verdicts:
                verdicts[key] = verdict(store, e.dst.key, env, evidence.get(e.dst.key))
            images.append({"digest": e.dst.key, "image": e.props.get("image"),
                           "names": names.get(e.dst.key, []), "verdict": verdicts[key]})
        p = node.props
        rows.append({"key": node.key, "cluster": p.get("cluster"),
                     "namespace": p.get("namespace"), "kind": p.get("kind"),
                     "name": p.get("name"), "environments": env_list, "images": images})
    return {"environment": environment, "total": total, "limit": limit, "offset": offset,
            "deployments": rows,
            "environments": sorted(n.key for n in store.find(NodeKind.ENVIRONMENT))}
