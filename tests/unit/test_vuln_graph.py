"""Advisories, matching, aliases, VEX, deployments and blast radius on every backend."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from provenance_linker.demo.samples import demo_advisories, demo_cluster, demo_images, digest_of
from provenance_linker.documents import load
from provenance_linker.errors import NotFound
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import IngestReport, Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.queries.vulns import malicious, vulns_for_artifact
from provenance_linker.store.interface import GraphStore
from provenance_linker.vulns.stats import malicious_package_series, sbom_vulnerability_counts


def ingest(store: GraphStore, obj: Any, name: str, **options: Any) -> IngestReport:
    return Linker(store).ingest(load(orjson.dumps(obj), name), IngestOptions(**options))


def bom(name: str, purls: list[str], *, extra: list[dict[str, Any]] | None = None,
        vulnerabilities: list[dict[str, Any]] | None = None,
        created: str = "2026-11-01T00:00:00Z") -> tuple[dict[str, Any], str]:
    digest = digest_of("test-image", name)
    comps = [{"type": "library", "bom-ref": p, "name": p.split("/")[-1].split("@")[0],
              "purl": p} for p in purls] + (extra or [])
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"timestamp": created, "component": {
            "type": "container", "bom-ref": "root", "name": name.rsplit(":", 1)[0],
            "version": name.rsplit(":", 1)[1], "hashes": [{"alg": "SHA-256",
                                                            "content": digest[7:]}]}},
        "components": comps,
        "dependencies": [{"ref": "root", "dependsOn": [c["bom-ref"] for c in comps]}]}
    if vulnerabilities:
        doc["vulnerabilities"] = vulnerabilities
    return doc, digest


def osv(vuln_id: str, name: str, events: list[dict[str, str]], *, ecosystem: str = "Maven",
        modified: str = "2026-01-01T00:00:00Z", **extra: Any) -> dict[str, Any]:
    return {"id": vuln_id, "modified": modified, "summary": f"test flaw {vuln_id}",
            "affected": [{"package": {"ecosystem": ecosystem, "name": name},
                          "ranges": [{"type": "ECOSYSTEM", "events": events}]}], **extra}


LOG4J = "org.apache.logging.log4j:log4j-core"
LOG4J_EVENTS = [{"introduced": "2.0"}, {"fixed": "2.15.0"}]


def log4j_purl(version: str) -> str:
    return f"pkg:maven/org.apache.logging.log4j/log4j-core@{version}"


def affected_purls(store: GraphStore, vuln_id: str) -> set[str]:
    edges = store.edges([EdgeKind.AFFECTED_BY], dst=[NodeRef(NodeKind.VULNERABILITY, vuln_id)])
    return {e.src.key for e in edges if not e.props.get("anchor")}


@pytest.mark.parametrize("advisory_first", [True, False])
def test_matching_is_the_same_in_both_arrival_orders(store: GraphStore,
                                                     advisory_first: bool) -> None:
    doc, _ = bom("reg.test/app:1", [log4j_purl("2.14.1"), log4j_purl("2.17.1"),
                                    "pkg:npm/lodash@4.17.20"])
    advisory = osv("TEST-0001", LOG4J, LOG4J_EVENTS)
    steps = [(advisory, "a.json"), (doc, "app.cdx.json")]
    for obj, name in (steps if advisory_first else steps[::-1]):
        ingest(store, obj, name)
    assert affected_purls(store, "TEST-0001") == {log4j_purl("2.14.1")}
    edge = next(e for e in store.edges([EdgeKind.AFFECTED_BY]) if not e.props.get("anchor"))
    assert edge.props["fixed"] == ["2.15.0"]
    assert edge.props["range"]["events"] == LOG4J_EVENTS
    advisory_doc = store.get(NodeRef(NodeKind.VULNERABILITY, "TEST-0001"))
    assert advisory_doc is not None
    assert edge.doc == advisory_doc.props["document"]  # asserted by the advisory


def test_newer_revision_replaces_older_and_equal_changes_nothing(store: GraphStore) -> None:
    doc, _ = bom("reg.test/app:1", [log4j_purl("2.14.1"), log4j_purl("2.16.0")])
    ingest(store, doc, "app.cdx.json")
    first = ingest(store, osv("TEST-0002", LOG4J, LOG4J_EVENTS), "r1.json")
    assert affected_purls(store, "TEST-0002") == {log4j_purl("2.14.1")}
    newer = osv("TEST-0002", LOG4J, [{"introduced": "2.0"}, {"fixed": "2.17.0"}],
                modified="2026-02-01T00:00:00Z")
    second = ingest(store, newer, "r2.json")
    assert second.summary["status"] == "replaced"
    assert store.document(first.document) is None
    assert affected_purls(store, "TEST-0002") == {log4j_purl("2.14.1"), log4j_purl("2.16.0")}
    before = store.content_digest()
    older = osv("TEST-0002", LOG4J, [{"introduced": "0"}], modified="2025-12-01T00:00:00Z")
    stale = ingest(store, older, "r0.json")
    assert stale.summary["status"] == "unchanged" and not stale.created
    equal = copy.deepcopy(newer)
    equal["summary"] = "same modified time, other words"
    assert ingest(store, equal, "r2b.json").summary["status"] == "unchanged"
    assert store.content_digest() == before


def test_withdrawn_revision_stops_matching_but_stays(store: GraphStore) -> None:
    doc, _ = bom("reg.test/app:1", [log4j_purl("2.14.1")])
    ingest(store, doc, "app.cdx.json")
    ingest(store, osv("TEST-0003", LOG4J, LOG4J_EVENTS), "r1.json")
    assert affected_purls(store, "TEST-0003")
    withdrawn = osv("TEST-0003", LOG4J, LOG4J_EVENTS, modified="2026-03-01T00:00:00Z",
                    withdrawn="2026-03-01T00:00:00Z")
    ingest(store, withdrawn, "r2.json")
    assert affected_purls(store, "TEST-0003") == set()
    node = store.get(NodeRef(NodeKind.VULNERABILITY, "TEST-0003"))
    assert node is not None and node.props["withdrawn"] is True
    other, _ = bom("reg.test/other:1", [log4j_purl("2.14.0")])
    ingest(store, other, "other.cdx.json")
    assert affected_purls(store, "TEST-0003") == set()


def test_aliases_collapse_and_any_id_answers(store: GraphStore) -> None:
    doc, digest = bom("reg.test/app:1", [log4j_purl("2.14.1")])
    ingest(store, doc, "app.cdx.json")
    ingest(store, osv("GHSA-test-0001", LOG4J, LOG4J_EVENTS, aliases=["CVE-2099-0001"],
                      severity=[{"type": "CVSS_V3",
                                 "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}]),
           "ghsa.json")
    ingest(store, osv("OTHER-0001", LOG4J, LOG4J_EVENTS, aliases=["CVE-2099-0001"]),
           "other.json")
    found = vulns_for_artifact(store, f"sha256:{digest[7:]}")
    assert len(found["vulnerabilities"]) == 1
    finding = found["vulnerabilities"][0]
    assert set(finding["ids"]) == {"GHSA-test-0001", "CVE-2099-0001", "OTHER-0001"}
    assert finding["severity"] == "critical"
    by_cve = blast_radius(store, "CVE-2099-0001")
    by_other = blast_radius(store, "OTHER-0001")
    assert [a["digest"] for a in by_cve["artifacts"]] == [digest]
    assert [a["digest"] for a in by_other["artifacts"]] == [digest]
    assert set(by_cve["vulnerability"]["ids"]) == set(finding["ids"])
    with pytest.raises(NotFound):
        blast_radius(store, "CVE-1999-0000")


def _ingest_demo(store: GraphStore, order: list[str]) -> list[Any]:
    images = demo_images()
    steps = {"sboms": [(i.document, i.name) for i in images],
             "advisories": [(a, a["id"]) for a in demo_advisories(images)],
             "cluster": [(demo_cluster(images), "cluster.json")]}
    for part in order:
        for obj, name in steps[part]:
            ingest(store, obj, name)
    return images


@pytest.mark.parametrize("order", [["sboms", "advisories", "cluster"],
                                   ["cluster", "advisories", "sboms"]])
def test_blast_radius_through_base_image_into_deployments(store: GraphStore,
                                                          order: list[str]) -> None:
    base, api, web = _ingest_demo(store, order)
    result = blast_radius(store, "MAL-DEMO-2026-0001")
    by_digest = {a["digest"]: a for a in result["artifacts"]}
    assert set(by_digest) == {base.digest, api.digest, web.digest}
    assert by_digest[base.digest]["via"] == "direct"
    app = by_digest[api.digest]
    assert app["via"] == "base image"
    kinds = [step["kind"] for step in app["path"]]
    assert kinds[0] == "artifact" and app["path"][0]["key"] == api.digest
    assert {"kind": "artifact", "key": base.digest} in [
        {"kind": s["kind"], "key": s["key"]} for s in app["path"]]
    assert app["path"][-1]["key"] == app["package"]
    deployments = {d["key"]: d for d in result["deployments"]}
    assert set(deployments) == {"default/payments/Deployment/payments-api",
                                "default/storefront/Deployment/storefront-web"}
    assert deployments["default/storefront/Deployment/storefront-web"]["artifact"] == web.digest
    assert all(d["environments"] == ["production"] for d in deployments.values())
    assert blast_radius(store, "MAL-DEMO-2026-0001", "staging")["deployments"] == []


def test_blast_radius_reports_fixed_version_and_direct_path(store: GraphStore) -> None:
    _, api, _ = _ingest_demo(store, ["sboms", "advisories", "cluster"])
    result = blast_radius(store, "DEMO-2026-0001", "production")
    api_row = next(a for a in result["artifacts"] if a["digest"] == api.digest)
    assert api_row["fixed"] == ["2.15.0"]
    assert api_row["path"][-1]["key"] == log4j_purl("2.14.1")
    assert result["vulnerability"]["severity"] == "critical"
    assert "CVE-2021-44228" in result["vulnerability"]["aliases"]


def test_cyclonedx_vex_suppresses_for_that_artifact(store: GraphStore) -> None:
    vex = [{"id": "CVE-2099-0002", "analysis": {"state": "not_affected",
                                                 "justification": "code_not_reachable",
                                                 "detail": "lookup disabled"},
            "affects": [{"ref": "root"}]}]
    quiet, quiet_digest = bom("reg.test/quiet:1", [log4j_purl("2.14.1")], vulnerabilities=vex)
    loud, loud_digest = bom("reg.test/loud:1", [log4j_purl("2.14.1")])
    ingest(store, quiet, "quiet.cdx.json")
    ingest(store, loud, "loud.cdx.json")
    ingest(store, osv("GHSA-test-0002", LOG4J, LOG4J_EVENTS, aliases=["CVE-2099-0002"]),
           "a.json")
    rows = {a["digest"]: a for a in blast_radius(store, "GHSA-test-0002")["artifacts"]}
    assert rows[quiet_digest]["suppressed"]["status"] == "not_affected"
    assert rows[quiet_digest]["suppressed"]["justification"] == "code_not_reachable"
    assert rows[loud_digest]["suppressed"] is None
    found = vulns_for_artifact(store, quiet_digest)
    assert found["vulnerabilities"] == [] and len(found["suppressed"]) == 1


def test_openvex_suppresses(store: GraphStore) -> None:
    doc, digest = bom("reg.test/app:1", [log4j_purl("2.14.1")])
    ingest(store, doc, "app.cdx.json")
    ingest(store, osv("TEST-0004", LOG4J, LOG4J_EVENTS), "a.json")
    openvex = {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.invalid/v1",
               "author": "test", "timestamp": "2026-11-01T00:00:00Z", "version": 1,
               "statements": [{"vulnerability": {"name": "TEST-0004"},
                               "products": [{"@id": f"reg.test/app@{digest}"}],
                               "status": "fixed", "impact_statement": "patched in place"}]}
    report = ingest(store, openvex, "app.openvex.json")
    assert report.summary["vex_edges"] == 1
    row = blast_radius(store, "TEST-0004")["artifacts"][0]
    assert row["suppressed"]["status"] == "fixed"
    assert row["suppressed"]["statement"] == "patched in place"


def _cluster(image: str, *, replicas: int = 2) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop-prod"},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"name": "web", "image": image}]}}}}


def test_deployments_newer_snapshot_replaces_runs(store: GraphStore) -> None:
    old, new = digest_of("old"), digest_of("new")
    first = ingest(store, _cluster(f"reg.test/web@{old}"), "snap1.json", cluster="east")
    assert first.summary["environments"] == ["production"]  # from the namespace name
    ingest(store, _cluster(f"reg.test/web:2@{new}", replicas=4), "snap2.json", cluster="east")
    dep = NodeRef(NodeKind.DEPLOYMENT, "east/shop-prod/Deployment/web")
    runs = store.edges([EdgeKind.RUNS], src=[dep])
    assert [e.dst.key for e in runs] == [new]
    node = store.get(dep)
    assert node is not None and node.props["replicas"] == 4
    assert store.edges([EdgeKind.IN], src=[dep])[0].dst.key == "production"


def test_image_without_digest_is_recorded_with_a_warning(store: GraphStore) -> None:
    report = ingest(store, _cluster("reg.test/web:latest"), "snap.json", environment="Staging")
    assert report.summary["unlinked_images"] == 1
    assert any("has no digest" in w for w in report.warnings)
    node = store.get(NodeRef(NodeKind.DEPLOYMENT, "default/shop-prod/Deployment/web"))
    assert node is not None and node.props["images"] == ["reg.test/web:latest"]
    assert node.props["environment"] == "staging"


def test_malicious_list_only_and_metrics(store: GraphStore) -> None:
    doc, digest = bom("reg.test/app:1", ["pkg:npm/evil-pkg@1.0.1", "pkg:npm/evil-pkg@1.0.2",
                                         log4j_purl("2.14.1")])
    ingest(store, doc, "app.cdx.json")
    mal = {"id": "MAL-TEST-0001", "modified": "2026-01-01T00:00:00Z", "summary": "bad",
           "affected": [{"package": {"ecosystem": "npm", "name": "evil-pkg"},
                         "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
                         "versions": ["1.0.2"]}]}
    ingest(store, mal, "mal.json")
    ingest(store, osv("TEST-0005", LOG4J, LOG4J_EVENTS,
                      database_specific={"severity": "HIGH"}), "a.json")
    assert affected_purls(store, "MAL-TEST-0001") == {"pkg:npm/evil-pkg@1.0.2"}
    rows = malicious(store)["findings"]
    assert [(r["name"], r["version"]) for r in rows] == [("evil-pkg", "1.0.2")]
    assert rows[0]["artifacts"][0]["digest"] == digest
    assert malicious_package_series(store) == [
        {"ecosystem": "npm", "package": "evil-pkg", "version": "1.0.2",
         "advisory": "MAL-TEST-0001"}]
    counts = sbom_vulnerability_counts(store)
    assert counts["high"] == 1 and counts["critical"] == 0
    assert sum(counts.values()) == 1  # the malicious record is its own metric
