"""Shortest dependency chains inside one SBOM, shared by the backends' native
`shortest_dependency_paths` (they read the edges their own way, then walk them here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

N = TypeVar("N", int, str)  # SQLite walks node ids, Neo4j node keys


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
