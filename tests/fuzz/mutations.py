"""Hypothesis strategies that break real documents the way attackers do: values swapped
for other JSON types, keys deleted, huge integers, lone surrogates, floats where integers
belong, truncation, inserted bytes, and malformed XML declarations."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from hypothesis import strategies as st

from .seeds import Seed

HUGE_MARK = "@fuzz-huge-integer@"
MAX_PATHS = 600

weird_values = st.one_of(
    st.just(HUGE_MARK), st.just("\ud800"), st.just("a\udfffb"), st.just(True), st.none(),
    st.just(1.5), st.just(-1), st.just(0), st.just(""), st.just([]), st.just({}),
    st.just([True]), st.just({"": None}), st.just("sha256:zz"), st.just("pkg:docker/x@sha256:zz"),
    st.just("x" * 5000), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
)

XML_DECLARATIONS = [b'<?xml version="1.0" encoding="no-such-codec"?>', b"<?xml versio='1.0'?>",
                    b'<?xml version="9.9"?>', b"<?xml ?>", b'<?xml version="1.0" ?? ?>',
                    b'<?xml version="1.0" encoding="UTF-16"?>', b"<?xml", b""]


def _paths(tree: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(tree, ())]
    while stack and len(out) < MAX_PATHS:
        value, path = stack.pop()
        out.append(path)
        if isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value[:20]))
    return out


def _replace(tree: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = tree
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return tree


def _dump(tree: Any, seed: Seed, ascii_only: bool) -> bytes:
    if seed.family.endswith("yaml") or seed.name.endswith(".yaml"):
        text = yaml.safe_dump(tree, allow_unicode=not ascii_only)
    else:
        text = json.dumps(tree, ensure_ascii=ascii_only)
    return text.replace(f'"{HUGE_MARK}"', "9" * 4400).replace(HUGE_MARK, "9" * 4400).encode(
        "utf-8", errors="surrogatepass")


@st.composite
def tree_mutation(draw: st.DrawFn, seed: Seed) -> bytes:
    tree = copy.deepcopy(seed.tree)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        delete = bool(path) and draw(st.booleans()) and draw(st.booleans())
        # A copy: st.just hands out one shared object, and later rounds edit inside it.
        tree = _replace(tree, path, copy.deepcopy(draw(weird_values)), delete)
    return _dump(tree, seed, draw(st.booleans()))


@st.composite
def byte_mutation(draw: st.DrawFn, seed: Seed) -> bytes:
    data = seed.data
    kind = draw(st.sampled_from(["truncate", "insert", "delete", "declaration", "duplicate"]))
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    if kind == "truncate":
        return data[:at]
    if kind == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)):]
    if kind == "duplicate":
        return data + b"\n" + data[:at]
    declaration = draw(st.sampled_from(XML_DECLARATIONS))
    if data.lstrip().startswith(b"<?xml"):
        end = data.find(b"?>")
        return declaration + data[end + 2:]
    return declaration + b"\n" + data


def mutations(seed: Seed) -> st.SearchStrategy[bytes]:
    options = [byte_mutation(seed)]
    if seed.tree is not None:
        options.append(tree_mutation(seed))
        options.append(tree_mutation(seed))  # weigh structural changes higher
    return st.one_of(options)
