"""Schema validation with the official libraries (used in --strict mode and to record
warnings): cyclonedx-python-lib's JSON/XML validators, spdx-tools' validator."""

from __future__ import annotations

from typing import Any

from ..documents import Document
from ..errors import InvalidDocument


def validate_cyclonedx_json(document: Document, bom: Any) -> None:
    """Raise InvalidDocument naming the first schema violation and where it is."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    spec = bom.get("specVersion") if isinstance(bom, dict) else None
    try:
        version = SchemaVersion.from_version(str(spec))
    except ValueError as exc:
        raise InvalidDocument(f"unsupported CycloneDX specVersion {spec!r}",
                              where=f"{document.name}: $.specVersion") from exc
    error = JsonStrictValidator(version).validate_str(document.text)
    if error is not None:
        data = getattr(error, "data", None)
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                             for p in getattr(data, "absolute_path", []))
        message = getattr(data, "message", None) or str(error)
        raise InvalidDocument(f"schema validation failed: {message}",
                              where=f"{document.name}: {path}")
