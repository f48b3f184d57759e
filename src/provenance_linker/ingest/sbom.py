"""SbomRecord → Batch: identity resolution (digest first, then purl) for one SBOM.

The Sbom node is the root of its own dependency graph: the subject's direct
dependencies are `Sbom -DEPENDS_ON-> Package`, the rest `Package -DEPENDS_ON-> Package`,
all asserted by (and so scoped to) this SBOM. A component whose sha256 or OCI purl
digest names an artifact gets `Package -IS-> Artifact`; since artifacts are keyed by
digest, an application SBOM and its base image's SBOM meet whichever arrives first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..documents import Document
from ..formats.base import Component, SbomRecord
from ..graph.refs import ArtifactRef, name_node_props, resolve
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..purls import PurlError, generic_purl, oci_digest, parse_purl
from .contract import BuildContext, Built

MAX_STORED_WARNINGS = 200


@dataclass(slots=True)
class SbomSummary:
    component_entries: int = 0
    packages: int = 0
    dependency_entries: int = 0
    dependency_pairs: int = 0  # distinct (ref, ref) pairs as written
    dependency_edges: int = 0  # distinct package-level edges stored (refs sharing a purl merge)
    contains_edges: int = 0
    linked_artifacts: int = 0
    files: int = 0  # SPDX files: counted, not stored as packages
    subject: str | None = None
    warnings: list[str] = field(default_factory=list)


def _package(component: Component, summary: SbomSummary) -> Node:
    purl_text = component.purl
    parsed = None
    if purl_text:
        try:
            parsed = parse_purl(purl_text)
        except PurlError as exc:
            summary.warnings.append(f"component {component.ref!r}: {exc}; synthetic identity used")
    if parsed is None:
        if not purl_text:
            summary.warnings.append(
                f"component {component.ref!r} ({component.name}) has no purl; "
                "synthetic identity used")
        parsed = parse_purl(generic_purl(component.name, component.version, component.group))
    props: dict[str, Any] = {
        "purl_type": parsed.type,
        "ecosystem": parsed.ecosystem,
        "name": parsed.package_name,
        "version": parsed.version or component.version,
    }
    if component.cpe:
        props["cpe"] = component.cpe
    if component.licenses:
        props["licenses"] = list(component.licenses)
    if component.supplier:
        props["supplier"] = component.supplier
    if component.hashes:
        props["hashes"] = {alg: value for alg, value in component.hashes}
    if component.type:
        props["component_type"] = component.type
    return Node(NodeKind.PACKAGE, parsed.canonical, props)


def _subject_digest(record: SbomRecord, artifact: ArtifactRef | None) -> tuple[str | None,
                                                                             str | None]:
    if artifact is not None and artifact.digest:
        subject_name = record.subjects[0].name if record.subjects else None
        return artifact.digest, artifact.name or subject_name
    for subject in record.subjects:
        name = subject.name
        if name and subject.version and ":" not in name.rsplit("/", 1)[-1]:
            name = f"{name}:{subject.version}"
        if subject.digests:
            return subject.digests[0], name
        if subject.purl:
            try:
                digest = oci_digest(parse_purl(subject.purl))
            except PurlError:
                digest = None
            if digest:
                return digest, name
    return None, None


def sbom_batch(record: SbomRecord, document: Document, artifact: ArtifactRef | None,
               now: str) -> tuple[Batch, SbomSummary]:
    summary = SbomSummary(component_entries=len(record.components),
                          dependency_entries=record.dependency_entries,
                          files=record.counts.get("files", 0),
                          warnings=list(record.warnings))
    sbom = NodeRef(NodeKind.SBOM, document.digest)
    nodes: list[Node] = []
    edges: list[Edge] = []

    packages: dict[str, Node] = {}
    purl_of_ref: dict[str, str] = {}
    for component in record.components:
        node = _package(component, summary)
        packages.setdefault(node.key, node)
        purl_of_ref[component.ref] = node.key
    summary.packages = len(packages)
    nodes.extend(packages.values())
    refs = {key: NodeRef(NodeKind.PACKAGE, key) for key in packages}  # shared: less memory
    edges.extend(Edge(EdgeKind.LISTS, sbom, ref) for ref in refs.values())

    root_refs = {s.ref for s in record.subjects if s.ref}
    seen_deps: set[tuple[str, str]] = set()
    summary.dependency_pairs = len(set(record.dependencies))
    for src_ref, dst_ref in record.dependencies:
        dst = purl_of_ref.get(dst_ref)
        if dst is None:
            if dst_ref not in root_refs:
                summary.warnings.append(f"dependency on unknown ref {dst_ref!r}")
            continue
        src = sbom if src_ref in root_refs else (
            refs[purl_of_ref[src_ref]] if src_ref in purl_of_ref else None)
        if src is None:
            summary.warnings.append(f"dependency from unknown ref {src_ref!r}")
            continue
        pair = (src.key, dst)
        if pair not in seen_deps:
            seen_deps.add(pair)
            edges.append(Edge(EdgeKind.DEPENDS_ON, src, refs[dst]))
    summary.dependency_edges = len(seen_deps)

    for parent_ref, child_ref in record.contains:
        parent, child = purl_of_ref.get(parent_ref), purl_of_ref.get(child_ref)
        if parent and child and parent != child:
            edges.append(Edge(EdgeKind.CONTAINS, refs[parent], refs[child]))
            summary.contains_edges += 1

    linked: set[tuple[str, str]] = set()
    for component in record.components:
        digest = component.hash_of("SHA-256")
        digest = f"sha256:{digest}" if digest else None
        if digest is None and component.purl:
            try:
                digest = oci_digest(parse_purl(component.purl))
            except PurlError:
                digest = None
        if digest and (purl_of_ref[component.ref], digest) not in linked:
            linked.add((purl_of_ref[component.ref], digest))
            nodes.append(Node(NodeKind.ARTIFACT, digest, {}))
            edges.append(Edge(EdgeKind.IS, refs[purl_of_ref[component.ref]],
                              NodeRef(NodeKind.ARTIFACT, digest)))
    summary.linked_artifacts = len(linked)

    subject_digest, subject_name = _subject_digest(record, artifact)
    if subject_digest:
        summary.subject = subject_digest
        target = NodeRef(NodeKind.ARTIFACT, subject_digest)
        subject_type = record.subjects[0].type if record.subjects else None
        nodes.append(Node(NodeKind.ARTIFACT, subject_digest,
                          {"type": subject_type} if subject_type else {}))
        edges.append(Edge(EdgeKind.DESCRIBES, sbom, target))
        if subject_name:
            nodes.append(Node(NodeKind.NAME, subject_name, name_node_props(subject_name)))
            edges.append(Edge(EdgeKind.NAMES, NodeRef(NodeKind.NAME, subject_name), target,
                              {"at": now}))
    else:
        summary.warnings.append(
            "the SBOM names no subject digest; pass --artifact NAME@sha256:DIGEST to link it "
            "to an artifact")

    nodes.append(Node(NodeKind.SBOM, document.digest, {
        "format": record.format,
        "spec_version": record.spec_version,
        "serial": record.serial,
        "name": record.name,
        "created": record.created,
        "tools": record.tools,
        "subject": subject_digest,
        "component_entries": summary.component_entries,
        "packages": summary.packages,
        "dependency_entries": summary.dependency_entries,
        "dependency_edges": summary.dependency_edges,
        "warnings": summary.warnings[:MAX_STORED_WARNINGS],
        "warning_count": len(summary.warnings),
        "counts": record.counts or None,
    }))
    info = DocumentInfo(digest=document.digest, kind=str(document.kind),
                        format=str(document.format), name=document.name,
                        meta={"size": document.size})
    return Batch(document=info, nodes=nodes, edges=edges), summary


def build_sbom(record: SbomRecord, document: Document, ctx: BuildContext) -> Built:
    """The SBOM builder: the subject is the document's own, else `--artifact`."""
    artifact = ctx.options.artifact
    if artifact is not None and artifact.digest is None:
        artifact = resolve(ctx.store, artifact)
    batch, summary = sbom_batch(record, document, artifact, ctx.now)
    data = asdict(summary)
    warnings = data.pop("warnings")
    return Built(batch, data, warnings)
