"""Smaller defects found by attack, over a real `provenance-linker serve` on loopback:
bounded chunked policy bodies, source addresses and identities in the audit trail,
private database files, unique token names."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance_linker.access.tokens import revoke
from provenance_linker.cli.main import run
from provenance_linker.store import open_store

from ..support.service import Service, make_token, start_service

SBOM = b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": []}'
POLICY = b"all-of:\n  - sbom-present: {}\n"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("hardening")
    db_url = f"sqlite:///{tmp}/graph.db"
    tokens = {role: make_token(db_url, role, f"{role}-user")
              for role in ("writer", "admin")}
    service = start_service(tmp, db_url=db_url)
    service.tokens = tokens
    try:
        yield service
    finally:
        service.stop()


def _audit(db_url: str) -> list[dict[str, Any]]:
    store = open_store(db_url)
    try:
        return [dict(e.payload) for e in store.read_log("audit")]
    finally:
        store.close()


def test_a_chunked_policy_body_is_bounded(api: Service) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"all-of:\n"
        for _ in range(400):  # 400 KiB, over the 256 KiB policy limit
            yield b"# " + b"x" * 1021 + b"\n"

    with api.client(api.tokens["admin"]) as client:
        response = client.put("/v1/policies/staging", content=chunks())
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_policy_changes_over_the_api_record_the_source_address(api: Service) -> None:
    with api.client(api.tokens["admin"]) as client:
        assert client.put("/v1/policies/qa", content=POLICY).status_code == 200
        assert client.delete("/v1/policies/qa").status_code == 200
    entries = [e for e in _audit(api.db_url) if str(e["action"]).startswith("policy.")]
    assert [(e["action"], e["source_ip"]) for e in entries] == [
        ("policy.set", "127.0.0.1"), ("policy.delete", "127.0.0.1")]


def test_a_revoked_token_is_refused_in_its_owners_name(api: Service) -> None:
    token = make_token(api.db_url, "writer", "departed")
    store = open_store(api.db_url)
    revoke(store, token.split("_")[1], actor="test")
    store.close()
    with api.client(token) as client:
        assert client.post("/v1/sboms", content=SBOM).status_code == 401
    refusal = [e for e in _audit(api.db_url) if e["outcome"] == "refused"][-1]
    assert refusal["actor"] == "departed"


def test_a_blocked_caller_with_a_valid_token_is_refused_in_its_name(api: Service) -> None:
    assert run(["--db", api.db_url, "auth", "block", "--ip", "127.0.0.1"]) == 0
    try:
        time.sleep(1.1)  # blocks are cached for at most one second
        with api.client(api.tokens["writer"]) as client:
            assert client.post("/v1/sboms", content=SBOM).status_code == 403
    finally:
        assert run(["--db", api.db_url, "auth", "unblock", "--ip", "127.0.0.1"]) == 0
        time.sleep(1.1)
    refusal = [e for e in _audit(api.db_url) if e["outcome"] == "refused"][-1]
    assert refusal["actor"] == "writer-user"
    assert refusal["source_ip"] == "127.0.0.1"


def test_database_wal_and_queue_files_are_private(api: Service) -> None:
    with api.client(api.tokens["writer"]) as client:
        assert client.post("/v1/sboms", content=SBOM).status_code == 202
    directory = Path(api.db_url.removeprefix("sqlite:///")).parent
    files = sorted(p for p in directory.iterdir() if ".db" in p.name)
    names = {p.name for p in files}
    assert {"graph.db", "graph.db-wal", "graph.queue.db", "graph.queue.db-wal"} <= names
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


def test_token_names_are_unique(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/g.db"
    assert run(["--db", db, "tokens", "create", "--role", "reader", "--name", "ci"]) == 0
    assert run(["--db", db, "tokens", "create", "--role", "admin", "--name", "ci"]) == 2
    assert "a token named 'ci' exists" in capsys.readouterr().err
