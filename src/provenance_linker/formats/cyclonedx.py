"""CycloneDX JSON (spec 1.2–1.6) → SbomRecord.

The hot path reads the JSON (formats/jsonio.py) and walks it directly: building
cyclonedx-python-lib's object model for a 10,000-component BOM costs seconds, so the
library's schema files are kept for validation (see formats/validation.py), not for
reading.
"""

from __future__ import annotations

import re
from typing import Any

from ..documents import Document
from ..errors import InvalidDocument, LimitExceeded, UnsupportedDocument
from .base import Component, SbomRecord, Subject
from .jsonio import loads
from .limits import check_json_depth
from .options import ParseOptions
from .shape import optional_array

SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
# Each name maps to itself: a component's algorithm is this one string, not a copy per hash.
_HASH_NAMES = {name: name for name in (
    "SHA-1", "SHA-256", "SHA-384", "SHA-512", "SHA3-256", "SHA3-384", "SHA3-512", "MD5",
    "BLAKE2b-256", "BLAKE2b-384", "BLAKE2b-512", "BLAKE3")}
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
_DIGEST_VERSIONED = {"container", "file"}  # subjects whose version may be their digest


def parse(document: Document, options: ParseOptions) -> SbomRecord:
    bom = loads(document.text, document.name)
    check_json_depth(bom, document.name, options.limits.max_depth)
    from .validation import cyclonedx_json_warnings

    problems = cyclonedx_json_warnings(document, bom, strict=options.strict)
    record = read_bom(bom, document.name, options, consume=True)
    record.warnings[:0] = problems
    return record


def read_bom(bom: Any, where: str, options: ParseOptions, *,
             consume: bool = False) -> SbomRecord:
    """Turn a decoded CycloneDX BOM (JSON object model) into an SbomRecord.

    `consume` lets go of each component's object once it is read (the caller owns the
    tree and needs it no more), so the tree and the record are not both held whole."""
    if not isinstance(bom, dict):
        raise InvalidDocument("CycloneDX BOM must be a JSON object", where=where)
    spec_value = bom.get("specVersion")
    if str(spec_value).strip().startswith("2"):  # drafts (cdxgen --spec-version 2) drop bomFormat
        raise UnsupportedDocument(f"CycloneDX 2.0 is not supported (specVersion {spec_value!r})",
                                  where=f"{where}: $.specVersion",
                                  hint="write CycloneDX 1.6 (cdxgen: --spec-version 1.6)")
    if bom.get("bomFormat") != "CycloneDX":
        raise InvalidDocument(f"bomFormat is {bom.get('bomFormat')!r}, expected 'CycloneDX'",
                              where=f"{where}: $.bomFormat")
    spec = bom.get("specVersion")
    if not isinstance(spec, str) or spec not in SUPPORTED_VERSIONS:
        raise InvalidDocument(f"unsupported CycloneDX specVersion {spec!r}",
                              where=f"{where}: $.specVersion",
                              hint=f"supported: {', '.join(SUPPORTED_VERSIONS)}")
    record = SbomRecord(format="CycloneDX", spec_version=spec)
    serial = bom.get("serialNumber")
    record.serial = serial if isinstance(serial, str) else None
    metadata_value = bom.get("metadata")
    metadata: dict[str, Any] = metadata_value if isinstance(metadata_value, dict) else {}
    record.created = _str(metadata.get("timestamp"))
    record.tools = _tools(metadata.get("tools"))
    root = metadata.get("component")
    if isinstance(root, dict):
        subject = _subject(root)
        record.subjects.append(subject)
        record.name = subject.name
    components = bom.get("components", [])
    if not isinstance(components, list):
        raise InvalidDocument("components must be an array", where=f"{where}: $.components")
    memo: dict[Any, Any] = {}
    _walk(components, record, parent=None, path="$.components", depth=1, where=where,
          options=options, memo=memo, consume=consume)
    if isinstance(root, dict) and isinstance(root.get("components"), list):
        _walk(root["components"], record, parent=None, path="$.metadata.component.components",
              depth=1, where=where, options=options, memo=memo, consume=consume)
    _dependencies(bom.get("dependencies"), record, where)
    vulns = bom.get("vulnerabilities")
    if isinstance(vulns, list):
        record.vulnerabilities = [v for v in vulns if isinstance(v, dict)]
    return record


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _tools(tools: Any) -> list[str]:
    if isinstance(tools, dict):  # 1.5+: {"components": [...], "services": [...]}
        tools = [*optional_array(tools.get("components"), "$.metadata.tools.components"),
                 *optional_array(tools.get("services"), "$.metadata.tools.services")]
    names: list[str] = []
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict):
            label = " ".join(str(tool[k]) for k in ("vendor", "group", "name", "version")
                             if tool.get(k))
            if label:
                names.append(label)
    return names


def _hashes(value: Any) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            alg, content = item.get("alg"), item.get("content")
            if isinstance(alg, str) and isinstance(content, str) and alg in _HASH_NAMES:
                out.append((_HASH_NAMES[alg], content.lower()))
    return tuple(out)


def _licenses(value: Any) -> tuple[str, ...]:
    out: list[str] = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("expression"), str):
            out.append(item["expression"])
            continue
        lic = item.get("license")
        if isinstance(lic, dict):
            ident = lic.get("id") or lic.get("name")
            if isinstance(ident, str):
                out.append(ident)
    return tuple(out)


def _supplier(component: dict[str, Any]) -> str | None:
    supplier = component.get("supplier")
    if isinstance(supplier, dict) and isinstance(supplier.get("name"), str):
        return str(supplier["name"])
    return _str(component.get("publisher")) or _str(component.get("author"))


def version_digest(type_: str | None, version: str | None) -> tuple[str | None, str | None]:
    """(version, digest) of a subject: syft writes the digest of an image (or file) it
    scanned by digest as the subject's version, with no hash or purl."""
    if version and type_ in _DIGEST_VERSIONED and _SHA256.fullmatch(version.lower()):
        return None, version.lower()
    return version, None


def _subject(root: dict[str, Any]) -> Subject:
    digests = tuple(f"sha256:{v}" for alg, v in _hashes(root.get("hashes")) if alg == "SHA-256")
    version, type_ = _str(root.get("version")), _str(root.get("type"))
    version, digest = version_digest(type_, version)
    digests = (*digests, digest) if digest else digests
    return Subject(ref=_str(root.get("bom-ref")), name=_str(root.get("name")),
                   version=version, purl=_str(root.get("purl")), digests=digests, type=type_)


def _walk(components: list[Any], record: SbomRecord, parent: str | None, path: str,
          depth: int, where: str, options: ParseOptions, memo: dict[Any, Any],
          consume: bool) -> None:
    """Components in document order. Equal components (a BOM repeating one entry a
    million times) and equal strings are collapsed into one object each through `memo`:
    the record holds one reference per repeat, not one copy."""
    if depth > options.limits.max_depth:
        raise LimitExceeded(f"components nested deeper than {options.limits.max_depth}",
                            where=f"{where}: {path}")
    for index, item in enumerate(components):
        here = f"{path}[{index}]"
        if not isinstance(item, dict):
            raise InvalidDocument("component must be an object", where=f"{where}: {here}")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidDocument("component has no name", where=f"{where}: {here}")
        if len(record.components) >= options.limits.max_components:
            raise LimitExceeded(f"more than {options.limits.max_components} components",
                                where=f"{where}: {here}")
        ref = item.get("bom-ref")
        ref = ref if isinstance(ref, str) and ref else f"{here}"
        if "type" not in item:
            record.warn(f"{here}: component {name!r} has no type")
        ref = memo.setdefault(ref, ref)
        component = Component(
            ref=ref, name=memo.setdefault(name, name), version=_shared(item, "version", memo),
            purl=_shared(item, "purl", memo), group=_shared(item, "group", memo),
            type=_shared(item, "type", memo), hashes=_hashes(item.get("hashes")),
            licenses=_shared_licenses(item, memo), cpe=_str(item.get("cpe")),
            supplier=_supplier(item), parent_ref=parent,
        )
        record.components.append(memo.setdefault(component, component))
        if parent is not None:
            record.contains.append((parent, ref))
        children = item.get("components")
        if isinstance(children, list) and children:
            _walk(children, record, parent=ref, path=f"{here}.components", depth=depth + 1,
                  where=where, options=options, memo=memo, consume=consume)
        if consume:
            components[index] = None


def _shared(item: dict[str, Any], key: str, memo: dict[Any, Any]) -> str | None:
    value = _str(item.get(key))
    return memo.setdefault(value, value) if value is not None else None


def _shared_licenses(item: dict[str, Any], memo: dict[Any, Any]) -> tuple[str, ...]:
    # A few license sets cover most components: one tuple (and its strings) each.
    licenses = _licenses(item.get("licenses"))
    return memo.setdefault(licenses, licenses) if licenses else ()


def _dependencies(value: Any, record: SbomRecord, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise InvalidDocument("dependencies must be an array", where=f"{where}: $.dependencies")
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("ref"), str):
            raise InvalidDocument("dependency entry needs a 'ref'",
                                  where=f"{where}: $.dependencies[{index}]")
        record.dependency_entries += 1
        targets = optional_array(entry.get("dependsOn"), f"$.dependencies[{index}].dependsOn")
        for target in targets:
            if isinstance(target, str):
                record.dependencies.append((entry["ref"], target))
