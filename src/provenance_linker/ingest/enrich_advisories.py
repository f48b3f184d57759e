"""The enricher matching new packages against known advisories.

`match_new_packages` is registered in `orchestrator.ENRICHERS`. It reads the anchors of the
batch's package names in one batched query and adds `Package -AFFECTED_BY->
Vulnerability` edges asserted by the advisory's own document (`Edge.doc`), so a newer
revision of the advisory withdraws them together with everything else it said.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Batch, Edge, EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..vulns.matcher import anchor_key, commit_of, match_entries, release_of_purl, spec_from_props
from ..vulns.ranges import AffectedSpec, base_ecosystem
from .hash_match import hash_edge, is_hash_anchor


def _hashed_packages(batch: Batch) -> dict[str, list[str]]:
    """sha256:… artifact -> the batch's packages that are it (`Package -IS-> Artifact`)."""
    out: dict[str, list[str]] = {}
    for e in batch.edges:
        if e.kind == EdgeKind.IS and e.dst.key.startswith("sha256:"):
            out.setdefault(e.dst.key, []).append(e.src.key)
    return out


def match_new_packages(store: GraphStore, batch: Batch) -> Batch:
    """Add AFFECTED_BY edges for the batch's versioned packages that known, current
    advisories affect."""
    # The nodes' own props, read only here: a copy each was 7 MB for 20,000 packages.
    by_anchor: dict[str, list[tuple[str, str, Mapping[str, Any]]]] = {}
    for node in batch.nodes:
        if node.kind != NodeKind.PACKAGE:
            continue
        props = node.props
        version, name, eco = props.get("version"), props.get("name"), props.get("ecosystem")
        if not version or not name or not eco:
            continue
        by_anchor.setdefault(anchor_key(str(eco), str(name)), []).append(
            (node.key, str(version), props))
    hashed = _hashed_packages(batch)
    if not by_anchor and not hashed:
        return batch
    anchors = [NodeRef(NodeKind.PACKAGE, key) for key in by_anchor]
    added: list[Edge] = []
    seen: set[tuple[str, str, str | None]] = set()
    for edge in store.edges([EdgeKind.AFFECTED_BY], src=anchors) if anchors else []:
        if not edge.props.get("anchor") or edge.doc == batch.document.digest:
            continue
        name = edge.src.key
        specs: list[tuple[str, AffectedSpec]] = [
            (edge.dst.key, spec_from_props(name, entry))
            for entry in edge.props.get("entries") or []]
        for pkg_key, version, props in by_anchor.get(edge.src.key, []):
            if base_ecosystem(str(props.get("ecosystem"))) != base_ecosystem(
                    specs[0][1].ecosystem if specs else ""):
                continue
            for m in match_entries(specs, version, commit_of(props),
                                   release_of_purl(pkg_key, props)):
                marker = (pkg_key, m.vuln_id, edge.doc)
                if marker in seen:
                    continue
                seen.add(marker)
                added.append(Edge(EdgeKind.AFFECTED_BY, NodeRef(NodeKind.PACKAGE, pkg_key),
                                  edge.dst, m.edge_props(version), doc=edge.doc))
    if hashed:
        versions = {n.key: str(n.props.get("version") or "") for n in batch.nodes
                    if n.kind == NodeKind.PACKAGE}
        refs = [NodeRef(NodeKind.ARTIFACT, d) for d in hashed]
        for edge in store.edges([EdgeKind.AFFECTED_BY], src=refs):
            if not is_hash_anchor(edge) or edge.doc == batch.document.digest:
                continue
            for pkg_key in hashed[edge.src.key]:
                marker = (pkg_key, edge.dst.key, edge.doc)
                if marker not in seen:  # a name match already says it
                    seen.add(marker)
                    added.append(hash_edge(NodeRef(NodeKind.PACKAGE, pkg_key), edge.dst,
                                           versions.get(pkg_key, ""), edge.props,
                                           edge.src.key[7:], doc=edge.doc))
    if not added:
        return batch
    return Batch(document=batch.document, nodes=batch.nodes, edges=[*batch.edges, *added],
                 replaces=batch.replaces, log=batch.log)
