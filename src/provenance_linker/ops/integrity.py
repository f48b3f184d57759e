"""`integrity verify`: recompute every sealed row and table seal from the stored rows.

Reads one consistent snapshot of the store (store.snapshot()), checks each row's MAC
against its content, each table's row count and MAC sum against its keyed seal, and the
hash chain of every log; reports the first divergence by table, label and key. The
verdict is kept as the record `integrity/status` (for `/metrics` on every replica).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..errors import ConfigError
from ..store import display_url
from ..store.interface import GraphStore
from ..store.ledger import verify_chain
from ..store.seal import MODULUS, TABLES, Sealer
from ..telemetry import events
from ..telemetry.logging import get_logger

STATUS_COLLECTION = "integrity"
STATUS_KEY = "status"


@dataclass(frozen=True, slots=True)
class Divergence:
    table: str
    label: str
    key: str
    problem: str


@dataclass(slots=True)
class IntegrityReport:
    store: str
    ok: bool = True
    rows: dict[str, int] = field(default_factory=dict)
    seal_versions: dict[str, int] = field(default_factory=dict)
    log_heads: dict[str, dict[str, Any]] = field(default_factory=dict)
    divergence: Divergence | None = None
    checked_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sealer(store: GraphStore) -> Sealer:
    if store.sealer is None:
        raise ConfigError("no integrity key is configured, so nothing is sealed",
                          where=display_url(store),
                          hint="set PROVENANCE_INTEGRITY_KEY_FILE (or PROVENANCE_INTEGRITY_KEY) "
                          "for every process that writes or verifies the store")
    return store.sealer


def verify(store: GraphStore, *, clock: Callable[[], datetime]) -> IntegrityReport:
    """Check everything; the first divergence found ends the check."""
    sealer = _sealer(store)
    report = IntegrityReport(display_url(store))
    with store.snapshot():
        report.divergence = (_check_tables(store, sealer, report)
                             or _check_chains(store, report) or _check_derived(store))
    report.ok = report.divergence is None
    report.checked_at = clock().isoformat()
    _publish(store, report)
    return report


def _check_tables(store: GraphStore, sealer: Sealer,
                  report: IntegrityReport) -> Divergence | None:
    seals = store.integrity_seals()
    for table in TABLES:
        seal = seals[table]
        report.seal_versions[table] = seal.version
        if not sealer.valid(seal):
            return Divergence(table, "-", "-", "the table's seal was edited")
        count, total, bad = sealer.scan(table, store.integrity_rows(table))
        if bad is not None:
            label, key, what = bad
            if what == "missing":
                return Divergence(table, label, key, "row has no seal (written outside the "
                                  "system, or before the integrity key was configured)")
            return Divergence(table, label, key, "row content does not match its seal (edited)")
        report.rows[table] = count
        orphan = store.integrity_orphan(table)
        if orphan is not None:
            return Divergence(table, orphan[0], orphan[1],
                              "row refers to a row that does not exist (added outside)")
        if count != seal.count or total % MODULUS != int(seal.total, 16):
            if count < seal.count:
                what = f"{seal.count - count} row(s) deleted"
            elif count > seal.count:
                what = f"{count - seal.count} row(s) added"
            else:
                what = "rows replaced"
            return Divergence(table, "-", "-", f"{what} outside the system "
                              f"(sealed {seal.count} rows, found {count})")
    return None


def _check_derived(store: GraphStore) -> Divergence | None:
    bad = store.integrity_derived()
    if bad is None:
        return None
    return Divergence("derived", bad[0], bad[1], "derived row does not match its seal "
                      "(edited outside the system, or written before the integrity key)")


def _check_chains(store: GraphStore, report: IntegrityReport) -> Divergence | None:
    for stream in store.log_streams():
        entries = store.read_log(stream)
        chain = verify_chain(stream, entries)
        if not chain.ok:
            return Divergence("logs", stream, str(chain.first_bad_seq),
                              chain.problem or "chain broken")
        if entries:
            report.log_heads[stream] = {"seq": entries[-1].seq, "hash": entries[-1].hash}
    return None


def _publish(store: GraphStore, report: IntegrityReport) -> None:
    log = get_logger()
    status = {"ok": report.ok, "checked_at": report.checked_at,
              "log_heads": report.log_heads, "seal_versions": report.seal_versions,
              "divergence": asdict(report.divergence) if report.divergence else None}
    if report.divergence is not None:
        d = report.divergence
        log.error(events.INTEGRITY_VIOLATION, table=d.table, label=d.label, key=d.key,
                  problem=d.problem, store=report.store)
    else:
        for stream, head in sorted(report.log_heads.items()):
            log.info(events.LOG_HEAD, stream=stream, seq=head["seq"], hash=head["hash"])
        log.info(events.INTEGRITY_VERIFIED, store=report.store, rows=report.rows)
    store.put_record(STATUS_COLLECTION, STATUS_KEY, status)


def last_status(store: GraphStore) -> Mapping[str, Any] | None:
    return store.get_record(STATUS_COLLECTION, STATUS_KEY)


def integrity_gauge_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    """`provenance_integrity_ok`: 1 after a clean check, 0 after a violation (no series
    before the first check)."""
    status = last_status(store)
    return [] if status is None else [({}, 1.0 if status.get("ok") else 0.0)]


def log_head_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    """`provenance_log_head_sequence{stream,hash}`: each chain's head as last verified."""
    status = last_status(store) or {}
    heads: Mapping[str, Any] = status.get("log_heads") or {}
    return [({"stream": s, "hash": str(h.get("hash", ""))}, float(h.get("seq", 0)))
            for s, h in sorted(heads.items())]
