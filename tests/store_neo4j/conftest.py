"""Fixtures for the Neo4j-specific tests: the session's real Neo4j server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..support.neo4j_server import Neo4jServer, shared_server


@pytest.fixture
def neo4j_server(request: pytest.FixtureRequest) -> Iterator[Neo4jServer]:
    """The session's Neo4j, emptied; running again after the test even if it stopped it."""
    server = shared_server(request.config)
    server.clean()
    try:
        yield server
    finally:
        server.start()  # a no-op when it is running
