"""Matching packages to advisories by the SHA-256 of their release files.

A malicious-package record may list the digests of the bad release files
(`OsvAffected.sha256`). The advisory asserts a hash anchor `Artifact(sha256:…)
-AFFECTED_BY {anchor: true, by: "hash"}-> Vulnerability`; an SBOM component with that
SHA-256 already has `Package -IS-> Artifact(sha256:…)`, so the two meet on the artifact
whichever arrives first, purl or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..formats.osv import OsvRecord
from ..model import Edge, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore


def hash_anchors(record: OsvRecord, vuln: NodeRef) -> tuple[list[Node], list[Edge]]:
    nodes: list[Node] = []
    edges: list[Edge] = []
    seen: set[str] = set()
    for a in record.affected:
        for digest in a.sha256:
            key = f"sha256:{digest}"
            if key in seen:
                continue
            seen.add(key)
            nodes.append(Node(NodeKind.ARTIFACT, key, {}))
            edges.append(Edge(EdgeKind.AFFECTED_BY, NodeRef(NodeKind.ARTIFACT, key), vuln, {
                "anchor": True, "by": "hash", "ecosystem": a.ecosystem, "name": a.name}))
    return nodes, edges


def hash_edge(pkg: NodeRef, vuln: NodeRef, version: str, anchor: Mapping[str, Any],
              digest: str, doc: str | None = None) -> Edge:
    return Edge(EdgeKind.AFFECTED_BY, pkg, vuln, {
        "ecosystem": anchor.get("ecosystem"), "version": version, "reason": "hash",
        "sha256": digest, "range": None, "fixed": []}, doc=doc)


def packages_with_hashes(store: GraphStore, anchors: Iterable[Edge]
                         ) -> list[tuple[Edge, NodeRef, str]]:
    """(anchor, package, package version) for every stored package IS one of the
    anchors' artifacts."""
    by_artifact = {e.src.key: e for e in anchors}
    if not by_artifact:
        return []
    links = store.edges([EdgeKind.IS], dst=[NodeRef(NodeKind.ARTIFACT, k) for k in by_artifact])
    packages = store.get_many(NodeKind.PACKAGE, {e.src.key for e in links})
    out = []
    for link in links:
        pkg = packages.get(link.src.key)
        if pkg is not None:
            out.append((by_artifact[link.dst.key], pkg.ref, str(pkg.props.get("version") or "")))
    return out


def is_hash_anchor(edge: Edge) -> bool:
    return bool(edge.props.get("anchor")) and edge.props.get("by") == "hash"
