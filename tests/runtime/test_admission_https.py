"""The admission webhook over HTTPS (a real uvicorn with a certificate from openssl):
allow, deny with reasons, warn, cache and invalidate; malformed reviews are 400s."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from provenance_linker.demo.signing import generate_key, public_pem
from provenance_linker.store import open_store
from provenance_linker.trust.trust_store import TrustStore

from ..support.service import Service
from ..support.tls_service import ca_context, make_certs, start_tls_service
from .helpers import Clock, digest_of, log_events, publish

WEB, API = digest_of("web-2.0"), digest_of("api-2.0")
ENV = {"PROVENANCE_NAMESPACE_ENVIRONMENTS": "shop=production,shop-stg=staging",
       "PROVENANCE_ADMISSION_WARN_ENVIRONMENTS": "staging"}


@pytest.fixture(scope="module")
def webhook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Path]]:
    tmp = tmp_path_factory.mktemp("admission")
    db_url = f"sqlite:///{tmp}/graph.db"
    store = open_store(db_url)
    clock = Clock("2026-12-01T09:00:00+00:00")
    key, stranger = generate_key(), generate_key()
    TrustStore(store, clock=clock).add_key(public_pem(key), "ci.pub", name="ci")
    publish(store, clock, key, "reg.test/shop/web", WEB, ["pkg:npm/left-pad@1.3.0"])
    publish(store, clock, stranger, "reg.test/shop/api", API, ["pkg:npm/express@4.18.2"])
    store.close()
    certs = make_certs(tmp / "certs", "127.0.0.1")
    service = start_tls_service(tmp, db_url, certs, ENV)
    try:
        yield service, certs
    finally:
        service.stop()


def review(kind: str, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": str(uuid.uuid4()), "kind": {"group": "", "version": "v1",
                                                           "kind": kind},
                        "namespace": namespace, "operation": "CREATE",
                        "userInfo": {"username": "alice"}, "object": obj}}


def pod(*images: str, init: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": f"c{i}", "image": image}
                                           for i, image in enumerate(images)]}
    if init:
        spec["initContainers"] = [{"name": "init", "image": init}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def post(webhook: tuple[Service, Path], body: Any) -> httpx.Response:
    service, certs = webhook
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    with httpx.Client(base_url=service.base_url, verify=ca_context(certs),
                      timeout=10) as client:
        return client.post("/v1/admission", content=data,
                           headers={"Content-Type": "application/json"})


def answer(webhook: tuple[Service, Path], body: Any) -> dict[str, Any]:
    response = post(webhook, body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert data["apiVersion"] == "admission.k8s.io/v1" and data["kind"] == "AdmissionReview"
    return data["response"]


def test_allow_deny_with_reasons_and_warn(webhook: tuple[Service, Path]) -> None:
    body = review("Pod", "shop", pod(f"reg.test/shop/web@{WEB}"))
    got = answer(webhook, body)
    assert got == {"uid": body["request"]["uid"], "allowed": True}
    # Unsigned by a trusted key, in an init container: denied, naming the check.
    got = answer(webhook, review("Pod", "shop", pod(f"reg.test/shop/web@{WEB}",
                                                    init=f"reg.test/shop/api@{API}")))
    assert got["allowed"] is False and got["status"]["code"] == 403
    assert "reg.test/shop/api@" in got["status"]["message"]
    assert "signed-by" in got["status"]["message"]
    # A tag in production is refused; an odd reference says why.
    got = answer(webhook, review("Pod", "shop", pod("reg.test/shop/web:1.0", "bad ref!")))
    message = got["status"]["message"]
    assert not got["allowed"] and "digest-required" in message and "image-reference" in message
    # Staging warns: admitted, with warnings naming the failed check.
    got = answer(webhook, review("Pod", "shop-stg", pod(f"reg.test/shop/api@{API}")))
    assert got["allowed"] is True and any("signed-by" in w for w in got["warnings"])
    # Staging resolves a tag through the digest the store recorded for it.
    got = answer(webhook, review("Pod", "shop-stg", pod("reg.test/shop/web:1.0")))
    assert got == {"uid": got["uid"], "allowed": True}


@pytest.mark.parametrize("kind,obj", [
    ("Deployment", {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}),
    ("CronJob", {"spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}}),
])
def test_pod_templates_are_judged(webhook: tuple[Service, Path], kind: str,
                                  obj: dict[str, Any]) -> None:
    if kind == "Deployment":
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = f"reg.test/shop/api@{API}"
    else:
        obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] = [
            {"name": "a", "image": f"reg.test/shop/api@{API}"}]
    got = answer(webhook, review(kind, "shop", {"metadata": {"name": "w"}, **obj}))
    assert got["allowed"] is False and "signed-by" in got["status"]["message"]


@pytest.mark.parametrize("body", [
    b"not json", b"[]", orjson.dumps({"kind": "AdmissionReview", "apiVersion": "v1"}),
    orjson.dumps({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1"}),
    orjson.dumps({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
                  "request": {"uid": "u", "kind": {"kind": "Pod"}, "operation": "CREATE",
                              "object": "x"}}),
    orjson.dumps({"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1",
                  "request": {"uid": "u", "kind": {"kind": "Pod"}, "operation": "CREATE",
                              "object": {"spec": {"containers": [{"name": "x"}]}}}}),
])
def test_malformed_review_is_a_400_problem_never_an_allow(webhook: tuple[Service, Path],
                                                          body: bytes) -> None:
    response = post(webhook, body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "allowed" not in response.text


def test_cache_then_invalidation_by_a_key_revocation(webhook: tuple[Service, Path]) -> None:
    service, _ = webhook
    body = review("Pod", "shop", pod(f"reg.test/shop/web@{WEB}"))
    assert answer(webhook, body)["allowed"] is True
    assert answer(webhook, body)["allowed"] is True
    decisions = [e for line in service.log_lines() for e in log_events(line, "admission_decision")]
    assert decisions[-1]["cached"] is True and decisions[-1]["decision"] == "allow"
    store = open_store(service.db_url)
    try:
        TrustStore(store).revoke("ci", "key leaked")
    finally:
        store.close()
    got = answer(webhook, body)
    assert got["allowed"] is False and "revoked" in got["status"]["message"]
    decisions = [e for line in service.log_lines() for e in log_events(line, "admission_decision")]
    assert decisions[-1]["cached"] is False
    store = open_store(service.db_url)
    try:
        denials = [e.payload for e in store.read_log("audit")
                   if e.payload["action"] == "admission.deny"]
    finally:
        store.close()
    assert denials and denials[-1]["actor"] == "alice" and denials[-1]["target"] == "shop/Pod/p"
    with httpx.Client(base_url=service.base_url, verify=ca_context(webhook[1])) as client:
        text = client.get("/metrics").text
    assert 'provenance_admission_decisions_total{decision="deny",environment="production",' \
        'reason="signed-by"}' in text


def test_update_judges_only_new_images(webhook: tuple[Service, Path]) -> None:
    """The runbook's `kubectl patch deployment X -p '{"spec":{"replicas":0}}'` on a
    workload running a failing image is admitted; bringing that image in is not."""
    def dep(image: str, replicas: int) -> dict[str, Any]:
        return {"metadata": {"name": "api"}, "spec": {"replicas": replicas, "template": {
            "spec": {"containers": [{"name": "api", "image": image}]}}}}

    bad, good = f"reg.test/shop/api@{API}", f"reg.test/shop/web@{WEB}"
    body = review("Deployment", "shop", dep(bad, 0))
    body["request"]["operation"] = "UPDATE"
    body["request"]["oldObject"] = dep(bad, 3)
    assert answer(webhook, body)["allowed"] is True
    body = review("Deployment", "shop", dep(bad, 3))
    body["request"]["operation"] = "UPDATE"
    body["request"]["oldObject"] = dep(good, 3)
    got = answer(webhook, body)
    assert got["allowed"] is False and "signed-by" in got["status"]["message"]
