"""The audit trail: who changed provenance data, from where, what, when, with what outcome.

Entries live in the store's hash-chained `audit` log (one chain shared by every replica),
so editing or deleting a past entry is detectable with `verify()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import LogEntry
from ..store.interface import GraphStore
from ..store.ledger import ChainReport, verify_chain

AUDIT_STREAM = "audit"


def record(store: GraphStore, *, action: str, actor: str, outcome: str = "ok",
           source_ip: str | None = None, target: str | None = None,
           **details: Any) -> LogEntry:
    """Append one audit entry. `action` names what was attempted (e.g. `ingest`,
    `tokens.create`, `bypass.enable`), `outcome` is `ok`, `refused` or `failed`."""
    return store.append_log(AUDIT_STREAM, entry(action=action, actor=actor, outcome=outcome,
                                                source_ip=source_ip, target=target, **details))


def entry(*, action: str, actor: str, outcome: str = "ok", source_ip: str | None = None,
          target: str | None = None, **details: Any) -> dict[str, Any]:
    """The payload of one audit entry (for `record`, `changed` and `change_records`)."""
    payload: dict[str, Any] = {"action": action, "actor": actor, "outcome": outcome,
                               "source_ip": source_ip, "target": target}
    payload.update(details)
    return payload


def changed(store: GraphStore, *, action: str, actor: str,
            puts: Sequence[tuple[str, str, Mapping[str, Any]]] = (),
            deletes: Sequence[tuple[str, str]] = (), outcome: str = "ok",
            source_ip: str | None = None, target: str | None = None,
            **details: Any) -> list[bool]:
    """Make a change to records and append its audit entry in one transaction: the
    trail never misses a change that happened nor names one that did not. Whether each
    delete found its record."""
    payload = entry(action=action, actor=actor, outcome=outcome, source_ip=source_ip,
                    target=target, **details)
    return store.change_records(puts, deletes, [(AUDIT_STREAM, payload)])


def verify(store: GraphStore, stream: str = AUDIT_STREAM) -> ChainReport:
    return verify_chain(stream, store.read_log(stream))
