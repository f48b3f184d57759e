"""Hostile and oversized SBOMs: XXE and entity bombs, nesting depth, component counts,
size; and one transaction per document (a refused document changes nothing)."""

from __future__ import annotations

from collections.abc import Callable

import orjson
import pytest

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.demo.spdx import spdx_sbom
from provenance_linker.documents import Format, Limits, load
from provenance_linker.errors import InvalidDocument, LimitExceeded, UnsupportedDocument
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import Batch
from provenance_linker.store.interface import GraphStore

CDX_XML = """<?xml version="1.0"?>
{doctype}<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <components>
    <component type="library"><name>{name}</name><version>1.0</version>
      <purl>pkg:npm/left-pad@1.0</purl></component>
  </components>
</bom>
"""
XXE = '<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
LAUGHS = ("<!DOCTYPE bom [<!ENTITY lol \"lol\">"
          + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">'
                    for i in range(1, 10))
          + "]>\n")
SPDX_XML = """<?xml version="1.0"?>
{doctype}<Document><SPDXID>SPDXRef-DOCUMENT</SPDXID><spdxVersion>SPDX-2.3</spdxVersion>
<name>{name}</name></Document>
"""
RDF = """<?xml version="1.0"?>
{doctype}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns:spdx="http://spdx.org/rdf/terms#"><spdx:SpdxDocument rdf:about="#x">
<spdx:name>{name}</spdx:name></spdx:SpdxDocument></rdf:RDF>
"""


def _ingest(store: GraphStore, data: bytes, *, limits: Limits | None = None,
            strict: bool = False) -> None:
    limits = limits or Limits()
    Linker(store).ingest(load(data, "hostile.doc", limits),
                         IngestOptions(strict=strict, limits=limits))


@pytest.mark.parametrize("template", [CDX_XML, SPDX_XML, RDF], ids=["cdx", "spdx-xml", "rdf"])
@pytest.mark.parametrize(("doctype", "name"), [(XXE, "&xxe;"), (LAUGHS, "&lol9;")],
                         ids=["xxe", "billion-laughs"])
def test_xml_entities_are_refused(store: GraphStore, template: str, doctype: str,
                                  name: str) -> None:
    data = template.format(doctype=doctype, name=name).encode()
    before = store.content_digest()
    with pytest.raises(InvalidDocument, match="entities") as refused:
        _ingest(store, data)
    assert "root:" not in str(refused.value)  # nothing from /etc/passwd leaked
    assert store.content_digest() == before


def test_plain_cyclonedx_xml_control_case_ingests(store: GraphStore) -> None:
    _ingest(store, CDX_XML.format(doctype="", name="left-pad").encode(), strict=True)
    assert store.counts()["Package"] == 1


def _nested_components(depth: int) -> list[dict[str, object]]:
    inner: list[dict[str, object]] = []
    for level in range(depth):
        inner = [{"type": "library", "name": f"n{level}", "components": inner}]
    return inner


def test_json_nesting_depth_is_bounded(store: GraphStore) -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [],
           "metadata": {"properties": [{"name": "x", "value": "y"}]}}
    deep: object = "leaf"
    for _ in range(40):
        deep = {"a": [deep]}
    bom["metadata"]["deep"] = deep  # type: ignore[index]
    with pytest.raises(LimitExceeded, match="nested deeper than 64"):
        _ingest(store, orjson.dumps(bom))
    bom2 = {"bomFormat": "CycloneDX", "specVersion": "1.5",
            "components": _nested_components(12)}
    with pytest.raises(LimitExceeded, match="nested deeper than 8"):
        _ingest(store, orjson.dumps(bom2), limits=Limits(max_depth=8))
    assert store.documents() == []


def test_xml_element_depth_is_bounded(store: GraphStore) -> None:
    inner = "<component type=\"library\"><name>leaf</name></component>"
    for level in range(20):
        inner = (f"<component type=\"library\"><name>n{level}</name>"
                 f"<components>{inner}</components></component>")
    data = CDX_XML.replace(
        '<component type="library"><name>{name}</name><version>1.0</version>\n'
        '      <purl>pkg:npm/left-pad@1.0</purl></component>', inner).format(doctype="")
    with pytest.raises(LimitExceeded, match="deeper than 16"):
        _ingest(store, data.encode(), limits=Limits(max_depth=16))
    _ingest(store, data.encode())  # within the default depth it is fine
    assert store.counts()["Package"] == 21


FORMS: dict[str, Callable[[int], bytes]] = {
    "cyclonedx-json": lambda n: orjson.dumps(cyclonedx_sbom("r/a:1", n).document),
    "spdx-json": lambda n: orjson.dumps(spdx_sbom(cyclonedx_sbom("r/a:1", n))),
    "cyclonedx-xml": lambda n: CDX_XML.replace(
        '<component type="library"><name>{name}</name><version>1.0</version>\n'
        '      <purl>pkg:npm/left-pad@1.0</purl></component>',
        "".join(f'<component type="library"><name>c{i}</name></component>'
                for i in range(n))).format(doctype="").encode(),
    "spdx-tag-value": lambda n: ("SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n"
                                 "SPDXID: SPDXRef-DOCUMENT\nDocumentName: t\n"
                                 + "".join(f"PackageName: p{i}\nSPDXID: SPDXRef-p{i}\n"
                                           for i in range(n))).encode(),
}


@pytest.mark.parametrize("form", FORMS)
def test_component_count_is_bounded(store: GraphStore, form: str) -> None:
    with pytest.raises(LimitExceeded, match="more than 5"):
        _ingest(store, FORMS[form](10), limits=Limits(max_components=5))
    assert store.documents() == []
    _ingest(store, FORMS[form](5), limits=Limits(max_components=5))
    assert store.counts()["Package"] == 5


def test_document_size_is_bounded() -> None:
    with pytest.raises(LimitExceeded, match="over the limit of 100"):
        load(FORMS["spdx-json"](3), "big.json", Limits(max_bytes=100))


def test_utf16_spdx_reads_like_utf8(store: GraphStore) -> None:
    text = FORMS["spdx-json"](7).decode()
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        document = load(text.encode(encoding), f"x.{encoding}.json")
        assert document.format == Format.SPDX_JSON
        assert Linker(store).ingest(document).summary["packages"] == 7


def test_spdx3_is_detected_and_refused_clearly(store: GraphStore) -> None:
    data = orjson.dumps({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
                         "@graph": []})
    with pytest.raises(UnsupportedDocument, match=r"SPDX 3\.0 JSON-LD is not supported"):
        _ingest(store, data)


def test_a_failure_part_way_leaves_the_store_exactly_as_before(store: GraphStore) -> None:
    linker = Linker(store)
    linker.ingest(load(FORMS["cyclonedx-json"](20), "first.json"))
    before = store.content_digest()

    def unwritable_log(_: GraphStore, batch: Batch) -> Batch:
        # The log entry is written last in the transaction, after every node and edge;
        # a value JSON cannot hold makes that last write fail.
        return Batch(document=batch.document, nodes=batch.nodes, edges=batch.edges,
                     replaces=batch.replaces, log=[*batch.log, ("ledger", {"bad": object()})])

    failing = Linker(store, enrichers=[unwritable_log])
    with pytest.raises(TypeError):
        failing.ingest(load(FORMS["spdx-json"](30), "second.json"))
    assert store.content_digest() == before
    assert len(store.documents()) == 1


def test_yaml_alias_bomb_is_refused(
        store: GraphStore) -> None:
    lines = ["spdxVersion: SPDX-2.3", "SPDXID: SPDXRef-DOCUMENT", "name: bomb",
             "dataLicense: CC0-1.0", "documentNamespace: https://example.invalid/bomb",
             "creationInfo: {created: '2026-01-01T00:00:00Z', creators: ['Tool: t']}",
             "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 30)]
    lines.append("packages: [{SPDXID: SPDXRef-p, name: p, downloadLocation: NONE, "
                 "comment: *a29}]")
    document = load("\n".join(lines).encode(), "bomb.spdx.yaml")
    assert document.format == Format.SPDX_YAML
    # 10^30 leaves if expanded: refused before anything follows an alias.
    with pytest.raises(InvalidDocument, match="YAML aliases are not accepted"):
        Linker(store).ingest(document)
    assert store.documents() == []
