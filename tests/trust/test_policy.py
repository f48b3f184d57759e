"""Policy checks over graph data the test builds (advisories, VEX, SBOM), composition
rules and the bypass's time box."""

from __future__ import annotations

from datetime import timedelta

import pytest

from provenance_linker.errors import ConfigError, Forbidden, UsageError
from provenance_linker.model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust.bypass import Bypass
from provenance_linker.trust.gather import gather
from provenance_linker.trust.policy import (
    AllOf,
    AnyOf,
    NoMaliciousPackages,
    NoVulnerabilities,
    SbomPresent,
    SignatureMaxAge,
    Trust,
    UnsafeAlwaysPass,
    load_policy,
)

from .conftest import Clock

ART = NodeRef(NodeKind.ARTIFACT, "sha256:" + "a" * 64)
SBOM = NodeRef(NodeKind.SBOM, "sha256:" + "b" * 64)
PKG = NodeRef(NodeKind.PACKAGE, "pkg:npm/left-pad@1.3.0")


def _graph(store: GraphStore, vulns: list[tuple[str, dict[str, object]]],
           vex: dict[str, str] | None = None) -> None:
    store.apply(Batch(DocumentInfo(SBOM.key, "sbom", "cyclonedx-json", "app.cdx.json"),
                      [Node(NodeKind.SBOM, SBOM.key, {"format": "cyclonedx-json",
                                                      "packages": 1}),
                       Node(NodeKind.ARTIFACT, ART.key, {}), Node(NodeKind.PACKAGE, PKG.key, {})],
                      [Edge(EdgeKind.DESCRIBES, SBOM, ART), Edge(EdgeKind.LISTS, SBOM, PKG)]))
    nodes = [Node(NodeKind.VULNERABILITY, vid, props) for vid, props in vulns]
    edges = [Edge(EdgeKind.AFFECTED_BY, PKG, NodeRef(NodeKind.VULNERABILITY, vid))
             for vid, _ in vulns]
    edges += [Edge(EdgeKind.VEX, ART, NodeRef(NodeKind.VULNERABILITY, vid), {"status": status})
              for vid, status in (vex or {}).items()]
    store.apply(Batch(DocumentInfo("sha256:" + "c" * 64, "advisory", "osv-json", "osv"),
                      nodes, edges))


def _trust() -> Trust:
    return Trust([], [], Clock()())


def test_vulnerability_threshold_and_vex(tstore: GraphStore) -> None:
    _graph(tstore, [("GHSA-crit", {"severity": "critical"}), ("GHSA-low", {"severity": "low"}),
                    ("GHSA-gone", {"severity": "critical", "withdrawn": "2026-01-01"})])
    evidence = gather(tstore, ART.key)
    result = NoVulnerabilities("high").evaluate(evidence, _trust())
    assert not result.passed
    assert [e["advisory"] for e in result.evidence] == ["GHSA-crit"]
    assert result.evidence[0]["package"] == PKG.key
    assert NoVulnerabilities("critical").evaluate(evidence, _trust()).passed is False
    assert SbomPresent().evaluate(evidence, _trust()).passed


def test_vex_not_affected_clears(tstore: GraphStore) -> None:
    _graph(tstore, [("GHSA-crit", {"severity": "critical"})], {"GHSA-crit": "not_affected"})
    assert NoVulnerabilities("low").evaluate(gather(tstore, ART.key), _trust()).passed


def test_malicious_package(tstore: GraphStore) -> None:
    _graph(tstore, [("MAL-2026-1", {"malicious": True, "severity": "critical"})])
    result = NoMaliciousPackages().evaluate(gather(tstore, ART.key), _trust())
    assert not result.passed and result.evidence == [{"advisory": "MAL-2026-1",
                                                      "package": PKG.key}]


def test_no_signature_means_max_age_fails(tstore: GraphStore) -> None:
    _graph(tstore, [])
    assert not SignatureMaxAge(30).evaluate(gather(tstore, ART.key), _trust()).passed


def test_composites_refuse_empty_lists() -> None:
    with pytest.raises(ConfigError):
        AllOf(())
    with pytest.raises(ConfigError):
        AnyOf(())
    with pytest.raises(ConfigError):
        load_policy("all-of: []")
    with pytest.raises(ConfigError, match="unknown check"):
        load_policy("all-of:\n  - trust-me: {}\n")


def test_any_of_and_unsafe(tstore: GraphStore) -> None:
    _graph(tstore, [])
    policy = load_policy("any-of:\n  - signed-by: {}\n  - unsafe-always-pass: {}\n")
    result = policy.evaluate(gather(tstore, ART.key), _trust())
    assert result.passed and "unsafe-always-pass" in result.detail
    assert isinstance(UnsafeAlwaysPass(), UnsafeAlwaysPass)


def test_bypass_is_admin_only_and_expires(tstore: GraphStore) -> None:
    clock = Clock("2026-06-01T12:00:00+00:00")
    bypass = Bypass(tstore, clock=clock)
    with pytest.raises(Forbidden):
        bypass.enable(duration="30m", reason="x", actor="bob", roles={"reader"})
    with pytest.raises(UsageError):
        bypass.enable(duration="3d", reason="x", actor="root", roles={"admin"})
    state = bypass.enable(duration="30m", reason="INC-1", actor="root", roles={"admin"})
    assert state.active and state.expires_at == "2026-06-01T12:30:00+00:00"
    clock.now += timedelta(minutes=29)
    assert bypass.status().active
    clock.now += timedelta(minutes=2)
    assert not bypass.status().active
    entries = [(e.payload["action"], e.payload["outcome"]) for e in tstore.read_log("audit")]
    assert entries == [("bypass.enable", "refused"), ("bypass.enable", "ok")]
