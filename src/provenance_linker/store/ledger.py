"""Hash chaining for append-only logs (the audit trail and the change ledger).

Each entry's hash covers its stream, sequence number, time, payload and the previous
entry's hash, so editing or deleting any past entry breaks every hash after it.
The stores call `entry_hash` inside the transaction that appends; `verify_chain`
re-computes the chain from the stored entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from ..model import LogEntry, Props

GENESIS = "0" * 64
# The change ledger: one entry per document written (ingest, re-verification).
LEDGER_STREAM = "ledger"


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def entry_hash(stream: str, seq: int, at: str, payload: Props, prev_hash: str) -> str:
    h = hashlib.sha256()
    h.update(canonical_json([stream, seq, at, dict(payload), prev_hash]))
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class ChainReport:
    stream: str
    entries: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_chain(stream: str, entries: Iterable[LogEntry]) -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(stream, count, False, expected_seq,
                               "entry missing (gap in sequence)")
        if entry.prev_hash != prev:
            return ChainReport(stream, count, False, entry.seq, "previous-hash link broken")
        if entry_hash(stream, entry.seq, entry.at, entry.payload, entry.prev_hash) != entry.hash:
            return ChainReport(stream, count, False, entry.seq, "entry content edited")
        prev = entry.hash
        expected_seq += 1
    return ChainReport(stream, count, True)
