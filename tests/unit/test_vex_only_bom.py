"""A CycloneDX BOM carrying only VEX statements never becomes an artifact's SBOM."""

from __future__ import annotations

from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.graph.sboms import current_sboms
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.queries.vulns import vulns_for_artifact
from provenance_linker.store.interface import GraphStore

from .test_vuln_graph import LOG4J, LOG4J_EVENTS, bom, ingest, log4j_purl, osv


def vex_bom(state: str, vuln: str, at: str = "2026-12-01T00:00:00Z") -> dict[str, object]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "metadata": {"timestamp": at},
            "vulnerabilities": [{"id": vuln, "analysis": {"state": state,
                                                          "detail": "triaged by the team"},
                                 "affects": [{"ref": "urn:cdx:app/1#root"}]}]}


def test_vex_only_bom_with_artifact_keeps_the_sbom(store: GraphStore) -> None:
    doc, digest = bom("reg.test/app:1", [log4j_purl("2.14.1")])
    first = ingest(store, doc, "app.cdx.json")
    ingest(store, osv("TEST-VEX-1", LOG4J, LOG4J_EVENTS), "a.json")
    assert current_sboms(store, [digest]) == {digest: first.document}

    report = ingest(store, vex_bom("exploitable", "TEST-VEX-1"), "app.vex.cdx.json",
                    artifact=ArtifactRef("reg.test/app", digest))
    assert report.summary["vex_only"] is True and report.summary["vex_edges"] == 1
    assert current_sboms(store, [digest]) == {digest: first.document}
    radius = blast_radius(store, "TEST-VEX-1")
    assert [a["digest"] for a in radius["artifacts"]] == [digest]
    found = vulns_for_artifact(store, digest)
    assert found["packages"] == 1 and [r["id"] for r in found["vulnerabilities"]] == [
        "TEST-VEX-1"]

    later = vex_bom("not_affected", "TEST-VEX-1", "2026-12-02T00:00:00Z")
    ingest(store, later, "later.vex.cdx.json",
           artifact=ArtifactRef("reg.test/app", digest))
    assert current_sboms(store, [digest]) == {digest: first.document}
    found = vulns_for_artifact(store, digest)
    assert found["vulnerabilities"] == [] and len(found["suppressed"]) == 1
