"""Connecting to Neo4j: URL schemes, credentials (env, file, URL), database selection, and
the errors a user sees when any of them is wrong — against the real test server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from provenance_linker.errors import ConfigError, StoreError, StoreUnavailable
from provenance_linker.store import open_store
from provenance_linker.store.neo4j import Neo4jStore
from provenance_linker.store.neo4j_config import parse_target
from provenance_linker.store.neo4j_schema import LATEST

from ..conftest import CliResult
from ..support.neo4j_server import PASSWORD, USER, Neo4jServer


def test_url_forms() -> None:
    t = parse_target("neo4j+s://abc123.databases.neo4j.io?database=graph", env={})
    assert t.uri == "neo4j+s://abc123.databases.neo4j.io:7687"
    assert t.database == "graph" and t.auth is None
    t = parse_target("bolt://db.internal:7688", env={"NEO4J_PASSWORD": "pw"})
    assert t.uri == "bolt://db.internal:7688" and t.auth == ("neo4j", "pw")
    t = parse_target("neo4j://u%40x:p%3Aw@h:7687?policy=eu&database=prov", env={})
    assert t.auth == ("u@x", "p:w") and t.database == "prov"
    assert t.uri == "neo4j://h:7687?policy=eu"  # routing context kept, database removed
    assert "p:w" not in t.display and "***" in t.display
    with pytest.raises(ConfigError, match="no parameters other than database"):
        parse_target("bolt://h?policy=eu", env={})
    with pytest.raises(ConfigError, match="no host"):
        parse_target("neo4j://", env={})


def test_credentials_precedence(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-file\n")
    env = {"NEO4J_USERNAME": "svc", "NEO4J_PASSWORD_FILE": str(secret),
           "NEO4J_DATABASE": "envdb"}
    t = parse_target("neo4j://h", env=env)
    assert t.auth == ("svc", "from-file") and t.database == "envdb"
    t = parse_target("neo4j://h", env={**env, "NEO4J_PASSWORD": "from-env"})
    assert t.auth == ("svc", "from-env")
    t = parse_target("neo4j://a:b@h?database=urldb", env=env, password="explicit")
    assert t.auth == ("a", "explicit") and t.database == "urldb"
    with pytest.raises(ConfigError, match="NEO4J_PASSWORD_FILE"):
        parse_target("neo4j://h", env={"NEO4J_PASSWORD_FILE": str(tmp_path / "missing")})


def test_env_and_password_file_connect(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    host = neo4j_server.uri.removeprefix("bolt://")
    secret = tmp_path / "neo4j-password"
    secret.write_text(PASSWORD + "\n")
    for url, env in ((f"bolt://{host}", {"NEO4J_USERNAME": USER, "NEO4J_PASSWORD": PASSWORD}),
                     (f"neo4j://{host}?database=neo4j",
                      {"NEO4J_USERNAME": USER, "NEO4J_PASSWORD_FILE": str(secret)})):
        store = Neo4jStore(url, env=env)
        try:
            store.ping()
            store.put_record("settings", "k", {"v": 1})
            assert store.get_record("settings", "k") == {"v": 1}
        finally:
            store.close()


def test_wrong_password_and_unknown_database(neo4j_server: Neo4jServer) -> None:
    host = neo4j_server.uri.removeprefix("bolt://")
    store = Neo4jStore(f"neo4j://{host}", env={"NEO4J_PASSWORD": "not-the-password"})
    try:
        with pytest.raises(StoreUnavailable, match="credentials") as caught:
            store.ping()
        assert caught.value.hint and "NEO4J_PASSWORD" in caught.value.hint
        assert "not-the-password" not in str(caught.value)
    finally:
        store.close()
    store = Neo4jStore(f"neo4j://{host}?database=nosuchdb",
                       env={"NEO4J_PASSWORD": PASSWORD})
    try:
        with pytest.raises(StoreError, match="database"):
            store.counts()
    finally:
        store.close()


def test_unreachable_server_is_a_clear_error() -> None:
    store = open_store("bolt://127.0.0.1:9", retry_seconds=0.5)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            store.documents()
        assert caught.value.where == "bolt://127.0.0.1:9"
        assert caught.value.hint and "7687" in caught.value.hint
    finally:
        store.close()


def test_store_migrate_and_stats_commands(neo4j_server: Neo4jServer,
                                          cli: Callable[..., CliResult]) -> None:
    result = cli("store", "migrate", db=neo4j_server.url)
    assert result.code == 0, result.err
    assert f"schema at version {LATEST}" in result.out
    stats = cli("store", "stats", "--output", "json", db=neo4j_server.url)
    assert stats.code == 0 and stats.json() == {"documents": 0}
    constraints = neo4j_server.driver().execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties RETURN labelsOrTypes, properties")
    keyed = {(r[0][0], tuple(r[1])) for r in constraints.records}
    for label in ("Artifact", "Package", "Sbom", "Vulnerability", "Deployment"):
        assert (label, ("key",)) in keyed
    assert ("Document", ("digest",)) in keyed and ("Record", ("collection", "key")) in keyed
