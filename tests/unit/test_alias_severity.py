"""A record without CVSS is rated as its most severe alias record (a PYSEC record
aliasing a GHSA with CVSS), in findings, blast radius and the verify gate."""

from __future__ import annotations

from datetime import UTC, datetime

from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.queries.vulns import vulns_for_artifact
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust.gather import gather
from provenance_linker.trust.policy import NoVulnerabilities, Trust

from .test_vuln_graph import bom, ingest

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def _pysec_and_ghsa(store: GraphStore) -> str:
    doc, digest = bom("reg.test/app:1", ["pkg:pypi/requests@2.19.0"])
    ingest(store, doc, "app.cdx.json")
    ingest(store, {"id": "PYSEC-TEST-1", "modified": "2026-01-01T00:00:00Z",
                   "aliases": ["GHSA-test-rate"], "summary": "no rating here",
                   "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                                 "ranges": [{"type": "ECOSYSTEM", "events": [
                                     {"introduced": "0"}, {"fixed": "2.20.0"}]}]}]},
           "pysec.json")
    # The GHSA names the package under another spelling, so only the PYSEC record matches.
    ingest(store, {"id": "GHSA-test-rate", "modified": "2026-01-01T00:00:00Z",
                   "aliases": ["PYSEC-TEST-1"], "summary": "rated",
                   "severity": [{"type": "CVSS_V3", "score": CRITICAL}],
                   "affected": [{"package": {"ecosystem": "PyPI", "name": "requests-legacy"},
                                 "versions": ["1.0"]}]}, "ghsa.json")
    return digest


def test_severity_comes_from_the_alias_record(store: GraphStore) -> None:
    digest = _pysec_and_ghsa(store)
    [finding] = vulns_for_artifact(store, digest)["vulnerabilities"]
    assert finding["id"] == "PYSEC-TEST-1" and finding["severity"] == "critical"
    assert finding["severity_source"].startswith("alias GHSA-test-rate")
    assert finding["cvss_vector"] == CRITICAL
    radius = blast_radius(store, "PYSEC-TEST-1")["vulnerability"]
    assert radius["id"] == "PYSEC-TEST-1" and radius["severity"] == "critical"

    evidence = gather(store, digest)
    [vuln] = evidence.vulnerabilities
    assert vuln["severity"] == "critical"
    result = NoVulnerabilities("high").evaluate(evidence, Trust([], [], datetime.now(UTC)))
    assert not result.passed
