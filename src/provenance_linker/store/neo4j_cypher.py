"""Cypher text the Neo4j store generates: node lookups by natural key, edge and
traversal queries, and row decoding.

Labels and relationship types come only from the `NodeKind`/`EdgeKind` enums (Cypher
cannot take them as parameters); every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..model import Edge, EdgeKind, Node, NodeKind, NodeRef
from .neo4j_props import loads

# Columns describing an edge `e` from `a` to `b`, decoded by `edge_from_row`.
EDGE_COLUMNS = ("type(e) AS kind, labels(a)[0] AS a_kind, a.key AS a_key, "
                "labels(b)[0] AS b_kind, b.key AS b_key, e.doc AS doc, e._props AS props, "
                "e._ord AS ord")
EDGE_LIST = "type(e), labels(a)[0], a.key, labels(b)[0], b.key, e.doc, e._props, e._ord"


def collected(columns: str) -> str:
    """`RETURN` clause answering every row in one record: `[[col, …], …]`.

    The Python driver spends ~10 µs per record (each is its own Bolt message); one list
    per query costs a tenth of that. Only for answers bounded by the query's anchors
    (at most ANCHORS_PER_QUERY keys, or one document), since the server holds the list
    in memory: a whole-graph scan streams instead."""
    return f"RETURN collect([{columns}]) AS rows"


def collected_rows(result: Any) -> list[list[Any]]:
    """The rows of one query answered by a `collected` RETURN (its single record)."""
    rows: list[list[Any]] = result.single(strict=True)[0]
    return rows


def group_keys(refs: Iterable[NodeRef]) -> dict[NodeKind, list[str]]:
    groups: dict[NodeKind, list[str]] = {}
    for ref in refs:
        groups.setdefault(ref.kind, []).append(ref.key)
    return {kind: list(dict.fromkeys(keys)) for kind, keys in groups.items()}


def seek(var: str, kind: str, key: str = "k") -> str:
    """`MATCH (var:Kind {key: …})` pinned to a seek of the key's unique index. Without
    the hint, while a relationship type the query expands has no relationships yet (no
    advisories in a new database), the planner's estimates collapse and it scans the
    whole index once per row: 9 s to match a 10,000-package SBOM against no advisories."""
    return f"MATCH ({var}:{kind} {{key: {key}}}) USING INDEX SEEK {var}:{kind}(key)"


ANCHORS_PER_QUERY = 2000  # bounds one collected answer: anchors × their degree


def match_refs(var: str, refs: Sequence[NodeRef], params: dict[str, Any]) -> list[str]:
    """One clause per node kind among `refs` and per ANCHORS_PER_QUERY keys, each binding
    `var` to the existing nodes by index seek; callers run the rest of the query once per
    clause (one after another, in one transaction)."""
    clauses: list[str] = []
    for kind, keys in sorted(group_keys(refs).items()):
        for start in range(0, len(keys), ANCHORS_PER_QUERY):
            name = f"k{len(clauses)}"
            params[name] = keys[start:start + ANCHORS_PER_QUERY]
            clauses.append(f"UNWIND ${name} AS k {seek(var, kind)}")
    return clauses


def type_list(kinds: Sequence[EdgeKind]) -> str:
    """`A|B|…` over the given kinds, or over every provenance edge kind (never the
    store's own ASSERTS relationships)."""
    return "|".join(str(k) for k in (kinds or list(EdgeKind)))


# Labels and types back to their enums by plain lookup (enum construction by value is
# several times slower, and blast radius decodes thousands of edges).
_EDGE_KINDS = {str(k): k for k in EdgeKind}
_NODE_KINDS = {str(k): k for k in NodeKind}


def edge_from_row(row: Sequence[Any], doc: str | None = "") -> Edge:
    """Decode EDGE_COLUMNS; `doc=None` blanks the asserting document (for exports)."""
    return Edge(_EDGE_KINDS[row[0]], NodeRef(_NODE_KINDS[row[1]], row[2]),
                NodeRef(_NODE_KINDS[row[3]], row[4]), loads(row[6]),
                row[5] if doc == "" else doc)


def edges_query(kinds: Sequence[EdgeKind], src: Sequence[NodeRef], dst: Sequence[NodeRef],
                doc: str | None, params: dict[str, Any]) -> tuple[list[str], bool]:
    """Queries (run one after another) answering the edges for the filters, and whether
    they answer `collected` lists (anchored on nodes or a document) rather than a stream
    of EDGE_COLUMNS rows (a whole-graph scan). With both `src` and `dst`, the walk
    starts from `src` and the caller filters `dst`."""
    types = type_list(kinds)
    if doc is not None:
        params["doc"] = doc
    if src or dst:
        anchor = "a" if src else "b"
        where = " WHERE e.doc = $doc" if doc is not None else ""
        return [f"{start} MATCH (a)-[e:{types}]->(b){where} {collected(EDGE_LIST)}"
                for start in match_refs(anchor, src or dst, params)], True
    if doc is not None:
        # One query per type so each uses its relationship index on `doc`.
        return [f"MATCH (a)-[e:{kind} {{doc: $doc}}]->(b) {collected(EDGE_LIST)}"
                for kind in (kinds or list(EdgeKind))], True
    return [f"MATCH (a)-[e:{types}]->(b) RETURN {EDGE_COLUMNS}"], False


def traverse_queries(start: Sequence[NodeRef], kinds: Sequence[EdgeKind], direction: str,
                     max_depth: int, doc: str | None, params: dict[str, Any]) -> list[str]:
    """One query per kind of start node: the nodes reachable within max_depth - 1 hops
    with their shortest distance (a breadth-first, pruning variable-length expand), then
    every allowed edge leaving them, `collected`. Rows: depth, the EDGE_LIST columns,
    whether the walk went src → dst, and both ends' properties. The caller keeps each
    edge's shallowest row."""
    types = type_list(kinds)
    scope = ""
    if doc is not None:
        params["doc"] = doc
        scope = " {doc: $doc}"
    left, right = ("<-", "-") if direction == "in" else ("-", "->" if direction == "out"
                                                         else "-")
    walk = f"(s){left}[:{types}*0..{max_depth - 1}{scope}]{right}(n)"
    hop = f"(n){left}[e:{types}{scope}]{right}(f)"
    return [
        f"{clause} "
        f"MATCH p = {walk} WITH n, min(length(p)) AS dist "
        f"MATCH {hop} WITH dist, e, n, startNode(e) AS a, endNode(e) AS b "
        + collected(f"dist + 1, {EDGE_LIST}, elementId(n) = elementId(a), a._props, b._props")
        for clause in match_refs("s", start, params)
    ]


def node_from_row(kind: str, key: str, props: str | None) -> Node:
    return Node(_NODE_KINDS[kind], key, loads(props))
