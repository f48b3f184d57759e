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


def group_keys(refs: Iterable[NodeRef]) -> dict[NodeKind, list[str]]:
    groups: dict[NodeKind, list[str]] = {}
    for ref in refs:
        groups.setdefault(ref.kind, []).append(ref.key)
    return {kind: list(dict.fromkeys(keys)) for kind, keys in groups.items()}


def match_refs(var: str, refs: Sequence[NodeRef], params: dict[str, Any]) -> list[str]:
    """One clause per node kind among `refs`, each binding `var` to the existing nodes of
    that kind by index seek; callers run the rest of the query once per clause."""
    clauses = []
    for i, (kind, keys) in enumerate(sorted(group_keys(refs).items())):
        name = f"k{i}"
        params[name] = keys
        clauses.append(f"UNWIND ${name} AS k MATCH ({var}:{kind} {{key: k}})")
    return clauses


def type_list(kinds: Sequence[EdgeKind]) -> str:
    """`A|B|…` over the given kinds, or over every provenance edge kind (never the
    store's own ASSERTS relationships)."""
    return "|".join(str(k) for k in (kinds or list(EdgeKind)))


def edge_from_row(row: Sequence[Any], doc: str | None = "") -> Edge:
    """Decode EDGE_COLUMNS; `doc=None` blanks the asserting document (for exports)."""
    return Edge(EdgeKind(row[0]), NodeRef(NodeKind(row[1]), row[2]),
                NodeRef(NodeKind(row[3]), row[4]), loads(row[6]),
                row[5] if doc == "" else doc)


def edges_query(kinds: Sequence[EdgeKind], src: Sequence[NodeRef], dst: Sequence[NodeRef],
                doc: str | None, params: dict[str, Any]) -> list[str]:
    """Queries (run one after another) returning EDGE_COLUMNS for the filters. With both
    `src` and `dst`, the walk starts from `src` and the caller filters `dst`."""
    types = type_list(kinds)
    if doc is not None:
        params["doc"] = doc
    if src or dst:
        anchor = "a" if src else "b"
        where = " WHERE e.doc = $doc" if doc is not None else ""
        return [f"{start} MATCH (a)-[e:{types}]->(b){where} RETURN {EDGE_COLUMNS}"
                for start in match_refs(anchor, src or dst, params)]
    if doc is not None:
        # One query per type so each uses its relationship index on `doc`.
        return [f"MATCH (a)-[e:{kind} {{doc: $doc}}]->(b) RETURN {EDGE_COLUMNS}"
                for kind in (kinds or list(EdgeKind))]
    return [f"MATCH (a)-[e:{types}]->(b) RETURN {EDGE_COLUMNS}"]


def traverse_queries(start: Sequence[NodeRef], kinds: Sequence[EdgeKind], direction: str,
                     max_depth: int, doc: str | None, params: dict[str, Any]) -> list[str]:
    """One query per kind of start node: the nodes reachable within max_depth - 1 hops
    with their shortest distance (a breadth-first, pruning variable-length expand), then
    every allowed edge leaving them. Rows: depth, EDGE_COLUMNS, whether the walk went
    src → dst, and both ends' properties. The caller keeps each edge's shallowest row."""
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
        f"RETURN dist + 1 AS depth, {EDGE_COLUMNS}, elementId(n) = elementId(a) AS forward, "
        f"a._props AS a_props, b._props AS b_props"
        for clause in match_refs("s", start, params)
    ]


def node_from_row(kind: str, key: str, props: str | None) -> Node:
    return Node(NodeKind(kind), key, loads(props))
