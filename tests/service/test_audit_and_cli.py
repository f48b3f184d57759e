"""Audit trail tamper detection and the operator commands (tokens, auth, throttle, queue)
through the real CLI entry point."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import sha256_of
from provenance_linker.jobs import open_queue, queue_url_for
from provenance_linker.jobs.interface import new_job

from ..conftest import CliResult

Cli = Callable[..., CliResult]


def test_audit_chain_detects_an_edited_entry(cli: Cli, sqlite_url: str) -> None:
    for name in ("ci", "ops", "auditor"):
        assert cli("tokens", "create", "--role", "reader", "--name", name).code == 0
    assert cli("auth", "block", "--user", "mallory").code == 0
    ok = cli("audit", "verify", "--output", "json")
    assert ok.code == 0 and ok.json() == {"entries": 4, "first_bad_seq": None, "ok": True,
                                          "problem": None, "stream": "audit"}
    listed = cli("audit", "list", "--output", "json").json()
    assert isinstance(listed, dict)
    assert [e["action"] for e in listed["entries"]] == ["tokens.create"] * 3 + ["auth.block"]

    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        (payload,) = conn.execute(
            "SELECT payload FROM logs WHERE stream='audit' AND seq=2").fetchone()
        edited = orjson.loads(payload)
        edited["actor"] = "someone-else"
        conn.execute("UPDATE logs SET payload=? WHERE stream='audit' AND seq=2",
                     (orjson.dumps(edited).decode(),))
    bad = cli("audit", "verify", "--output", "json")
    assert bad.code == 1
    report = bad.json()
    assert isinstance(report, dict)
    assert report["ok"] is False and report["first_bad_seq"] == 2
    assert report["problem"] == "entry content edited"


def test_audit_chain_detects_a_deleted_entry(cli: Cli, sqlite_url: str) -> None:
    for name in ("a", "b", "c"):
        assert cli("tokens", "create", "--role", "reader", "--name", name).code == 0
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute("DELETE FROM logs WHERE stream='audit' AND seq=2")
    bad = cli("audit", "verify", "--output", "json")
    assert bad.code == 1 and bad.json()["first_bad_seq"] == 2  # type: ignore[index]


def test_tokens_create_list_revoke(cli: Cli) -> None:
    created = cli("tokens", "create", "--role", "writer", "--name", "ci", "--output", "json")
    assert created.code == 0
    data = created.json()
    assert isinstance(data, dict)
    assert data["token"].startswith("plk_") and data["role"] == "writer"
    listed = cli("tokens", "list", "--output", "json").json()
    assert isinstance(listed, dict)
    assert [t["name"] for t in listed["tokens"]] == ["ci"]
    assert "token" not in listed["tokens"][0] and "sha256" not in listed["tokens"][0]
    revoked = cli("tokens", "revoke", data["id"], "--output", "json").json()
    assert isinstance(revoked, dict) and revoked["revoked"]
    assert cli("tokens", "revoke", "nope").code == 1
    assert cli("tokens", "create", "--role", "god", "--name", "x").code == 2


def test_auth_block_needs_exactly_one_target(cli: Cli) -> None:
    assert cli("auth", "block").code == 2
    assert cli("auth", "block", "--ip", "not-an-ip").code == 2
    assert cli("auth", "block", "--ip", "10.0.0.0/8").code == 0
    blocks = cli("auth", "blocks", "--output", "json").json()
    assert isinstance(blocks, dict) and [b["key"] for b in blocks["blocks"]] == ["ip:10.0.0.0/8"]
    assert cli("auth", "unblock", "--ip", "10.0.0.0/8").code == 0
    assert cli("auth", "unblock", "--ip", "10.0.0.0/8").code == 1


def test_throttle_enable_status_disable(cli: Cli) -> None:
    on = cli("throttle", "enable", "--rate", "5/s", "--burst", "3", "--output", "json")
    assert on.code == 0 and on.json() == {"burst": 3, "enabled": True, "rate": 5.0}
    status = cli("throttle", "status", "--output", "json").json()
    assert status == {"burst": 3, "enabled": True, "rate": 5.0}
    assert cli("throttle", "status", "--rate", "120/m", "--output", "json").json() == {
        "burst": 3, "enabled": True, "rate": 2.0}
    assert cli("throttle", "disable", "--output", "json").json()["enabled"] is False  # type: ignore[index]
    assert cli("throttle", "enable", "--rate", "fast").code == 2


def test_queue_commands(cli: Cli, sqlite_url: str, tmp_path: Path) -> None:
    queue = open_queue(queue_url_for(sqlite_url, None))
    data = orjson.dumps(cyclonedx_sbom("r.example/q:1", 5).document)
    job, _ = queue.enqueue(new_job("sbom", "q.json", sha256_of(data), data, {}, {}))
    status = cli("queue", "status", "--output", "json").json()
    assert isinstance(status, dict) and status["backlog"] == 1
    assert status["counts"] == {"queued": 1}
    listed = cli("queue", "list", "--output", "json").json()
    assert isinstance(listed, dict) and listed["jobs"][0]["id"] == job.id
    assert cli("queue", "retry", job.id).code == 2  # only dead/failed jobs
    assert cli("queue", "purge").code == 2
    assert queue.claim("gone-worker", 0.01, now=time.time()) is not None
    time.sleep(0.05)
    purged = cli("queue", "purge", "--stuck", "--output", "json").json()
    assert purged == {"released": [job.id]}
    assert cli("worker", "--max-jobs", "1", "--poll", "0.05").code == 0
    final = cli("queue", "list", "--state", "done", "--output", "json").json()
    assert isinstance(final, dict) and [j["id"] for j in final["jobs"]] == [job.id]
    queue.close()
