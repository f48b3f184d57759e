"""Package identity: the same package from two generators is one Package node, and a
dpkg/rpm epoch written as a purl qualifier is part of the version advisories compare."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from provenance_linker.documents import load
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.purls import parse_purl
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore


@pytest.fixture
def db(tmp_path: Path) -> GraphStore:
    return open_store(f"sqlite:///{tmp_path}/graph.db")


def cdx(name: str, purls: list[str]) -> bytes:
    return orjson.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "application", "bom-ref": "root", "name": name}},
        "components": [{"type": "library", "bom-ref": p, "name": p, "purl": p} for p in purls],
        "dependencies": [{"ref": "root", "dependsOn": purls}]})


def ingest(store: GraphStore, data: bytes, name: str) -> None:
    Linker(store).ingest(load(data, name), IngestOptions())


def packages(store: GraphStore) -> dict[str, dict[str, object]]:
    """The packages SBOMs list (subjects aside)."""
    listed = {e.dst.key for e in store.edges([EdgeKind.LISTS])}
    return {n.key: dict(n.props) for n in store.find(NodeKind.PACKAGE) if n.key in listed}


@pytest.mark.parametrize(("written", "key", "version"), [
    ("pkg:deb/debian/diffutils@3.8-4?arch=amd64&distro=debian-12&epoch=1",
     "pkg:deb/debian/diffutils@1:3.8-4", "1:3.8-4"),
    ("pkg:deb/debian/diffutils@1%3A3.8-4?arch=amd64&distro=debian-12",
     "pkg:deb/debian/diffutils@1:3.8-4", "1:3.8-4"),
    ("pkg:rpm/redhat/openssl@3.0.7-27.el9?arch=x86_64&epoch=1",
     "pkg:rpm/redhat/openssl@1:3.0.7-27.el9", "1:3.0.7-27.el9"),
    ("pkg:rpm/redhat/bash@5.1.8-9.el9?arch=x86_64&epoch=0",
     "pkg:rpm/redhat/bash@5.1.8-9.el9", "5.1.8-9.el9"),
    ("pkg:deb/debian/zlib1g@0:1.2.13?arch=amd64", "pkg:deb/debian/zlib1g@1.2.13", "1.2.13"),
])
def test_epoch_qualifier_is_part_of_the_version(db: GraphStore, written: str, key: str,
                                                version: str) -> None:
    ingest(db, cdx("os", [written]), "os.cdx.json")
    stored = packages(db)
    assert list(stored) == [key]
    assert stored[key]["version"] == version


def test_epoch_qualifier_version_is_matched_as_the_system_has_it(db: GraphStore) -> None:
    """An advisory fixed at 1:3.7-1 does not affect 1:3.8-4 (it did when the epoch was
    dropped and 3.8-4 was compared with 1:3.7-1)."""
    advisory = orjson.dumps({
        "id": "DSA-0000-1", "modified": "2024-01-01T00:00:00Z", "summary": "test",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "diffutils"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "1:3.7-1"}]}]}]})
    ingest(db, advisory, "DSA-0000-1.json")
    ingest(db, cdx("os", ["pkg:deb/debian/diffutils@3.8-4?arch=amd64&epoch=1",
                          "pkg:deb/debian/diffutils@3.6-1?arch=amd64&epoch=1"]), "os.cdx.json")
    hit = db.edges([EdgeKind.AFFECTED_BY], dst=[NodeRef(NodeKind.VULNERABILITY, "DSA-0000-1")])
    assert {e.src.key for e in hit if not e.props.get("anchor")} == {
        "pkg:deb/debian/diffutils@1:3.6-1"}


@pytest.mark.parametrize(("one", "other"), [
    ("pkg:pypi/boolean.py@4.0", "pkg:pypi/boolean-py@4.0"),
    ("pkg:pypi/Jinja2@3.1.4", "pkg:pypi/jinja2@3.1.4"),
    ("pkg:pypi/typing_extensions@4.12.2", "pkg:pypi/typing-extensions@4.12.2"),
    ("pkg:golang/github.com/Azure/go-ansiterm@v0.0.0-20230124172434-306776ec8161",
     "pkg:golang/github.com/azure/go-ansiterm@v0.0.0-20230124172434-306776ec8161"),
    ("pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12&upstream=glibc",
     "pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12.7"),
    ("pkg:maven/org.yaml/snakeyaml@2.2?type=jar", "pkg:maven/org.yaml/snakeyaml@2.2"),
    ("pkg:golang/stdlib@1.26.8", "pkg:golang/stdlib@v1.26.8"),
    ("pkg:golang/stdlib@go1.26.8", "pkg:golang/stdlib@v1.26.8"),
])
def test_two_generators_name_one_package(db: GraphStore, one: str, other: str) -> None:
    ingest(db, cdx("a", [one]), "a.cdx.json")
    ingest(db, cdx("b", [other]), "b.cdx.json")
    assert len(packages(db)) == 1
    assert parse_purl(one).key == parse_purl(other).key


def test_qualifiers_are_kept_as_properties(db: GraphStore) -> None:
    ingest(db, cdx("a", ["pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12"
                         "&upstream=glibc"]), "a.cdx.json")
    (props,) = packages(db).values()
    assert props["qualifiers"] == {"arch": "amd64", "distro": "debian-12", "upstream": "glibc"}


def test_identity_keeps_what_names_another_artifact() -> None:
    assert parse_purl("pkg:maven/org.a/b@1.0?classifier=sources").key == \
        "pkg:maven/org.a/b@1.0?classifier=sources"
    assert parse_purl("pkg:maven/org.a/b@1.0?type=pom").key == "pkg:maven/org.a/b@1.0?type=pom"
    assert parse_purl("pkg:npm/%40types/node@20.1.0").key == "pkg:npm/%40types/node@20.1.0"
    assert parse_purl("pkg:deb/debian/a@1.0").key != parse_purl("pkg:deb/ubuntu/a@1.0").key
