"""Type checks for values read from decoded documents: a wrong JSON type is an
InvalidDocument naming the place (`$.a.b`), not a TypeError deep inside a reader."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidDocument

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _wrong(path: str, wanted: str, value: Any) -> InvalidDocument:
    return InvalidDocument(f"{path} must be {wanted}, not {json_type(value)}", where=path)


def optional_text(value: Any, path: str) -> str | None:
    """A string (empty counts as absent) or absent."""
    if value is None or isinstance(value, str):
        return value or None
    raise _wrong(path, "a string", value)


def optional_object(value: Any, path: str) -> dict[str, Any]:
    """An object, absent as {}."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise _wrong(path, "an object", value)


def optional_array(value: Any, path: str) -> list[Any]:
    """An array, absent as []."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _wrong(path, "an array", value)


def strings(value: Any, path: str) -> list[str]:
    """An array of strings, absent as []."""
    items = optional_array(value, path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise _wrong(f"{path}[{index}]", "a string", item)
    return items
