"""The operations tests use the session's real Neo4j too."""

from ..store_neo4j.conftest import neo4j_server

__all__ = ["neo4j_server"]
