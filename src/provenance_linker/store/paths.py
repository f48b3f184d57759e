"""Shortest dependency chains inside one SBOM, shared by the backends' native
`shortest_dependency_paths` (they read the edges their own way, then walk them here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

N = TypeVar("N", int, str)  # SQLite walks node ids, Neo4j node keys
D = TypeVar("D", int, str)  # documents: SQLite ids, Neo4j digests


def upward_chain(parents: Mapping[N, Sequence[N]], targets: set[N], root: N,
                 max_depth: int) -> list[N] | None:
    """Breadth-first from the targets up to the root over `parents` (child -> parents,
    in edge order); the chain root first, or None when the root is out of reach."""
    came: dict[N, N | None] = dict.fromkeys(targets)
    frontier = sorted(targets)
    for _ in range(max_depth):
        following: list[N] = []
        for node in frontier:
            for parent in parents.get(node, ()):
                if parent in came:
                    continue
                came[parent] = node
                if parent == root:
                    chain: list[N] = []
                    cur: N | None = parent
                    while cur is not None:
                        chain.append(cur)
                        cur = came[cur]
                    return chain
                following.append(parent)
        if not following:
            return None
        frontier = following
    return None


def chains_per_document(edges: Iterable[Sequence[Any]], docs: Sequence[D],
                        targets: Mapping[D, set[N]], roots: Mapping[D, N],
                        max_depth: int) -> dict[D, list[N]]:
    """Group (document, src, dst) DEPENDS_ON rows by document and walk each document's
    edges from its targets up to its root."""
    parents: dict[D, dict[N, list[N]]] = {}
    for doc, src, dst in edges:
        parents.setdefault(doc, {}).setdefault(dst, []).append(src)
    found: dict[D, list[N]] = {}
    for doc in docs:
        chain = upward_chain(parents.get(doc, {}), targets[doc], roots[doc], max_depth)
        if chain:
            found[doc] = chain
    return found
