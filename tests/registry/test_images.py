"""`ingest image` against a real registry: tag → digest, image indexes, moved tags, the
digest cache, and registries that send too much or rate-limit (a loopback proxy in front
of the real registry)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from provenance_linker.graph.refs import resolve
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store import open_store

from ..conftest import CliResult
from ..support.oci import Registry
from ..support.oci_tools import OciTools
from ..support.registry_proxy import Behaviour, RegistryProxy

Cli = Callable[..., CliResult]


def _repo(registry: Registry) -> str:
    return f"{registry.host}/t{uuid.uuid4().hex[:8]}/app"


@pytest.fixture
def proxy(referrers_registry: Registry) -> Iterator[RegistryProxy]:
    front = RegistryProxy(f"http://{referrers_registry.host}").start()
    try:
        yield front
    finally:
        front.stop()


def _ingest(cli: Cli, host: str, *refs: str) -> CliResult:
    return cli("ingest", "image", *refs, "--insecure-registry", host, "--output", "json")


def test_an_index_records_each_platform_manifest(cli: Cli, sqlite_url: str,
                                                 referrers_registry: Registry,
                                                 plain_tools: OciTools) -> None:
    repo = _repo(referrers_registry)
    amd = plain_tools.push_image(f"{repo}-amd64:1", "amd64 build", "linux/amd64")
    arm = plain_tools.push_image(f"{repo}-arm64:1", "arm64 build", "linux/arm64/v8")
    index = plain_tools.push_index(f"{repo}:1.0", [f"{repo}-amd64@{amd}", f"{repo}-arm64@{arm}"])
    result = _ingest(cli, referrers_registry.host, f"{repo}:1.0")
    assert result.code == 0, result.out + result.err
    data = result.json()
    assert isinstance(data, dict) and data["images"][0]["digest"] == index
    store = open_store(sqlite_url)
    try:
        contains = store.edges([EdgeKind.CONTAINS], src=[NodeRef(NodeKind.ARTIFACT, index)])
        assert {(e.dst.key, e.props.get("platform")) for e in contains} == {
            (amd, "linux/amd64"), (arm, "linux/arm64/v8")}
        assert resolve(store, f"{repo}:1.0").digest == index
    finally:
        store.close()


def test_a_moved_tag_is_seen_on_the_next_fetch(cli: Cli, sqlite_url: str,
                                               referrers_registry: Registry,
                                               plain_tools: OciTools) -> None:
    repo = _repo(referrers_registry)
    first = plain_tools.push_image(f"{repo}:stable", "release 1")
    assert _ingest(cli, referrers_registry.host, f"{repo}:stable").code == 0
    second = plain_tools.push_image(f"{repo}:stable", "release 2")
    assert second != first
    moved = _ingest(cli, referrers_registry.host, f"{repo}:stable")
    assert moved.code == 0
    data = moved.json()
    assert isinstance(data, dict)
    assert data["images"][0]["digest"] == second and data["images"][0]["moved_from"] == first
    # Moving back to a digest the graph has seen before is news too.
    plain_tools.crane("tag", f"{repo}@{first}", "stable")
    back = _ingest(cli, referrers_registry.host, f"{repo}:stable")
    assert back.code == 0
    store = open_store(sqlite_url)
    try:
        assert resolve(store, f"{repo}:stable").digest == first
    finally:
        store.close()


def test_a_second_fetch_of_unchanged_content_only_looks_up_tags_and_referrers(
        cli: Cli, referrers_registry: Registry, plain_tools: OciTools,
        proxy: RegistryProxy) -> None:
    repo = _repo(referrers_registry)
    plain_tools.push_image(f"{repo}:1", "cache me")
    ref = f"{proxy.host}/{repo.split('/', 1)[1]}:1"
    assert _ingest(cli, proxy.host, ref).code == 0
    assert any("/blobs/" in p or "/manifests/sha256:" in p for _, p, _ in proxy.requests)
    proxy.requests.clear()
    assert _ingest(cli, proxy.host, ref).code == 0
    seen = proxy.requests
    assert seen, "the second fetch asked nothing"
    for method, path, _ in seen:
        looks_up = (method == "HEAD" and "/manifests/" in path and "/manifests/sha256:" not in
                    path) or "/referrers/" in path or "/tags/list" in path or path == "/v2/"
        assert looks_up, f"{method} {path} on the second fetch"


@pytest.mark.parametrize("chunked", [False, True])
def test_a_50_mb_manifest_is_refused_and_nothing_is_written(
        cli: Cli, sqlite_url: str, referrers_registry: Registry, plain_tools: OciTools,
        proxy: RegistryProxy, chunked: bool) -> None:
    repo = _repo(referrers_registry)
    plain_tools.push_image(f"{repo}:big", "big")
    proxy.behaviour = Behaviour(huge_manifest_bytes=50 * 1024 * 1024, huge_chunked=chunked)
    result = _ingest(cli, proxy.host, f"{proxy.host}/{repo.split('/', 1)[1]}:big")
    assert result.code == 1
    data = result.json()
    assert isinstance(data, dict) and not data["ingested"]
    assert "over the limit of 4194304" in data["refused"][0]["error"]
    store = open_store(sqlite_url)
    try:
        assert store.documents() == []
    finally:
        store.close()


def test_rate_limits_are_retried_honouring_retry_after(
        cli: Cli, referrers_registry: Registry, plain_tools: OciTools,
        proxy: RegistryProxy) -> None:
    repo = _repo(referrers_registry)
    plain_tools.push_image(f"{repo}:1", "limited")
    proxy.behaviour = Behaviour(rate_limit_first=2, retry_after="0")
    result = _ingest(cli, proxy.host, f"{proxy.host}/{repo.split('/', 1)[1]}:1")
    assert result.code == 0, result.out
    assert [s for _, _, s in proxy.requests].count(429) == 2


@pytest.mark.parametrize("retry_after", ["0", "3600"])
def test_a_registry_that_keeps_rate_limiting_is_a_clear_error(
        cli: Cli, sqlite_url: str, referrers_registry: Registry, plain_tools: OciTools,
        proxy: RegistryProxy, retry_after: str) -> None:
    repo = _repo(referrers_registry)
    plain_tools.push_image(f"{repo}:1", "always limited")
    proxy.behaviour = Behaviour(rate_limit_always=True, retry_after=retry_after)
    result = _ingest(cli, proxy.host, f"{proxy.host}/{repo.split('/', 1)[1]}:1")
    assert result.code == 1
    data = result.json()
    assert isinstance(data, dict)
    assert "rate-limited (429)" in data["refused"][0]["error"]
    assert f"retry after {retry_after} s" in data["refused"][0]["hint"]
    attempts = len(proxy.requests)
    assert attempts == (1 if retry_after == "3600" else 4)  # a long wait is not waited out
    store = open_store(sqlite_url)
    try:
        assert store.documents() == []
    finally:
        store.close()


def test_plain_http_needs_the_host_named(cli: Cli, referrers_registry: Registry,
                                         plain_tools: OciTools) -> None:
    repo = _repo(referrers_registry)
    plain_tools.push_image(f"{repo}:1", "http only")
    result = cli("ingest", "image", f"{repo}:1", "--output", "json")
    assert result.code == 1
    data = result.json()
    assert isinstance(data, dict) and "cannot reach registry" in data["refused"][0]["error"]


def test_fetches_are_counted_and_slow_registries_logged(
        cli: Cli, referrers_registry: Registry, plain_tools: OciTools,
        proxy: RegistryProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    from prometheus_client import REGISTRY

    repo = _repo(referrers_registry)
    plain_tools.push_image(f"{repo}:1", "counted")

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"registry": proxy.host, **labels}) or 0.0

    before = {r: sample("provenance_registry_fetches_total", result=r) for r in ("ok",)}
    bytes_before = sample("provenance_registry_fetch_bytes_total")
    monkeypatch.setenv("PROVENANCE_REGISTRY_SLOW_MS", "0")
    monkeypatch.setenv("PROVENANCE_LOG_LEVEL", "WARNING")
    proxy.behaviour = Behaviour(rate_limit_first=1, retry_after="0")
    result = _ingest(cli, proxy.host, f"{proxy.host}/{repo.split('/', 1)[1]}:1")
    assert result.code == 0, result.out
    assert sample("provenance_registry_fetches_total", result="ok") > before["ok"]
    assert sample("provenance_registry_fetch_bytes_total") > bytes_before
    assert sample("provenance_registry_fetch_duration_seconds_count") > 0
    slow = [line for line in result.err.splitlines() if '"slow_registry"' in line]
    assert slow and f'"registry": "{proxy.host}"' in slow[0] and "duration_ms" in slow[0]
