"""Key rotation, revocation and validity windows across time (injected clock)."""

from __future__ import annotations

from provenance_linker.demo.signing import (
    PrivateKey,
    dsse_envelope,
    generate_key,
    public_pem,
    slsa_provenance,
)
from provenance_linker.documents import load
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust.policy import SignedBy, load_policy
from provenance_linker.trust.trust_store import TrustStore
from provenance_linker.trust.verifier import verify_artifact

from .conftest import Clock

SIGNED_ONLY = load_policy("all-of:\n  - signed-by: {}\n")


def _attest(store: GraphStore, clock: Clock, key: PrivateKey, digest: str, run: str) -> str:
    statement = slsa_provenance([("app", digest)], builder_id="https://ci.acme.test/b",
                                repository="https://git.acme.test/app", commit="a" * 40,
                                ref="refs/heads/main", invocation_id=run)
    data = dsse_envelope(key, statement)
    Linker(store, clock=clock).ingest(load(data, f"{run}.dsse.json"), IngestOptions())
    return digest


def _passes(store: GraphStore, clock: Clock, digest: str) -> tuple[bool, str]:
    report = verify_artifact(store, digest, policy=SIGNED_ONLY, clock=clock)
    return report.result == "success", report.checks.children[0].detail


def test_rotation_keeps_old_signatures_and_refuses_new_ones(tstore: GraphStore) -> None:
    clock = Clock("2026-03-01T00:00:00+00:00")
    trust = TrustStore(tstore, clock=clock)
    old, new = generate_key("ecdsa-p256"), generate_key("ed25519")
    trust.add_key(public_pem(old), "old.pub", name="release-2025")
    clock.set("2026-03-02T00:00:00+00:00")
    before = _attest(tstore, clock, old, "sha256:" + "1" * 64, "before-rotation")
    clock.set("2026-03-03T00:00:00+00:00")
    old_value, new_value = trust.rotate("release-2025", public_pem(new), "new.pub",
                                        name="release-2026")
    assert old_value["replaced_by"] == new_value["id"]
    clock.set("2026-03-04T00:00:00+00:00")
    after_old = _attest(tstore, clock, old, "sha256:" + "2" * 64, "old-after-rotation")
    after_new = _attest(tstore, clock, new, "sha256:" + "3" * 64, "new-after-rotation")
    clock.set("2026-04-01T00:00:00+00:00")
    ok, detail = _passes(tstore, clock, before)
    assert ok and "release-2025" in detail
    ok, detail = _passes(tstore, clock, after_old)
    assert not ok and "after key release-2025 was rotated" in detail
    ok, detail = _passes(tstore, clock, after_new)
    assert ok and "release-2026" in detail


def test_revocation_fails_everything_signed_from_then_on(tstore: GraphStore) -> None:
    clock = Clock("2026-05-01T00:00:00+00:00")
    trust = TrustStore(tstore, clock=clock)
    key = generate_key("rsa")
    trust.add_key(public_pem(key), "k.pub", name="ci")
    digest = _attest(tstore, clock, key, "sha256:" + "4" * 64, "run-1")
    clock.set("2026-05-02T00:00:00+00:00")
    assert _passes(tstore, clock, digest)[0]
    trust.revoke("ci", "private key found in a public gist")
    clock.set("2026-05-03T00:00:00+00:00")
    ok, detail = _passes(tstore, clock, digest)
    assert not ok
    assert "revoked at 2026-05-02" in detail and "public gist" in detail
    later = _attest(tstore, clock, key, "sha256:" + "5" * 64, "run-2")
    assert not _passes(tstore, clock, later)[0]


def test_validity_window(tstore: GraphStore) -> None:
    clock = Clock("2026-01-10T00:00:00+00:00")
    trust = TrustStore(tstore, clock=clock)
    key = generate_key("ecdsa-p384")
    trust.add_key(public_pem(key), "k.pub", name="window", not_before="2026-01-15T00:00:00Z",
                  not_after="2026-02-01T00:00:00Z")
    early = _attest(tstore, clock, key, "sha256:" + "6" * 64, "early")
    clock.set("2026-01-20T00:00:00+00:00")
    inside = _attest(tstore, clock, key, "sha256:" + "7" * 64, "inside")
    clock.set("2026-02-10T00:00:00+00:00")
    late = _attest(tstore, clock, key, "sha256:" + "8" * 64, "late")
    assert "before key window is valid" in _passes(tstore, clock, early)[1]
    assert _passes(tstore, clock, inside)[0]  # judged at signing time, not now
    assert "after key window expired" in _passes(tstore, clock, late)[1]


def test_restricting_to_named_keys(tstore: GraphStore) -> None:
    clock = Clock()
    trust = TrustStore(tstore, clock=clock)
    a, b = generate_key(), generate_key()
    trust.add_key(public_pem(a), "a.pub", name="team-a")
    trust.add_key(public_pem(b), "b.pub", name="team-b")
    digest = _attest(tstore, clock, b, "sha256:" + "9" * 64, "b-run")
    from provenance_linker.trust.gather import gather
    from provenance_linker.trust.policy import Trust

    t = Trust(trust.keys(), trust.identities(), clock())
    assert SignedBy(keys=("team-b",)).evaluate(gather(tstore, digest), t).passed
    result = SignedBy(keys=("team-a",)).evaluate(gather(tstore, digest), t)
    assert not result.passed and "not among team-a" in result.detail
