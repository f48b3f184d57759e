"""SPDX's own example documents (spdx-examples, tools-python test data): every package a
document lists is stored, the described ones included, in every serialisation, and
tag-value documents with CRLF or lone-CR line endings read like LF ones, `--strict` too.

Listed counts come from the documents directly (JSON/YAML `packages`, XML `<packages>`,
tag-value `PackageName:` lines), not from our reader.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from lxml import etree

from provenance_linker.documents import load
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

SUITE = Path(__file__).parent / "data" / "spdx-examples"
DOCUMENTS = sorted(str(p.relative_to(SUITE)) for p in SUITE.rglob("*")
                   if p.is_file() and p.suffix != ".md")
TAG_VALUE = [d for d in DOCUMENTS if d.endswith(".spdx")]
# spdx-tools finds real problems in these two (files_analyzed false with file data)
NOT_STRICT_VALID = {"spdx-examples/SBOMS-SPDX-Now-and-Future_ACME-v2.3.spdx.json",
                    "spdx-examples/example9_spdx2.2_appbomination.spdx.json"}


def _text(data: bytes) -> str:
    return data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode()


def listed_packages(path: Path) -> list[str]:
    """The names of the packages the document lists, read without our reader."""
    data = path.read_bytes()
    if path.name.endswith(".json"):
        return [p.get("name", "") for p in json.loads(data).get("packages", [])]
    if path.name.endswith(".yaml"):
        return [p.get("name", "") for p in yaml.safe_load(_text(data)).get("packages", [])]
    if path.name.endswith(".xml"):
        return [next((c.text or "" for c in e if etree.QName(c).localname == "name"), "")
                for e in etree.fromstring(data).iter()
                if isinstance(e.tag, str) and etree.QName(e).localname == "packages"]
    return [line.split(":", 1)[1].strip() for line in _text(data).splitlines()
            if line.startswith("PackageName:")]


def _stored(store: GraphStore, digest: str) -> list[str]:
    """The packages the document stored: listed components and described packages."""
    batch = store.export_document(digest)
    assert batch is not None
    return sorted(n.key for n in batch.nodes if n.kind == NodeKind.PACKAGE)


def _ingest(store: GraphStore, data: bytes, name: str, *, strict: bool,
            artifact: ArtifactRef | None = None) -> str:
    document = load(data, name)
    Linker(store).ingest(document, IngestOptions(strict=strict, artifact=artifact))
    return document.digest


def test_the_examples_are_all_here() -> None:
    assert len(DOCUMENTS) == 42 and len(TAG_VALUE) == 16


@pytest.mark.parametrize("rel", DOCUMENTS)
def test_every_listed_package_is_stored(rel: str, sqlite_url: str) -> None:
    path = SUITE / rel
    store = open_store(sqlite_url)
    try:
        digest = _ingest(store, path.read_bytes(), rel, strict=rel not in NOT_STRICT_VALID)
        listed, stored = listed_packages(path), _stored(store, digest)
        assert listed and len(stored) == len(listed)
    finally:
        store.close()


def test_a_described_package_without_a_digest_is_the_subjects_content(
        sqlite_url: str) -> None:
    """example1 describes one package (`hello`) with no SHA-256: it is stored, named as
    the subject's package, and (given the artifact) the SBOM describes that artifact."""
    rel = "spdx-examples/example1_spdx2.2_example1.spdx"
    artifact = "sha256:" + hashlib.sha256(b"the hello binary").hexdigest()
    store = open_store(sqlite_url)
    try:
        digest = _ingest(store, (SUITE / rel).read_bytes(), rel, strict=True,
                         artifact=ArtifactRef("hello", artifact))
        sbom = store.get(NodeRef(NodeKind.SBOM, digest))
        assert sbom is not None
        [key] = sbom.props["subject_packages"]
        package = store.get(NodeRef(NodeKind.PACKAGE, key))
        assert package is not None and package.props["name"] == "hello"
        [describes] = store.edges([EdgeKind.DESCRIBES], src=[NodeRef(NodeKind.SBOM, digest)])
        assert describes.dst == NodeRef(NodeKind.ARTIFACT, artifact)
        # not its own component: the SBOM lists nothing (example1 has one package)
        assert store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, digest)]) == []
    finally:
        store.close()


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["crlf", "cr"])
@pytest.mark.parametrize("rel", TAG_VALUE)
def test_tag_value_line_endings_read_alike(rel: str, ending: bytes, sqlite_url: str) -> None:
    raw = (SUITE / rel).read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        converted = _text(raw).replace("\n", ending.decode()).encode("utf-16")
    else:
        converted = raw.replace(b"\r\n", b"\n").replace(b"\n", ending)
    assert converted != raw
    store = open_store(sqlite_url)
    try:
        lf = _ingest(store, raw, rel, strict=True)
        other = _ingest(store, converted, f"{rel}.{ending!r}", strict=True)
        assert sorted(_stored(store, other)) == sorted(_stored(store, lf))
    finally:
        store.close()
