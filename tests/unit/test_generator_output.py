"""What real generators write, read as what it is (issue: SBOMs from the tools people run).

Each document here has the shape syft, trivy or cdxgen writes (cut down to a few
components); tests/interop/generators/ runs the real tools on real targets.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from provenance_linker.documents import load
from provenance_linker.errors import UnsupportedDocument
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.graph.sboms import current_sbom
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import IngestReport, Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

IMAGE = "sha256:" + "ab" * 32
FILE_SHA256 = "cd" * 32
MODULE_SHA256 = "ef" * 32


@pytest.fixture
def db(tmp_path: Path) -> GraphStore:
    return open_store(f"sqlite:///{tmp_path}/graph.db")


def ingest(store: GraphStore, doc: dict[str, Any] | bytes, name: str,
           **options: Any) -> IngestReport:
    data = doc if isinstance(doc, bytes) else orjson.dumps(doc)
    return Linker(store).ingest(load(data, name), IngestOptions(**options))


def syft_image_cdx() -> dict[str, Any]:
    """syft -o cyclonedx-json of an image: the digest is the subject's version, every
    cataloged file is a component, the OS is a component, Go modules carry h1 hashes."""
    return {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"bom-ref": "img", "type": "container",
                                   "name": "127.0.0.1:5000/app", "version": IMAGE}},
        "components": [
            {"bom-ref": "pkg:deb/debian/base-files@12.4", "type": "library",
             "name": "base-files", "version": "12.4",
             "purl": "pkg:deb/debian/base-files@12.4?arch=amd64&distro=debian-12"},
            {"bom-ref": "gomod", "type": "library", "name": "github.com/spf13/cobra",
             "version": "v1.8.0", "purl": "pkg:golang/github.com/spf13/cobra@v1.8.0",
             "hashes": [{"alg": "SHA-256", "content": MODULE_SHA256}]},
            {"bom-ref": "os", "type": "operating-system", "name": "debian", "version": "12"},
            {"bom-ref": "f1", "type": "file", "name": "/etc/os-release",
             "hashes": [{"alg": "SHA-1", "content": "aa" * 20},
                        {"alg": "SHA-256", "content": FILE_SHA256}]},
            {"bom-ref": "f2", "type": "file", "name": "/usr/bin/app",
             "hashes": [{"alg": "SHA-256", "content": "12" * 32}]},
        ],
        "dependencies": [{"ref": "pkg:deb/debian/base-files@12.4", "dependsOn": ["f1"]},
                         {"ref": "gomod", "dependsOn": []}],
    }


def trivy_image_cdx() -> dict[str, Any]:
    """trivy image --format cyclonedx: the OS component depends on the OS packages."""
    return {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"bom-ref": "img", "type": "container",
                                   "name": "127.0.0.1:5000/app:1",
                                   "purl": f"pkg:oci/app@{IMAGE.replace(':', '%3A')}"}},
        "components": [
            {"bom-ref": "os", "type": "operating-system", "name": "debian", "version": "12.7"},
            {"bom-ref": "deb", "type": "library", "name": "base-files", "version": "12.4",
             "purl": "pkg:deb/debian/base-files@12.4?arch=amd64&distro=debian-12.7"},
        ],
        "dependencies": [{"ref": "img", "dependsOn": ["os"]},
                         {"ref": "os", "dependsOn": ["deb"]}, {"ref": "deb", "dependsOn": []}],
    }


def listed(store: GraphStore, sbom: str) -> set[str]:
    return {e.dst.key for e in store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, sbom)])}


def test_syft_cyclonedx_image_links_to_its_digest(db: GraphStore) -> None:
    report = ingest(db, syft_image_cdx(), "syft.cdx.json")
    assert report.summary["subject"] == IMAGE
    current = current_sbom(db, IMAGE)
    assert current is not None and current.digest == report.document
    assert not any("pass --artifact" in w for w in report.warnings)
    names = db.edges([EdgeKind.NAMES], dst=[NodeRef(NodeKind.ARTIFACT, IMAGE)])
    assert [e.src.key for e in names] == ["127.0.0.1:5000/app"]


def test_files_are_counted_and_systems_named_not_packages(db: GraphStore) -> None:
    report = ingest(db, syft_image_cdx(), "syft.cdx.json")
    assert listed(db, report.document) == {"pkg:deb/debian/base-files@12.4",
                                           "pkg:golang/github.com/spf13/cobra@v1.8.0"}
    assert report.summary["files"] == 2 and report.summary["packages"] == 2
    sbom = db.get(NodeRef(NodeKind.SBOM, report.document))
    assert sbom is not None and sbom.props["operating_systems"] == ["debian 12"]
    assert not any("no purl" in w or "unknown ref" in w for w in report.warnings)


def test_only_artifacts_get_artifact_nodes(db: GraphStore) -> None:
    ingest(db, syft_image_cdx(), "syft.cdx.json")
    artifacts = {n.key for n in db.find(NodeKind.ARTIFACT)}
    assert artifacts == {IMAGE}  # not the files' nor the Go module's checksums
    assert db.edges([EdgeKind.IS]) == []


def test_operating_system_packages_stay_direct_through_the_system(db: GraphStore) -> None:
    report = ingest(db, trivy_image_cdx(), "trivy.cdx.json")
    direct = db.edges([EdgeKind.DEPENDS_ON], src=[NodeRef(NodeKind.SBOM, report.document)])
    assert [e.dst.key for e in direct] == ["pkg:deb/debian/base-files@12.4"]
    assert not any("unknown ref" in w for w in report.warnings)


def test_syft_and_trivy_of_one_image_share_the_package(db: GraphStore) -> None:
    a = ingest(db, syft_image_cdx(), "syft.cdx.json")
    b = ingest(db, trivy_image_cdx(), "trivy.cdx.json")
    assert "pkg:deb/debian/base-files@12.4" in listed(db, a.document) & listed(db, b.document)


def test_cyclonedx_2_drafts_are_refused_by_name(db: GraphStore) -> None:
    draft = {"$schema": "https://cyclonedx.org/schema/bom-2.0.schema.json",
             "specVersion": "2.0", "metadata": {}, "components": []}
    with pytest.raises(UnsupportedDocument) as caught:
        ingest(db, draft, "cdxgen-v2.json")
    assert "CycloneDX 2.0 is not supported" in str(caught.value)
    assert caught.value.where is not None and caught.value.where.startswith("cdxgen-v2.json")
    assert db.documents() == []


def spdx_image(relationships: list[tuple[str, str, str]]) -> dict[str, Any]:
    names = ["app", "cobra", "pflag"]
    return {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": "img", "documentNamespace": "https://example.test/img",
        "creationInfo": {"created": "2026-01-01T00:00:00Z", "creators": ["Tool: syft-1.57.1"]},
        "packages": [{"SPDXID": "SPDXRef-DocumentRoot-Image", "name": "img",
                      "downloadLocation": "NOASSERTION", "primaryPackagePurpose": "CONTAINER",
                      "checksums": [{"algorithm": "SHA256",
                                     "checksumValue": IMAGE.removeprefix("sha256:")}]}]
        + [{"SPDXID": f"SPDXRef-Package-{n}", "name": n, "versionInfo": "1.0",
            "downloadLocation": "NOASSERTION",
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                              "referenceLocator": f"pkg:golang/example.test/{n}@v1.0"}]}
           for n in names],
        "relationships": [{"spdxElementId": s, "relationshipType": k, "relatedSpdxElement": d}
                          for s, k, d in relationships],
    }


def test_spdx_contains_from_the_subject_is_not_every_package_direct(db: GraphStore) -> None:
    root = "SPDXRef-DocumentRoot-Image"
    doc = spdx_image([("SPDXRef-DOCUMENT", "DESCRIBES", root),
                      (root, "CONTAINS", "SPDXRef-Package-app"),
                      (root, "CONTAINS", "SPDXRef-Package-cobra"),
                      (root, "CONTAINS", "SPDXRef-Package-pflag"),
                      ("SPDXRef-Package-cobra", "DEPENDENCY_OF", "SPDXRef-Package-app"),
                      ("SPDXRef-Package-pflag", "DEPENDENCY_OF", "SPDXRef-Package-cobra")])
    report = ingest(db, doc, "syft.spdx.json")
    direct = db.edges([EdgeKind.DEPENDS_ON], src=[NodeRef(NodeKind.SBOM, report.document)])
    assert [e.dst.key for e in direct] == ["pkg:golang/example.test/app@v1.0"]
    below = {(e.src.key, e.dst.key) for e in db.edges([EdgeKind.DEPENDS_ON])
             if e.src.kind == NodeKind.PACKAGE}
    assert below == {("pkg:golang/example.test/app@v1.0", "pkg:golang/example.test/cobra@v1.0"),
                     ("pkg:golang/example.test/cobra@v1.0",
                      "pkg:golang/example.test/pflag@v1.0")}


def test_spdx_subject_depends_on_stays_direct(db: GraphStore) -> None:
    root = "SPDXRef-DocumentRoot-Image"
    doc = spdx_image([("SPDXRef-DOCUMENT", "DESCRIBES", root),
                      (root, "DEPENDS_ON", "SPDXRef-Package-app"),
                      (root, "DEPENDS_ON", "SPDXRef-Package-cobra"),
                      ("SPDXRef-Package-app", "DEPENDS_ON", "SPDXRef-Package-cobra")])
    report = ingest(db, doc, "app.spdx.json")
    direct = db.edges([EdgeKind.DEPENDS_ON], src=[NodeRef(NodeKind.SBOM, report.document)])
    assert sorted(e.dst.key for e in direct) == ["pkg:golang/example.test/app@v1.0",
                                                 "pkg:golang/example.test/cobra@v1.0"]


def app_cdx() -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "metadata": {"component": {"bom-ref": "root", "type": "application", "name": "app"}},
            "components": [{"bom-ref": "a", "type": "library", "name": "left-pad",
                            "version": "1.3.0", "purl": "pkg:npm/left-pad@1.3.0"},
                           {"bom-ref": "b", "type": "library", "name": "nopurl"}],
            "dependencies": [{"ref": "root", "dependsOn": ["a", "b"]}]}


def test_artifact_on_a_re_ingest_links_the_stored_sbom(db: GraphStore) -> None:
    first = ingest(db, app_cdx(), "app.cdx.json")
    assert any("pass --artifact" in w for w in first.warnings)
    digest = "sha256:" + hashlib.sha256(b"app").hexdigest()
    again = ingest(db, app_cdx(), "app.cdx.json",
                   artifact=ArtifactRef(name="reg.test/app:1", digest=digest))
    assert again.created is False
    assert again.summary["subject"] == digest
    current = current_sbom(db, digest)
    assert current is not None and current.digest == first.document
    assert any(f"now linked to {digest}" in w for w in again.warnings)
    names = db.edges([EdgeKind.NAMES], dst=[NodeRef(NodeKind.ARTIFACT, digest)])
    assert [e.src.key for e in names] == ["reg.test/app:1"]


def test_artifact_on_a_re_ingest_says_why_not(db: GraphStore) -> None:
    first = ingest(db, syft_image_cdx(), "syft.cdx.json")
    other = "sha256:" + "99" * 32
    again = ingest(db, syft_image_cdx(), "syft.cdx.json",
                   artifact=ArtifactRef(name=None, digest=other))
    assert any(f"--artifact {other} not linked" in w and IMAGE in w for w in again.warnings)
    assert current_sbom(db, other) is None
    assert first.summary["subject"] == IMAGE


def test_a_re_ingest_repeats_the_first_ingest_warnings(db: GraphStore) -> None:
    first = ingest(db, app_cdx(), "app.cdx.json")
    assert first.warnings
    again = ingest(db, app_cdx(), "app.cdx.json")
    assert again.created is False and again.warnings == first.warnings


def test_syft_cyclonedx_xml_image_links_to_its_digest(db: GraphStore) -> None:
    xml = ('<?xml version="1.0" encoding="UTF-8"?>'
           '<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><metadata>'
           '<component bom-ref="img" type="container"><name>127.0.0.1:5000/app</name>'
           f'<version>{IMAGE}</version></component></metadata><components>'
           '<component bom-ref="a" type="library"><name>base-files</name>'
           '<version>12.4</version><purl>pkg:deb/debian/base-files@12.4?arch=amd64</purl>'
           '</component></components></bom>')
    report = ingest(db, xml.encode(), "syft.cdx.xml")
    assert report.summary["subject"] == IMAGE
