"""The webhook registered in a real kube-apiserver (ValidatingWebhookConfiguration with
caBundle, clientConfig.url on loopback): the API server itself calls it over HTTPS on
every Pod create and enforces the answer."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from provenance_linker.demo.signing import generate_key, public_pem
from provenance_linker.store import open_store
from provenance_linker.trust.trust_store import TrustStore

from ..support.kube import ControlPlane, start_control_plane
from ..support.service import Service
from ..support.tls_service import make_certs, start_tls_service
from .helpers import Clock, digest_of, publish
from .kube_objects import ENV_LABEL

GOOD, BAD = digest_of("gate-good"), digest_of("gate-bad")


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ControlPlane, Service]]:
    tmp = tmp_path_factory.mktemp("gate")
    db_url = f"sqlite:///{tmp}/graph.db"
    store = open_store(db_url)
    clock = Clock("2026-12-01T09:00:00+00:00")
    key, stranger = generate_key(), generate_key()
    TrustStore(store, clock=clock).add_key(public_pem(key), "ci.pub", name="ci")
    publish(store, clock, key, "reg.test/gate/good", GOOD, ["pkg:npm/left-pad@1.3.0"])
    publish(store, clock, stranger, "reg.test/gate/bad", BAD, ["pkg:npm/left-pad@1.3.0"])
    store.close()
    certs = make_certs(tmp / "certs", "127.0.0.1")
    service = start_tls_service(tmp, db_url, certs,
                                {"PROVENANCE_NAMESPACE_ENVIRONMENTS": "gated=production"})
    plane = start_control_plane(tmp / "kube")
    try:
        from kubernetes import client

        api = plane.api()
        client.CoreV1Api(api).create_namespace(
            {"metadata": {"name": "gated", "labels": {ENV_LABEL: "production"}}})
        # No controller manager makes the `default` ServiceAccount pod admission looks up.
        client.CoreV1Api(api).create_namespaced_service_account(
            "gated", {"metadata": {"name": "default"}})
        client.AdmissionregistrationV1Api(api).create_validating_webhook_configuration({
            "metadata": {"name": "provenance-linker-test"},
            "webhooks": [{
                "name": "production.admission.provenance.dev",
                "admissionReviewVersions": ["v1"], "sideEffects": "NoneOnDryRun",
                "timeoutSeconds": 10, "failurePolicy": "Fail",
                "namespaceSelector": {"matchLabels": {ENV_LABEL: "production"}},
                "rules": [{"apiGroups": [""], "apiVersions": ["v1"],
                           "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}],
                "clientConfig": {
                    "url": f"{service.base_url}/v1/admission",
                    "caBundle": base64.b64encode((certs / "ca.crt").read_bytes()).decode()}}]})
        yield plane, service
    finally:
        plane.stop()
        service.stop()


def _pod(image: str, name: str) -> dict[str, object]:
    return {"metadata": {"name": name}, "spec": {
        "automountServiceAccountToken": False,
        "containers": [{"name": "app", "image": image}]}}


def test_api_server_enforces_the_webhook(gate: tuple[ControlPlane, Service]) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    plane, service = gate
    core = client.CoreV1Api(plane.api())
    # The configuration takes effect within moments of its creation: probe until the
    # API server consults the webhook (pods admitted before that prove nothing).
    import time

    deadline = time.monotonic() + 30
    attempt = 0
    while True:
        attempt += 1
        try:
            core.create_namespaced_pod("gated", _pod(f"reg.test/gate/bad@{BAD}",
                                                     f"bad-{attempt}"))
        except ApiException as exc:
            denied = exc
            break
        assert time.monotonic() < deadline, "the webhook was never called"
        time.sleep(0.5)
    assert denied.status == 403
    body = str(denied.body)
    assert "production.admission.provenance.dev" in body and "signed-by" in body
    created = core.create_namespaced_pod("gated", _pod(f"reg.test/gate/good@{GOOD}", "good"))
    assert created.metadata.name == "good"
    with pytest.raises(ApiException) as tag:
        core.create_namespaced_pod("gated", _pod("reg.test/gate/good:1.0", "tagged"))
    assert tag.value.status == 403 and "digest-required" in str(tag.value.body)
    assert any('"decision": "deny"' in line or '"decision":"deny"' in line
               for line in service.log_lines())
