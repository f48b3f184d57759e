"""`verify --artifact` end to end (in process) on a scenario the test builds: keys
generated here, an SBOM, a cosign-style signature, DSSE SLSA provenance, a cluster."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from provenance_linker.demo.samples import cyclonedx_sbom, demo_cluster, demo_images
from provenance_linker.demo.signing import (
    cosign_signature_line,
    dsse_envelope,
    generate_key,
    public_pem,
    slsa_provenance,
)
from provenance_linker.store import open_store
from provenance_linker.telemetry import metrics

BUILDER = "https://github.com/acme/ci/.github/workflows/build.yml@refs/tags/v3"
REPO = "https://github.com/acme/payments"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _counter(result: str, artifact_type: str, reason: str) -> float:
    value = metrics.verifications_total.labels(result, artifact_type, reason)._value.get()
    return float(value)


@pytest.fixture
def scenario(tmp_path: Path, cli: Callable[..., Any]) -> dict[str, Any]:
    images = demo_images()
    base, api, web = images
    for image in images:
        path = tmp_path / f"{image.digest[7:19]}.cdx.json"
        path.write_bytes(orjson.dumps(image.document))
        assert cli("ingest", "sbom", str(path)).code == 0
    cluster = tmp_path / "cluster.json"
    cluster.write_bytes(orjson.dumps(demo_cluster(images)))
    assert cli("ingest", "deployments", str(cluster), "--environment", "production").code == 0
    key = generate_key("ecdsa-p256")
    (tmp_path / "release.pub").write_bytes(public_pem(key))
    api_ref = f"{api.name.rsplit(':', 1)[0]}@{api.digest}"
    sig = tmp_path / "api.sig.jsonl"
    sig.write_bytes(cosign_signature_line(key, api.name, api.digest) + b"\n")
    prov = tmp_path / "api.provenance.dsse.json"
    prov.write_bytes(dsse_envelope(key, slsa_provenance(
        [(api.name, api.digest)], builder_id=BUILDER, repository=REPO, commit=COMMIT,
        ref="refs/heads/main", invocation_id="run-42")))
    return {"api": api, "web": web, "base": base, "api_ref": api_ref,
            "web_ref": f"{web.name}@{web.digest}", "key": key,
            "pub": tmp_path / "release.pub", "sig": sig, "prov": prov, "dir": tmp_path}


def test_signed_image_passes_unsigned_fails(scenario: dict[str, Any], cli: Callable[..., Any]
                                            ) -> None:
    s = scenario
    # Signature arrives before the key: recorded, unverified, re-verified on `keys add`.
    r = cli("ingest", "signature", "--artifact", s["api_ref"], "--signature", str(s["sig"]),
            "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["ingested"][0]["summary"]["unverified"] == 1
    r = cli("keys", "add", str(s["pub"]), "--name", "release", "-o", "json")
    assert r.code == 0
    assert [x["status"] for x in r.json()["reverified"]] == ["valid"]
    assert cli("ingest", "attestation", str(s["prov"])).code == 0

    before = _counter("success", "container-image", "")
    r = cli("verify", "--artifact", s["api_ref"], "--output", "json")
    assert r.code == 0, r.out
    report = r.json()
    assert report["result"] == "success" and report["artifact"] == s["api_ref"]
    signed = next(c for c in report["checks"]["children"] if c["check"] == "signed-by")
    assert signed["passed"] and "key release" in signed["detail"]
    assert {e["format"] for e in signed["evidence"]} == {"cosign-signatures", "dsse"}
    assert _counter("success", "container-image", "") == before + 1

    before = _counter("failure", "container-image", "signed-by")
    r = cli("verify", "--artifact", s["web_ref"])
    assert r.code == 1
    assert "FAIL signed-by" in r.out and "no signature or attestation" in r.out
    line = next(json.loads(x) for x in r.err.splitlines() if "verification failed" in x)
    assert line["event"] == "verification failed"
    assert line["component"] == "signature-verifier"
    assert line["artifact"] == s["web_ref"] and line["failure_reason"] == "signed-by"
    assert line["artifact_type"] == "container-image" and line["level"] == "ERROR"
    assert _counter("failure", "container-image", "signed-by") == before + 1


def test_provenance_policy_names_builder_and_commit(scenario: dict[str, Any],
                                                   cli: Callable[..., Any]) -> None:
    s = scenario
    cli("keys", "add", str(s["pub"]), "--name", "release")
    cli("ingest", "attestation", str(s["prov"]))
    good = s["dir"] / "prod.yaml"
    good.write_text(f"""
all-of:
  - signed-by: {{keys: [release]}}
  - provenance:
      builders: ['https://github\\.com/acme/ci/.*@refs/tags/v\\d+']
      repositories: ['{REPO}']
      refs: ['refs/heads/main', 'refs/tags/v.*']
  - sbom-present: {{}}
""")
    r = cli("verify", "--artifact", s["api_ref"], "--policy", str(good), "-e", "production",
            "-o", "json")
    assert r.code == 0, r.out
    prov = next(c for c in r.json()["checks"]["children"] if c["check"] == "provenance")
    assert prov["evidence"][0]["builder"] == BUILDER
    assert prov["evidence"][0]["commit"] == COMMIT
    bad = s["dir"] / "strict.yaml"
    bad.write_text("all-of:\n  - provenance: {refs: ['refs/tags/release-.*']}\n")
    r = cli("verify", "--artifact", s["api_ref"], "--policy", str(bad), "-o", "json")
    assert r.code == 1
    assert r.json()["failure_reason"] == "provenance"


def test_errors_exit_2(scenario: dict[str, Any], cli: Callable[..., Any]) -> None:
    empty = scenario["dir"] / "empty.yaml"
    empty.write_text("any-of: []\n")
    r = cli("verify", "--artifact", scenario["api_ref"], "--policy", str(empty))
    assert r.code == 2 and "at least one check" in r.err
    r = cli("verify", "--artifact", "registry.acme.test/nope@sha256:" + "0" * 64)
    assert r.code == 2 and "no artifact" in r.err


def test_revoked_key_fails_and_bypass_reports_bypassed(scenario: dict[str, Any],
                                                       cli: Callable[..., Any],
                                                       sqlite_url: str) -> None:
    s = scenario
    cli("keys", "add", str(s["pub"]), "--name", "release")
    cli("ingest", "signature", "--artifact", s["api_ref"], "--signature", str(s["sig"]))
    assert cli("verify", "--artifact", s["api_ref"]).code == 0
    r = cli("keys", "revoke", "release", "--reason", "key leaked in CI logs")
    assert r.code == 0
    r = cli("verify", "--artifact", s["api_ref"], "-o", "json")
    assert r.code == 1
    signed = next(c for c in r.json()["checks"]["children"] if c["check"] == "signed-by")
    assert "revoked" in signed["detail"] and "key leaked in CI logs" in signed["detail"]

    r = cli("bypass", "enable", "--duration", "30m", "--reason", "INC-7 verifier outage",
            "-o", "json")
    assert r.code == 0 and r.json()["active"] is True
    assert metrics.verification_bypass_active._value.get() == 1
    r = cli("verify", "--artifact", s["api_ref"], "-o", "json")
    assert r.code == 0
    assert r.json()["result"] == "bypassed" and r.json()["bypass"]["reason"] == \
        "INC-7 verifier outage"
    assert r.json()["checks"]["passed"] is False  # verification still ran and reported
    assert cli("bypass", "disable").code == 0
    assert cli("bypass", "status", "-o", "json").json()["active"] is False
    assert cli("verify", "--artifact", s["api_ref"]).code == 1
    store = open_store(sqlite_url)
    try:
        actions = [(e.payload["action"], e.payload["outcome"]) for e in store.read_log("audit")]
    finally:
        store.close()
    assert ("bypass.enable", "ok") in actions and ("bypass.disable", "ok") in actions


def test_unsigned_in_production(scenario: dict[str, Any], cli: Callable[..., Any]) -> None:
    s = scenario
    r = cli("query", "unsigned", "--environment", "production", "-o", "json")
    names = {row["artifact_name"] for row in r.json()}
    assert s["api_ref"] in names and s["web_ref"] in names
    cli("keys", "add", str(s["pub"]), "--name", "release")
    cli("ingest", "signature", "--artifact", s["api_ref"], "--signature", str(s["sig"]))
    rows = cli("query", "unsigned", "--environment", "production", "-o", "json").json()
    assert {row["artifact_name"] for row in rows} == {s["web_ref"]}
    [row] = rows
    assert row["deployment"] == "storefront-web" and row["namespace"] == "storefront"
    assert row["environment"] == "production"
    # The row's name is what the runbook passes to `verify --artifact`.
    assert cli("verify", "--artifact", row["artifact_name"]).code == 1


def test_blob_signature_with_file(tmp_path: Path, cli: Callable[..., Any]) -> None:
    import base64

    from provenance_linker.demo.signing import sign

    key = generate_key("ecdsa-p384")
    blob = tmp_path / "tool.tar.gz"
    blob.write_bytes(b"release bytes " * 100)
    (tmp_path / "tool.sig").write_text(base64.b64encode(sign(key, blob.read_bytes())).decode())
    (tmp_path / "k.pub").write_bytes(public_pem(key))
    assert cli("keys", "add", str(tmp_path / "k.pub"), "--name", "tools").code == 0
    r = cli("ingest", "signature", "--artifact", str(blob), "--signature",
            str(tmp_path / "tool.sig"), "-o", "json")
    assert r.code == 0 and r.json()["ingested"][0]["summary"]["valid"] == 1
    other = cyclonedx_sbom("registry.acme.test/x/y:1", 3, seed=9)
    r = cli("ingest", "signature", "--artifact", f"y@{other.digest}", "--signature",
            str(tmp_path / "tool.sig"), "-o", "json")
    assert r.json()["ingested"][0]["summary"]["unverified"] == 1  # no key verifies it


def test_gauges_on_metrics(scenario: dict[str, Any], cli: Callable[..., Any],
                           sqlite_url: str) -> None:
    from prometheus_client import generate_latest

    from provenance_linker.api.metrics_collector import GraphCollector, build_registry

    cli("bypass", "enable", "--duration", "10m", "--reason", "drill")
    store = open_store(sqlite_url)
    try:
        text = generate_latest(build_registry(GraphCollector(lambda: store, lambda: 0))
                               ).decode()
    finally:
        store.close()
    web = scenario["web_ref"]
    assert (f'provenance_unsigned_artifacts_in_production{{artifact_name="{web}",'
            f'deployment="storefront-web",environment="production",namespace="storefront"}} 1.0'
            ) in text
    assert "provenance_verification_bypass_active 1.0" in text


def test_bad_envelope_is_refused_with_place_and_nothing_changes(tmp_path: Path,
                                                               cli: Callable[..., Any]) -> None:
    bad = tmp_path / "bad.dsse.json"
    bad.write_text('{"payloadType": "application/vnd.in-toto+json", "payload": "***", '
                   '"signatures": []}')
    before = cli("store", "stats", "-o", "json").json()
    r = cli("ingest", "attestation", str(bad), "-o", "json")
    assert r.code == 1
    [refused] = r.json()["refused"]
    assert "invalid base64" in refused["error"] and "$.payload" in refused["error"]
    assert str(bad) in refused["error"]
    assert cli("store", "stats", "-o", "json").json() == before


def test_verdict_on_gathered_evidence_equals_its_own(scenario: dict[str, Any],
                                                     cli: Callable[..., Any],
                                                     sqlite_url: str) -> None:
    """A page hands verify_artifact evidence gathered for many artifacts at once; the
    report is the one verify_artifact gathers itself, and evidence of another artifact
    is not used."""
    from provenance_linker.trust.gather import gather_many
    from provenance_linker.trust.verifier import verify_artifact

    s = scenario
    assert cli("keys", "add", str(s["pub"]), "--name", "release").code == 0
    assert cli("ingest", "signature", "--artifact", s["api_ref"], "--signature",
               str(s["sig"])).code == 0
    store = open_store(sqlite_url)
    try:
        digests = [s["api"].digest, s["web"].digest]
        gathered = gather_many(store, digests)
        outcomes = []
        for digest in digests:
            own = verify_artifact(store, digest, environment="production", record=False)
            handed = verify_artifact(store, digest, environment="production", record=False,
                                     evidence=gathered[digest])
            assert handed.as_dict() == own.as_dict()
            outcomes.append(own.result)
        assert outcomes == ["success", "failure"]
        other = verify_artifact(store, s["web"].digest, environment="production",
                                record=False, evidence=gathered[s["api"].digest])
        assert other.result == "failure"
    finally:
        store.close()
