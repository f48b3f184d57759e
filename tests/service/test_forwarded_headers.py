"""Forwarded headers over a real uvicorn on loopback: believed only from trusted proxies,
and a forwarded value that is not an IP address is never recorded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance_linker.cli.main import run
from provenance_linker.store import open_store

from ..support.service import Service, start_service

SBOM = b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}'
GARBAGE = "not-an-ip<script>"


def _audit(db_url: str) -> list[dict[str, Any]]:
    """The refusals recorded over HTTP."""
    store = open_store(db_url)
    try:
        return [dict(e.payload) for e in store.read_log("audit")
                if e.payload.get("outcome") == "refused"]
    finally:
        store.close()


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """No trusted proxy configured: the default."""
    service = start_service(tmp_path_factory.mktemp("direct"))
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Loopback is configured as the trusted reverse proxy."""
    service = start_service(tmp_path_factory.mktemp("proxied"),
                            env={"PROVENANCE_TRUSTED_PROXIES": "127.0.0.1/32, ::1/128"})
    try:
        yield service
    finally:
        service.stop()


@pytest.mark.parametrize("header", ["X-Forwarded-For", "x-forwarded-for"])
def test_a_blocked_address_cannot_unblock_itself_with_a_forwarded_header(
        direct: Service, header: str) -> None:
    assert run(["--db", direct.db_url, "auth", "block", "--ip", "127.0.0.0/8"]) == 0
    try:
        time.sleep(1.1)  # blocks are cached for at most one second
        with direct.client() as client:
            for forged in ("1.2.3.4", "10.9.8.7, 1.2.3.4", "::ffff:8.8.8.8"):
                response = client.get("/v1/jobs", headers={header: forged})
                assert response.status_code == 403, (forged, response.text)
                assert "127.0.0.1" in response.json()["detail"]
    finally:
        assert run(["--db", direct.db_url, "auth", "unblock", "--ip", "127.0.0.0/8"]) == 0
        time.sleep(1.1)


def test_without_trusted_proxies_the_socket_peer_is_recorded(direct: Service) -> None:
    with direct.client() as client:
        for forged in ("1.2.3.4", GARBAGE):
            assert client.post("/v1/sboms", content=SBOM,
                               headers={"X-Forwarded-For": forged}).status_code == 401
    addresses = {e.get("source_ip") for e in _audit(direct.db_url)}
    assert addresses == {"127.0.0.1"}
    assert not any(GARBAGE in line or "1.2.3.4" in line
                   for line in direct.log_lines() if '"ip"' in line)


def test_a_trusted_proxy_forwards_a_valid_address_and_never_garbage(proxied: Service) -> None:
    with proxied.client() as client:
        for forged in ("203.0.113.9", f"{GARBAGE}, 198.51.100.7", GARBAGE, "1.2.3.4:80",
                       "2001:db8::1"):
            assert client.post("/v1/sboms", content=SBOM,
                               headers={"X-Forwarded-For": forged}).status_code == 401
    addresses = [e.get("source_ip") for e in _audit(proxied.db_url)]
    # The rightmost hop not a trusted proxy; an unparsable hop stops at the proxy itself
    # (the two refusals from 127.0.0.1 are one kind, so the second is only counted).
    assert addresses == ["203.0.113.9", "198.51.100.7", "127.0.0.1", "2001:db8::1"]


def test_serve_refuses_a_trusted_proxy_that_is_not_a_network(tmp_path: Path) -> None:
    code = run(["--db", f"sqlite:///{tmp_path}/g.db", "serve", "--port", "0",
                "--trusted-proxy", "10.0.0.0/33"])
    assert code == 2
