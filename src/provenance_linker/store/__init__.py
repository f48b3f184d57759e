"""Graph stores: `open_store(url)` picks the backend by URL scheme."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

from ..errors import StoreError
from .interface import GraphStore

# scheme -> "module:Class", imported on first use so a backend's driver is optional.
BACKENDS: dict[str, str] = {
    "sqlite": "provenance_linker.store.sqlite:SqliteStore",
    "neo4j": "provenance_linker.store.neo4j:Neo4jStore",
    "neo4j+s": "provenance_linker.store.neo4j:Neo4jStore",
    "neo4j+ssc": "provenance_linker.store.neo4j:Neo4jStore",
    "bolt": "provenance_linker.store.neo4j:Neo4jStore",
    "bolt+s": "provenance_linker.store.neo4j:Neo4jStore",
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
    target = BACKENDS.get(scheme)
    if target is None:
        raise StoreError(f"unknown store URL scheme {scheme!r}", where=url,
                         hint="use sqlite:///path/to/file.db or neo4j://host:7687")
    module_name, class_name = target.split(":")
    factory = cast(Callable[..., GraphStore], getattr(importlib.import_module(module_name),
                                                       class_name))
    return factory(url, **options)


__all__ = ["BACKENDS", "GraphStore", "display_url", "open_store", "scheme_of"]
