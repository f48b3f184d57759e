"""A document ingested again: what the first ingest said, and `--artifact` on a stored SBOM.

The document is stored once (its digest is its identity), so a second ingest changes
nothing — except that `--artifact` on an SBOM that was stored without a subject links the
stored SBOM to that artifact, as the first ingest would have with the option. Every other
case says precisely why nothing was linked.
"""

from __future__ import annotations

from ..graph.refs import ArtifactRef, name_node_props, resolve
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..store.ledger import LEDGER_STREAM

MAX_RECALLED_WARNINGS = 200


def recalled_warnings(existing: DocumentInfo) -> list[str]:
    """The warnings of the first ingest, kept in the document's metadata."""
    stored = existing.meta.get("warnings")
    warnings = [str(w) for w in stored] if isinstance(stored, list) else []
    more = existing.meta.get("warning_count")
    if isinstance(more, int) and more > len(warnings):
        warnings.append(f"({more - len(warnings)} more warnings not kept)")
    return warnings


def link_stored_sbom(store: GraphStore, existing: DocumentInfo, artifact: ArtifactRef,
                     now: str, actor: dict[str, object]) -> tuple[str | None, str]:
    """Link the stored SBOM to `artifact`: (the digest linked or None, what happened)."""
    if existing.kind != "sbom":
        return None, (f"--artifact ignored: this document is a stored {existing.kind}, "
                      "not an SBOM")
    if artifact.digest is None:
        artifact = resolve(store, artifact)
    digest = artifact.digest
    assert digest is not None  # resolve() raises when it cannot
    sbom = store.get(NodeRef(NodeKind.SBOM, existing.digest))
    props = sbom.props if sbom is not None else {}
    if props.get("vex_only"):
        return None, ("--artifact ignored: the stored document is VEX only (a BOM with "
                      "statements and no components), not an SBOM of an artifact")
    described = sorted(e.dst.key for e in store.edges(
        [EdgeKind.DESCRIBES], src=[NodeRef(NodeKind.SBOM, existing.digest)]))
    if digest in described:
        return digest, f"the stored SBOM already describes {digest}"
    if described:
        return None, (f"--artifact {digest} not linked: the stored SBOM already describes "
                      f"{', '.join(described)} (an SBOM describes one artifact; ingest "
                      "the other artifact's own SBOM)")
    target = NodeRef(NodeKind.ARTIFACT, digest)
    nodes = [Node(NodeKind.ARTIFACT, digest, {}),
             Node(NodeKind.SBOM, existing.digest, {"subject": digest})]
    edges = [Edge(EdgeKind.DESCRIBES, NodeRef(NodeKind.SBOM, existing.digest), target)]
    if artifact.name:
        nodes.append(Node(NodeKind.NAME, artifact.name, name_node_props(artifact.name)))
        edges.append(Edge(EdgeKind.NAMES, NodeRef(NodeKind.NAME, artifact.name), target,
                          {"at": now}))
    entry = {"action": "link", "document": existing.digest, "name": existing.name,
             "kind": existing.kind, "artifact": digest, "actor": actor}
    # The edges belong to the SBOM's own document, as if it had been ingested with the
    # option: deleting the SBOM removes the link too.
    store.apply(Batch(document=existing, nodes=nodes, edges=edges,
                      log=[(LEDGER_STREAM, entry)]))
    return digest, f"the stored SBOM is now linked to {digest}"
