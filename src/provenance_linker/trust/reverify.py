"""Re-verify items recorded as `unverified` (no key known then) once keys or roots arrive.

The item's bytes were kept on its node (`material`); a changed outcome is written as a
small re-verification document, so the ledger says when and why evidence changed."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

import orjson

from .. import formats
from ..documents import load
from ..errors import ProvenanceError
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..store.ledger import LEDGER_STREAM
from .engine import VerifyContext, verify_item
from .evidence_nodes import item_key, signer_nodes
from .trust_store import TrustStore


def reverify(store: GraphStore, trust: TrustStore,
             only: Sequence[NodeRef] | None = None) -> list[dict[str, str]]:
    """Re-run verification for unverified Signature/Attestation nodes (all, or `only`)."""
    ctx = VerifyContext.from_trust(trust)
    changed: list[dict[str, str]] = []
    candidates: list[Node] = []
    if only is None:
        for kind in (NodeKind.SIGNATURE, NodeKind.ATTESTATION):
            candidates += store.find(kind, {"status": "unverified"})
    else:
        for ref in only:
            node = store.get(ref)
            if node is not None and node.props.get("status") == "unverified":
                candidates.append(node)
    for node in candidates:
        material = node.props.get("material")
        if not isinstance(material, str):
            continue
        raw = base64.b64decode(material)
        try:
            items = formats.parse(load(raw, f"{node.kind}:{node.key}")).items
        except ProvenanceError:
            continue
        item = next((i for i in items if item_key(i) == node.key), None)
        if item is None:
            continue
        outcome = verify_item(item, ctx)
        if outcome.status == "unverified":
            continue
        props = {**outcome.props(), "verified_at": ctx.now, "material": None}
        digest = "sha256:" + hashlib.sha256(orjson.dumps(
            [node.key, props], option=orjson.OPT_SORT_KEYS)).hexdigest()
        signers, signed_by = signer_nodes(node.ref, outcome)
        subjects = node.props.get("subjects") or []
        link = EdgeKind.SIGNS if node.kind == NodeKind.SIGNATURE else EdgeKind.ATTESTS
        edges: list[Edge] = [*signed_by, *(Edge(link, node.ref, NodeRef(NodeKind.ARTIFACT, d))
                                           for d in subjects)]
        info = DocumentInfo(digest, "attestation", "reverification", f"reverify:{node.key}")
        store.apply(Batch(info, [Node(node.kind, node.key, props), *signers], edges,
                          log=[(LEDGER_STREAM, {"action": "reverify", "node": str(node.ref),
                                                "status": outcome.status,
                                                "reason": outcome.reason})]))
        changed.append({"node": str(node.ref), "status": outcome.status,
                        "reason": outcome.reason})
    return changed
