"""Row encoding shared by the SQLite store's reads and writes: JSON columns, chunked
`IN (…)` lists, node ids by natural key."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson

CHUNK = 900  # stays below SQLite's bound-parameter limit


def dumps(props: Mapping[str, Any]) -> str:
    if not props:  # most edges: no properties
        return "{}"
    if None in props.values():  # absent values are not stored
        props = {k: v for k, v in props.items() if v is not None}
    return orjson.dumps(props).decode()


def loads(text: str) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(text)
    return value


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def node_ids(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]
             ) -> dict[tuple[str, str], int]:
    by_kind: dict[str, list[str]] = {}
    for kind, key in keys:
        by_kind.setdefault(kind, []).append(key)
    ids: dict[tuple[str, str], int] = {}
    for kind, kind_keys in by_kind.items():
        for chunk in chunks(kind_keys):
            marks = ",".join("?" * len(chunk))
            for node_id, key in conn.execute(
                f"SELECT id, key FROM nodes WHERE kind = ? AND key IN ({marks})",
                (kind, *chunk),
            ):
                ids[(kind, key)] = node_id
    return ids
