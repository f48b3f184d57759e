"""The distribution registry with `auth: token:` trusting a loopback token server: the
Bearer flow (realm, service, scope) with docker-config credentials."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provenance_linker.model import NodeKind
from provenance_linker.store import open_store

from ..conftest import CliResult
from ..support.oci import Registry, TokenServer, docker_config, start_distribution
from ..support.oci_tools import OciTools

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[Registry, TokenServer, Path, str]]:
    work = tmp_path_factory.mktemp("token-registry")
    tokens = TokenServer(work / "token", users={"robot": "t0ken-pass"}).start()
    registry = start_distribution(work / "registry", token=tokens)
    try:
        config = docker_config(work / "docker", {registry.host: ("robot", "t0ken-pass")})
        tools = OciTools(work, docker_config_dir=config.parent, insecure=True)
        ref = f"{registry.host}/team/service:1"
        digest = tools.push_image(ref, "token protected")
        key, _ = tools.keypair()
        tools.sign(f"{registry.host}/team/service@{digest}", key)
        yield registry, tokens, config, digest
    finally:
        registry.stop()
        tokens.stop()


def test_the_token_flow_fetches_with_a_scoped_token(
        cli: Cli, sqlite_url: str, tmp_path: Path,
        token_registry: tuple[Registry, TokenServer, Path, str]) -> None:
    registry, tokens, config, digest = token_registry
    tokens.requests.clear()
    result = cli("ingest", "image", f"{registry.host}/team/service:1", "--insecure-registry",
                 registry.host, "--docker-config", str(config), "--output", "json")
    assert result.code == 0, result.out + result.err
    data = result.json()
    assert isinstance(data, dict) and data["images"][0]["digest"] == digest
    assert [i["source"] for i in data["ingested"]] == ["manifest", "sig"]
    assert tokens.requests, "no token was asked for"
    for request in tokens.requests:
        assert request["query"]["service"] == [tokens.service]
        assert request["query"]["scope"] == ["repository:team/service:pull"]
        user = base64.b64decode(request["authorization"].removeprefix("Basic ")).decode()
        assert user == "robot:t0ken-pass"
    assert len(tokens.requests) == 1  # one token, reused for every request in the scope
    store = open_store(sqlite_url)
    try:
        assert len(store.find(NodeKind.SIGNATURE)) == 1
    finally:
        store.close()


def test_a_refused_token_is_a_clear_error(
        cli: Cli, tmp_path: Path,
        token_registry: tuple[Registry, TokenServer, Path, str]) -> None:
    registry, _, _, _ = token_registry
    wrong = docker_config(tmp_path / "docker", {registry.host: ("robot", "nope")})
    result = cli("ingest", "image", f"{registry.host}/team/service:1", "--insecure-registry",
                 registry.host, "--docker-config", str(wrong), "--output", "json")
    assert result.code == 1
    data = result.json()
    assert isinstance(data, dict)
    assert "token service localhost" in data["refused"][0]["error"]
    assert "HTTP 401" in data["refused"][0]["error"]
