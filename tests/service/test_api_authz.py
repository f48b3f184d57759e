"""Authorization matrix over every route: no token, bad token, reader, writer, admin,
blocked user — against a live `provenance-linker serve`."""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson
import pytest

from provenance_linker.cli.main import run
from provenance_linker.demo.samples import cyclonedx_sbom

from ..support.service import Service

SBOM = orjson.dumps(cyclonedx_sbom("registry.example/authz:1", 12, seed=7).document)
MISSING_DIGEST = "sha256:" + "0" * 64
MISSING_JOB = "f" * 24

# (method, path template) -> (least role, request kwargs, status when allowed)
ROUTES: dict[tuple[str, str], tuple[str | None, dict[str, Any], int]] = {
    ("GET", "/healthz"): (None, {}, 200),
    ("GET", "/readyz"): (None, {}, 200),
    ("GET", "/metrics"): (None, {}, 200),
    ("GET", "/v1/trace"): ("reader", {"params": {"artifact": MISSING_DIGEST}}, 404),
    ("GET", "/v1/documents"): ("reader", {}, 200),
    ("GET", "/v1/documents/{digest}"): ("reader", {"digest": MISSING_DIGEST}, 404),
    ("GET", "/v1/jobs"): ("reader", {}, 200),
    ("GET", "/v1/jobs/{job_id}"): ("reader", {"job_id": MISSING_JOB}, 404),
    ("POST", "/v1/jobs/{job_id}/retry"): ("admin", {"job_id": MISSING_JOB}, 404),
    ("GET", "/v1/verify"): ("reader", {"params": {"artifact": MISSING_DIGEST}}, 404),
    ("GET", "/v1/blast-radius"): ("reader", {"params": {"vuln": "GHSA-0000-0000-0000"}}, 404),
    ("GET", "/v1/unsigned"): ("reader", {"params": {"environment": "production"}}, 200),
    ("GET", "/v1/vulns"): ("reader", {"params": {"artifact": MISSING_DIGEST}}, 404),
    ("GET", "/v1/malicious"): ("reader", {}, 200),
    ("GET", "/v1/audit"): ("admin", {}, 200),
    ("GET", "/v1/audit/verify"): ("admin", {}, 200),
    ("GET", "/v1/policies"): ("reader", {}, 200),
    ("GET", "/v1/policies/{environment}"): ("reader", {"environment": "nowhere"}, 404),
    # An invalid policy: refused after the role check, so nothing changes between cases.
    ("PUT", "/v1/policies/{environment}"): ("admin", {"environment": "nowhere",
                                                      "content": b"all-of: []\n"}, 400),
    ("DELETE", "/v1/policies/{environment}"): ("admin", {"environment": "nowhere"}, 404),
    ("POST", "/v1/sboms"): ("writer", {"content": SBOM}, 202),
    ("POST", "/v1/attestations"): ("writer", {"content": SBOM}, 422),
    ("POST", "/v1/signatures"): ("writer", {"content": SBOM}, 422),
    ("POST", "/v1/advisories"): ("writer", {"content": SBOM}, 422),
    ("POST", "/v1/deployments"): ("writer", {"content": SBOM}, 422),
    # registry (docs/registry.md): a body without `references` is refused after the role check
    ("POST", "/v1/images"): ("writer", {"json": {"strict": True}}, 422),
    # runtime (docs/runtime.md): the webhook is called by the API server, without a token
    ("POST", "/v1/admission"): (None, {"content": b"not json"}, 400),
    ("GET", "/v1/quarantine"): ("reader", {}, 200),
    ("POST", "/v1/quarantine"): ("writer", {"json": {"reason": "no target"}}, 400),
    ("DELETE", "/v1/quarantine/{ident}"): ("admin", {"ident": "q-missing"}, 404),
    ("GET", "/v1/running"): ("reader", {"params": {"artifact": MISSING_DIGEST}}, 404),
    ("GET", "/v1/history"): ("reader", {"params": {"deployment": "ns/Deployment/x"}}, 200),
    # explorer (#19): portfolio and reports
    ("GET", "/v1/search"): ("reader", {"params": {"q": "pkg:npm/nothing"}}, 200),
    ("GET", "/v1/licenses"): ("reader", {}, 200),
    ("GET", "/v1/export/vex"): ("reader", {"params": {"artifact": MISSING_DIGEST}}, 404),
    ("GET", "/v1/reports/incident"): ("reader", {"params": {"vuln": "GHSA-0000-0000-0000"}},
                                      404),
    ("GET", "/v1/reports/{kind}"): ("reader", {"kind": "vulns",
                                               "params": {"artifact": MISSING_DIGEST}}, 404),
}
RANK = {"reader": 1, "writer": 2, "admin": 3}
IDENTITIES = ["none", "bad", "reader", "writer", "admin", "blocked"]


def _request(client: httpx.Client, method: str, template: str,
             spec: dict[str, Any]) -> httpx.Response:
    path = template
    kwargs: dict[str, Any] = {}
    for key, value in spec.items():
        if "{" + key + "}" in path:
            path = path.replace("{" + key + "}", value)
        else:
            kwargs[key] = value
    return client.request(method, path, **kwargs)


def _token(live: Service, identity: str) -> str | None:
    if identity == "none":
        return None
    if identity == "bad":
        return "plk_000000000000_not-a-real-token"
    return live.tokens[identity]


def _expected(identity: str, least: str | None, allowed: int) -> int:
    if least is None:
        return allowed
    if identity in ("none", "bad"):
        return 401
    if identity == "blocked":
        return 403
    return allowed if RANK[identity] >= RANK[least] else 403


@pytest.fixture(scope="module", autouse=True)
def block_mallory(live: Service) -> None:
    assert run(["--db", live.db_url, "auth", "block", "--user", "mallory"]) == 0
    time.sleep(1.1)  # blocks are cached for at most one second


def test_matrix_covers_every_route(live: Service) -> None:
    spec = httpx.get(live.base_url + "/openapi.json").json()
    served = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    assert served == set(ROUTES)


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_authorization(live: Service, route: tuple[str, str], identity: str) -> None:
    least, spec, allowed = ROUTES[route]
    with live.client(_token(live, identity)) as client:
        response = _request(client, route[0], route[1], spec)
    assert response.status_code == _expected(identity, least, allowed), response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == response.status_code and body["title"]
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def _counter(live: Service) -> float:
    text = httpx.get(live.base_url + "/metrics").text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("provenance_unauthorized_modifications_total{"))


def test_refused_modification_is_logged_counted_and_audited(live: Service) -> None:
    before = _counter(live)
    with live.client(live.tokens["reader"]) as client:
        response = client.post("/v1/sboms", content=SBOM)
    assert response.status_code == 403
    assert _counter(live) == before + 1
    deadline = time.monotonic() + 10
    while not any('"reader-user"' in x and "unauthorized_modification" in x
                  for x in live.log_lines()) and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [orjson.loads(x) for x in live.log_lines() if "unauthorized_modification" in x]
    last = lines[-1]
    assert last["event"] == "unauthorized_modification"
    assert last["user"] == "reader-user" and last["ip"] == "127.0.0.1"
    assert last["route"] == "/v1/sboms" and last["component"] == "provenance-api"
    with live.client(live.tokens["admin"]) as client:
        entries = client.get("/v1/audit", params={"limit": 1000}).json()["entries"]
        # a cursor past int64 names no entry: refused, not a failed bind
        assert client.get("/v1/audit", params={"after": 2**63}).status_code == 422
    # Refusals of one kind are aggregated per interval: the first is written at once.
    refused = [e for e in entries if e["outcome"] == "refused"
               and e["actor"] == "reader-user" and e["action"] == "POST /v1/sboms"]
    assert refused and refused[-1]["source_ip"] == "127.0.0.1"


def test_revoked_token_is_refused_at_once(live: Service) -> None:
    from provenance_linker.access.tokens import revoke
    from provenance_linker.store import open_store

    from ..support.service import make_token

    token = make_token(live.db_url, "writer", "short-lived")
    with live.client(token) as client:
        assert client.get("/v1/jobs").status_code == 200
        store = open_store(live.db_url)
        revoke(store, token.split("_")[1], actor="test")
        store.close()
        response = client.post("/v1/sboms", content=SBOM)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_ip_block_applies_to_every_identity(live: Service) -> None:
    assert run(["--db", live.db_url, "auth", "block", "--ip", "127.0.0.0/8"]) == 0
    try:
        time.sleep(1.1)
        with live.client(live.tokens["admin"]) as client:
            response = client.get("/v1/jobs")
        assert response.status_code == 403
        assert "blocked" in response.json()["detail"]
    finally:
        assert run(["--db", live.db_url, "auth", "unblock", "--ip", "127.0.0.0/8"]) == 0
    time.sleep(1.1)
    with live.client(live.tokens["admin"]) as client:
        assert client.get("/v1/jobs").status_code == 200
