"""SPDX 3.0 JSON-LD: the official examples read as their SPDX 2 counterparts do (same
packages, subjects and relationships), and ingest end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provenance_linker import formats
from provenance_linker.documents import Format, load
from provenance_linker.errors import InvalidDocument
from provenance_linker.formats.base import SbomRecord

FIXTURES = Path(__file__).parents[1] / "fixtures" / "spdx3"
PAIRS = [("example6-example6-lib.json", "example6-example6-lib.spdx"),
         ("example14-examplemaven-0.0.1-enriched.spdx3.json",
          "example14-examplemaven-0.0.1-enriched.spdx.json")]


def _read(name: str) -> SbomRecord:
    document = load((FIXTURES / name).read_bytes(), name)
    record = formats.parse(document)
    assert isinstance(record, SbomRecord)
    return record


def _components(record: SbomRecord) -> set[tuple[Any, ...]]:
    return {(c.name, c.version, c.purl, c.cpe, c.hashes, c.licenses, c.type)
            for c in record.components}


def _pairs(record: SbomRecord, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    names = {c.ref: c.name for c in record.components}
    names.update({s.ref: s.name or "" for s in record.subjects if s.ref})
    return {(names[a], names[b]) for a, b in pairs}


def _stated_spdx3_pairs(name: str) -> set[tuple[str, str]]:
    """(from, to) names of every relationship the SPDX 3 file states, as written."""
    graph = json.loads((FIXTURES / name).read_text())["@graph"]
    names = {e.get("spdxId"): e.get("name") for e in graph}
    return {(names.get(e["from"]), names.get(t)) for e in graph
            if "Relationship" in e.get("type", "") for t in e.get("to", [])}


@pytest.mark.parametrize(("spdx3", "spdx2"), PAIRS, ids=[p[0] for p in PAIRS])
def test_spdx3_example_reads_as_its_spdx2_counterpart(spdx3: str, spdx2: str) -> None:
    new, old = _read(spdx3), _read(spdx2)
    assert new.format == "SPDX" and new.spec_version.startswith("3.0")
    assert [(s.name, s.version, s.purl) for s in new.subjects] == [
        (s.name, s.version, s.purl) for s in old.subjects]
    old_components = _components(old)
    new_components = _components(new)
    # SPDX 2.2 tag-value has no primary purpose; compare it only where both say one.
    if old.spec_version.startswith("2.2"):
        old_components = {c[:-1] for c in old_components}
        new_components = {c[:-1] for c in new_components}
    assert new_components == old_components
    assert _pairs(new, new.contains) == _pairs(old, old.contains)
    new_deps, old_deps = _pairs(new, new.dependencies), _pairs(old, old.dependencies)
    assert new_deps <= old_deps
    # What the SPDX 2 file says and the SPDX 3 one does not, the SPDX 3 file states with
    # from and to swapped (example14's hasDynamicLink entries): the reader follows the
    # SPDX 3 direction as written, it does not guess.
    stated = _stated_spdx3_pairs(spdx3)
    assert all((b, a) in stated for a, b in old_deps - new_deps), old_deps - new_deps


def test_spdx3_maven_example_packages() -> None:
    record = _read("example14-examplemaven-0.0.1-enriched.spdx3.json")
    junit = next(c for c in record.components if c.name == "JUnit")
    assert junit.version == "3.8.1"
    assert ("examplemaven", "JUnit") in _pairs(record, record.dependencies)
    assert record.counts["files"] == 3 and record.counts["packages"] == 6


def test_spdx3_purls_hashes_and_identifiers() -> None:
    doc = {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
        {"type": "CreationInfo", "@id": "_:c", "specVersion": "3.0.1",
         "created": "2026-01-01T00:00:00Z", "createdBy": ["urn:x:me"],
         "createdUsing": ["urn:x:tool"]},
        {"type": "Tool", "spdxId": "urn:x:tool", "name": "cdxgen", "creationInfo": "_:c"},
        {"type": "Person", "spdxId": "urn:x:me", "name": "Ada", "creationInfo": "_:c"},
        {"type": "SpdxDocument", "spdxId": "urn:x:doc", "name": "app", "creationInfo": "_:c",
         "rootElement": ["urn:x:sbom"]},
        {"type": "software_Sbom", "spdxId": "urn:x:sbom", "creationInfo": "_:c",
         "rootElement": ["urn:x:app"]},
        {"type": "software_Package", "spdxId": "urn:x:app", "name": "app",
         "software_packageVersion": "1.0", "creationInfo": "_:c",
         "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "ab" * 32}]},
        {"type": "software_Package", "spdxId": "urn:x:lodash", "name": "lodash",
         "software_packageVersion": "4.17.20", "creationInfo": "_:c",
         "externalIdentifier": [
             {"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl",
              "identifier": "pkg:npm/lodash@4.17.20"},
             {"type": "ExternalIdentifier", "externalIdentifierType": "cpe23",
              "identifier": "cpe:2.3:a:lodash:lodash:4.17.20:*:*:*:*:*:*:*"}],
         "verifiedUsing": [{"type": "Hash", "algorithm": "sha512", "hashValue": "CD" * 64}]},
        {"type": "software_File", "spdxId": "urn:x:file", "name": "index.js",
         "creationInfo": "_:c"},
        {"type": "LifecycleScopedRelationship", "spdxId": "urn:x:r1", "scope": "runtime",
         "relationshipType": "dependsOn", "from": "urn:x:app", "to": ["urn:x:lodash"],
         "creationInfo": "_:c"},
        {"type": "Relationship", "spdxId": "urn:x:r2", "relationshipType": "contains",
         "from": "urn:x:lodash", "to": ["urn:x:file"], "creationInfo": "_:c"}]}
    document = load(json.dumps(doc).encode(), "app.spdx3.json")
    assert document.format == Format.SPDX3_JSONLD
    record = formats.parse(document)
    assert [(s.name, s.digests) for s in record.subjects] == [("app", ("sha256:" + "ab" * 32,))]
    [lodash] = record.components
    assert lodash.purl == "pkg:npm/lodash@4.17.20" and lodash.cpe.startswith("cpe:2.3:a:lodash")
    assert lodash.hashes == (("SHA-512", "cd" * 64),)
    assert record.dependencies == [("urn:x:app", "urn:x:lodash")]
    assert record.created == "2026-01-01T00:00:00Z" and record.counts["files"] == 1
    assert any("cdxgen" in t for t in record.tools)


@pytest.mark.parametrize("broken", [
    {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": {"a": 1}},
    {"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [1]},
])
def test_spdx3_malformed_is_refused_with_its_place(broken: dict[str, Any]) -> None:
    document = load(json.dumps(broken).encode(), "bad.spdx3.json")
    with pytest.raises(InvalidDocument) as refused:
        formats.parse(document)
    assert "bad.spdx3.json" in str(refused.value) and "@graph" in str(refused.value)


def test_spdx3_ingests_end_to_end(cli: Any) -> None:
    path = FIXTURES / "example14-examplemaven-0.0.1-enriched.spdx3.json"
    result = cli("ingest", "sbom", str(path), "--output", "json")
    assert result.code == 0, result.err
    [report] = result.json()["ingested"]
    assert report["format"] == "spdx3-jsonld" and report["summary"]["packages"] == 5


def test_cdxgen_spdx3_output_reads_as_its_cyclonedx_output() -> None:
    spdx3, cdx = _read("cdxgen-12.8.4-npm.spdx3.json"), _read("cdxgen-12.8.4-npm.cdx.json")
    assert spdx3.spec_version == "3.0.1"
    assert [(s.name, s.version, s.purl) for s in spdx3.subjects] == [
        (s.name, s.version, s.purl) for s in cdx.subjects]
    assert {(c.purl, c.version, c.hashes) for c in spdx3.components} == {
        (c.purl, c.version, c.hashes) for c in cdx.components}
    assert len(spdx3.components) == 2

    def purl_pairs(record: SbomRecord) -> set[tuple[str | None, str | None]]:
        purls = {c.ref: c.purl for c in record.components}
        purls.update({s.ref: s.purl for s in record.subjects if s.ref})
        return {(purls.get(a), purls.get(b)) for a, b in record.dependencies}

    assert purl_pairs(spdx3) == purl_pairs(cdx) == {
        ("pkg:npm/demo-app@1.0.0", "pkg:npm/lodash@4.17.20"),
        ("pkg:npm/demo-app@1.0.0", "pkg:npm/left-pad@1.3.0")}
