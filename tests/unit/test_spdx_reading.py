"""What SPDX elements become: described packages/files, inverse relationships, files
that are not packages, packages without a purl, real-world tag-value quirks."""

from __future__ import annotations

from typing import Any

import orjson

from provenance_linker import formats
from provenance_linker.documents import Format, load
from provenance_linker.formats.base import SbomRecord
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store.interface import GraphStore

DIGEST = "ab" * 32


def _document(relationships: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    def package(ref: str, name: str, purl: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"SPDXID": ref, "name": name, "versionInfo": "1.0",
                                "downloadLocation": "NOASSERTION"}
        if purl:
            body["externalRefs"] = [{"referenceCategory": "PACKAGE_MANAGER",
                                     "referenceType": "purl", "referenceLocator": purl}]
        return body

    return {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": "t", "documentNamespace": "https://example.invalid/t",
        "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: t"]},
        "packages": [
            {**package("SPDXRef-app", "app"),
             "checksums": [{"algorithm": "SHA256", "checksumValue": DIGEST.upper()}]},
            package("SPDXRef-lib", "lib", "pkg:npm/lib@1.0"),
            package("SPDXRef-sub", "sub", "pkg:npm/sub@1.0"),
            package("SPDXRef-nopurl", "Saxon HE", None),
        ],
        "files": [{"SPDXID": "SPDXRef-f", "fileName": "./lib/index.js",
                   "checksums": [{"algorithm": "SHA1", "checksumValue": "0" * 40}]}],
        "relationships": relationships,
        **extra,
    }


FORWARD = [
    {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
     "relatedSpdxElement": "SPDXRef-app"},
    {"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON",
     "relatedSpdxElement": "SPDXRef-lib"},
    {"spdxElementId": "SPDXRef-lib", "relationshipType": "CONTAINS",
     "relatedSpdxElement": "SPDXRef-sub"},
    {"spdxElementId": "SPDXRef-lib", "relationshipType": "DEPENDS_ON",
     "relatedSpdxElement": "SPDXRef-nopurl"},
    {"spdxElementId": "SPDXRef-lib", "relationshipType": "CONTAINS",
     "relatedSpdxElement": "SPDXRef-f"},
]
INVERSE = [
    {"spdxElementId": "SPDXRef-app", "relationshipType": "DESCRIBED_BY",
     "relatedSpdxElement": "SPDXRef-DOCUMENT"},
    {"spdxElementId": "SPDXRef-lib", "relationshipType": "DEPENDENCY_OF",
     "relatedSpdxElement": "SPDXRef-app"},
    {"spdxElementId": "SPDXRef-sub", "relationshipType": "CONTAINED_BY",
     "relatedSpdxElement": "SPDXRef-lib"},
    {"spdxElementId": "SPDXRef-nopurl", "relationshipType": "RUNTIME_DEPENDENCY_OF",
     "relatedSpdxElement": "SPDXRef-lib"},
    {"spdxElementId": "SPDXRef-f", "relationshipType": "CONTAINED_BY",
     "relatedSpdxElement": "SPDXRef-lib"},
]


def _parse(body: dict[str, Any]) -> SbomRecord:
    record = formats.parse(load(orjson.dumps(body), "t.spdx.json"))
    assert isinstance(record, SbomRecord)
    return record


def test_described_package_is_the_subject_and_files_are_not_packages() -> None:
    record = _parse(_document(FORWARD))
    assert [s.ref for s in record.subjects] == ["SPDXRef-app"]
    assert record.subjects[0].digests == (f"sha256:{DIGEST}",)
    assert [c.ref for c in record.components] == ["SPDXRef-lib", "SPDXRef-sub", "SPDXRef-nopurl"]
    assert record.counts["files"] == 1 and record.counts["relationships_not_linked"] == 1
    assert sorted(record.dependencies) == [("SPDXRef-app", "SPDXRef-lib"),
                                           ("SPDXRef-lib", "SPDXRef-nopurl")]
    assert record.contains == [("SPDXRef-lib", "SPDXRef-sub")]


def test_inverse_relationships_mean_the_same_as_forward_ones() -> None:
    forward, inverse = _parse(_document(FORWARD)), _parse(_document(INVERSE))
    assert sorted(forward.dependencies) == sorted(inverse.dependencies)
    assert forward.contains == inverse.contains
    assert [s.ref for s in forward.subjects] == [s.ref for s in inverse.subjects]


def test_graph_edges_and_synthetic_identity(store: GraphStore) -> None:
    document = load(orjson.dumps(_document(FORWARD)), "t.spdx.json")
    report = Linker(store).ingest(document)
    sbom = NodeRef(NodeKind.SBOM, document.digest)
    listed = {e.dst.key for e in store.edges([EdgeKind.LISTS], src=[sbom])}
    assert listed == {"pkg:npm/lib@1.0", "pkg:npm/sub@1.0", "pkg:generic/Saxon%20HE@1.0"}
    assert any("no purl" in w and "Saxon HE" in w for w in report.warnings)
    direct = store.edges([EdgeKind.DEPENDS_ON], src=[sbom])
    assert [e.dst.key for e in direct] == ["pkg:npm/lib@1.0"]
    contains = store.edges([EdgeKind.CONTAINS], doc=document.digest)
    assert [(e.src.key, e.dst.key) for e in contains] == [("pkg:npm/lib@1.0", "pkg:npm/sub@1.0")]
    assert {e.dst.key for e in store.edges([EdgeKind.DESCRIBES], src=[sbom])} == {
        f"sha256:{DIGEST}"}
    assert store.get(NodeRef(NodeKind.PACKAGE, "pkg:npm/lib@1.0")) is not None


def test_tag_value_quirks_of_real_generators() -> None:
    text = "\n".join([
        "SPDXVersion: SPDX-2.2", "DataLicense: CC0-1.0", "SPDXID: SPDXRef-DOCUMENT",
        "DocumentName: quirks", "DocumentNamespace: https://example.invalid/q",
        "Creator: Tool: gen-0.0.1", "Created: 2021-06-27T13:42:53Z", "",
        "##### the main package", "PackageName: main", "SPDXID: SPDXRef-main",
        "PackageVersion: 1.0", "PackageChecksum: SHA256: " + DIGEST,
        "PackageComment: <text>spans", "several lines: with colons</text>",
        "PackageName: dep", "SPDXID: SPDXRef-dep", "PackageVersion: 2.0",
        "ExternalRef: PACKAGE-MANAGER purl pkg:golang/example.invalid/dep@v2.0.0",
        "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-main",
        "Relationship SPDXRef-main DEPENDS_ON SPDXRef-dep ",  # no colon, trailing space
    ])
    document = load(text.encode(), "quirks.spdx")
    assert document.format == Format.SPDX_TAG_VALUE
    record = formats.parse(document)
    assert isinstance(record, SbomRecord)
    assert record.subjects[0].digests == (f"sha256:{DIGEST}",)
    assert [(c.name, c.purl) for c in record.components] == [
        ("dep", "pkg:golang/example.invalid/dep@v2.0.0")]
    assert record.dependencies == [("SPDXRef-main", "SPDXRef-dep")]
