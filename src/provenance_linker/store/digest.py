"""A backend-independent digest of a graph's content (used to verify copies)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ..model import Edge, Node
from .ledger import canonical_json


def graph_digest(nodes: Iterable[Node], edges: Iterable[Edge]) -> str:
    lines = [canonical_json(["N", str(n.kind), n.key, dict(n.props)]) for n in nodes]
    lines += [
        canonical_json(
            ["E", str(e.kind), str(e.src.kind), e.src.key, str(e.dst.kind), e.dst.key,
             e.doc, dict(e.props)]
        )
        for e in edges
    ]
    lines.sort()
    h = hashlib.sha256()
    for line in lines:
        h.update(line)
        h.update(b"\n")
    return "sha256:" + h.hexdigest()
