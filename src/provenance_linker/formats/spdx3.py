"""SPDX 3.0 JSON-LD (Core and Software profiles) → SbomRecord.

No well-kept reader exists on PyPI: spdx-tools' `spdx3` package only writes (and models
a pre-3.0 draft); the SPDX project's generated bindings (spdx-python-model 0.0.x)
deserialize the whole object graph strictly and are early releases. So a small reader:
the graph's elements are mapped onto the SPDX 2 JSON shape and read by the same rules as
SPDX 2 (`spdx_fast.read_document`), which keeps one definition of what a described
package, a component, a dependency and a containment are:

- `software_Package` → package (name, `software_packageVersion`, purl from
  `software_packageUrl` or an `externalIdentifier` of type packageUrl, CPE from
  cpe22/cpe23 identifiers, hashes from `verifiedUsing`, supplier, primary purpose,
  licences through hasConcludedLicense/hasDeclaredLicense relationships);
- `software_File` → file (counted, a possible subject); a package without hashes of
  its own takes those of its `hasDistributionArtifact` file (where SPDX 2's package
  checksum went);
- the roots of `software_Sbom`/`SpdxDocument` elements and `describes` relationships
  → what the document describes;
- `Relationship`/`LifecycleScopedRelationship`: contains, dependsOn, hasStaticLink,
  hasDynamicLink, hasOptional/Provided/Prerequisite dependency → CONTAINS/DEPENDS_ON.

Compact JSON-LD as the SPDX 3.0 context writes it (`type`, `spdxId`; `@type`/`@id` are
accepted too). Referenced elements from other documents (`import`) are not followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..documents import Document
from ..errors import InvalidDocument, LimitExceeded
from .base import SbomRecord
from .jsonio import loads
from .options import ParseOptions
from .spdx_fast import DOCUMENT_ID, read_document

SPEC_PREFIX = "spdx.org/rdf/3"
_HASHES = {"sha1": "SHA1", "sha224": "SHA224", "sha256": "SHA256", "sha384": "SHA384",
           "sha512": "SHA512", "sha3_256": "SHA3-256", "sha3_384": "SHA3-384",
           "sha3_512": "SHA3-512", "md5": "MD5", "blake2b256": "BLAKE2b-256",
           "blake2b384": "BLAKE2b-384", "blake2b512": "BLAKE2b-512", "blake3": "BLAKE3"}
# SPDX 3 relationship type -> the SPDX 2 type read by the common rules.
_RELATIONSHIPS = {"contains": "CONTAINS", "dependsOn": "DEPENDS_ON",
                  "hasStaticLink": "STATIC_LINK", "hasDynamicLink": "DYNAMIC_LINK",
                  "hasOptionalDependency": "DEPENDS_ON", "hasProvidedDependency": "DEPENDS_ON",
                  "hasPrerequisite": "DEPENDS_ON", "describes": "DESCRIBES"}
_LICENSES = {"hasConcludedLicense": "licenseConcluded", "hasDeclaredLicense": "licenseDeclared"}
_ROOTED = {"software_Sbom", "SpdxDocument", "Bom", "Bundle"}


def _type(element: Mapping[str, Any]) -> str:
    value = element.get("type", element.get("@type"))
    text = str(value) if value is not None else ""
    return text.removeprefix("spdx:").rsplit("/", 1)[-1].replace("Software/", "software_")


def _id(element: Mapping[str, Any]) -> str | None:
    value = element.get("spdxId", element.get("@id"))
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _ids(value: Any) -> list[str]:
    out = []
    for item in _list(value):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Mapping) and (ref := _id(item)):
            out.append(ref)
    return out


def _graph(data: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise InvalidDocument("SPDX 3 JSON-LD must be an object", where=where)
    if SPEC_PREFIX not in str(data.get("@context", "")):
        raise InvalidDocument("not SPDX 3 JSON-LD: @context does not name the SPDX 3 model",
                              where=f"{where}: $.@context")
    graph = data.get("@graph")
    if graph is None:  # a single element at the top level
        graph = [data]
    if not isinstance(graph, list):
        raise InvalidDocument("@graph must be a list of elements", where=f"{where}: $.@graph")
    for index, element in enumerate(graph):
        if not isinstance(element, dict):
            raise InvalidDocument("element must be an object", where=f"{where}: $.@graph[{index}]")
    return graph


def _external_refs(element: Mapping[str, Any]) -> list[dict[str, str]]:
    refs: list[dict[str, str]] = []
    purl = element.get("software_packageUrl")
    if isinstance(purl, str):
        refs.append({"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                     "referenceLocator": purl})
    for ident in _list(element.get("externalIdentifier")):
        if not isinstance(ident, Mapping) or not isinstance(ident.get("identifier"), str):
            continue
        kind = str(ident.get("externalIdentifierType", ""))
        ref_type = {"packageUrl": "purl", "cpe23": "cpe23Type", "cpe22": "cpe22Type"}.get(kind)
        if ref_type is not None and not (ref_type == "purl" and purl):
            refs.append({"referenceCategory": "PACKAGE-MANAGER" if ref_type == "purl"
                         else "SECURITY", "referenceType": ref_type,
                         "referenceLocator": ident["identifier"]})
    return refs


def _checksums(element: Mapping[str, Any]) -> list[dict[str, str]]:
    out = []
    for entry in _list(element.get("verifiedUsing")):
        if isinstance(entry, Mapping) and _type(entry) == "Hash":
            alg = _HASHES.get(str(entry.get("algorithm", "")).lower().replace("-", "_"))
            value = entry.get("hashValue")
            if alg and isinstance(value, str):
                out.append({"algorithm": alg, "checksumValue": value})
    return out


def to_spdx2_shape(data: Any, where: str, options: ParseOptions
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SPDX 3 graph as an SPDX 2 JSON-shaped document, plus what only SPDX 3 says
    (spec version, document id, counts)."""
    graph = _graph(data, where)
    by_id = {ref: e for e in graph if (ref := _id(e))}
    names = {ref: str(e["name"]) for ref, e in by_id.items() if isinstance(e.get("name"), str)}
    licenses: dict[str, dict[str, str]] = {}
    packages: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []
    described: list[str] = []
    artifacts: dict[str, list[str]] = {}  # package -> its distribution artifact files
    document: dict[str, Any] | None = None
    creation: Mapping[str, Any] = {}
    for index, element in enumerate(graph):
        kind, ref = _type(element), _id(element)
        if kind == "CreationInfo" and not creation:
            creation = element
        elif kind == "SpdxDocument" and document is None:
            document = element
        if kind in _ROOTED:
            described += [r for r in _ids(element.get("rootElement"))
                          if _type(by_id.get(r, {})) not in _ROOTED]
        if kind.endswith("Relationship"):
            rel_type = str(element.get("relationshipType", ""))
            src, targets = element.get("from"), _ids(element.get("to"))
            if not isinstance(src, str):
                src = _id(src) if isinstance(src, Mapping) else None
            if src is None or not targets:
                if options.strict:
                    raise InvalidDocument("relationship needs 'from' and 'to'",
                                          where=f"{where}: $.@graph[{index}]")
                continue
            if rel_type == "hasDistributionArtifact":
                artifacts.setdefault(src, []).extend(targets)
                continue
            if rel_type in _LICENSES:
                for target in targets:
                    text = by_id.get(target, {}).get("simplelicensing_licenseExpression")
                    if isinstance(text, str):
                        licenses.setdefault(src, {})[_LICENSES[rel_type]] = text
                continue
            mapped = _RELATIONSHIPS.get(rel_type)
            if mapped == "DESCRIBES" and _type(by_id.get(src, {})) in _ROOTED:
                described += [t for t in targets if t not in described]
            elif mapped is not None:
                relationships += [{"spdxElementId": src, "relationshipType": mapped,
                                   "relatedSpdxElement": t} for t in targets]
        elif kind == "software_Package" and ref is not None:
            packages.append(_package(element, ref, names))
        elif kind == "software_File" and ref is not None:
            files.append({"SPDXID": ref, "fileName": element.get("name"),
                          "checksums": _checksums(element)})
    if len(packages) > options.limits.max_components:
        raise LimitExceeded(f"more than {options.limits.max_components} packages",
                            where=f"{where}: $.@graph")
    for package in packages:
        package.update(licenses.get(package["SPDXID"], {}))
        if not package["checksums"]:
            # SPDX 2's package checksum is, in SPDX 3, the hash of the package's
            # distribution artifact (a File linked by hasDistributionArtifact).
            for file_id in artifacts.get(package["SPDXID"], []):
                package["checksums"] += _checksums(by_id.get(file_id, {}))
    described = list(dict.fromkeys(described))
    created_by = [names.get(r, r) for r in _ids(creation.get("createdBy"))]
    tools = [names.get(r, r) for r in _ids(creation.get("createdUsing"))]
    shaped = {"spdxVersion": "SPDX-2.3", "SPDXID": DOCUMENT_ID,
              "name": (document or {}).get("name"),
              "documentNamespace": _id(document) if document else None,
              "creationInfo": {"created": creation.get("created"),
                               "creators": [f"Tool: {t}" for t in tools]
                               + [f"Person: {p}" for p in created_by]},
              "documentDescribes": described, "packages": packages, "files": files,
              "relationships": relationships}
    extra = {"spec_version": str(creation.get("specVersion") or "3.0"),
             "elements": len(graph), "files": len(files)}
    return shaped, extra


def _package(element: Mapping[str, Any], ref: str, names: Mapping[str, str]) -> dict[str, Any]:
    package: dict[str, Any] = {"SPDXID": ref, "name": element.get("name"),
                               "externalRefs": _external_refs(element),
                               "checksums": _checksums(element)}
    if isinstance(element.get("software_packageVersion"), str):
        package["versionInfo"] = element["software_packageVersion"]
    supplier = element.get("suppliedBy")
    if isinstance(supplier, str):
        package["supplier"] = f"Organization: {names.get(supplier, supplier)}"
    purpose = element.get("software_primaryPurpose")
    if isinstance(purpose, str):
        package["primaryPackagePurpose"] = purpose.upper()
    return package


def parse(document: Document, options: ParseOptions) -> SbomRecord:
    data = loads(document.text, document.name)
    shaped, extra = to_spdx2_shape(data, document.name, options)
    record = read_document(shaped, document.name, options)
    record.spec_version = extra["spec_version"]
    record.counts["elements"] = extra["elements"]
    return record
