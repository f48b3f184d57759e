"""How a verified signature or attestation appears in the graph: its node key and the
signer it was verified against (used at ingest and on re-verification)."""

from __future__ import annotations

import hashlib

from ..formats.evidence import EvidenceItem
from ..model import Edge, EdgeKind, Node, NodeKind, NodeRef
from .outcome import Outcome


def identity_key(issuer: str | None, subject: str | None) -> str:
    return f"{issuer or ''} {subject or ''}"


def item_key(item: EvidenceItem) -> str:
    return "sha256:" + hashlib.sha256(item.raw).hexdigest()


def signer_nodes(ref: NodeRef, outcome: Outcome) -> tuple[list[Node], list[Edge]]:
    """SIGNED_BY only for what was verified: the graph holds evidence, not claims."""
    if not outcome.ok:
        return [], []
    if outcome.signer_kind == "key" and outcome.key_id:
        key = Node(NodeKind.KEY, outcome.key_id, {"name": outcome.key_name})
        return [key], [Edge(EdgeKind.SIGNED_BY, ref, key.ref)]
    if outcome.signer_kind == "identity":
        ident = Node(NodeKind.IDENTITY, identity_key(outcome.issuer, outcome.subject),
                     {"issuer": outcome.issuer, "subject": outcome.subject})
        return [ident], [Edge(EdgeKind.SIGNED_BY, ref, ident.ref,
                              {"root": outcome.root, "log_index": outcome.log_index})]
    return [], []
