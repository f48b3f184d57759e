"""The same SBOM in CycloneDX and SPDX form (and in every SPDX serialisation) yields the
same packages, dependency graph and subject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml

from provenance_linker import formats
from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.demo.spdx import spdx_sbom
from provenance_linker.documents import Document, Format, load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.ingest.sbom import sbom_batch
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store.interface import GraphStore

TOOLS_PYTHON = [
    "sbom/spdx/spdx-2.3_tools-python-example.spdx.json",
    "sbom/spdx/spdx-2.3_tools-python-example.spdx.yaml",
    "sbom/spdx/spdx-2.3_tools-python-example.spdx",
    "sbom/spdx/spdx-2.3_tools-python-example.spdx.rdf.xml",
    "sbom/spdx/spdx-2.2_tools-python-example.spdx.xml",
    "sbom/spdx/spdx-2.2_tools-python-example.spdx.json",
    "sbom/spdx/spdx-2.3_tools-python-example_UTF-16.spdx.json",
]


def _listed(store: GraphStore, digest: str) -> set[str]:
    return {e.dst.key for e in store.edges([EdgeKind.LISTS],
                                           src=[NodeRef(NodeKind.SBOM, digest)])}


def _dependencies(store: GraphStore, digest: str) -> set[tuple[str, str]]:
    return {("SBOM" if e.src.kind == NodeKind.SBOM else e.src.key, e.dst.key)
            for e in store.edges([EdgeKind.DEPENDS_ON], doc=digest)}


def _described(store: GraphStore, digest: str) -> set[str]:
    return {e.dst.key for e in store.edges([EdgeKind.DESCRIBES],
                                           src=[NodeRef(NodeKind.SBOM, digest)])}


def _package_props(document: Document) -> dict[str, dict[str, Any]]:
    record = formats.parse(document)
    batch, _ = sbom_batch(record, document, None, "2026-11-01T00:00:00Z")
    return {n.key: dict(n.props) for n in batch.nodes if n.kind == NodeKind.PACKAGE}


def test_demo_sbom_as_cyclonedx_and_spdx_yields_the_same_graph(store: GraphStore) -> None:
    base = cyclonedx_sbom("registry.acme.test/base/os:3", 25, seed=4, well_known=False)
    app = cyclonedx_sbom("registry.acme.test/shop/api:1.0", 300, seed=5, base_image=base)
    spdx = spdx_sbom(app)
    cdx_doc = load(orjson.dumps(app.document), "app.cdx.json")
    spdx_doc = load(orjson.dumps(spdx), "app.spdx.json")
    yaml_doc = load(yaml.safe_dump(spdx).encode(), "app.spdx.yaml")
    assert (cdx_doc.format, spdx_doc.format, yaml_doc.format) == (
        Format.CYCLONEDX_JSON, Format.SPDX_JSON, Format.SPDX_YAML)
    linker = Linker(store)
    for document in (cdx_doc, spdx_doc, yaml_doc):
        report = linker.ingest(document)
        assert report.summary["component_entries"] == 301
    packages = _listed(store, cdx_doc.digest)
    assert len(packages) == 301
    assert _listed(store, spdx_doc.digest) == packages == _listed(store, yaml_doc.digest)
    deps = _dependencies(store, cdx_doc.digest)
    assert len(deps) > 300
    assert _dependencies(store, spdx_doc.digest) == deps == _dependencies(store, yaml_doc.digest)
    assert _described(store, cdx_doc.digest) == {app.digest} == _described(store, spdx_doc.digest)
    # Every normalized property (purl, ecosystem, name, version, hashes, licenses) agrees.
    assert _package_props(cdx_doc) == _package_props(spdx_doc)


def test_tools_python_example_in_every_spdx_serialisation(store: GraphStore,
                                                          corpus: Path) -> None:
    linker = Linker(store)
    documents = [load((corpus / rel).read_bytes(), rel) for rel in TOOLS_PYTHON]
    assert {d.format for d in documents} == {Format.SPDX_JSON, Format.SPDX_YAML,
                                             Format.SPDX_TAG_VALUE, Format.SPDX_RDF,
                                             Format.SPDX_XML}
    for document in documents:
        linker.ingest(document)
    reference = _listed(store, documents[0].digest)
    assert len(reference) == 3  # 4 packages, one of them the described subject
    assert any(p.startswith("pkg:maven/org.apache.jena/apache-jena@3.12.0") for p in reference)
    subject = _described(store, documents[0].digest)
    assert len(subject) == 1
    for document in documents[1:]:
        assert _listed(store, document.digest) == reference, document.name
        assert _described(store, document.digest) == subject, document.name
