"""What the SBOMs of real generators must become, checked the same way on fresh output
(tests/interop/generators/) and on the committed fixtures (tests/fixtures/generators/).

The expected packages and edges are read from each file here, independently of the
parsers under test (CycloneDX and SPDX JSON; the XML and tag-value flavours are checked
against their JSON sibling of the same scan).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from provenance_linker.documents import load
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import IngestReport, Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.purls import generic_purl, parse_purl
from provenance_linker.queries.diff import diff
from provenance_linker.store.interface import GraphStore

NOT_PACKAGES = {"file", "operating-system"}
_SPDX_DEPENDS = {"DEPENDS_ON", "STATIC_LINK", "DYNAMIC_LINK"}
_SPDX_DEPENDENCY_OF = {"DEPENDENCY_OF", "BUILD_DEPENDENCY_OF", "DEV_DEPENDENCY_OF",
                       "OPTIONAL_DEPENDENCY_OF", "PROVIDED_DEPENDENCY_OF",
                       "TEST_DEPENDENCY_OF", "RUNTIME_DEPENDENCY_OF"}
_UNSET = {"", "NOASSERTION", "NONE"}


def ingest(store: GraphStore, path: Path, artifact: ArtifactRef | None = None) -> IngestReport:
    return Linker(store).ingest(load(path.read_bytes(), path.name),
                                IngestOptions(artifact=artifact))


def listed(store: GraphStore, sbom: str) -> set[str]:
    return {e.dst.key for e in store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, sbom)])}


def package_edges(store: GraphStore, sbom: str) -> set[tuple[str, str]]:
    return {(e.src.key, e.dst.key) for e in store.edges([EdgeKind.DEPENDS_ON], doc=sbom)
            if e.src.kind == NodeKind.PACKAGE}


# --- what the file says ------------------------------------------------------------------
def _key(purl: str | None, name: str, version: str | None, group: str | None = None) -> str:
    if purl:
        return parse_purl(purl).key
    return parse_purl(generic_purl(name, version, group)).key


def _cdx_components(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _cdx_components(item.get("components") or [])


def _spdx_described(doc: dict[str, Any]) -> set[str]:
    described = set(doc.get("documentDescribes") or [])
    for rel in doc.get("relationships") or []:
        if rel.get("relationshipType") == "DESCRIBES" and \
                rel.get("spdxElementId") == "SPDXRef-DOCUMENT":
            described.add(rel["relatedSpdxElement"])
    return described


def _spdx_purl(package: dict[str, Any]) -> str | None:
    for ref in package.get("externalRefs") or []:
        if str(ref.get("referenceType", "")).endswith("purl"):
            return str(ref["referenceLocator"]).strip()
    return None


def _spdx_value(package: dict[str, Any], key: str) -> str | None:
    value = package.get(key)
    return value if isinstance(value, str) and value.strip() not in _UNSET else None


def expected(path: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """(package keys, package-to-package dependency pairs) as the JSON file states them."""
    doc = orjson.loads(path.read_bytes())
    keys: dict[str, str] = {}
    pairs: set[tuple[str, str]] = set()
    if doc.get("bomFormat") == "CycloneDX":
        for c in _cdx_components(doc.get("components") or []):
            if c.get("type") not in NOT_PACKAGES:
                keys[c.get("bom-ref") or c["name"]] = _key(c.get("purl"), c["name"],
                                                           c.get("version"), c.get("group"))
        for entry in doc.get("dependencies") or []:
            for target in entry.get("dependsOn") or []:
                if entry["ref"] in keys and target in keys:
                    pairs.add((keys[entry["ref"]], keys[target]))
    else:
        described = _spdx_described(doc)
        for p in doc.get("packages") or []:
            if p["SPDXID"] not in described and p.get("primaryPackagePurpose") != \
                    "OPERATING-SYSTEM":
                keys[p["SPDXID"]] = _key(_spdx_purl(p), p["name"], _spdx_value(p, "versionInfo"))
        for rel in doc.get("relationships") or []:
            kind, src, dst = (rel["relationshipType"], rel["spdxElementId"],
                              rel["relatedSpdxElement"])
            if kind in _SPDX_DEPENDENCY_OF:
                src, dst = dst, src
            elif kind not in _SPDX_DEPENDS:
                continue
            if src in keys and dst in keys:
                pairs.add((keys[src], keys[dst]))
    return set(keys.values()), {(a, b) for a, b in pairs if a != b}


# --- the checks --------------------------------------------------------------------------
def check_identity_and_edges(store: GraphStore, path: Path) -> IngestReport:
    """Every component with a purl is a package of exactly that identity, and the
    dependency edges are the file's."""
    report = ingest(store, path)
    keys, pairs = expected(path)
    got = listed(store, report.document)
    assert got == keys, (path.name, sorted(got ^ keys)[:10])
    assert package_edges(store, report.document) == pairs, path.name
    assert not any("unknown ref" in w for w in report.warnings), path.name
    return report


def check_same_packages(store: GraphStore, one: Path, other: Path) -> None:
    """Two flavours of one scan (CycloneDX/SPDX, JSON/XML/tag-value) land on the same
    packages."""
    a, b = ingest(store, one), ingest(store, other)
    got_a, got_b = listed(store, a.document), listed(store, b.document)
    assert got_a == got_b, (one.name, other.name, sorted(got_a ^ got_b)[:10])


def check_links_image(store: GraphStore, path: Path, digest: str) -> None:
    report = ingest(store, path)
    assert report.summary["subject"] == digest, (path.name, report.summary["subject"])
    assert not any("pass --artifact" in w for w in report.warnings), path.name


def _loose(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text.lower())


def _loose_version(version: str | None) -> str:
    return re.sub(r"^(\d+:|v)", "", (version or "").lower())


def compare_generators(store: GraphStore, one: Path, other: Path) -> dict[str, Any]:
    """`query diff` of two generators' SBOMs of one target, each ingested as an artifact of
    its own; asserts that no difference is one of naming (a package both list, by name
    and version up to case, separators, epoch and a `v`, under two keys) and returns the
    numbers: packages of each, shared, and the differences."""
    sides = []
    for path in (one, other):
        digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        ingest(store, path, ArtifactRef(name=f"{path.parent.name}/{path.name}", digest=digest))
        sides.append(digest)
    answer = diff(store, sides[0], sides[1])
    removed = {(_loose(e["name"]), _loose_version(e["version"])) for e in answer["removed"]}
    added = {(_loose(e["name"]), _loose_version(e["version"])) for e in answer["added"]}
    assert not removed & added, sorted(removed & added)[:10]
    for change in answer["changed"]:
        assert {_loose_version(v) for v in change["from"]} != \
            {_loose_version(v) for v in change["to"]}, change
    return {"from": answer["from"]["packages"], "to": answer["to"]["packages"],
            "shared": answer["unchanged"], "only_from": answer["removed"],
            "only_to": answer["added"], "changed": answer["changed"]}
