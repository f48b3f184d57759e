"""The dependency-index walk (Neo4j's compact per-document form) gives exactly the answer
the walk over the same edges gives."""

from __future__ import annotations

import random

import orjson

from provenance_linker.store.paths import chains_per_document, index_chain


def random_sbom(rng: random.Random, size: int) -> list[tuple[str, str]]:
    names = [f"pkg:npm/p{rng.randrange(10 * size)}@1.0.0" for _ in range(size)]
    names = list(dict.fromkeys(names))
    edges = [("root", n) for n in names[:3]]
    for i, name in enumerate(names):
        for child in rng.sample(names[i + 1:], min(2, len(names) - i - 1)):
            if rng.random() < 0.6:
                edges.append((name, child))
    return edges


def as_index(edges: list[tuple[str, str]]) -> str:
    keys = sorted({k for edge in edges for k in edge})
    at = {k: i for i, k in enumerate(keys)}
    return orjson.dumps({"keys": keys, "edges": [at[k] for edge in edges for k in edge]}
                        ).decode()


def test_index_chain_matches_the_edge_walk() -> None:
    rng = random.Random(7)
    compared = 0
    for trial in range(200):
        edges = random_sbom(rng, rng.randrange(2, 60))
        nodes = sorted({k for edge in edges for k in edge} - {"root"})
        targets = set(rng.sample(nodes, min(len(nodes), rng.randrange(1, 4))))
        depth = rng.randrange(1, 12)
        expected = chains_per_document([("d", s, t) for s, t in edges], ["d"], {"d": targets},
                                       {"d": "root"}, depth).get("d")
        got = index_chain(as_index(edges), targets, "root", depth)
        assert got == expected, (trial, targets, depth)
        compared += expected is not None
    assert compared > 100  # most trials found a chain: the comparison is not vacuous


def test_index_chain_without_root_or_targets() -> None:
    index = as_index([("root", "a"), ("a", "b")])
    assert index_chain(index, {"b"}, "root", 5) == ["root", "a", "b"]
    assert index_chain(index, {"zzz"}, "root", 5) is None
    assert index_chain(index, {"b"}, "other-root", 5) is None
    assert index_chain(index, {"b"}, "root", 1) is None
