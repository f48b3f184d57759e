"""SbomRecord → Batch: identity resolution (digest first, then purl) for one SBOM.

The Sbom node is the root of its own dependency graph: the subject's direct
dependencies are `Sbom -DEPENDS_ON-> Package`, the rest `Package -DEPENDS_ON-> Package`,
all asserted by (and so scoped to) this SBOM. A component whose sha256 or OCI purl
digest names an artifact gets `Package -IS-> Artifact`; since artifacts are keyed by
digest, an application SBOM and its base image's SBOM meet whichever arrives first.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from ..documents import Document
from ..formats.base import Component, SbomRecord
from ..graph.refs import ArtifactRef, name_node_props, resolve
from ..model import (
    Batch,
    DocumentInfo,
    Edge,
    EdgeKind,
    Node,
    NodeKind,
    NodeRef,
    sha256_digest_or_none,
)
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
        "purl_type": sys.intern(parsed.type),  # a handful of types: one string each
        "ecosystem": parsed.ecosystem,
        "name": parsed.package_name,
        "version": parsed.key_version or component.version,
    }
    if parsed.qualifiers:  # arch, distro, upstream, …: properties, not identity (purls.py)
        props["qualifiers"] = parsed.qualifiers
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
    return Node(NodeKind.PACKAGE, parsed.key, props)


def _subject_digest(record: SbomRecord, artifact: ArtifactRef | None) -> tuple[str | None,
                                                                             str | None]:
    if artifact is not None and artifact.digest:
        subject_name = record.subjects[0].name if record.subjects else None
        return artifact.digest, artifact.name or subject_name
    for subject in record.subjects:
        name = subject.name
        if name and subject.version and ":" not in name.rsplit("/", 1)[-1]:
            name = f"{name}:{subject.version}"
        digests = [d for d in map(sha256_digest_or_none, subject.digests) if d]
        if digests:
            return digests[0], name
        if subject.purl:
            try:
                digest = sha256_digest_or_none(oci_digest(parse_purl(subject.purl)))
            except PurlError:
                digest = None
            if digest:
                return digest, name
    return None, None


def _subject_packages(record: SbomRecord, listed: dict[str, Node], summary: SbomSummary,
                      nodes: list[Node]) -> list[str]:
    """What the SBOM is about (SPDX packages it DESCRIBES, CycloneDX metadata.component)
    is stored as a package, digest or not, and named on the Sbom (`subject_packages`).
    It is neither listed nor linked: a subject is not its own component, so dependencies,
    diffs, traces and blast radius read the same as before and across formats."""
    keys: list[str] = []
    for subject in record.subjects:
        if subject.type == "file" or not (subject.name or subject.purl):
            continue
        component = Component(ref=subject.ref or "", name=subject.name or subject.ref or "",
                              version=subject.version, purl=subject.purl, type=subject.type,
                              hashes=tuple(("SHA-256", d.removeprefix("sha256:"))
                                           for d in subject.digests))
        said = SbomSummary()
        node = _package(component, said)
        # a subject without a purl is usual (an image, a directory): not worth a warning
        summary.warnings += [w for w in said.warnings if "has no purl" not in w]
        if node.key not in listed and node.key not in keys:
            nodes.append(node)
        keys.append(node.key)
    return keys


# Components that are not packages: files are counted (as SPDX files are), operating
# systems are named on the Sbom node; neither is a Package.
FILE_TYPE = "file"
OS_TYPE = "operating-system"
# SHA-256 values that are not the digest of an artifact anyone ships: a Go module's is the
# go.sum tree hash (h1:), not a file.
_NOT_ARTIFACT_DIGESTS = frozenset({"golang"})


def _component_digest(component: Component) -> str | None:
    """The artifact a component names: an OCI purl's digest, else the SHA-256 of what it
    ships (an image, a release file: what malicious-package advisories name)."""
    parsed = None
    if component.purl:
        try:
            parsed = parse_purl(component.purl)
        except PurlError:
            parsed = None
    if parsed is not None:
        digest = sha256_digest_or_none(oci_digest(parsed))
        if digest is not None or parsed.type in _NOT_ARTIFACT_DIGESTS:
            return digest
    return sha256_digest_or_none(component.hash_of("SHA-256"))


def sbom_batch(record: SbomRecord, document: Document, artifact: ArtifactRef | None,
               now: str) -> tuple[Batch, SbomSummary]:
    summary = SbomSummary(component_entries=len(record.components),
                          dependency_entries=record.dependency_entries,
                          files=record.counts.get("files", 0),
                          warnings=list(record.warnings))
    sbom = NodeRef(NodeKind.SBOM, document.digest)
    skipped, systems = _not_packages(record, summary)
    packages, purl_of_ref = _packages(record, summary)
    refs = {key: NodeRef(NodeKind.PACKAGE, key) for key in packages}  # shared: less memory
    nodes: list[Node] = list(packages.values())
    edges: list[Edge] = [Edge(EdgeKind.LISTS, sbom, ref) for ref in refs.values()]
    edges += _dependency_edges(record, sbom, refs, purl_of_ref, summary, skipped)
    edges += _contains_edges(record, refs, purl_of_ref, summary)
    _link_artifacts(record, refs, purl_of_ref, summary, nodes, edges)
    subject_digest = _link_subject(record, artifact, sbom, now, summary, nodes, edges)
    subject_packages = _subject_packages(record, packages, summary, nodes)
    nodes.append(_sbom_node(record, document, subject_digest, summary, subject_packages,
                            systems))
    info = DocumentInfo(digest=document.digest, kind=str(document.kind),
                        format=str(document.format), name=document.name,
                        meta={"size": document.size})
    return Batch(document=info, nodes=nodes, edges=edges), summary


def _packages(record: SbomRecord, summary: SbomSummary
              ) -> tuple[dict[str, Node], dict[str, str]]:
    """Package nodes by key, and the key of each component ref (files and operating
    systems aside: see `_not_packages`)."""
    packages: dict[str, Node] = {}
    purl_of_ref: dict[str, str] = {}
    for component in record.components:
        if component.type in (FILE_TYPE, OS_TYPE):
            continue
        node = _package(component, summary)
        packages.setdefault(node.key, node)
        purl_of_ref[component.ref] = node.key
    summary.packages = len(packages)
    return packages, purl_of_ref


def _not_packages(record: SbomRecord, summary: SbomSummary) -> tuple[set[str], list[str]]:
    """Refs of file and operating-system components, and the systems' names: a file is
    counted, an operating system is named on the Sbom (`operating_systems`)."""
    skipped: set[str] = set()
    systems: list[str] = []
    for component in record.components:
        if component.type == FILE_TYPE:
            summary.files += 1
        elif component.type == OS_TYPE:
            label = " ".join(p for p in (component.name, component.version) if p)
            if label not in systems:
                systems.append(label)
        else:
            continue
        skipped.add(component.ref)
    return skipped, systems


def _lift_through(dependencies: list[tuple[str, str]], skipped: set[str],
                  root_refs: set[str]) -> list[tuple[str, str]]:
    """Dependencies with files and operating systems taken out: what an operating system
    depends on (trivy: image -> debian -> each deb) belongs to whoever depends on the
    system, the SBOM root when nothing does."""
    parents: dict[str, list[str]] = {}
    for src, dst in dependencies:
        if dst in skipped and src not in skipped:
            parents.setdefault(dst, []).append(src)
    root = next(iter(sorted(root_refs)), None)
    out: list[tuple[str, str]] = []
    for src, dst in dependencies:
        if dst in skipped:
            continue
        if src in skipped:
            for parent in parents.get(src) or ([root] if root is not None else []):
                out.append((parent, dst))
        else:
            out.append((src, dst))
    return out


def _dependency_edges(record: SbomRecord, sbom: NodeRef, refs: dict[str, NodeRef],
                      purl_of_ref: dict[str, str], summary: SbomSummary,
                      skipped: set[str]) -> list[Edge]:
    """DEPENDS_ON from the SBOM root (the subject's direct dependencies) or a package;
    refs that share a purl merge into one edge."""
    root_refs = {s.ref for s in record.subjects if s.ref}
    seen: set[tuple[str, str]] = set()
    edges: list[Edge] = []
    summary.dependency_pairs = len(set(record.dependencies))
    dependencies = _lift_through(record.dependencies, skipped, root_refs) if skipped \
        else record.dependencies
    for src_ref, dst_ref in dependencies:
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
        if pair not in seen:
            seen.add(pair)
            edges.append(Edge(EdgeKind.DEPENDS_ON, src, refs[dst]))
    summary.dependency_edges = len(seen)
    return edges


def _contains_edges(record: SbomRecord, refs: dict[str, NodeRef], purl_of_ref: dict[str, str],
                    summary: SbomSummary) -> list[Edge]:
    edges: list[Edge] = []
    for parent_ref, child_ref in record.contains:
        parent, child = purl_of_ref.get(parent_ref), purl_of_ref.get(child_ref)
        if parent and child and parent != child:
            edges.append(Edge(EdgeKind.CONTAINS, refs[parent], refs[child]))
            summary.contains_edges += 1
    return edges


def _link_artifacts(record: SbomRecord, refs: dict[str, NodeRef], purl_of_ref: dict[str, str],
                    summary: SbomSummary, nodes: list[Node], edges: list[Edge]) -> None:
    """`Package -IS-> Artifact` for components whose sha256 or OCI purl names a digest."""
    linked: set[tuple[str, str]] = set()
    for component in record.components:
        if component.ref not in purl_of_ref:
            continue  # a file or an operating system
        digest = _component_digest(component)
        if digest and (purl_of_ref[component.ref], digest) not in linked:
            linked.add((purl_of_ref[component.ref], digest))
            nodes.append(Node(NodeKind.ARTIFACT, digest))
            edges.append(Edge(EdgeKind.IS, refs[purl_of_ref[component.ref]],
                              NodeRef(NodeKind.ARTIFACT, digest)))
    summary.linked_artifacts = len(linked)


def _link_subject(record: SbomRecord, artifact: ArtifactRef | None, sbom: NodeRef, now: str,
                  summary: SbomSummary, nodes: list[Node], edges: list[Edge]) -> str | None:
    """`Sbom -DESCRIBES-> Artifact` and the artifact's name; the subject digest or None."""
    subject_digest, subject_name = _subject_digest(record, artifact)
    if not subject_digest:
        summary.warnings.append(
            "the SBOM names no subject digest; pass --artifact NAME@sha256:DIGEST to link it "
            "to an artifact")
        return None
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
    return subject_digest


def _sbom_node(record: SbomRecord, document: Document, subject_digest: str | None,
               summary: SbomSummary, subject_packages: list[str], systems: list[str]) -> Node:
    return Node(NodeKind.SBOM, document.digest, {
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
        "subject_packages": subject_packages or None,
        "operating_systems": systems or None,
        "files": summary.files or None,
    })


def build_sbom(record: SbomRecord, document: Document, ctx: BuildContext) -> Built:
    """The SBOM builder: the subject is the document's own, else `--artifact`."""
    artifact = ctx.options.artifact
    if artifact is not None and artifact.digest is None:
        artifact = resolve(ctx.store, artifact)
    batch, summary = sbom_batch(record, document, artifact, ctx.now)
    data = asdict(summary)
    warnings = data.pop("warnings")
    return Built(batch, data, warnings)
