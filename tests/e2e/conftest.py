"""End-to-end tests may use the session's real Neo4j."""

from ..store_neo4j.conftest import neo4j_server

__all__ = ["neo4j_server"]
