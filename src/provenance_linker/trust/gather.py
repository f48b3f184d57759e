"""Collect the stored evidence about one artifact: signatures and attestations with
their recorded outcomes, builds and sources, the current SBOM, and its advisories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..graph.sboms import current_sbom
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore


@dataclass(frozen=True, slots=True)
class Evidence:
    digest: str
    signatures: list[dict[str, Any]]  # node props + "key", "node" (Signature|Attestation)
    builds: list[dict[str, Any]]  # Build props + "key", "verified", "sources"
    sbom: dict[str, Any] | None
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)  # props + package, vex


def gather(store: GraphStore, digest: str) -> Evidence:
    artifact = NodeRef(NodeKind.ARTIFACT, digest)
    signed = store.edges([EdgeKind.SIGNS, EdgeKind.ATTESTS], dst=[artifact])
    signatures: list[dict[str, Any]] = []
    for kind in (NodeKind.SIGNATURE, NodeKind.ATTESTATION):
        keys = sorted({e.src.key for e in signed if e.src.kind == kind})
        for key, node in store.get_many(kind, keys).items():
            signatures.append({**node.props, "key": key, "node": str(kind)})
    builds: list[dict[str, Any]] = []
    built = store.edges([EdgeKind.BUILT_BY], src=[artifact])
    verified = {e.dst.key: bool(e.props.get("verified")) for e in built}
    for e in built:
        verified[e.dst.key] = verified[e.dst.key] or bool(e.props.get("verified"))
    if verified:
        build_refs = [NodeRef(NodeKind.BUILD, k) for k in sorted(verified)]
        from_edges = store.edges([EdgeKind.FROM], src=build_refs)
        sources = store.get_many(NodeKind.SOURCE, {e.dst.key for e in from_edges})
        for key, node in store.get_many(NodeKind.BUILD, sorted(verified)).items():
            build_sources = [dict(sources[e.dst.key].props) for e in from_edges
                             if e.src.key == key and e.dst.key in sources]
            builds.append({**node.props, "key": key, "verified": verified[key],
                           "sources": build_sources})
    sbom = current_sbom(store, digest)
    return Evidence(digest, signatures, builds, sbom.as_dict() if sbom else None,
                    _vulnerabilities(store, artifact, sbom.digest if sbom else None))


def _vulnerabilities(store: GraphStore, artifact: NodeRef, sbom: str | None
                     ) -> list[dict[str, Any]]:
    if sbom is None:
        return []
    listed = store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, sbom)])
    packages = [e.dst for e in listed]
    if not packages:
        return []
    affected = store.edges([EdgeKind.AFFECTED_BY], src=packages)
    if not affected:
        return []
    vex = {e.dst.key: dict(e.props) for e in store.edges([EdgeKind.VEX], src=[artifact])}
    nodes = store.get_many(NodeKind.VULNERABILITY, {e.dst.key for e in affected})
    found: list[dict[str, Any]] = []
    for edge in affected:
        node = nodes.get(edge.dst.key)
        if node is None:
            continue
        found.append({**node.props, "id": node.key, "package": edge.src.key,
                      "vex": vex.get(node.key)})
    return found
