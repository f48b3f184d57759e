"""Walks over edges a backend has already read: shortest dependency chains inside one
SBOM (the backends' `shortest_dependency_paths`, and the tree SQLite stores per SBOM)
and Neo4j's document-scoped traversal."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import orjson

from ..model import Direction, Edge, NodeRef

N = TypeVar("N", int, str)  # SQLite walks node ids, Neo4j node keys
D = TypeVar("D", int, str)  # documents: SQLite ids, Neo4j digests
K = TypeVar("K", bound=Hashable)  # a node in a dependency walk


def children_of(pairs: Iterable[tuple[K, K]]) -> dict[K, list[K]]:
    """parent -> children from (src, dst) DEPENDS_ON pairs, in edge order."""
    children: dict[K, list[K]] = {}
    for src, dst in pairs:
        children.setdefault(src, []).append(dst)
    return children


def _breadth_first(children: Mapping[K, Sequence[K]], root: K
                   ) -> Iterator[tuple[K, tuple[K, ...]]]:
    """Every node the root reaches, once, in the order a breadth-first walk over
    `children` (parent -> children, in edge order) first meets it, with the nodes between
    the root and it; so by depth, then by edge order."""
    seen = {root}
    frontier: list[tuple[K, tuple[K, ...]]] = [(root, ())]
    while frontier:
        following: list[tuple[K, tuple[K, ...]]] = []
        for node, above in frontier:
            below: tuple[K, ...] = (*above, node) if node != root else ()
            for child in children.get(node, ()):
                if child not in seen:
                    seen.add(child)
                    following.append((child, below))
                    yield child, below
        frontier = following


def dependency_tree(children: Mapping[K, Sequence[K]], root: K
                    ) -> dict[K, tuple[int, tuple[K, ...]]]:
    """For every node the root reaches over `children`: (its rank in the breadth-first
    walk, the nodes between the root and it).

    This is the one rule for a dependency path: the chain to a set of targets is the
    chain to the target the walk reaches first, so it is a shortest one, and ties go to
    the earlier edges. Stored per SBOM (SQLite), it answers without reading edges."""
    return {node: (rank, between)
            for rank, (node, between) in enumerate(_breadth_first(children, root), 1)}


def first_chain(children: Mapping[K, Sequence[K]], targets: set[K], root: K,
                max_depth: int) -> list[K] | None:
    """The chain (root first) to the target `dependency_tree` reaches first, if it is at
    most max_depth edges long; None otherwise. Stops at the first target."""
    for node, between in _breadth_first(children, root):
        if len(between) >= max_depth:  # the walk goes by depth: the rest is deeper
            return None
        if node in targets:
            chain = [root]
            chain.extend(between)
            chain.append(node)
            return chain
    return None


def chain_from_tree(tree: Mapping[K, tuple[int, Sequence[K]]], targets: set[K], root: K,
                    max_depth: int) -> list[K] | None:
    """`first_chain` answered from a stored `dependency_tree`."""
    reached = [(tree[t][0], t) for t in targets if t in tree]
    if not reached:
        return None
    _, target = min(reached, key=lambda r: r[0])
    between = tree[target][1]
    if len(between) >= max_depth:
        return None
    chain = [root]
    chain.extend(between)
    chain.append(target)
    return chain


def chains_per_document(edges: Iterable[Sequence[Any]], docs: Sequence[D],
                        targets: Mapping[D, set[N]], roots: Mapping[D, N],
                        max_depth: int) -> dict[D, list[N]]:
    """Group (document, src, dst) DEPENDS_ON rows (in edge order) by document and walk
    each document's edges from its root to its first target."""
    children: dict[D, dict[N, list[N]]] = {}
    for doc, src, dst in edges:
        children.setdefault(doc, {}).setdefault(src, []).append(dst)
    found: dict[D, list[N]] = {}
    for doc in docs:
        chain = first_chain(children.get(doc, {}), targets[doc], roots[doc], max_depth)
        if chain:
            found[doc] = chain
    return found


def encode_dependencies(pairs: Sequence[tuple[str, str]]) -> str | None:
    """A document's DEPENDS_ON edges, (src key, dst key) in document order, as the compact
    index `index_chain` walks: endpoint keys sorted (so index order is key order) and a
    flat list of index pairs. None for no edges."""
    if not pairs:
        return None
    keys = sorted({key for pair in pairs for key in pair})
    at = {key: i for i, key in enumerate(keys)}
    return orjson.dumps({"keys": keys, "edges": [at[k] for pair in pairs for k in pair]}
                        ).decode()


def index_chain(index: str, targets: set[str], root: str, max_depth: int) -> list[str] | None:
    """The shortest chain from a document's dependency index (a JSON `{"keys": [...],
    "edges": [src, dst, src, dst, ...]}`, keys sorted, edges in document order): the same
    walk and the same answer as over the edges themselves."""
    data = orjson.loads(index)
    keys: list[str] = data["keys"]
    flat: list[int] = data["edges"]
    position = {key: i for i, key in enumerate(keys)}
    wanted = {position[t] for t in targets if t in position}
    if root not in position or not wanted:
        return None
    children: dict[int, list[int]] = {}
    for i in range(0, len(flat), 2):
        children.setdefault(flat[i], []).append(flat[i + 1])
    chain = first_chain(children, wanted, position[root], max_depth)
    return [keys[i] for i in chain] if chain else None


def walk_edges(edges: Sequence[Edge], start: Sequence[NodeRef], direction: Direction,
               max_depth: int) -> list[tuple[int, NodeRef, Edge]]:
    """The `GraphStore.traverse` contract over a given edge list (in edge order): every
    edge whose near end is within max_depth - 1 hops of `start`, once, as (depth, far
    end, edge), by depth then edge order; an edge reachable from both ends at the same
    depth is taken in its own direction."""
    outgoing: dict[NodeRef, list[int]] = {}
    incoming: dict[NodeRef, list[int]] = {}
    for i, edge in enumerate(edges):
        if direction in (Direction.OUT, Direction.BOTH):
            outgoing.setdefault(edge.src, []).append(i)
        if direction in (Direction.IN, Direction.BOTH):
            incoming.setdefault(edge.dst, []).append(i)
    distance = dict.fromkeys(start, 0)
    frontier = list(dict.fromkeys(start))
    for depth in range(1, max_depth):  # near ends: up to max_depth - 1 hops
        following = []
        for node in frontier:
            for i in outgoing.get(node, ()):
                if edges[i].dst not in distance:
                    distance[edges[i].dst] = depth
                    following.append(edges[i].dst)
            for i in incoming.get(node, ()):
                if edges[i].src not in distance:
                    distance[edges[i].src] = depth
                    following.append(edges[i].src)
        frontier = following
    best: dict[int, tuple[int, bool]] = {}  # edge index -> (depth, walked backwards)
    for node, dist in distance.items():
        for backwards, index in ((False, outgoing), (True, incoming)):
            for i in index.get(node, ()):
                candidate = (dist + 1, backwards)
                if i not in best or candidate < best[i]:
                    best[i] = candidate
    ordered = sorted(best.items(), key=lambda item: (item[1][0], item[0]))
    return [(depth, edges[i].src if backwards else edges[i].dst, edges[i])
            for i, (depth, backwards) in ordered]
