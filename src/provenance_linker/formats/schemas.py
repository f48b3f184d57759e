"""Official CycloneDX JSON schemas (shipped with cyclonedx-python-lib), compiled once
with jsonschema_rs.

cyclonedx-python-lib's own JSON validator drives the pure-Python `jsonschema` package,
which took about 90 s on a 10,000-component BOM here; jsonschema_rs validates the same
document against the same schema files in tens of milliseconds, so it runs in every mode.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

MAX_PROBLEMS = 100


def _schema_file(spec: str) -> Path | None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.schema._res import BOM_JSON

    try:
        version = SchemaVersion.from_version(spec)
    except ValueError:
        return None
    path = BOM_JSON.get(version)
    return Path(path) if path else None


@cache
def cyclonedx_validator(spec: str) -> Any | None:
    """The compiled validator for a CycloneDX spec version (None if there is no schema)."""
    path = _schema_file(spec)
    if path is None:
        return None
    folder = path.parent

    def retrieve(uri: str) -> Any:
        # The schemas refer to their siblings (spdx, jsf) by relative name; never fetch.
        name = uri.rsplit("/", 1)[-1].split("#", 1)[0]
        local = folder / name
        if not local.is_file():
            local = folder / name.replace(".schema.json", ".SNAPSHOT.schema.json")
        return orjson.loads(local.read_bytes())

    schema = orjson.loads(path.read_bytes())
    return jsonschema_rs.validator_for(schema, retriever=retrieve, validate_formats=True)


def json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def cyclonedx_problems(bom: Any, spec: str) -> list[tuple[str, str]]:
    """Schema violations as (message, JSON path), at most MAX_PROBLEMS."""
    validator = cyclonedx_validator(spec)
    if validator is None:
        return []
    problems: list[tuple[str, str]] = []
    for error in validator.iter_errors(bom):
        problems.append((_short(str(error.message)), json_path(error.instance_path)))
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit] + "…"
