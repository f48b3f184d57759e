"""Verification outcomes persisted in the store's `verifications` log and counted by day
and hour: real SQLite stores, the store's clock set by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store import open_store
from provenance_linker.trust.verification_log import STREAM, OutcomeTally, record_outcome
from provenance_linker.trust.verifier import verify_artifact

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _record(store: object, outcome: str) -> None:
    record_outcome(store, outcome=outcome, artifact_type="artifact",  # type: ignore[arg-type]
                   failure_reason=None, environment=None, digest="sha256:" + "a" * 64)


def test_counts_by_day_and_hour_over_a_window(tmp_path: Path) -> None:
    clock = Clock()
    store = open_store(f"sqlite:///{tmp_path}/g.db", clock=clock)
    # 40 days of history, one entry every 6 hours: the window must start by bisection.
    start = (NOW - timedelta(days=40)).replace(hour=0, minute=0)
    for i in range(40 * 4 + 3):  # up to today 12:00
        clock.now = start + timedelta(hours=6 * i)
        _record(store, "failure" if i % 4 == 0 else "success")
    clock.now = NOW - timedelta(minutes=10)
    _record(store, "bypassed")
    series = OutcomeTally(days=14).series(store, NOW)
    days = series["by_day"]
    assert len(days) == 14 and days[-1]["start"] == "2026-11-20T00:00:00Z"
    assert days[0]["start"] == "2026-11-07T00:00:00Z"
    # A full day: four entries, one of them a failure (the one at 00:00 of each day).
    assert days[0]["counts"] == {"failure": 1, "success": 3}
    # Today: 00:00 failure, 06:00 and 12:00 success, and the bypass at 15:20.
    assert days[-1]["counts"] == {"failure": 1, "success": 2, "bypassed": 1}
    assert series["total"] == {"failure": 14, "success": 13 * 3 + 2, "bypassed": 1}
    hours = series["by_hour"]
    assert len(hours) == 24 and hours[-1]["start"] == "2026-11-20T15:00:00Z"
    assert hours[-1]["counts"] == {"bypassed": 1}
    assert hours[-4]["counts"] == {"success": 1}  # 12:00
    assert sum(sum(h["counts"].values()) for h in hours) == 5  # 18:00 y'day .. 15:20
    store.close()


def test_a_tally_reads_new_entries_and_a_fresh_one_sees_the_same(tmp_path: Path) -> None:
    clock = Clock()
    url = f"sqlite:///{tmp_path}/g.db"
    store = open_store(url, clock=clock)
    tally = OutcomeTally()
    assert tally.series(store, NOW)["total"] == {}
    _record(store, "success")
    assert tally.series(store, NOW)["total"] == {"success": 1}
    clock.now = NOW + timedelta(hours=1)
    _record(store, "failure")
    later = NOW + timedelta(hours=1, minutes=5)
    assert tally.series(store, later)["total"] == {"success": 1, "failure": 1}
    store.close()
    # Another process (a restart) reads the same series from the store.
    again = open_store(url)
    assert OutcomeTally().series(again, later) == tally.series(again, later)
    again.close()


def test_a_recorded_verification_is_logged_and_a_viewed_one_is_not(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/g.db")
    image = cyclonedx_sbom("registry.test/app/web:1", 3)
    Linker(store).ingest(load(orjson.dumps(image.document), "web.cdx.json"))
    verify_artifact(store, image.name, record=False)
    assert store.read_log(STREAM) == []
    report = verify_artifact(store, image.name)  # unsigned: fails the default policy
    [entry] = store.read_log(STREAM)
    assert entry.payload["outcome"] == report.result == "failure"
    assert entry.payload["digest"] == image.digest
    assert entry.payload["failure_reason"] == report.failure_reason
    store.close()
