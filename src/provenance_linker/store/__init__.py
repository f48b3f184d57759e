"""Graph stores: `open_store(url)` picks the backend by URL scheme."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import StoreError
from .interface import GraphStore

StoreFactory = Callable[..., GraphStore]


def _sqlite(url: str, **options: Any) -> GraphStore:
    from .sqlite import SqliteStore

    return SqliteStore(url, **options)


def _neo4j(url: str, **options: Any) -> GraphStore:
    from .neo4j import Neo4jStore  # the driver is imported only when a Neo4j URL is used

    return Neo4jStore(url, **options)


# URL scheme -> the backend's factory.
BACKENDS: dict[str, StoreFactory] = {
    "sqlite": _sqlite,
    "neo4j": _neo4j,
    "neo4j+s": _neo4j,
    "neo4j+ssc": _neo4j,
    "bolt": _neo4j,
    "bolt+s": _neo4j,
}


def scheme_of(url: str) -> str:
    if "://" in url:
        return url.split("://", 1)[0].lower()
    if url.startswith("sqlite:"):
        return "sqlite"
    return "sqlite"  # a plain path


def display_url(store: GraphStore) -> str:
    """The store's URL without credentials (backends that hold secrets provide it)."""
    shown = getattr(store, "display_url", None)
    return shown if isinstance(shown, str) else store.url


def open_store(url: str, **options: Any) -> GraphStore:
    scheme = scheme_of(url)
    factory = BACKENDS.get(scheme)
    if factory is None:
        raise StoreError(f"unknown store URL scheme {scheme!r}", where=url,
                         hint="use sqlite:///path/to/file.db or neo4j://host:7687")
    return factory(url, **options)


__all__ = ["BACKENDS", "GraphStore", "display_url", "open_store", "scheme_of"]
