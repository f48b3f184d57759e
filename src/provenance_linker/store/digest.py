"""A backend-independent digest of a graph's content (used to verify copies).

The digest is SHA-256 over the sorted canonical lines of every node and edge; backends
that read rows faster than they build `Node`/`Edge` objects make the lines themselves
with `node_line`/`edge_line` and hash them with `lines_digest`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from ..model import Edge, Node
from .ledger import canonical_json


def _compact(line: bytes) -> bytes:
    # orjson's output keeps a ~4 KB allocation whatever its length; the digest holds one
    # line per row until it sorts them (20x the memory: 22 GB at 5.5 M rows), so copy.
    return bytes(memoryview(line))


def node_line(kind: str, key: str, props: Mapping[str, Any]) -> bytes:
    return _compact(canonical_json(["N", kind, key, props]))


def edge_line(kind: str, src_kind: str, src_key: str, dst_kind: str, dst_key: str,
              doc: str | None, props: Mapping[str, Any]) -> bytes:
    return _compact(canonical_json(["E", kind, src_kind, src_key, dst_kind, dst_key, doc,
                                    props]))


def end_json(kind: str, key: str) -> bytes:
    """A node's kind and key as they appear inside its edges' lines (`"kind","key"`)."""
    return orjson.dumps([kind, key])[1:-1]


def edge_line_of(kind: str, src: bytes, dst: bytes, doc: str | None,
                 props: Mapping[str, Any] | None) -> bytes:
    """`edge_line` from the ends' `end_json`, computed once per node instead of once per
    edge (the JSON of a list is its items' JSON between commas; None: no properties)."""
    return b'["E",%b,%b,%b,%b,%b]' % (orjson.dumps(kind), src, dst, orjson.dumps(doc),
                                      b"{}" if props is None else canonical_json(props))


def lines_digest(lines: list[bytes], block: int = 50_000) -> str:
    lines.sort()
    h = hashlib.sha256()
    for i in range(0, len(lines), block):  # joined in blocks: two calls per line cost 2×
        h.update(b"\n".join(lines[i : i + block]))
        h.update(b"\n")
    return "sha256:" + h.hexdigest()


def graph_digest(nodes: Iterable[Node], edges: Iterable[Edge]) -> str:
    lines = [node_line(str(n.kind), n.key, dict(n.props)) for n in nodes]
    lines += [edge_line(str(e.kind), str(e.src.kind), e.src.key, str(e.dst.kind), e.dst.key,
                        e.doc, dict(e.props)) for e in edges]
    return lines_digest(lines)
