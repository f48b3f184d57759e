"""How node and edge properties live in Neo4j, and how they merge.

The exact properties are kept as one JSON map (`_props`), so nested values (hashes,
counts, tools) round-trip and the content digest matches SQLite's. Top-level values
Neo4j can store natively (strings, numbers, booleans, homogeneous lists of them) are
also set as ordinary properties, so `find`, indexes and hand-written Cypher
(`n.name`, `n.version`) work on them. Merges follow SQLite's `json_patch` (RFC 7396).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

JSON_PROPERTY = "_props"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SCALARS = (str, bool, int, float)


def drop_none(props: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level None means 'not asserted' (as in the SQLite store)."""
    return {k: v for k, v in props.items() if v is not None}


def dumps(props: Mapping[str, Any]) -> str:
    return orjson.dumps(props).decode()


def loads(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    value: dict[str, Any] = orjson.loads(text)
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch (what SQLite's json_patch computes)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def _native(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return INT64_MIN <= value <= INT64_MAX
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list) and value:
        first = type(value[0])
        return first in _SCALARS and all(type(v) is first and _native(v) for v in value)
    return False


def is_native(value: Any) -> bool:
    """Whether Neo4j can store (and compare) the value as an ordinary property."""
    return _native(value)


def property_map(props: Mapping[str, Any], fixed: Mapping[str, Any]) -> dict[str, Any]:
    """The full property map of a node or relationship: `fixed` (key, doc, …), the JSON
    map, and every natively storable top-level value whose name is not reserved."""
    out = {name: value for name, value in props.items()
           if not name.startswith("_") and name not in fixed and _native(value)}
    out.update(fixed)
    out[JSON_PROPERTY] = dumps(props)
    return out
