"""SPDX 2.x tag-value → the SPDX JSON shape, read by spdx_fast.read_document.

A small reader of our own: spdx-tools' grammar crashes on real generator output (e.g.
`Relationship A DEPENDS_ON B` without the colon, written by spdx-sbom-generator), so
spdx-tools only validates tag-value documents; this reader decides what they contain.
Only the tags that feed the graph are kept; every other tag is skipped.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache
from typing import Any

from ..documents import Document
from ..errors import InvalidDocument, LimitExceeded
from .base import SbomRecord
from .options import ParseOptions
from .spdx_fast import read_document

_TAG = re.compile(r"^([A-Za-z][A-Za-z0-9_]*):\s?(.*)$")
_BARE_RELATIONSHIP = re.compile(r"^Relationship\s+(\S+)\s+(\S+)\s+(\S+)")

_DOCUMENT_TAGS = {"SPDXVersion": "spdxVersion", "DataLicense": "dataLicense",
                  "DocumentName": "name", "DocumentNamespace": "documentNamespace"}
_PACKAGE_TAGS = {"PackageVersion": "versionInfo", "PackageSupplier": "supplier",
                 "PackageOriginator": "originator",
                 "PackageDownloadLocation": "downloadLocation",
                 "PackageLicenseConcluded": "licenseConcluded",
                 "PackageLicenseDeclared": "licenseDeclared",
                 "PrimaryPackagePurpose": "primaryPackagePurpose",
                 "FilesAnalyzed": "filesAnalyzed"}
_SECTION_STARTS = {"LicenseID", "Annotator", "ExternalDocumentRef"}


def normalise_line_endings(text: str) -> str:
    """CRLF and lone CR become LF: spdx-tools' lexer only knows LF (a CRLF document
    failed with a KeyError), and <text> values must not keep stray carriage returns."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def parse(document: Document, options: ParseOptions) -> SbomRecord:
    text = normalise_line_endings(document.text)
    data = read_tag_value(text, document.name, options)
    from .spdx_validation import validate_spdx

    problems = validate_spdx(document, data, strict=options.strict,
                             build=lambda: _tools_model(text))
    record = read_document(data, document.name, options)
    record.warnings[:0] = problems
    return record


def _tools_model(text: str) -> Any:
    yacc: Any = importlib.import_module("ply.yacc")  # untyped
    # Quiet: ply otherwise prints "Generating LALR tables" and writes table files.
    return _tools_parser()(write_tables=False, debug=False, errorlog=yacc.NullLogger()).parse(text)


@lru_cache(maxsize=1)
def _tools_parser() -> Any:
    """spdx-tools' tag-value parser, reading licence expressions with one shared licensing.

    Its grammar action builds a new `license_expression` licensing (the whole SPDX license
    list, about 30 ms and megabytes of garbage) for every licence field; this subclass
    replaces only that action, with the same grammar rule, by spdx-tools' own shared
    instance (the one its validator uses). The rest of the grammar is spdx-tools'."""
    from license_expression import ExpressionError
    from spdx_tools.common.spdx_licensing import spdx_licensing
    from spdx_tools.spdx.parser.tagvalue.parser import Parser

    base: Any = Parser
    rule: str = base.p_license.__doc__

    def p_license(self: Any, p: Any) -> None:
        try:
            p[0] = spdx_licensing.parse(p[1])
        except ExpressionError as err:
            message = f"Error while parsing license expression: {p[1]}"
            if err.args:
                message += f": {err.args[0]}"
            self.current_element["logger"].append(message)

    p_license.__doc__ = rule  # ply reads the grammar rule from the docstring
    # and orders rules by their line (the first is the start symbol): keep the original's
    p_license.__code__ = p_license.__code__.replace(
        co_firstlineno=base.p_license.__code__.co_firstlineno)
    return type("SharedLicensingParser", (base,), {"p_license": p_license})


def _logical_lines(text: str, where: str) -> list[tuple[int, str, str]]:
    """(line number, tag, value) with multi-line <text>…</text> values joined."""
    out: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        bare = _BARE_RELATIONSHIP.match(line)
        match = _TAG.match(line)
        if bare and not match:
            out.append((number, "Relationship", " ".join(bare.groups())))
            continue
        if not match:
            raise InvalidDocument(f"not a tag-value line: {line[:80]!r}",
                                  where=f"{where}: line {number}")
        tag, value = match.groups()
        if value.lstrip().startswith("<text>"):
            parts = [value.lstrip()[6:]]
            while "</text>" not in parts[-1]:
                if index >= len(lines):
                    raise InvalidDocument("unterminated <text> value",
                                          where=f"{where}: line {number}")
                parts.append(lines[index])
                index += 1
            value = "\n".join(parts).split("</text>", 1)[0]
        out.append((number, tag, value.strip()))
    return out


def read_tag_value(text: str, where: str, options: ParseOptions) -> dict[str, Any]:
    data: dict[str, Any] = {"creationInfo": {"creators": []}, "packages": [], "files": [],
                            "snippets": [], "relationships": []}
    current: dict[str, Any] | None = data  # the element SPDXID lines belong to
    for number, tag, value in _logical_lines(text, where):
        if tag in _DOCUMENT_TAGS:
            data[_DOCUMENT_TAGS[tag]] = value
        elif tag == "Creator":
            data["creationInfo"]["creators"].append(value)
        elif tag == "Created":
            data["creationInfo"]["created"] = value
        elif tag == "PackageName":
            if len(data["packages"]) >= options.limits.max_components:
                raise LimitExceeded(f"more than {options.limits.max_components} packages",
                                    where=f"{where}: line {number}")
            current = {"name": value}
            data["packages"].append(current)
        elif tag == "FileName":
            current = {"fileName": value}
            data["files"].append(current)
        elif tag == "SnippetSPDXID":
            current = {"SPDXID": value}
            data["snippets"].append(current)
        elif tag in _SECTION_STARTS:
            current = None
        elif tag == "SPDXID":
            if current is not None:
                current["SPDXID"] = value
        elif tag == "Relationship":
            parts = value.split()
            if len(parts) < 3:
                raise InvalidDocument(f"relationship needs 3 parts: {value!r}",
                                      where=f"{where}: line {number}")
            data["relationships"].append({"spdxElementId": parts[0],
                                          "relationshipType": parts[1],
                                          "relatedSpdxElement": parts[2]})
        elif current is not None and current is not data:
            _element_tag(current, tag, value)
    return data


def _element_tag(element: dict[str, Any], tag: str, value: str) -> None:
    if tag in _PACKAGE_TAGS:
        element[_PACKAGE_TAGS[tag]] = value
    elif tag in ("PackageChecksum", "FileChecksum"):
        algorithm, _, checksum = value.partition(":")
        element.setdefault("checksums", []).append(
            {"algorithm": algorithm.strip(), "checksumValue": checksum.strip()})
    elif tag == "ExternalRef":
        parts = value.split(None, 2)
        if len(parts) == 3:
            element.setdefault("externalRefs", []).append(
                {"referenceCategory": parts[0], "referenceType": parts[1],
                 "referenceLocator": parts[2]})
