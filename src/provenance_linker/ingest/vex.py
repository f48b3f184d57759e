"""VEX: `Artifact -VEX{status, justification, statement}-> Vulnerability`.

Two sources: OpenVEX documents (`build_openvex`, DocumentKind.VEX) and the
`vulnerabilities[].analysis` of a CycloneDX SBOM, which apply to the SBOM's subject
(`build_sbom_with_vex` wraps the SBOM builder). A `not_affected` or `fixed` statement suppresses
the finding for that artifact; queries show it as suppressed, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..documents import Document
from ..errors import ProvenanceError
from ..formats.base import SbomRecord
from ..formats.openvex import VexRecord
from ..graph.refs import resolve
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..purls import PurlError, oci_digest, parse_purl
from ..store.interface import GraphStore
from ..vulns.suppression import SUPPRESSING
from .contract import BuildContext, Built
from .sbom import build_sbom

# CycloneDX analysis.state -> VEX status
_CDX_STATE = {"not_affected": "not_affected", "false_positive": "not_affected",
              "resolved": "fixed", "resolved_with_pedigree": "fixed",
              "exploitable": "affected", "in_triage": "under_investigation"}


def product_digest(store: GraphStore, product: str) -> str | None:
    """The artifact digest a VEX product names, if it names one."""
    text = product.strip()
    if text.startswith("pkg:"):
        try:
            return oci_digest(parse_purl(text))
        except PurlError:
            return None
    if "@sha256:" in text:
        return "sha256:" + text.rsplit("@sha256:", 1)[1].lower()
    if text.lower().startswith("sha256:"):
        return text.lower()
    try:
        return resolve(store, text).digest
    except ProvenanceError:
        return None


def _vex_edge(digest: str, vuln: str, status: str, justification: str, statement: str,
              timestamp: str, source: str) -> tuple[list[Node], Edge]:
    art, target = NodeRef(NodeKind.ARTIFACT, digest), NodeRef(NodeKind.VULNERABILITY, vuln)
    nodes = [Node(NodeKind.ARTIFACT, digest, {}), Node(NodeKind.VULNERABILITY, vuln, {})]
    return nodes, Edge(EdgeKind.VEX, art, target, {
        "status": status, "justification": justification, "statement": statement,
        "timestamp": timestamp, "source": source, "suppresses": status in SUPPRESSING})


def openvex_batch(record: VexRecord, document: Document, store: GraphStore
                  ) -> tuple[Batch, dict[str, Any], list[str]]:
    nodes: list[Node] = []
    edges: list[Edge] = []
    warnings = list(record.warnings)
    for s in record.statements:
        for product in s.products:
            digest = product_digest(store, product)
            if digest is None:
                warnings.append(f"statement on {s.vulnerability}: product {product!r} names no "
                                "artifact digest; skipped")
                continue
            n, e = _vex_edge(digest, s.vulnerability, s.status, s.justification, s.statement,
                             s.timestamp, "openvex")
            nodes += n
            edges.append(e)
    info = DocumentInfo(digest=document.digest, kind=str(document.kind),
                        format=str(document.format), name=document.name,
                        meta={"size": document.size, "author": record.author})
    summary = {"statements": len(record.statements), "vex_edges": len(edges)}
    return Batch(document=info, nodes=nodes, edges=edges), summary, warnings


def build_openvex(record: VexRecord, document: Document, ctx: BuildContext) -> Built:
    batch, summary, warnings = openvex_batch(record, document, ctx.store)
    return Built(batch, summary, warnings)


def cyclonedx_vex(entries: Sequence[Mapping[str, Any]], subject: str | None
                  ) -> tuple[list[Node], list[Edge], list[str]]:
    """VEX edges from CycloneDX `vulnerabilities[]` entries that carry an analysis."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    warnings: list[str] = []
    for entry in entries:
        analysis = entry.get("analysis")
        vuln = entry.get("id")
        if not isinstance(analysis, Mapping) or not isinstance(vuln, str):
            continue
        status = _CDX_STATE.get(str(analysis.get("state") or ""))
        if status is None:
            continue
        if subject is None:
            warnings.append(f"VEX analysis of {vuln} not linked: the SBOM has no subject digest")
            continue
        n, e = _vex_edge(subject, vuln, status, str(analysis.get("justification") or ""),
                         str(analysis.get("detail") or ""), str(entry.get("updated") or ""),
                         "cyclonedx")
        nodes += n
        edges.append(e)
    return nodes, edges, warnings


def build_sbom_with_vex(record: SbomRecord, document: Document, ctx: BuildContext) -> Built:
    """The SBOM builder plus the VEX statements embedded in a CycloneDX BOM."""
    built = build_sbom(record, document, ctx)
    entries = getattr(record, "vulnerabilities", None) or []
    if not entries:
        return built
    batch = built.batch
    subject = next((e.dst.key for e in batch.edges if e.kind == EdgeKind.DESCRIBES), None)
    nodes, edges, warnings = cyclonedx_vex(entries, subject)
    if not edges and not warnings:
        return built
    batch = Batch(document=batch.document, nodes=[*batch.nodes, *nodes],
                  edges=[*batch.edges, *edges], replaces=batch.replaces, log=batch.log)
    summary = {**built.summary, "vex_edges": len(edges)}
    return Built(batch, summary, [*built.warnings, *warnings])
