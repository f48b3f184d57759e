"""One rule for a dependency chain, four ways of answering it: the walk over edges, the
tree SQLite stores per SBOM, Neo4j's compact per-document index, and (for the length)
an exhaustive search. They must agree on every graph."""

from __future__ import annotations

import itertools
import random
from collections import deque

import orjson

from provenance_linker.store.paths import (
    chain_from_tree,
    chains_per_document,
    dependency_tree,
    first_chain,
    index_chain,
)
from provenance_linker.store.sqlite_chains import decode_via, encode_via


def random_sbom(rng: random.Random, size: int) -> list[tuple[str, str]]:
    names = [f"pkg:npm/p{rng.randrange(10 * size)}@1.0.0" for _ in range(size)]
    names = list(dict.fromkeys(names))
    edges = [("root", n) for n in names[:3]]
    for i, name in enumerate(names):
        later = names[i + 1:]
        for child in rng.sample(later, min(2, len(later))):
            if rng.random() < 0.6:
                edges.append((name, child))
        if i and rng.random() < 0.1:  # cycles and edges back up the list
            edges.append((name, rng.choice(names[:i])))
    return edges


def as_index(edges: list[tuple[str, str]]) -> str:
    keys = sorted({k for edge in edges for k in edge})
    at = {k: i for i, k in enumerate(keys)}
    return orjson.dumps({"keys": keys, "edges": [at[k] for edge in edges for k in edge]}
                        ).decode()


def children_of(edges: list[tuple[str, str]]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for src, dst in edges:
        children.setdefault(src, []).append(dst)
    return children


def distance(edges: list[tuple[str, str]], root: str, target: str) -> int | None:
    """Edges on a shortest path, by a plain breadth-first search."""
    children = children_of(edges)
    seen, queue = {root: 0}, deque([root])
    while queue:
        node = queue.popleft()
        for child in children.get(node, ()):
            if child not in seen:
                seen[child] = seen[node] + 1
                queue.append(child)
    return seen.get(target)


def test_every_answer_agrees_and_is_shortest() -> None:
    rng = random.Random(7)
    compared = 0
    for trial in range(300):
        edges = random_sbom(rng, rng.randrange(2, 60))
        nodes = sorted({k for edge in edges for k in edge} - {"root"})
        targets = set(rng.sample(nodes, min(len(nodes), rng.randrange(1, 4))))
        depth = rng.randrange(1, 12)
        walked = first_chain(children_of(edges), targets, "root", depth)
        grouped = chains_per_document([("d", s, t) for s, t in edges], ["d"],
                                      {"d": targets}, {"d": "root"}, depth).get("d")
        tree = chain_from_tree(dependency_tree(children_of(edges), "root"), targets,
                               "root", depth)
        indexed = index_chain(as_index(edges), targets, "root", depth)
        assert walked == grouped == tree == indexed, (trial, targets, depth)
        reachable = [d for t in targets if (d := distance(edges, "root", t)) is not None]
        if walked is None:
            assert not reachable or min(reachable) > depth, trial
            continue
        compared += 1
        assert walked[0] == "root" and walked[-1] in targets
        assert len(walked) - 1 == min(reachable) <= depth  # shortest
        assert all(pair in set(edges) for pair in itertools.pairwise(walked))
    assert compared > 150  # most trials found a chain: the comparison is not vacuous


def test_ties_go_to_the_earlier_edge() -> None:
    edges = [("root", "a"), ("root", "b"), ("b", "y"), ("a", "x")]
    assert first_chain(children_of(edges), {"x", "y"}, "root", 5) == ["root", "a", "x"]
    edges = [("root", "b"), ("root", "a"), ("b", "y"), ("a", "x")]
    assert first_chain(children_of(edges), {"x", "y"}, "root", 5) == ["root", "b", "y"]


def test_chain_without_root_or_targets() -> None:
    index = as_index([("root", "a"), ("a", "b")])
    assert index_chain(index, {"b"}, "root", 5) == ["root", "a", "b"]
    assert index_chain(index, {"zzz"}, "root", 5) is None
    assert index_chain(index, {"b"}, "other-root", 5) is None
    assert index_chain(index, {"b"}, "root", 1) is None
    assert first_chain({"root": ["a"], "a": ["root"]}, {"root"}, "root", 5) is None


def test_stored_chains_round_trip() -> None:
    for ids in ([], [1], [5, 2**32 - 1, 7], [3, 2**32, 2**40]):
        data = encode_via(ids)
        assert decode_via(data) == ids
    assert len(encode_via([1, 2, 3])) == 12  # four bytes per id while they fit
