"""Backends the store-level suites run against. Each name maps to a URL factory.

The Neo4j entry uses the session's Neo4j test server (tests/support/neo4j_server.py),
started once per session on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/graph.db"


def _neo4j(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    from .neo4j_server import shared_server

    server = shared_server(request.config)
    server.clean()
    return server.url


URL_FACTORIES: dict[str, Callable[[pytest.FixtureRequest, Path], str]] = {
    "sqlite": _sqlite,
    "neo4j": _neo4j,
}

BACKEND_NAMES = list(URL_FACTORIES)


def make_store_url(request: pytest.FixtureRequest, name: str, tmp_path: Path) -> str:
    return URL_FACTORIES[name](request, tmp_path)
