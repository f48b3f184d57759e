"""The whole alerting chain, for real, on loopback: a running `serve` over Neo4j, scraped
by a real Prometheus (Debian) evaluating the shipped rules, which alerts a real
Alertmanager (Debian) routed by the shipped configuration, which posts to a webhook
receiver here. The test provokes an unsigned artifact in production, verification
failures, an unauthorized modification and a graph-database outage, checks each alert
arrives at the runbook's receivers with the runbook's labels, then applies the runbooks'
fixes (re-signing the artifact, `replicas: 0` re-snapshot, restart of the database) and
sees them resolve.

Test copies of the rules and routing differ from the shipped files only where time
forces it: `for:` durations shortened, Alertmanager's group timers shortened, and each
receiver's channel replaced by the loopback webhook (same receiver names, same routes,
same inhibition). Every alert expression is the shipped one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml

from provenance_linker.cli.main import run
from provenance_linker.queries.unsigned import unsigned_gauge_rows
from provenance_linker.store import open_store

from ..support.neo4j_server import Neo4jServer
from ..support.service import free_port, make_token, start_service

ROOT = Path(__file__).parents[2]
RULES = ROOT / "deploy/prometheus/alerts.yml"
ROUTING = ROOT / "deploy/alertmanager/alertmanager.yml"
WAIT = 120.0  # seconds any one alert may take to arrive


class Receiver:
    """A loopback webhook receiver: every Alertmanager notification, by receiver path."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.messages.append((self.path.strip("/"), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alerts(self, receiver: str, alertname: str, status: str,
               labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [a for path, msg in self.messages if path == receiver
                    for a in msg["alerts"]
                    if a["labels"].get("alertname") == alertname and a["status"] == status
                    and all(a["labels"].get(k) == v for k, v in (labels or {}).items())]

    def wait_for(self, receivers: list[str], alertname: str, status: str = "firing",
                 tick: Callable[[], None] | None = None,
                 labels: dict[str, str] | None = None) -> list[dict[str, Any]]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if tick is not None:
                tick()
            found = [self.alerts(r, alertname, status, labels) for r in receivers]
            if all(found):
                return found[0]
            time.sleep(0.5)
        with self.lock:
            seen = [(p, [(a["labels"]["alertname"], a["status"]) for a in m["alerts"]])
                    for p, m in self.messages]
        raise AssertionError(f"{alertname} {status} not received by {receivers}; got {seen}")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(f"prometheus-{name}")
    if path is None:
        pytest.fail(f"{name} not found: run scripts/system-deps.sh")
    return path


def make_test_copies(tmp: Path, receiver_port: int) -> tuple[Path, Path]:
    rules = yaml.safe_load(RULES.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("for", "0m") not in ("0m", "0s"):
                rule["for"] = "2s"
    rules_path = tmp / "alerts.yml"
    rules_path.write_text(yaml.safe_dump(rules))
    routing = yaml.safe_load(ROUTING.read_text())
    routing["global"] = {"resolve_timeout": "5m"}

    def fast(route: dict[str, Any]) -> None:
        route.update({"group_wait": "1s", "group_interval": "2s", "repeat_interval": "1h"})
        for child in route.get("routes", []):
            fast(child)

    fast(routing["route"])
    routing["receivers"] = [
        {"name": r["name"], "webhook_configs": [
            {"url": f"http://127.0.0.1:{receiver_port}/{r['name']}", "send_resolved": True}]}
        for r in routing["receivers"]]
    routing_path = tmp / "alertmanager.yml"
    routing_path.write_text(yaml.safe_dump(routing))
    return rules_path, routing_path


def _start(args: list[str], log: Path, ready: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{args[0]} exited: {log.read_text()}")
        try:
            if httpx.get(ready, timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{args[0]} did not come up: {log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def chain(tmp_path: Path, neo4j_server: Neo4jServer) -> Iterator[dict[str, Any]]:
    db = neo4j_server.url
    assert run(["--db", db, "demo", "--out", str(tmp_path / "samples")]) == 0
    receiver = Receiver()
    procs: list[subprocess.Popen[bytes]] = []
    service = start_service(tmp_path, db_url=db)
    try:
        rules, routing = make_test_copies(tmp_path, receiver.port)
        am_port, prom_port = free_port(), free_port()
        procs.append(_start(
            [_binary("alertmanager"), f"--config.file={routing}",
             f"--storage.path={tmp_path / 'am'}", f"--web.listen-address=127.0.0.1:{am_port}",
             "--cluster.listen-address="],
            tmp_path / "alertmanager.log", f"http://127.0.0.1:{am_port}/-/ready"))
        scrape = service.base_url.removeprefix("http://")
        config = {
            "global": {"scrape_interval": "2s", "scrape_timeout": "2s",
                       "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "alerting": {"alertmanagers": [
                {"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
            "scrape_configs": [{"job_name": "provenance-linker",
                                "static_configs": [{"targets": [scrape]}]}]}
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        procs.append(_start(
            [_binary("prometheus"), f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            tmp_path / "prometheus.log", f"http://127.0.0.1:{prom_port}/-/ready"))
        yield {"db": db, "service": service, "receiver": receiver, "tmp": tmp_path,
               "neo4j": neo4j_server, "reader": make_token(db, "reader", "dashboards")}
    finally:
        for proc in reversed(procs):
            _stop(proc)
        service.stop()
        receiver.stop()
        neo4j_server.start()


CRITICAL = ["pagerduty", "slack-incidents"]


def resign(db: str, tmp: Path, artifact_name: str) -> None:
    """`keys add release.pub` and `ingest signature` of a cosign signature of the image."""
    from provenance_linker.demo.signing import cosign_signature_line, generate_key, public_pem

    key = generate_key()
    (tmp / "release.pub").write_bytes(public_pem(key))
    name, _, digest = artifact_name.partition("@")
    (tmp / "resigned.sig.jsonl").write_bytes(cosign_signature_line(key, name, digest) + b"\n")
    assert run(["--db", db, "keys", "add", str(tmp / "release.pub"), "--name",
                "release-2026"]) == 0
    assert run(["--db", db, "ingest", "signature", "--signature",
                str(tmp / "resigned.sig.jsonl"), "--artifact", artifact_name]) == 0


def test_alerts_reach_their_receivers_and_resolve(chain: dict[str, Any]) -> None:
    receiver: Receiver = chain["receiver"]
    service = chain["service"]
    store = open_store(chain["db"])
    try:
        # The demo runs two unsigned workloads in production: one is fixed by re-signing
        # its image, the other by scaling it to zero.
        rows = {row["deployment"]: row for row, _ in unsigned_gauge_rows(store)}
        labels, worker = rows["storefront-web"], rows["checkout-worker"]
    finally:
        store.close()

    # 1. UnsignedArtifactInProduction, with the labels the runbook's commands use.
    (alert,) = receiver.wait_for(CRITICAL, "UnsignedArtifactInProduction",
                                 labels={"deployment": "storefront-web"})[:1]
    assert alert["labels"]["artifact_name"] == labels["artifact_name"]
    assert alert["labels"]["deployment"] == labels["deployment"] == "storefront-web"
    assert alert["labels"]["severity"] == "critical"
    assert alert["annotations"]["runbook_url"].endswith("#unsignedartifactinproduction")
    assert not receiver.alerts("slack-alerts", "UnsignedArtifactInProduction", "firing")

    receiver.wait_for(CRITICAL, "UnsignedArtifactInProduction",
                      labels={"deployment": "checkout-worker"})

    # 2. SignatureVerificationFailure: verifications of the unsigned worker in production.
    with service.client(chain["reader"]) as client:
        def verify(times: int = 1) -> None:
            for _ in range(times):
                client.get("/v1/verify", params={"artifact": worker["artifact_name"],
                                                 "environment": "production"})
        verify()
        time.sleep(3)  # the counter's first sample, so rate() sees it grow
        (alert,) = receiver.wait_for(CRITICAL, "SignatureVerificationFailure", tick=verify,
                                     labels={"failure_reason": "signed-by"})[:1]
    assert alert["labels"]["failure_reason"] == "signed-by"
    assert alert["labels"]["artifact_type"] == "container-image"

    # Fix of 1 and 2 for the worker: the runbook's "re-sign the artifact" — a release key
    # is trusted and the image's signature ingested, as an operator does with the CLI.
    resign(chain["db"], chain["tmp"], worker["artifact_name"])
    receiver.wait_for(CRITICAL, "UnsignedArtifactInProduction", "resolved",
                      labels={"deployment": "checkout-worker"})
    # Its verifications now pass the signature check, so the share of `signed-by`
    # failures falls below the rule's threshold (a burst per poll keeps it quick).
    with service.client(chain["reader"]) as client:
        receiver.wait_for(CRITICAL, "SignatureVerificationFailure", "resolved",
                          tick=lambda: verify(10), labels={"failure_reason": "signed-by"})
    assert receiver.alerts("pagerduty", "UnsignedArtifactInProduction", "firing",
                           {"deployment": "storefront-web"})

    # 3. UnauthorizedProvenanceModification: a policy change without a token.
    with service.client() as anonymous:
        def attempt() -> None:
            assert anonymous.put("/v1/policies/production",
                                 content=b"checks: []").status_code == 401
        attempt()
        time.sleep(3)
        (alert,) = receiver.wait_for(CRITICAL, "UnauthorizedProvenanceModification",
                                     tick=attempt)[:1]
    assert alert["labels"]["route"] == "/v1/policies/{environment}"
    assert alert["labels"]["reason"]

    # Fix of 1: the runbook's block (`replicas: 0`), seen in the next cluster snapshot.
    snapshot = orjson.loads((chain["tmp"] / "samples/cluster-production.k8s.json").read_bytes())
    items = []
    for item in snapshot["items"]:
        name = item["metadata"]["name"]
        if item["kind"] == "Pod" and name.startswith("storefront-web"):
            continue  # scaled to zero: its pods are gone
        if item["kind"] == "Deployment" and name == "storefront-web":
            item["spec"]["replicas"] = 0
        items.append(item)
    rescaled = chain["tmp"] / "cluster-rescaled.k8s.json"
    rescaled.write_bytes(orjson.dumps({**snapshot, "items": items}))
    assert run(["--db", chain["db"], "ingest", "deployments", str(rescaled)]) == 0
    receiver.wait_for(CRITICAL, "UnsignedArtifactInProduction", "resolved",
                      labels={"deployment": "storefront-web"})

    # 4. GraphDatabaseConnectionFailure while Neo4j is down; resolved after its restart.
    neo4j: Neo4jServer = chain["neo4j"]
    neo4j.stop()
    try:
        (alert,) = receiver.wait_for(CRITICAL, "GraphDatabaseConnectionFailure")[:1]
        assert alert["labels"]["team"] == "platform"
    finally:
        neo4j.start()
    receiver.wait_for(CRITICAL, "GraphDatabaseConnectionFailure", "resolved")
    # Each receiver got only its severity (a loaded machine may raise latency warnings).
    expected = {"pagerduty": "critical", "slack-incidents": "critical",
                "slack-alerts": "warning", "email": "info"}
    with receiver.lock:
        for path, message in receiver.messages:
            assert {a["labels"]["severity"] for a in message["alerts"]} == {expected[path]}
