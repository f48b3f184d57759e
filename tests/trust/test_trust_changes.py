"""Changing trust goes through trust/changes.py: every change is audited there, and a new
key re-verifies the evidence that was waiting for it, whichever adapter asks."""

from __future__ import annotations

from provenance_linker.access.audit import AUDIT_STREAM
from provenance_linker.demo.signing import dsse_envelope, generate_key, public_pem, slsa_provenance
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import NodeKind
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust import changes
from provenance_linker.trust.trust_store import TrustStore

from .conftest import Clock


def test_a_new_key_is_audited_and_reverifies_waiting_evidence(tstore: GraphStore) -> None:
    clock = Clock("2026-07-01T00:00:00+00:00")
    key, other = generate_key("ecdsa-p256"), generate_key("ed25519")
    statement = slsa_provenance([("app", "sha256:" + "7" * 64)],
                                builder_id="https://ci.acme.test/b",
                                repository="https://git.acme.test/app", commit="b" * 40,
                                ref="refs/heads/main", invocation_id="run-7")
    Linker(tstore, clock=clock).ingest(load(dsse_envelope(key, statement), "run-7.dsse.json"))
    waiting = tstore.find(NodeKind.ATTESTATION, {"status": "unverified"})
    assert len(waiting) == 1
    trust = TrustStore(tstore, clock=clock)

    value, reverified = changes.add_key(trust, public_pem(other), "other.pub", actor="alice")
    assert reverified == [] and tstore.find(NodeKind.ATTESTATION, {"status": "unverified"})
    value, reverified = changes.add_key(trust, public_pem(key), "ci.pub", actor="alice",
                                        name="ci")
    assert [r["status"] for r in reverified] == ["valid"]
    assert tstore.find(NodeKind.ATTESTATION, {"status": "unverified"}) == []

    changes.revoke_key(trust, "ci", "leaked", actor="bob")
    trail = [(e.payload["action"], e.payload["actor"], e.payload["target"])
             for e in tstore.read_log(AUDIT_STREAM)]
    assert trail == [("keys.add", "alice", trail[0][2]), ("keys.add", "alice", value["id"]),
                     ("keys.revoke", "bob", value["id"])]
