"""An unauthenticated flood does not grow the audit trail per request: refusals of one
kind are written once, then counted and written as one entry per interval."""

from __future__ import annotations

import time
from pathlib import Path

from provenance_linker.access.refusals import RefusalAudit
from provenance_linker.store import open_store

from ..support.service import start_service

FLOOD = 300


INTERVAL = 5


def test_a_flood_of_anonymous_uploads_costs_two_audit_entries_per_interval(
        tmp_path: Path) -> None:
    api = start_service(tmp_path, env={"PROVENANCE_REFUSAL_AUDIT_SECONDS": str(INTERVAL)})
    try:
        started = time.monotonic()
        with api.client() as client:
            for _ in range(FLOOD):
                assert client.post("/v1/sboms", content=b"{}").status_code == 401
        elapsed = time.monotonic() - started
    finally:
        api.stop()  # a clean stop writes what is still counted
    store = open_store(api.db_url)
    try:
        refused = [e.payload for e in store.read_log("audit")
                   if e.payload.get("outcome") == "refused"]
    finally:
        store.close()
    intervals = int(elapsed // INTERVAL) + 1
    assert 1 <= len(refused) <= 2 * intervals + 1, (len(refused), elapsed)
    assert len(refused) < FLOOD / 10
    assert sum(int(e["count"]) for e in refused) == FLOOD
    assert {e["source_ip"] for e in refused} == {"127.0.0.1"}
    assert {e["actor"] for e in refused} == {"anonymous"}


def test_kinds_are_kept_apart_and_bounded(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/g.db")
    now = [1000.0]
    audit = RefusalAudit(store, interval=10, max_kinds=3, clock=lambda: now[0])
    try:
        for ip in ("10.0.0.1", "10.0.0.2"):
            for _ in range(5):
                audit.refused(action="POST /v1/sboms", actor="anonymous", source_ip=ip,
                              reason="a bearer API token is required")
        for i in range(50):  # rotating sources beyond the bound share one kind
            audit.refused(action="POST /v1/sboms", actor="anonymous", source_ip=f"10.1.0.{i}",
                          reason="a bearer API token is required")
        assert len(store.read_log("audit")) == 4  # first of each kept kind, and overflow
        now[0] += 11
        audit.flush()
        entries = [e.payload for e in store.read_log("audit")]
        assert sum(int(e["count"]) for e in entries) == 60
        assert len(entries) <= 7
    finally:
        store.close()
