"""SPDX 2.2/2.3 in its JSON shape → SbomRecord (the hot path for every SPDX flavour).

JSON is read by formats/jsonio.py and YAML with PyYAML's C loader; tag-value, XML and RDF are
first turned into this same shape (spdx_tagvalue.py, spdx.py), so one walker decides
what becomes what:

- packages → components, except the packages the document DESCRIBES, which are its
  subjects (like CycloneDX `metadata.component`); files and snippets are counted, not
  stored (a described file still gives the subject its SHA-256 digest);
- CONTAINS / CONTAINED_BY between packages → contains; DEPENDS_ON, DEPENDENCY_OF, the
  *_DEPENDENCY_OF family and STATIC/DYNAMIC_LINK → dependencies; from a subject, dependency
  relations make direct dependencies of the SBOM, and so does CONTAINS of a package no
  other package depends on (the top of what the subject contains).
"""

from __future__ import annotations

from typing import Any

from ..documents import Document
from ..errors import InvalidDocument, LimitExceeded
from .base import Component, SbomRecord, Subject
from .failures import reject_lone_surrogates
from .jsonio import loads
from .limits import check_json_depth
from .options import ParseOptions
from .shape import strings

SUPPORTED_VERSIONS = ("SPDX-2.0", "SPDX-2.1", "SPDX-2.2", "SPDX-2.3")
DOCUMENT_ID = "SPDXRef-DOCUMENT"

_ALGORITHMS = {"SHA1": "SHA-1", "SHA224": "SHA-224", "SHA256": "SHA-256", "SHA384": "SHA-384",
               "SHA512": "SHA-512", "SHA3_256": "SHA3-256", "SHA3_384": "SHA3-384",
               "SHA3_512": "SHA3-512", "MD5": "MD5", "BLAKE2B_256": "BLAKE2b-256",
               "BLAKE2B_384": "BLAKE2b-384", "BLAKE2B_512": "BLAKE2b-512", "BLAKE3": "BLAKE3"}
_DEPENDS = {"DEPENDS_ON", "STATIC_LINK", "DYNAMIC_LINK"}
_DEPENDENCY_OF = {"DEPENDENCY_OF", "BUILD_DEPENDENCY_OF", "DEV_DEPENDENCY_OF",
                  "OPTIONAL_DEPENDENCY_OF", "PROVIDED_DEPENDENCY_OF", "TEST_DEPENDENCY_OF",
                  "RUNTIME_DEPENDENCY_OF"}
_UNSET = {"NOASSERTION", "NONE", ""}


def parse_json(document: Document, options: ParseOptions) -> SbomRecord:
    data = loads(document.text, document.name)
    return _read_and_validate(data, document, options)


def parse_yaml(document: Document, options: ParseOptions) -> SbomRecord:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(document.text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InvalidDocument("YAML document is empty", where=document.name)
        _refuse_aliases(node, document.name)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{document.name}: line {mark.line + 1}" if mark else document.name
        raise InvalidDocument(f"malformed YAML: {getattr(exc, 'problem', exc)}",
                              where=where) from exc
    finally:
        loader.dispose()
    reject_lone_surrogates(document.text, data, document.name)
    return _read_and_validate(data, document, options)


def _refuse_aliases(root: Any, where: str) -> None:
    """SPDX never needs YAML anchors/aliases, and aliases make exponential documents
    from small files (a walker that follows them never ends): refuse any node seen twice."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            line = node.start_mark.line + 1
            raise InvalidDocument("YAML aliases are not accepted in SBOMs",
                                  where=f"{where}: line {line}")
        seen.add(id(node))
        value = node.value
        if isinstance(value, list):
            for item in value:
                stack.extend(item if isinstance(item, tuple) else (item,))


def _read_and_validate(data: Any, document: Document, options: ParseOptions) -> SbomRecord:
    check_json_depth(data, document.name, options.limits.max_depth)
    from .spdx_validation import validate_spdx

    problems = validate_spdx(document, data, strict=options.strict)
    record = read_document(data, document.name, options)
    record.warnings[:0] = problems
    return record


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() not in _UNSET else None


def _list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidDocument(f"{key} must be a list", where=f"{where}: $.{key}")
    return value


def checksums(item: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for entry in item.get("checksums") or []:
        if isinstance(entry, dict):
            alg = _ALGORITHMS.get(str(entry.get("algorithm", "")).upper().replace("-", "_"))
            value = entry.get("checksumValue")
            if alg and isinstance(value, str):
                out.append((alg, value.strip().lower()))
    return tuple(out)


def _external(package: dict[str, Any]) -> tuple[str | None, str | None]:
    purl = cpe = None
    for ref in package.get("externalRefs") or []:
        if not isinstance(ref, dict) or not isinstance(ref.get("referenceLocator"), str):
            continue
        kind = str(ref.get("referenceType", "")).rsplit("#", 1)[-1]
        if kind == "purl" and purl is None:
            purl = ref["referenceLocator"].strip()
        elif kind in ("cpe23Type", "cpe22Type") and cpe is None:
            cpe = ref["referenceLocator"].strip()
    return purl, cpe


def _supplier(package: dict[str, Any]) -> str | None:
    value = _str(package.get("supplier")) or _str(package.get("originator"))
    if value is None:
        return None
    kind, sep, rest = value.partition(":")
    return rest.strip() if sep and kind in ("Organization", "Person", "Tool") else value


def _purpose(package: dict[str, Any]) -> str | None:
    """primaryPackagePurpose in CycloneDX's spelling (OPERATING_SYSTEM → operating-system)."""
    value = _str(package.get("primaryPackagePurpose"))
    return value.lower().replace("_", "-") if value else None


def _licenses(package: dict[str, Any]) -> tuple[str, ...]:
    value = _str(package.get("licenseConcluded")) or _str(package.get("licenseDeclared"))
    return (value,) if value else ()


def _version(data: dict[str, Any], where: str) -> str:
    version = data.get("spdxVersion")
    if not isinstance(version, str):
        raise InvalidDocument(f"spdxVersion must be a string like 'SPDX-2.3', not {version!r}",
                              where=f"{where}: $.spdxVersion")
    if version not in SUPPORTED_VERSIONS:
        raise InvalidDocument(f"unsupported spdxVersion {version!r}",
                              where=f"{where}: $.spdxVersion",
                              hint=f"supported: {', '.join(SUPPORTED_VERSIONS)}")
    return version


def read_document(data: Any, where: str, options: ParseOptions) -> SbomRecord:
    """Turn a decoded SPDX 2.x document (JSON shape) into an SbomRecord."""
    if not isinstance(data, dict):
        raise InvalidDocument("SPDX document must be an object", where=where)
    record = SbomRecord(format="SPDX", spec_version=_version(data, where).removeprefix("SPDX-"))
    record.name = _str(data.get("name"))
    record.serial = _str(data.get("documentNamespace"))
    creation = data.get("creationInfo")
    if isinstance(creation, dict):
        record.created = _str(creation.get("created"))
        record.tools = strings(creation.get("creators"), "$.creationInfo.creators")
    packages = _list(data, "packages", where)
    files = _list(data, "files", where)
    relationships = _list(data, "relationships", where)

    by_id: dict[str, dict[str, Any]] = {}
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or not isinstance(package.get("SPDXID"), str):
            raise InvalidDocument("package needs an SPDXID", where=f"{where}: $.packages[{index}]")
        by_id[package["SPDXID"]] = package
    file_ids: dict[str, dict[str, Any]] = {
        f["SPDXID"]: f for f in files if isinstance(f, dict) and isinstance(f.get("SPDXID"), str)}
    for package in packages:  # SPDX 2.2 JSON nests files' ids under hasFiles
        for file_id in package.get("hasFiles") or []:
            file_ids.setdefault(str(file_id), {"SPDXID": file_id})

    described = [str(d) for d in data.get("documentDescribes") or [] if isinstance(d, str)]
    pairs = _relationships(relationships, where, described)
    described_set = set(described)
    if len(by_id.keys() - described_set) > options.limits.max_components:
        raise LimitExceeded(f"more than {options.limits.max_components} packages",
                            where=f"{where}: $.packages")
    for ref in described:
        _add_subject(record, ref, by_id, file_ids)

    shared: dict[Any, Any] = {}  # equal purposes and license sets: one object each
    for index, package in enumerate(packages):
        ref = package["SPDXID"]
        if ref in described_set:
            continue
        name = _str(package.get("name"))
        if name is None:
            raise InvalidDocument("package has no name", where=f"{where}: $.packages[{index}]")
        purl, cpe = _external(package)
        purpose, licenses = _purpose(package), _licenses(package)
        record.components.append(Component(
            ref=ref, name=name, version=_str(package.get("versionInfo")), purl=purl,
            type=shared.setdefault(purpose, purpose), hashes=checksums(package),
            licenses=shared.setdefault(licenses, licenses), cpe=cpe,
            supplier=_supplier(package)))

    skipped = 0
    # A subject CONTAINS every package of an image or directory (syft writes it for all):
    # only those no other package depends on are direct; the rest are reached through
    # the packages that depend on them.
    depended = {dst for kind, src, dst in pairs
                if kind == "DEPENDS_ON" and src in by_id and src not in described_set}
    for kind, src, dst in pairs:
        if dst not in by_id or dst in described_set or (
                src not in by_id and src not in described_set):
            skipped += 1  # files, snippets, the document itself, other documents
        elif kind == "DEPENDS_ON":
            record.dependencies.append((src, dst))
        elif src in described_set:
            if dst not in depended:
                record.dependencies.append((src, dst))
        else:
            record.contains.append((src, dst))
    record.dependency_entries = len({src for _, src, _ in pairs if src in by_id})
    record.counts = {"packages": len(packages),
                     "described_packages": len(described_set & by_id.keys()),
                     "files": len(file_ids),
                     "snippets": len(_list(data, "snippets", where)),
                     "relationships": len(relationships), "relationships_not_linked": skipped}
    return record


def _relationships(relationships: list[Any], where: str,
                   described: list[str]) -> list[tuple[str, str, str]]:
    """Normalise to (CONTAINS|DEPENDS_ON, src, dst); DESCRIBES adds to `described`."""
    out: list[tuple[str, str, str]] = []
    for index, rel in enumerate(relationships):
        if not isinstance(rel, dict):
            raise InvalidDocument("relationship must be an object",
                                  where=f"{where}: $.relationships[{index}]")
        kind = str(rel.get("relationshipType", ""))
        src, dst = str(rel.get("spdxElementId", "")), str(rel.get("relatedSpdxElement", ""))
        if kind == "DESCRIBES" and src == DOCUMENT_ID:
            if dst not in described:
                described.append(dst)
        elif kind == "DESCRIBED_BY" and dst == DOCUMENT_ID:
            if src not in described:
                described.append(src)
        elif kind == "CONTAINS":
            out.append(("CONTAINS", src, dst))
        elif kind == "CONTAINED_BY":
            out.append(("CONTAINS", dst, src))
        elif kind in _DEPENDS:
            out.append(("DEPENDS_ON", src, dst))
        elif kind in _DEPENDENCY_OF:
            out.append(("DEPENDS_ON", dst, src))
    return out


def _add_subject(record: SbomRecord, ref: str, packages: dict[str, dict[str, Any]],
                 files: dict[str, dict[str, Any]]) -> None:
    package = packages.get(ref)
    if package is not None:
        purl, _ = _external(package)
        digests = tuple(f"sha256:{v}" for a, v in checksums(package) if a == "SHA-256")
        version = _str(package.get("versionInfo"))
        record.subjects.append(Subject(
            ref=ref, name=_str(package.get("name")),
            version=None if version and version.startswith("sha256:") else version,
            purl=purl, digests=digests,
            type=_purpose(package) or "package"))
        record.name = record.name or _str(package.get("name"))
        return
    file = files.get(ref)
    if file is not None:
        digests = tuple(f"sha256:{v}" for a, v in checksums(file) if a == "SHA-256")
        record.subjects.append(Subject(ref=ref, name=_str(file.get("fileName")),
                                       digests=digests, type="file"))
