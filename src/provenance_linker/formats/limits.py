"""Bounds on decoded JSON/YAML structures (XML depth is bounded in xml_safety.py)."""

from __future__ import annotations

from typing import Any

from ..errors import LimitExceeded
from .schemas import json_path

_CONTAINERS = (dict, list)


def check_json_depth(value: Any, where: str, max_depth: int) -> None:
    """Refuse containers nested deeper than `max_depth`.

    Walks level by level over containers only, without tracking paths (this runs on
    every document); the path is worked out only for the error message.
    """
    level = [value] if isinstance(value, _CONTAINERS) else []
    seen: set[int] = set()  # YAML aliases share nodes: visit each once (no alias bombs)
    depth = 1
    while level:
        if depth > max_depth:
            raise LimitExceeded(f"JSON nested deeper than {max_depth} levels",
                                where=f"{where}: {json_path(_path_to_depth(value, depth))}",
                                hint="raise PROVENANCE_MAX_DEPTH if this document is "
                                     "legitimate")
        below: list[Any] = []
        for node in level:
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, _CONTAINERS) and child and id(child) not in seen:
                    seen.add(id(child))
                    below.append(child)
        level = below
        depth += 1


def _path_to_depth(value: Any, depth: int) -> tuple[Any, ...]:
    """The path of the first container at `depth` (depth-first)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if len(path) + 1 == depth:
            return path
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if isinstance(child, _CONTAINERS) and child and id(child) not in seen:
                seen.add(id(child))
                stack.append((child, (*path, key)))
    return ()
