"""Schema validation against the official schemas and libraries.

- CycloneDX JSON: the official JSON schemas shipped with cyclonedx-python-lib, run with
  jsonschema_rs (formats/schemas.py: the library's pure-Python validator is ~1000x slower).
- CycloneDX XML: cyclonedx-python-lib's XSD validator (lxml).
- SPDX 2.x: spdx-tools' parser and validator (formats/spdx_validation.py).

`--strict` turns the first problem into `InvalidDocument` naming it and where it is; the
default returns every problem as a warning string.
"""

from __future__ import annotations

from typing import Any

from ..documents import Document
from ..errors import InvalidDocument
from .schemas import cyclonedx_problems


def validate_cyclonedx_json(document: Document, bom: Any) -> None:
    """Raise InvalidDocument naming the first schema violation and where it is."""
    cyclonedx_json_warnings(document, bom, strict=True)


def cyclonedx_json_warnings(document: Document, bom: Any, *, strict: bool) -> list[str]:
    spec = bom.get("specVersion") if isinstance(bom, dict) else None
    problems = cyclonedx_problems(bom, str(spec))
    if strict and problems:
        message, path = problems[0]
        raise InvalidDocument(f"schema validation failed: {message}",
                              where=f"{document.name}: {path}")
    return [f"schema: {path}: {message}" for message, path in problems]


def validate_cyclonedx_xml(document: Document, spec: str, *, strict: bool) -> list[str]:
    """XSD-validate; strict raises on the first error, otherwise errors become warnings."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    try:
        version = SchemaVersion.from_version(spec)
    except ValueError:
        return []
    errors = XmlValidator(version).validate_str(document.text, all_errors=True)
    problems: list[tuple[str, str]] = []
    for error in errors or []:
        entry = getattr(error, "data", None)
        line = getattr(entry, "line", None)
        message = getattr(entry, "message", None) or str(error)
        problems.append((str(message), f"line {line}" if line else "$"))
        if len(problems) >= 100:
            break
    if strict and problems:
        message, where = problems[0]
        raise InvalidDocument(f"XSD validation failed: {message}",
                              where=f"{document.name}: {where}")
    return [f"schema: {where}: {message}" for message, where in problems]
