"""`query trace`: everything the graph knows about one artifact, with evidence."""

from __future__ import annotations

from typing import Any

from ..graph.refs import ArtifactRef, resolve
from ..graph.sboms import sboms_for
from ..model import Direction, EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore

# Evidence edges that point at an artifact (kind, direction) -> output section.
_INBOUND_SECTIONS = {
    EdgeKind.SIGNS: "signatures",
    EdgeKind.ATTESTS: "attestations",
    EdgeKind.RUNS: "deployments",
    EdgeKind.IS: "included_in",
}


def trace(store: GraphStore, ref: ArtifactRef | str) -> dict[str, Any]:
    resolved = resolve(store, ref)
    digest = resolved.digest
    assert digest is not None
    target = NodeRef(NodeKind.ARTIFACT, digest)
    artifact = store.get(target)
    names = sorted({e.src.key for e in store.edges([EdgeKind.NAMES], dst=[target])})
    sboms = sboms_for(store, digest)
    result: dict[str, Any] = {
        "artifact": {"digest": digest, "names": names,
                     "props": dict(artifact.props) if artifact else {}},
        "sboms": [s.as_dict() for s in sboms],
        "packages": [],
        "dependencies": [],
        "contains_artifacts": [],
    }
    inbound = store.edges(list(_INBOUND_SECTIONS), dst=[target])
    for section in _INBOUND_SECTIONS.values():
        result[section] = []
    for edge in inbound:
        result[_INBOUND_SECTIONS[edge.kind]].append(
            {"kind": str(edge.src.kind), "key": edge.src.key, "document": edge.doc,
             **{k: v for k, v in edge.props.items()}})
    result["builds"] = [{"key": e.dst.key, "document": e.doc, **dict(e.props)}
                        for e in store.edges([EdgeKind.BUILT_BY], src=[target])]
    if sboms:
        current = sboms[0].digest
        listed = {purl for _, purl in store.edge_keys(EdgeKind.LISTS, NodeKind.SBOM,
                                                         [current], Direction.OUT)}
        deps = store.edges([EdgeKind.DEPENDS_ON], doc=current)
        direct = {e.dst.key for e in deps if e.src.kind == NodeKind.SBOM}
        packages = store.get_many(NodeKind.PACKAGE, listed)
        result["packages"] = [
            {"purl": key, "ecosystem": node.props.get("ecosystem"),
             "name": node.props.get("name"), "version": node.props.get("version"),
             "direct": key in direct}
            for key, node in sorted(packages.items())
        ]
        result["dependencies"] = [
            {"from": None if e.src.kind == NodeKind.SBOM else e.src.key, "to": e.dst.key}
            for e in deps
        ]
        # Components that are artifacts the graph has an SBOM for (base images, say).
        # Distinct links: a package is linked once per SBOM that lists it.
        linked = store.distinct_edge_keys(EdgeKind.IS, NodeKind.PACKAGE, listed)
        described = {artifact for _, artifact in store.edge_keys(
            EdgeKind.DESCRIBES, NodeKind.ARTIFACT, {a for _, a in linked})}
        pairs = {(p, a) for p, a in linked if a in described}
        result["contains_artifacts"] = [{"package": p, "artifact": a} for p, a in sorted(pairs)]
    return result
