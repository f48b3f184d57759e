"""Official CycloneDX JSON schemas (shipped with cyclonedx-python-lib), compiled once
with jsonschema_rs.

cyclonedx-python-lib's own JSON validator drives the pure-Python `jsonschema` package,
which took about 90 s on a 10,000-component BOM here; jsonschema_rs validates the same
document against the same schema files in tens of milliseconds, so it runs in every mode.
"""

from __future__ import annotations

from collections.abc import Callable
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
def _cyclonedx_schema(spec: str) -> tuple[dict[str, Any], Callable[[str], Any]] | None:
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

    return orjson.loads(path.read_bytes()), retrieve


@cache
def cyclonedx_validator(spec: str) -> Any | None:
    """The compiled validator for a CycloneDX spec version (None if there is no schema)."""
    found = _cyclonedx_schema(spec)
    if found is None:
        return None
    schema, retrieve = found
    return jsonschema_rs.validator_for(schema, retriever=retrieve, validate_formats=True)


@cache
def _item_validator(spec: str, prop: str) -> Any | None:
    """A validator for one item of a top-level array property (`components`, …): the
    same schema document, rooted at `#/properties/<prop>/items`."""
    found = _cyclonedx_schema(spec)
    if found is None:
        return None
    schema, retrieve = found
    if "items" not in schema.get("properties", {}).get(prop, {}):
        return None
    # Draft 7 ignores the root's own keywords beside `$ref`; the pointer needs them.
    rooted = {**schema, "$ref": f"#/properties/{prop}/items"}
    return jsonschema_rs.validator_for(rooted, retriever=retrieve, validate_formats=True)


_UNIQUE = jsonschema_rs.validator_for({"uniqueItems": True})


def json_path(parts: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def cyclonedx_problems(bom: Any, spec: str) -> list[tuple[str, str]]:
    """Schema violations as (message, JSON path), at most MAX_PROBLEMS.

    Each error carries its instance converted back to Python objects, so an error at a
    large node (uniqueItems over a million components) copies that node whole: a valid
    BOM is answered by `is_valid` alone, an invalid one is validated as its root with the
    top-level arrays emptied, then item by item, then each array's uniqueness."""
    validator = cyclonedx_validator(spec)
    if validator is None or validator.is_valid(bom):
        return []
    if not isinstance(bom, dict):
        return _errors(validator, bom, (), MAX_PROBLEMS)
    arrays: dict[str, tuple[list[Any], Any]] = {}
    for key, value in bom.items():
        check = _item_validator(spec, key) if isinstance(value, list) and value else None
        if check is not None:
            arrays[key] = (value, check)
    problems = _errors(validator, {**bom, **{key: [] for key in arrays}}, (), MAX_PROBLEMS)
    for prop, (items, item_validator) in arrays.items():
        for index, item in enumerate(items):
            if len(problems) >= MAX_PROBLEMS:
                return problems
            if not item_validator.is_valid(item):
                problems += _errors(item_validator, item, (prop, index),
                                    MAX_PROBLEMS - len(problems))
        if not _UNIQUE.is_valid(items) and len(problems) < MAX_PROBLEMS:
            problems.append(("array items are not unique (repeated items)",
                             json_path((prop,))))
    return problems


def _errors(validator: Any, instance: Any, prefix: tuple[str | int, ...],
            limit: int) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for error in validator.iter_errors(instance):
        problems.append((_short(str(error.message)),
                         json_path((*prefix, *error.instance_path))))
        if len(problems) >= limit:
            break
    return problems


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit] + "…"
