"""Reading JSON documents for the SBOM hot path.

stdlib `json` rather than orjson: on SBOM-shaped input it decodes as fast, while orjson's
parser holds a transient arena of about 3x the decoded size (73 MB peak for a 4.5 MB,
10,000-component BOM against 21 MB), which alone broke the memory target.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidDocument, LimitExceeded
from .failures import reject_lone_surrogates


def loads(text: str, where: str) -> Any:
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise LimitExceeded("JSON nested too deeply to read", where=where) from exc
    except json.JSONDecodeError as exc:
        raise InvalidDocument(f"malformed JSON: {exc.msg} at line {exc.lineno} column "
                              f"{exc.colno}", where=where) from exc
    except ValueError as exc:  # e.g. an integer over Python's 4,300-digit conversion limit
        raise InvalidDocument(f"malformed JSON: {exc}", where=where) from exc
    reject_lone_surrogates(text, value, where)
    return value
