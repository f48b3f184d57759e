"""Checks for log entries copied between stores: they must extend the stored chain."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import StoreError
from ..model import LogEntry
from . import ledger


def check_continuation(stream: str, entries: Sequence[LogEntry], last_seq: int,
                       last_hash: str) -> None:
    """Raise StoreError unless `entries` continue the stream after (last_seq, last_hash),
    each linked to the one before and each hash matching its content."""
    seq, prev = last_seq, last_hash
    for entry in entries:
        if (entry.seq != seq + 1 or entry.prev_hash != prev or entry.hash != ledger.entry_hash(
                stream, entry.seq, entry.at, entry.payload, entry.prev_hash)):
            raise StoreError(f"log entries do not continue stream {stream!r}",
                             where=f"seq {entry.seq}",
                             hint="copy a log into a store that does not hold it yet")
        seq, prev = entry.seq, entry.hash
