"""Every OSV and MAL- record of the corpus against its expectation in MANIFEST.tsv."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from packaging.version import Version

from provenance_linker.documents import load
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.purls import parse_purl
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.queries.vulns import vulns_for_artifact
from provenance_linker.store.interface import GraphStore

CDXGEN_PYPI = "sbom/cyclonedx/cdx-1.6_cdxgen-12.8.4_pypi-requirements.json"
LOG4SHELL = "vulns/osv/GHSA-jfh8-c2jp-5v3q_maven_log4j-core_CVE-2021-44228_log4shell.json"


def manifest_vulns(corpus: Path) -> list[tuple[str, str]]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(r["path"], r["note"]) for r in rows if r["path"].startswith("vulns/")]


def read_record(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    obj = yaml.safe_load(text) if path.suffix == ".yaml" else orjson.loads(text)
    assert isinstance(obj, dict)
    return obj


def ingest_file(store: GraphStore, path: Path, **options: Any) -> Any:
    return Linker(store).ingest(load(path.read_bytes(), str(path)), IngestOptions(**options))


def ingest_all(store: GraphStore, corpus: Path) -> None:
    for rel, _ in manifest_vulns(corpus):
        ingest_file(store, corpus / rel)


def sbom(name: str, purls: list[str]) -> bytes:
    return orjson.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"component": {"type": "application", "bom-ref": "root", "name": name}},
        "components": [{"type": "library", "bom-ref": p, "name": p, "purl": p} for p in purls],
        "dependencies": [{"ref": "root", "dependsOn": purls}]})


def matches(store: GraphStore, vuln_id: str) -> set[str]:
    edges = store.edges([EdgeKind.AFFECTED_BY], dst=[NodeRef(NodeKind.VULNERABILITY, vuln_id)])
    return {e.src.key for e in edges if not e.props.get("anchor")}


def test_manifest_lists_the_vulnerability_records(corpus: Path) -> None:
    rows = manifest_vulns(corpus)
    assert sum(p.startswith("vulns/osv/") for p, _ in rows) == 32
    assert sum(p.startswith("vulns/malicious/") for p, _ in rows) == 11


def test_every_record_ingests_as_described(store: GraphStore, corpus: Path) -> None:
    for rel, note in manifest_vulns(corpus):
        record = read_record(corpus / rel)
        report = ingest_file(store, corpus / rel)
        assert report.created, rel
        node = store.get(NodeRef(NodeKind.VULNERABILITY, record["id"]))
        assert node is not None, rel
        withdrawn = "WITHDRAWN" in note.upper()
        assert node.props["withdrawn"] is withdrawn, rel
        assert node.props["malicious"] is rel.startswith("vulns/malicious/"), rel
        assert sorted(node.props["aliases"]) == sorted(record.get("aliases") or []), rel
        if "CVSS_V3 10.0" in note:
            assert node.props["cvss_score"] == 10.0 and node.props["severity"] == "critical"
        names = {(a["package"]["ecosystem"].split(":")[0], a["package"]["name"])
                 for a in record.get("affected") or []}
        assert report.summary["affected_packages"] == (0 if withdrawn else len(names)), rel
    # Re-ingesting the same bytes changes nothing.
    before = store.content_digest()
    ingest_all(store, corpus)
    assert store.content_digest() == before


def test_log4shell_boundaries(store: GraphStore, corpus: Path) -> None:
    ingest_file(store, corpus / LOG4SHELL)
    versions = ["2.14.1", "2.17.1", "2.3.1", "2.12.2", "2.3", "2.12.1", "2.15.0", "2.13.0"]
    purls = [f"pkg:maven/org.apache.logging.log4j/log4j-core@{v}" for v in versions]
    Linker(store).ingest(load(sbom("java-app", purls), "java.cdx.json"), IngestOptions())
    hit = {p.rsplit("@", 1)[1] for p in matches(store, "GHSA-jfh8-c2jp-5v3q")}
    assert hit == {"2.14.1", "2.3", "2.12.1", "2.13.0"}
    by_cve = blast_radius(store, "CVE-2021-44228")
    assert {p["version"] for p in by_cve["packages"]} == hit
    assert by_cve["vulnerability"]["id"] == "GHSA-jfh8-c2jp-5v3q"


def test_withdrawn_records_match_nothing(store: GraphStore, corpus: Path) -> None:
    withdrawn = [rel for rel, note in manifest_vulns(corpus) if "WITHDRAWN" in note.upper()]
    assert len(withdrawn) == 6
    purls = []
    for rel in withdrawn:
        ingest_file(store, corpus / rel)
        for a in read_record(corpus / rel)["affected"]:
            eco, name = a["package"]["ecosystem"], a["package"]["name"]
            listed = a.get("versions") or [e["introduced"] for r in a.get("ranges") or []
                                           for e in r["events"] if "introduced" in e]
            version = next(v for v in [*listed, "1.0.0"] if v != "0")
            kind = {"Go": "golang", "PyPI": "pypi", "npm": "npm"}[eco]
            namespace, _, short = name.rpartition("/")
            purl = f"pkg:{kind}/{namespace.replace('@', '%40')}/{short}" if namespace \
                else f"pkg:{kind}/{name}"
            purls.append(f"{purl}@{version}")
    Linker(store).ingest(load(sbom("everything", purls), "all.cdx.json"), IngestOptions())
    for rel in withdrawn:
        assert matches(store, read_record(corpus / rel)["id"]) == set(), rel


def test_malicious_records_flag_only_their_versions(store: GraphStore, corpus: Path) -> None:
    records = [read_record(corpus / rel) for rel, note in manifest_vulns(corpus)
               if rel.startswith("vulns/malicious/") and "WITHDRAWN" not in note.upper()]
    types = {"npm": "npm", "PyPI": "pypi", "RubyGems": "gem", "NuGet": "nuget"}
    purls, expected = [], {}
    for rec in records:
        pkg = rec["affected"][0]["package"]
        base = pkg.get("purl") or f"pkg:{types[pkg['ecosystem']]}/{pkg['name']}"
        listed = rec["affected"][0].get("versions") or []
        candidates = [*listed, "999.1.0"]
        purls += [f"{base}@{v}" for v in candidates]
        expected[rec["id"]] = {f"{base}@{v}" for v in (listed or candidates)}
    for rel, _ in manifest_vulns(corpus):
        if rel.startswith("vulns/malicious/"):
            ingest_file(store, corpus / rel)
    Linker(store).ingest(load(sbom("npm-app", purls), "mal.cdx.json"), IngestOptions())
    for vuln_id, want in expected.items():
        got = {p for p in matches(store, vuln_id)}
        assert {g.rsplit("@", 1)[1] for g in got} == {w.rsplit("@", 1)[1] for w in want}, vuln_id


def test_homoglyph_name_survives_and_only_matches_itself(store: GraphStore,
                                                        corpus: Path) -> None:
    path = corpus / "vulns/malicious/MAL-2024-3991_nuget_2CaptchaAPI_homoglyph.json"
    ingest_file(store, path)
    purls = ["pkg:nuget/2Captc%D2%BBaAP%D0%86@1.10.1", "pkg:nuget/2CaptchaAPI@1.10.1"]
    Linker(store).ingest(load(sbom("dotnet", purls), "dotnet.cdx.json"), IngestOptions())
    hit = matches(store, "MAL-2024-3991")
    assert len(hit) == 1
    node = store.get(NodeRef(NodeKind.PACKAGE, next(iter(hit))))
    assert node is not None and node.props["name"] == "2Captc\u04bbaAP\u0406"
    vuln = store.get(NodeRef(NodeKind.VULNERABILITY, "MAL-2024-3991"))
    assert vuln is not None and "\u04bb" in vuln.props["affected"][0]["name"]


def _oracle(record: dict[str, Any], version: str) -> bool:
    """An independent PEP 440 reading of a PyPI record: listed, or inside a range."""
    if record.get("withdrawn"):
        return False
    v = Version(version)
    for a in record["affected"]:
        if version in (a.get("versions") or []):
            return True
        for r in a.get("ranges") or []:
            if r["type"] != "ECOSYSTEM":
                continue
            points = sorted(((Version(e.get("introduced") or e.get("fixed")),
                              "fixed" in e) for e in r["events"]),
                            key=lambda t: (t[0], not t[1]))
            inside = False
            for point, is_fix in points:
                if point <= v:
                    inside = not is_fix
            if inside:
                return True
    return False


def test_cdxgen_pypi_sbom_matched_against_pysec(store: GraphStore, corpus: Path) -> None:
    digest = "sha256:" + "ab" * 32
    ingest_file(store, corpus / CDXGEN_PYPI, artifact=ArtifactRef("billing:latest", digest))
    pysec = [(rel, read_record(corpus / rel)) for rel, _ in manifest_vulns(corpus)
             if "/PYSEC-" in rel]
    for rel, _ in pysec:
        ingest_file(store, corpus / rel)
    components = orjson.loads((corpus / CDXGEN_PYPI).read_bytes())["components"]
    expected = {(c["purl"], rec["id"]) for c in components for _, rec in pysec
                if rec["affected"][0]["package"]["name"].lower() == c["name"].lower()
                and _oracle(rec, c["version"])}
    found = vulns_for_artifact(store, digest)
    got = {(row["package"], adv) for row in found["vulnerabilities"] for adv in row["advisories"]}
    assert got == expected
    assert ("pkg:pypi/requests@2.19.0", "PYSEC-2018-28") in got
    assert ("pkg:pypi/cryptography@3.3.1", "PYSEC-2021-63") not in got  # withdrawn
    assert not any(p.startswith(("pkg:pypi/flask@", "pkg:pypi/celery@")) for p, _ in got)


@pytest.mark.parametrize("rel", ["vulns/osv/PYSEC-2023-212_pypi_urllib3.yaml",
                                 "vulns/osv/DSA-3029-1_debian7_nginx.json",
                                 "vulns/osv/CVE-2022-27449_alpine_mariadb_versions-null.json"])
def test_distribution_and_yaml_records_match(store: GraphStore, corpus: Path, rel: str) -> None:
    record = read_record(corpus / rel)
    ingest_file(store, corpus / rel)
    pkg = record["affected"][0]["package"]
    fixed = next(e["fixed"] for r in record["affected"][0]["ranges"] for e in r["events"]
                 if "fixed" in e and r["type"] != "GIT")
    base = {"PyPI": f"pkg:pypi/{pkg['name']}", "Debian:7": f"pkg:deb/debian/{pkg['name']}",
            "Alpine:v3.12": f"pkg:apk/alpine/{pkg['name']}"}[pkg["ecosystem"]]
    # Entries are per release; a distro qualifier picks the release's entry.
    qualifier = "?distro=alpine-3.12.4" if pkg["ecosystem"].startswith("Alpine") else ""
    below = {"PyPI": "1.26.0", "Debian:7": "1.2.1-2.2+wheezy2",
             "Alpine:v3.12": "10.4.24-r0"}[pkg["ecosystem"]]
    purls = [f"{base}@{below}{qualifier}", f"{base}@{fixed}{qualifier}"]
    Linker(store).ingest(load(sbom("distro", purls), "d.cdx.json"), IngestOptions())
    assert matches(store, record["id"]) == {parse_purl(purls[0]).key}
