"""CycloneDX XML (spec 1.0–1.6) → SbomRecord.

Parsed with a locked-down lxml parser (formats/xml_safety.py) and walked directly; the
spec version comes from the namespace `http://cyclonedx.org/schema/bom/<version>`.
XSD validation (cyclonedx-python-lib, lxml) runs in both modes: strict refuses, the
default records each problem as a warning.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from lxml import etree

from ..documents import Document
from ..errors import InvalidDocument, LimitExceeded
from .base import Component, SbomRecord, Subject
from .cyclonedx import _HASH_NAMES, SUPPORTED_VERSIONS, version_digest
from .options import ParseOptions
from .xml_safety import local, parse_xml

_NS_PREFIX = "http://cyclonedx.org/schema/bom/"

Element: TypeAlias = Any  # lxml ships no type information


def parse(document: Document, options: ParseOptions) -> SbomRecord:
    root = parse_xml(document.text, document.name, options.limits)
    if local(root.tag) != "bom":
        raise InvalidDocument(f"root element is <{local(root.tag)}>, expected <bom>",
                              where=f"{document.name}: line {root.sourceline}")
    namespace = etree.QName(root).namespace or ""
    spec = namespace[len(_NS_PREFIX):] if namespace.startswith(_NS_PREFIX) else ""
    if spec not in SUPPORTED_VERSIONS:
        raise InvalidDocument(f"unsupported CycloneDX XML namespace {namespace!r}",
                              where=f"{document.name}: /bom/@xmlns",
                              hint=f"supported: {_NS_PREFIX}{{{', '.join(SUPPORTED_VERSIONS)}}}")
    from .validation import validate_cyclonedx_xml

    problems = validate_cyclonedx_xml(document, spec, strict=options.strict)
    record = read_bom(root, spec, document.name, options)
    record.warnings[:0] = problems
    return record


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if local(child.tag) == name:
            return child
    return None


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if local(child.tag) == name]


def _text(element: Element, name: str) -> str | None:
    child = _child(element, name)
    if child is None or child.text is None:
        return None
    value = child.text.strip()
    return value or None


def _hashes(element: Element) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for item in _children(_child(element, "hashes"), "hash"):
        alg = item.get("alg")
        if alg in _HASH_NAMES and item.text:
            out.append((alg, item.text.strip().lower()))
    return tuple(out)


def _licenses(element: Element) -> tuple[str, ...]:
    out: list[str] = []
    licenses = _child(element, "licenses")
    for item in licenses if licenses is not None else []:
        kind = local(item.tag)
        if kind == "expression" and item.text:
            out.append(item.text.strip())
        elif kind == "license":
            ident = _text(item, "id") or _text(item, "name")
            if ident:
                out.append(ident)
    return tuple(out)


def _supplier(element: Element) -> str | None:
    supplier = _child(element, "supplier")
    if supplier is not None and _text(supplier, "name"):
        return _text(supplier, "name")
    return _text(element, "publisher") or _text(element, "author")


def _tools(metadata: Element | None) -> list[str]:
    tools = _child(metadata, "tools") if metadata is not None else None
    if tools is None:
        return []
    entries = [*_children(tools, "tool"), *_children(_child(tools, "components"), "component"),
               *_children(_child(tools, "services"), "service")]
    names = []
    for tool in entries:
        label = " ".join(v for k in ("vendor", "group", "name", "version")
                         if (v := _text(tool, k) or "") != "")
        if label:
            names.append(label)
    return names


def read_bom(root: Element, spec: str, where: str, options: ParseOptions) -> SbomRecord:
    record = SbomRecord(format="CycloneDX", spec_version=spec, serial=root.get("serialNumber"))
    metadata = _child(root, "metadata")
    if metadata is not None:
        record.created = _text(metadata, "timestamp")
        record.tools = _tools(metadata)
        subject = _child(metadata, "component")
        if subject is not None:
            digests = tuple(f"sha256:{v}" for a, v in _hashes(subject) if a == "SHA-256")
            version, digest = version_digest(subject.get("type"), _text(subject, "version"))
            record.subjects.append(Subject(
                ref=subject.get("bom-ref"), name=_text(subject, "name"),
                version=version, purl=_text(subject, "purl"),
                digests=(*digests, digest) if digest else digests, type=subject.get("type")))
            record.name = _text(subject, "name")
            _walk(_children(_child(subject, "components"), "component"), record, None,
                  "/bom/metadata/component/components", 1, where, options)
    _walk(_children(_child(root, "components"), "component"), record, None,
          "/bom/components", 1, where, options)
    for entry in _children(_child(root, "dependencies"), "dependency"):
        ref = entry.get("ref")
        if not ref:
            raise InvalidDocument("dependency without a ref",
                                  where=f"{where}: line {entry.sourceline}")
        record.dependency_entries += 1
        for target in _children(entry, "dependency"):
            if target.get("ref"):
                record.dependencies.append((ref, str(target.get("ref"))))
    return record


def _walk(components: list[Element], record: SbomRecord, parent: str | None, path: str,
          depth: int, where: str, options: ParseOptions) -> None:
    if depth > options.limits.max_depth:
        raise LimitExceeded(f"components nested deeper than {options.limits.max_depth}",
                            where=f"{where}: {path}")
    for index, item in enumerate(components, start=1):
        here = f"{path}/component[{index}]"
        name = _text(item, "name")
        if not name:
            raise InvalidDocument("component has no name",
                                  where=f"{where}: {here} (line {item.sourceline})")
        if len(record.components) >= options.limits.max_components:
            raise LimitExceeded(f"more than {options.limits.max_components} components",
                                where=f"{where}: {here}")
        ref = item.get("bom-ref") or here
        record.components.append(Component(
            ref=ref, name=name, version=_text(item, "version"), purl=_text(item, "purl"),
            group=_text(item, "group"), type=item.get("type"), hashes=_hashes(item),
            licenses=_licenses(item), cpe=_text(item, "cpe"), supplier=_supplier(item),
            parent_ref=parent))
        if parent is not None:
            record.contains.append((parent, ref))
        nested = _children(_child(item, "components"), "component")
        if nested:
            _walk(nested, record, ref, f"{here}/components", depth + 1, where, options)
