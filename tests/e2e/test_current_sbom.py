"""One current SBOM for every reader: two SBOMs describe one artifact, one `created` in
2020 and one undated (ingested before or after it). By the rule in graph/sboms.py the
dated one is current, and verify, trace, diff, blast radius, vulns, malicious and the
/metrics gauges must all judge that one and never the other."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import generate_latest

from provenance_linker.api.metrics_collector import GraphCollector, build_registry
from provenance_linker.store import open_store

APP = "registry.test/shop/app"
DIGEST = "sha256:" + hashlib.sha256(b"app image").hexdigest()
OTHER = "registry.test/shop/other"
OTHER_DIGEST = "sha256:" + hashlib.sha256(b"other image").hexdigest()
POLICY = """all-of:
  - sbom-present: {}
  - no-malicious-packages: {}
  - no-vulnerabilities: {at-or-above: critical}
"""


def _sbom(serial: str, created: str | None, packages: list[tuple[str, str]]) -> bytes:
    metadata: dict[str, Any] = {"component": {"type": "container", "name": "app",
                                              "bom-ref": "app"}}
    if created is not None:
        metadata["timestamp"] = created
    components = [{"type": "library", "name": n, "version": v, "bom-ref": n,
                   "purl": f"pkg:pypi/{n}@{v}"} for n, v in packages]
    return orjson.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "serialNumber": f"urn:uuid:{serial}", "metadata": metadata, "components": components,
        "dependencies": [{"ref": "app", "dependsOn": [n for n, _ in packages]}]})


def _osv(vuln_id: str, package: str, version: str, **extra: Any) -> bytes:
    return orjson.dumps({"schema_version": "1.6.0", "id": vuln_id,
                         "modified": "2026-01-01T00:00:00Z", "summary": vuln_id,
                         "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                                       "versions": [version]}], **extra})


def _cluster() -> bytes:
    labels = {"app": "shop", "environment": "production"}
    return orjson.dumps({"apiVersion": "v1", "kind": "List", "items": [{
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "shop", "namespace": "shop", "labels": labels},
        "spec": {"template": {"metadata": {"labels": labels}, "spec": {"containers": [
            {"name": "shop", "image": f"{APP}@{DIGEST}"}]}}}}]})


@pytest.mark.parametrize("undated_last", [True, False])
def test_every_reader_judges_the_same_current_sbom(cli: Any, tmp_path: Path,
                                                   sqlite_url: str, undated_last: bool) -> None:
    dated = tmp_path / "dated.cdx.json"
    dated.write_bytes(_sbom("00000000-0000-4000-8000-000000000001", "2020-06-01T00:00:00Z",
                            [("alpha", "1.0"), ("common", "1.0")]))
    undated = tmp_path / "undated.cdx.json"
    undated.write_bytes(_sbom("00000000-0000-4000-8000-000000000002", None,
                              [("beta", "2.0"), ("gamma", "3.0"), ("common", "1.0")]))
    other = tmp_path / "other.cdx.json"
    other.write_bytes(_sbom("00000000-0000-4000-8000-000000000003", "2021-01-01T00:00:00Z",
                            [("alpha", "1.0"), ("common", "1.0")]))
    advisories = tmp_path / "advisories"
    advisories.mkdir()
    (advisories / "a.json").write_bytes(_osv("PYSEC-0000-A", "alpha", "1.0",
                                             database_specific={"severity": "HIGH"}))
    (advisories / "b.json").write_bytes(_osv("PYSEC-0000-B", "beta", "2.0",
                                             database_specific={"severity": "CRITICAL"}))
    (advisories / "m.json").write_bytes(_osv("MAL-0000-G", "gamma", "3.0"))
    cluster = tmp_path / "cluster.json"
    cluster.write_bytes(_cluster())
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)

    order = [dated, undated] if undated_last else [undated, dated]
    for sbom in order:
        done = cli("ingest", "sbom", str(sbom), "--artifact", f"{APP}@{DIGEST}")
        assert done.code == 0, done.err
    assert cli("ingest", "sbom", str(other), "--artifact", f"{OTHER}@{OTHER_DIGEST}").code == 0
    assert cli("ingest", "advisories", str(advisories)).code == 0
    assert cli("ingest", "deployments", str(cluster)).code == 0
    dated_digest = "sha256:" + hashlib.sha256(dated.read_bytes()).hexdigest()
    undated_digest = "sha256:" + hashlib.sha256(undated.read_bytes()).hexdigest()

    trace = cli("query", "trace", "--artifact", DIGEST, "--output", "json").json()
    assert isinstance(trace, dict)
    current = [s["digest"] for s in trace["sboms"] if s["current"]]
    assert current == [dated_digest]
    assert {s["digest"] for s in trace["sboms"]} == {dated_digest, undated_digest}

    verify = cli("verify", "--artifact", DIGEST, "--policy", str(policy), "--output", "json")
    assert verify.code == 0, verify.out + verify.err
    assert dated_digest in verify.out and undated_digest not in verify.out

    diff = cli("query", "diff", "--artifact", DIGEST, "--artifact", OTHER_DIGEST,
               "--output", "json").json()
    assert isinstance(diff, dict)
    assert (diff["added"], diff["removed"], diff["changed"]) == ([], [], [])
    assert dated_digest in orjson.dumps(diff).decode()

    vulns = cli("query", "vulns", "--artifact", DIGEST, "--output", "json").json()
    assert isinstance(vulns, dict)
    assert {v["id"] for v in vulns["vulnerabilities"]} == {"PYSEC-0000-A"}

    def reaches(vuln_id: str) -> bool:
        radius = cli("query", "blast-radius", vuln_id, "--output", "json")
        assert radius.code == 0, radius.err
        data = radius.json()
        assert isinstance(data, dict)
        return DIGEST in orjson.dumps(data).decode()

    assert reaches("PYSEC-0000-A") and not reaches("PYSEC-0000-B")

    malicious = cli("query", "malicious", "--output", "json")
    assert malicious.code == 0, malicious.err
    findings = malicious.json()["findings"]  # type: ignore[index]
    assert [f["artifacts"] for f in findings if f["advisory"] == "MAL-0000-G"] == [[]]

    store = open_store(sqlite_url)
    try:
        scrape = generate_latest(build_registry(GraphCollector(lambda: store, lambda: 0)))
    finally:
        store.close()
    text = scrape.decode()
    assert 'provenance_sbom_vulnerabilities{severity="high"} 1.0' in text
    assert 'provenance_sbom_vulnerabilities{severity="critical"} 0.0' in text
    assert "MAL-0000-G" not in text
