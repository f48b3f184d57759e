"""Malicious-package records: the versions-list rule said out loud, matching by package
hash, and one count per malicious finding."""

from __future__ import annotations

from typing import Any

import pytest

from provenance_linker.queries.vulns import malicious, vulns_for_artifact
from provenance_linker.store.interface import GraphStore
from provenance_linker.vulns.ranges import CATCH_ALL_NOT_APPLIED

from .test_vuln_graph import bom, ingest

CATCH_ALL = [{"type": "SEMVER", "events": [{"introduced": "0"}]}]
EVIL_SHA256 = "c8784cf0aa8fa13a43614fbd6d51902feeecafdc06fc4db2695fd2572db66db8"


def mal(record_id: str, name: str, *, versions: list[str] | None = None,
        ranges: list[dict[str, Any]] | None = None, ecosystem: str = "npm",
        integrity: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": name}}
    if versions is not None:
        entry["versions"] = versions
    if ranges is not None:
        entry["ranges"] = ranges
    if integrity:
        entry["database_specific"] = {"indicators": {"package_integrity": [
            {"filename": f"{name}-{i}.tgz", "hashes": {"sha256": h, "md5": "00"}}
            for i, h in enumerate(integrity)]}}
    return {"id": record_id, "modified": "2026-05-01T00:00:00Z",
            "summary": f"Malicious code in {name} ({ecosystem})", "affected": [entry]}


def test_versions_list_beside_catch_all_is_applied_and_said(store: GraphStore) -> None:
    bad, bad_digest = bom("reg.test/bad:1", ["pkg:npm/evil-sdk@1.2.1"])
    good, _ = bom("reg.test/good:1", ["pkg:npm/evil-sdk@1.2.0"])
    ingest(store, bad, "bad.cdx.json")
    ingest(store, good, "good.cdx.json")
    ingest(store, mal("MAL-TEST-0001", "evil-sdk", versions=["1.2.1"], ranges=CATCH_ALL),
           "mal.json")

    found = vulns_for_artifact(store, bad_digest)
    [finding] = found["vulnerabilities"]
    assert finding["id"] == "MAL-TEST-0001" and finding["version"] == "1.2.1"
    assert finding["all_versions_claim"] == CATCH_ALL_NOT_APPLIED

    report = malicious(store)
    assert [(r["version"], r["all_versions_claim"]) for r in report["findings"]] == [
        ("1.2.1", CATCH_ALL_NOT_APPLIED)]
    [claim] = report["not_applied"]
    assert claim["advisory"] == "MAL-TEST-0001" and claim["version"] == "1.2.0"
    assert claim["listed_versions"] == ["1.2.1"] and claim["reason"] == CATCH_ALL_NOT_APPLIED


def test_catch_all_range_applies_without_a_versions_list(store: GraphStore) -> None:
    doc, digest = bom("reg.test/app:1", ["pkg:npm/flat-evil@0.0.1"])
    ingest(store, doc, "app.cdx.json")
    ingest(store, mal("MAL-TEST-0002", "flat-evil", ranges=CATCH_ALL), "mal.json")
    [finding] = vulns_for_artifact(store, digest)["vulnerabilities"]
    assert finding["id"] == "MAL-TEST-0002" and finding["all_versions_claim"] is None
    assert malicious(store)["not_applied"] == []


def test_a_malicious_finding_is_counted_once(store: GraphStore) -> None:
    doc, digest = bom("reg.test/app:1", ["pkg:npm/evil-sdk@1.2.1"])
    ingest(store, doc, "app.cdx.json")
    ingest(store, mal("MAL-TEST-0003", "evil-sdk", versions=["1.2.1"]), "mal.json")
    found = vulns_for_artifact(store, digest)
    assert len(found["vulnerabilities"]) == 1
    assert found["counts"]["unknown"] == 0 and found["counts"]["malicious"] == 1
    assert sum(found["counts"].values()) == len(found["vulnerabilities"])


@pytest.mark.parametrize("advisory_first", [True, False])
def test_component_without_purl_is_flagged_by_its_hash(store: GraphStore,
                                                       advisory_first: bool) -> None:
    component = {"type": "library", "bom-ref": "vendored", "name": "0requests-vendored",
                 "hashes": [{"alg": "SHA-256", "content": EVIL_SHA256}]}
    doc, digest = bom("reg.test/app:1", ["pkg:npm/left-pad@1.3.0"], extra=[component])
    record = mal("MAL-TEST-0004", "0requests", versions=["0.0.1"], ecosystem="PyPI",
                 integrity=[EVIL_SHA256])
    steps = [(record, "mal.json"), (doc, "app.cdx.json")]
    for obj, name in steps if advisory_first else steps[::-1]:
        ingest(store, obj, name)
    found = vulns_for_artifact(store, digest)
    [finding] = found["vulnerabilities"]
    assert finding["id"] == "MAL-TEST-0004" and finding["match"] == "hash"
    assert finding["package_name"] == "0requests-vendored"
    report = malicious(store)
    assert [(r["advisory"], r["name"], r["match"]) for r in report["findings"]] == [
        ("MAL-TEST-0004", "0requests-vendored", "hash")]
    assert report["findings"][0]["artifacts"][0]["digest"] == digest
