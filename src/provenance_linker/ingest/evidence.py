"""The ATTESTATION and SIGNATURE builder: verify every item at ingest and record the
outcome (verified evidence, not claims) with its subjects, signer and SLSA build."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..documents import Document
from ..errors import LimitExceeded
from ..formats.evidence import EvidenceItem, EvidenceRecord
from ..graph.refs import resolve
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..trust.engine import VerifyContext, verify_item
from ..trust.evidence_nodes import item_key, signer_nodes
from ..trust.outcome import INVALID, UNVERIFIED, Outcome
from ..trust.slsa import is_provenance, parse_provenance
from ..trust.trust_store import TrustStore
from .contract import BuildContext, Built

MAX_MATERIAL_BYTES = 1024 * 1024  # items kept for re-verification when a key arrives
MAX_ITEMS = 10_000  # signed items per document (each costs a signature check)


def build_evidence(record: EvidenceRecord, document: Document, ctx: BuildContext) -> Built:
    if len(record.items) > MAX_ITEMS:
        raise LimitExceeded(f"{len(record.items)} signed items in one document, over the "
                            f"limit of {MAX_ITEMS}", where=document.name)
    trust = TrustStore(ctx.store, clock=lambda: datetime.fromisoformat(ctx.now))
    vctx = VerifyContext.from_trust(trust)
    artifact = ctx.options.artifact
    if artifact is not None and artifact.digest is None:
        artifact = resolve(ctx.store, artifact)
    nodes: list[Node] = []
    edges: list[Edge] = []
    warnings: list[str] = []
    counts: dict[str, Any] = {"items": 0, "valid": 0, "invalid": 0, "unverified": 0,
                              "unsigned": 0, "subjects": 0, "builds": 0}
    for index, item in enumerate(record.items):
        subjects = list(item.subjects)
        outcome = verify_item(item, vctx)
        if artifact is not None and artifact.digest is not None:
            outcome, subjects = _match_artifact(item, outcome, subjects, artifact.digest,
                                                artifact.name)
        n, e = evidence_nodes(item, outcome, subjects, document.format, ctx.now)
        nodes += n
        edges += e
        counts["items"] += 1
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        counts["subjects"] += len(subjects)
        counts["builds"] += sum(1 for node in n if node.kind == NodeKind.BUILD)
        if not outcome.ok:
            warnings.append(f"item {index + 1}: {outcome.status}: {outcome.reason}")
        if not subjects:
            warnings.append(f"item {index + 1}: no sha256 subject: links to no artifact "
                            "(pass --artifact)")
    info = DocumentInfo(document.digest, str(document.kind), str(document.format),
                        document.name)
    return Built(Batch(info, nodes, edges), counts, warnings)


def _match_artifact(item: EvidenceItem, outcome: Outcome, subjects: list[tuple[str, str]],
                    digest: str, name: str | None) -> tuple[Outcome, list[tuple[str, str]]]:
    """The caller named the artifact: the evidence must be about it."""
    if not subjects:
        return outcome, [(name or "", digest)]
    if any(d == digest for _, d in subjects):
        return outcome, subjects
    covered = ", ".join(d for _, d in subjects[:3])
    return (Outcome(status=INVALID, mechanism=outcome.mechanism,
                    reason=f"digest mismatch: the signature covers {covered}, "
                    f"not {digest}", signer_kind=outcome.signer_kind,
                    key_id=outcome.key_id, issuer=outcome.issuer, subject=outcome.subject),
            [(name or "", digest)])


def evidence_nodes(item: EvidenceItem, outcome: Outcome, subjects: Sequence[tuple[str, str]],
                   fmt: str, now: str) -> tuple[list[Node], list[Edge]]:
    is_sig = item.kind == "signature"
    kind = NodeKind.SIGNATURE if is_sig else NodeKind.ATTESTATION
    ref = NodeRef(kind, item_key(item))
    props: dict[str, Any] = {**outcome.props(), "format": fmt, "verified_at": now,
                             "predicate_type": item.predicate_type,
                             "subjects": [d for _, d in subjects]}
    if outcome.status == UNVERIFIED and len(item.raw) <= MAX_MATERIAL_BYTES:
        props["material"] = base64.b64encode(item.raw).decode()
    nodes = [Node(kind, ref.key, props)]
    edges: list[Edge] = []
    link = EdgeKind.SIGNS if is_sig else EdgeKind.ATTESTS
    for name, digest in subjects:
        artifact = NodeRef(NodeKind.ARTIFACT, digest)
        nodes.append(Node(NodeKind.ARTIFACT, digest, {}))
        edges.append(Edge(link, ref, artifact, {"name": name} if name else {}))
    nodes_e, edges_e = signer_nodes(ref, outcome)
    nodes += nodes_e
    edges += edges_e
    if item.statement is not None and is_provenance(item.predicate_type):
        predicate = item.statement.get("predicate")
        if isinstance(predicate, dict):
            n, e = build_nodes(item.predicate_type or "", predicate, subjects, outcome)
            nodes += n
            edges += e
    return nodes, edges


def build_nodes(predicate_type: str, predicate: dict[str, Any],
                subjects: Sequence[tuple[str, str]], outcome: Outcome
                ) -> tuple[list[Node], list[Edge]]:
    prov = parse_provenance(predicate_type, predicate)
    build = Node(NodeKind.BUILD, prov.key, {**prov.props(), "predicate_type": predicate_type})
    nodes = [build]
    edges = [Edge(EdgeKind.BUILT_BY, NodeRef(NodeKind.ARTIFACT, d), build.ref,
                  {"verified": outcome.ok}) for _, d in subjects]
    if prov.source is not None:
        source = Node(NodeKind.SOURCE, prov.source.key,
                      {"repository": prov.source.repository, "commit": prov.source.commit,
                       "ref": prov.source.ref})
        nodes.append(source)
        edges.append(Edge(EdgeKind.FROM, build.ref, source.ref))
    for used in prov.used_sources:
        node = Node(NodeKind.SOURCE, used.key, {"repository": used.repository,
                                                "commit": used.commit, "ref": used.ref})
        nodes.append(node)
        edges.append(Edge(EdgeKind.USED, build.ref, node.ref))
    for digest in prov.used_artifacts:
        nodes.append(Node(NodeKind.ARTIFACT, digest, {}))
        edges.append(Edge(EdgeKind.USED, build.ref, NodeRef(NodeKind.ARTIFACT, digest)))
    return nodes, edges
