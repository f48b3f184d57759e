"""The evidence each check declares it reads (`policy.evidence_read`): judging with only
those parts gathered gives the same result as judging with everything, for every check
and for the default policy; a part left out is not read at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from provenance_linker.demo.signing import generate_key, public_pem
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust import policy
from provenance_linker.trust.gather import ALL_PARTS, BUILDS, SIGNATURES, gather_many
from provenance_linker.trust.policy import DEFAULT_POLICY, Trust, evidence_read, load_policy
from provenance_linker.trust.trust_store import TrustStore

from ..runtime.helpers import Clock, digest_of, ingest, mal_record, publish

ART = digest_of("evidence-read")
CHECKS = {
    "signed-by": "signed-by: {}",
    "provenance": "provenance: {builders: ['https://ci\\\\.acme\\\\.test/.*']}",
    "sbom-present": "sbom-present: {}",
    "no-malicious-packages": "no-malicious-packages: {}",
    "no-vulnerabilities": "no-vulnerabilities: {at-or-above: low}",
    "licenses": "licenses: {deny: [GPL-3.0-only]}",
    "signature-max-age": "signature-max-age: {days: 30}",
    "unsafe-always-pass": "unsafe-always-pass: {}",
    "any-of": "any-of: [{provenance: {}}, {sbom-present: {}}]",
}


@pytest.fixture
def store(tmp_path: Path) -> GraphStore:
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    clock = Clock("2026-12-01T09:00:00+00:00")
    key = generate_key()
    TrustStore(store, clock=clock).add_key(public_pem(key), "ci.pub", name="ci")
    publish(store, clock, key, "reg.test/app", ART, ["pkg:npm/express@4.18.2"])
    ingest(store, mal_record("MAL-0001", "npm", "express", "4.18.2"), "mal.json", clock)
    return store


def _trust(store: GraphStore) -> Trust:
    ts = TrustStore(store)
    return Trust(ts.keys(), ts.identities(), datetime(2026, 12, 2, tzinfo=UTC))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_declared_parts_judge_as_everything_does(store: GraphStore, name: str) -> None:
    check = load_policy(CHECKS[name])
    full = gather_many(store, [ART])[ART]
    part = gather_many(store, [ART], evidence_read(check))[ART]
    trust = _trust(store)
    assert check.evaluate(part, trust).as_dict() == check.evaluate(full, trust).as_dict()


def test_default_policy_reads_no_builds_and_judges_the_same(store: GraphStore) -> None:
    check = load_policy(DEFAULT_POLICY)
    parts = evidence_read(check)
    assert BUILDS not in parts and SIGNATURES in parts
    full = gather_many(store, [ART])[ART]
    assert full.builds  # the artifact has provenance; the default policy does not read it
    part = gather_many(store, [ART], parts)[ART]
    assert part.builds == [] and part.signatures == full.signatures
    trust = _trust(store)
    result = check.evaluate(part, trust)
    assert not result.passed  # the malicious package fails it
    assert result.as_dict() == check.evaluate(full, trust).as_dict()


def test_every_check_class_declares_what_it_reads() -> None:
    classes = {value for value in vars(policy).values() if isinstance(value, type)
               and value.__module__ == policy.__name__ and hasattr(value, "evaluate")}
    declared = set(policy._READS) | {policy.AllOf, policy.AnyOf, policy.Check}
    assert classes == declared
    assert all(parts <= ALL_PARTS for parts in policy._READS.values())
