"""Outbound webhooks to a loopback receiver: signed JSON (HMAC-SHA256 over the exact
body), Slack-compatible bodies, retries with backoff then a dead letter, and no secret in
any log line or listing; events from `integrity verify`, `verify --environment` and the
worker's malicious-package watch."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest

from provenance_linker.cli.main import run
from provenance_linker.ops import notify
from provenance_linker.store import open_store
from provenance_linker.store.seal import KEY_ENV

from .support import KEY


class Hook:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses  # answered in turn, the last one from then on
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's method name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append((dict(self.headers), body))
                status = outer.statuses.pop(0) if len(outer.statuses) > 1 else outer.statuses[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook([200])
    yield h
    h.close()


def now() -> datetime:
    return datetime.now(UTC)


def test_signed_delivery_of_verification_failures_and_integrity_violations(
        tmp_path: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    url = f"sqlite:///{tmp_path}/graph.db"
    assert run(["--db", url, "demo", "--out", str(tmp_path / "samples")]) == 0
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cret-webhook-signing-key\n")
    assert run(["--db", url, "notify", "add", hook.url, "--events",
                "verification_failed,integrity_violation", "--secret-file",
                str(secret_file)]) == 0
    capsys.readouterr()
    assert run(["--db", url, "notify", "list", "-o", "json"]) == 0
    listed = capsys.readouterr().out
    assert "s3cret" not in listed and "/hooks/…" in listed
    assert orjson.loads(listed)["webhooks"][0]["events"] == ["integrity_violation",
                                                            "verification_failed"]
    store = open_store(url)
    from provenance_linker.queries.unsigned import unsigned_gauge_rows

    artifact = unsigned_gauge_rows(store)[0][0]["artifact_name"]
    store.close()
    run(["--db", url, "verify", "--artifact", artifact, "--environment", "production"])
    ((headers, body),) = hook.received
    expected = "sha256=" + hmac.new(b"s3cret-webhook-signing-key", body,
                                    hashlib.sha256).hexdigest()
    assert headers["X-Provenance-Signature"] == expected
    assert headers["X-Provenance-Event"] == "verification_failed"
    message = json.loads(body)
    assert message["data"]["artifact_name"] == artifact
    assert message["data"]["environment"] == "production"
    # An integrity violation: a record edited directly.
    import sqlite3

    conn = sqlite3.connect(tmp_path / "graph.db")
    conn.execute("UPDATE records SET value = '{}' WHERE collection = 'trust.keys'")
    conn.commit()
    conn.close()
    assert run(["--db", url, "integrity", "verify"]) == 1
    headers, body = hook.received[-1]
    assert headers["X-Provenance-Event"] == "integrity_violation"
    assert json.loads(body)["data"]["table"] == "records"
    assert "s3cret" not in capsys.readouterr().err


def test_retries_then_dead_letter_and_slack_format(tmp_path: Path) -> None:
    flaky = Hook([500, 503, 200])
    down = Hook([500])
    store = open_store(f"sqlite:///{tmp_path}/graph.db", integrity_key=KEY)
    try:
        notify.add(store, flaky.url, ["malicious_package"], body_format="slack", clock=now)
        notify.add(store, down.url, ["malicious_package"], clock=now)
        waits: list[float] = []
        delivered = notify.deliver(store, "malicious_package",
                                   {"package": "evil", "version": "1.0"}, clock=now,
                                   attempts=3, backoff=0.01, sleep=waits.append)
        assert delivered == 1
        assert len(flaky.received) == 3 and len(down.received) == 3
        assert waits == [0.01, 0.02, 0.01, 0.02]  # exponential, per webhook
        assert json.loads(flaky.received[-1][1])["text"].startswith("*malicious package*")
        (dead,) = notify.dead_letters(store)
        assert dead["error"] == "HTTP 500" and dead["attempts"] == 3
        assert "secret" not in dead
        with pytest.raises(Exception, match="unknown event"):
            notify.add(store, down.url, ["nope"], clock=now)
    finally:
        store.close()
        flaky.close()
        down.close()


def test_malicious_watch_notifies_each_finding_once(tmp_path: Path, hook: Hook) -> None:
    url = f"sqlite:///{tmp_path}/graph.db"
    assert run(["--db", url, "demo", "--out", str(tmp_path / "samples")]) == 0
    store = open_store(url)
    try:
        notify.add(store, hook.url, ["malicious_package"], clock=now)
        first = notify.notify_new_malicious(store, clock=now)
        assert first >= 1 and len(hook.received) == first
        assert notify.notify_new_malicious(store, clock=now) == 0
        assert "MAL-" in json.loads(hook.received[0][1])["data"]["advisory"]
    finally:
        store.close()


def test_newly_affected_running_workloads_are_notified(tmp_path: Path, hook: Hook) -> None:
    """The runtime re-evaluation's verdict changes drive `workload_affected`: a new MAL
    record and a quarantine each make one running workload affected and send one signed
    event naming it and the cause; evidence that changes no verdict sends nothing."""
    from provenance_linker.demo.signing import generate_key, public_pem
    from provenance_linker.runtime import quarantine_ops as quarantine
    from provenance_linker.trust.trust_store import TrustStore

    from ..runtime.helpers import Clock, deployment, digest_of, ingest, mal_record, publish

    web, api = digest_of("web-1.0"), digest_of("api-1.0")
    store = open_store(f"sqlite:///{tmp_path}/graph.db", integrity_key=KEY)
    try:
        clock = Clock("2026-12-01T09:00:00+00:00")
        key = generate_key()
        TrustStore(store, clock=clock).add_key(public_pem(key), "ci.pub", name="ci")
        publish(store, clock, key, "reg.test/shop/web", web, ["pkg:npm/left-pad@1.3.0"])
        publish(store, clock, key, "reg.test/shop/api", api, ["pkg:npm/express@4.18.2"])
        _, secret = notify.add(store, hook.url, ["workload_affected"], clock=now)
        ingest(store, {"apiVersion": "v1", "kind": "List", "items": [
            deployment("web", "shop-prod", f"reg.test/shop/web@{web}"),
            deployment("api", "shop-prod", f"reg.test/shop/api@{api}")]}, "cluster.json",
            clock)
        assert hook.received == []  # workloads starting are judged, not "newly affected"
        ingest(store, mal_record("MAL-2026-0009", "npm", "left-pad", "1.3.0"),
               "MAL-2026-0009.json", clock)
        ((headers, body),) = hook.received
        assert headers["X-Provenance-Event"] == "workload_affected"
        assert headers["X-Provenance-Signature"] == notify.signature(secret, body)
        data = json.loads(body)["data"]
        assert data["deployment"] == "default/shop-prod/Deployment/web"
        assert data["artifact"] == f"reg.test/shop/web@{web}"
        assert (data["old"], data["new"], data["environment"]) == ("pass", "fail",
                                                                   "production")
        assert data["cause"]["name"] == "MAL-2026-0009.json"
        assert any(f.startswith("no-malicious-packages") for f in data["failed"])
        # An advisory for a package nothing running lists: no verdict changes, no event.
        ingest(store, mal_record("MAL-2026-0010", "npm", "nothing-runs-this", "9.9.9"),
               "MAL-2026-0010.json", clock)
        assert len(hook.received) == 1
        quarantine.add(store, "package", "pkg:npm/express@4.18.2", "incident 42",
                       actor="cli:test", roles={"writer"})
        assert len(hook.received) == 2
        data = json.loads(hook.received[1][1])["data"]
        assert data["deployment"] == "default/shop-prod/Deployment/api"
        assert data["new"] == "fail"
    finally:
        store.close()


def test_newly_affected_workload_to_a_dead_receiver_goes_to_the_dead_letters(
        tmp_path: Path) -> None:
    from provenance_linker.runtime.reevaluate import CHANGE_HOOKS

    down = Hook([503])
    store = open_store(f"sqlite:///{tmp_path}/graph.db", integrity_key=KEY)
    try:
        assert "provenance_linker.ops.notify:after_verdict_changes" in CHANGE_HOOKS
        notify.add(store, down.url, ["workload_affected"], clock=now)
        change = {"deployment": "c/ns/Deployment/web", "artifact": "reg.test/web@sha256:1",
                  "environment": "production", "old": "pass", "new": "fail",
                  "failed": ["signed-by: key revoked"], "cause": {"kind": "trust",
                                                                  "action": "key.revoke"}}
        back = {**change, "old": "fail", "new": "pass"}
        assert notify.after_verdict_changes(store, [change, back], clock=now) == 1
        assert len(down.received) == 4  # the default attempts, with backoff between
        (dead,) = notify.dead_letters(store)
        assert (dead["event"], dead["error"]) == ("workload_affected", "HTTP 503")
    finally:
        store.close()
        down.close()
