"""The evidence version: one value that changes whenever stored evidence or trust does.

Admission decisions are cached per (digest, policy digest, evidence version); any
ingest, trust-store change or quarantine moves the version, so no replica serves a
decision made on older evidence."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from typing import Any

from ..store.interface import GraphStore

COLLECTION = "runtime.state"
KEY = "evidence"


def current(store: GraphStore) -> str:
    value = store.get_record(COLLECTION, KEY)
    return str(value["version"]) if value else "0"


def bump(store: GraphStore, cause: dict[str, Any]) -> str:
    """A new version (random, so concurrent writers never produce the same one)."""
    version = hashlib.sha256(os.urandom(16)).hexdigest()[:16]
    store.put_record(COLLECTION, KEY, {"version": version, "cause": cause,
                                       "at": datetime.now(UTC).isoformat()})
    return version
