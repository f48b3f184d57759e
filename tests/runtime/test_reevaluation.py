"""New evidence re-judges what runs now, with no manual step: a key revocation and a new
MAL record each flip a running workload's verdict and log one verdict_changed event."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provenance_linker.demo.signing import generate_key, public_pem
from provenance_linker.runtime import quarantine_ops as quarantine
from provenance_linker.runtime.reevaluate import verdict_gauge_rows
from provenance_linker.store.interface import GraphStore
from provenance_linker.telemetry import logging as tlog
from provenance_linker.telemetry import metrics
from provenance_linker.trust.trust_store import TrustStore

from .helpers import Clock, deployment, digest_of, ingest, log_events, mal_record, publish

WEB, API = digest_of("web-1.0"), digest_of("api-1.0")
POLICY_ROLES = {"admin"}


@pytest.fixture
def any_store(store: GraphStore) -> Iterator[GraphStore]:
    """Every backend (the name stays for readability of the tests below)."""
    tlog.configure(level="INFO")
    yield store


def _setup(store: GraphStore) -> tuple[Clock, TrustStore]:
    clock = Clock("2026-12-01T09:00:00+00:00")
    trust = TrustStore(store, clock=clock)
    key, other = generate_key(), generate_key()
    trust.add_key(public_pem(key), "ci.pub", name="ci")
    trust.add_key(public_pem(other), "other.pub", name="other")
    publish(store, clock, key, "reg.test/shop/web", WEB, ["pkg:npm/left-pad@1.3.0"])
    publish(store, clock, other, "reg.test/shop/api", API, ["pkg:npm/express@4.18.2"])
    ingest(store, {"apiVersion": "v1", "kind": "List", "items": [
        deployment("web", "shop-prod", f"reg.test/shop/web@{WEB}"),
        deployment("api", "shop-prod", f"reg.test/shop/api@{API}")]}, "cluster.json", clock)
    return clock, trust


def _results(store: GraphStore) -> dict[str, str]:
    record = store.get_record("runtime.verdicts", "production") or {"verdicts": {}}
    return {v["deployment"].split("/")[-1]: v["result"] for v in record["verdicts"].values()}


def test_key_revocation_flips_the_running_workload(any_store: GraphStore,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _, trust = _setup(any_store)
    assert _results(any_store) == {"web": "pass", "api": "pass"}
    before = metrics.verdict_changes_total.labels("production", "fail")._value.get()
    capsys.readouterr()
    trust.revoke("ci", "key leaked")
    changed = log_events(capsys.readouterr().err, "verdict_changed")
    assert [(c["deployment"], c["old"], c["new"]) for c in changed] == [
        ("default/shop-prod/Deployment/web", "pass", "fail")]
    assert changed[0]["artifact"] == f"reg.test/shop/web@{WEB}"
    assert changed[0]["cause"]["action"] == "key.revoke"
    assert any("signed-by" in f for f in changed[0]["failed"])
    assert _results(any_store) == {"web": "fail", "api": "pass"}
    assert metrics.verdict_changes_total.labels("production", "fail")._value.get() == before + 1
    assert ({"environment": "production", "result": "fail"}, 1.0) in \
        verdict_gauge_rows(any_store)


def test_new_mal_record_flips_only_the_affected_workload(any_store: GraphStore,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    clock, _ = _setup(any_store)
    capsys.readouterr()
    ingest(any_store, mal_record("MAL-2026-0001", "npm", "left-pad", "1.3.0"),
           "MAL-2026-0001.json", clock)
    changed = log_events(capsys.readouterr().err, "verdict_changed")
    assert [(c["deployment"], c["new"]) for c in changed] == [
        ("default/shop-prod/Deployment/web", "fail")]
    assert changed[0]["cause"]["name"] == "MAL-2026-0001.json"
    assert any(f.startswith("no-malicious-packages") for f in changed[0]["failed"])
    # The same record again is the same document: nothing re-judged, no second event.
    ingest(any_store, mal_record("MAL-2026-0001", "npm", "left-pad", "1.3.0"),
           "again.json", clock)
    assert log_events(capsys.readouterr().err, "verdict_changed") == []


def test_quarantine_fails_and_lists_workloads_to_drain(any_store: GraphStore,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    _setup(any_store)
    capsys.readouterr()
    entry = quarantine.add(any_store, "package", "pkg:npm/express@4.18.2",
                           "incident 42", actor="cli:test", roles={"writer"})
    assert [w["deployment"] for w in entry["to_drain"]] == ["default/shop-prod/Deployment/api"]
    changed = log_events(capsys.readouterr().err, "verdict_changed")
    assert [(c["deployment"], c["new"]) for c in changed] == [
        ("default/shop-prod/Deployment/api", "fail")]
    assert _results(any_store)["api"] == "fail"
    rows = quarantine.drain_gauge_rows(any_store)
    assert [labels["deployment"] for labels, _ in rows] == ["api"]
    with pytest.raises(Exception, match="admin role"):
        quarantine.remove(any_store, entry["id"], actor="token:w", roles={"writer"})
    quarantine.remove(any_store, entry["id"], actor="cli:test", roles={"admin"})
    assert _results(any_store)["api"] == "pass"
    assert quarantine.drain_gauge_rows(any_store) == []
    actions = [e.payload["action"] for e in any_store.read_log("audit")]
    assert actions.count("quarantine.add") == 1 and "quarantine.remove" in actions


def test_vex_statement_flips_it_back(any_store: GraphStore,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    clock, _ = _setup(any_store)
    ingest(any_store, mal_record("MAL-2026-0002", "npm", "left-pad", "1.3.0"),
           "MAL-2026-0002.json", clock)
    assert _results(any_store)["web"] == "fail"
    capsys.readouterr()
    openvex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.invalid/v",
               "author": "test", "timestamp": "2026-12-01T12:00:00Z", "version": 1,
               "statements": [{"vulnerability": {"name": "MAL-2026-0002"},
                               "products": [{"@id": f"reg.test/shop/web@{WEB}"}],
                               "status": "not_affected",
                               "justification": "vulnerable_code_not_present"}]}
    ingest(any_store, openvex, "web.openvex.json", clock)
    changed = log_events(capsys.readouterr().err, "verdict_changed")
    assert [(c["deployment"], c["old"], c["new"]) for c in changed] == [
        ("default/shop-prod/Deployment/web", "fail", "pass")]
    assert changed[0]["cause"]["kind"] == "vex"
