"""The job table on SQLite and on a real Redis: leases, idempotency, retries with backoff,
dead-lettering, operator retry and stuck-job purge."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import Limits, sha256_of
from provenance_linker.errors import UsageError
from provenance_linker.jobs import open_queue
from provenance_linker.jobs.interface import (
    DEAD,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    JobQueue,
    backoff_seconds,
    new_job,
    purge_stuck,
    retry,
)
from provenance_linker.jobs.worker import WorkerConfig, process_one
from provenance_linker.store import open_store
from provenance_linker.telemetry import logging as tlog

SBOM = orjson.dumps(cyclonedx_sbom("registry.example/queue:1", 10, seed=1).document)


@pytest.fixture(params=["sqlite", "redis"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobQueue]:
    if request.param == "sqlite":
        q = open_queue(f"sqlite:///{tmp_path}/queue.db")
    else:
        url = request.getfixturevalue("redis_url")
        import redis

        redis.Redis.from_url(url).flushdb()
        q = open_queue(url)
    try:
        yield q
    finally:
        q.close()


def _job(data: bytes = SBOM, name: str = "q.json", max_attempts: int = 3, now: float = 100.0):  # type: ignore[no-untyped-def]
    return new_job("sbom", name, sha256_of(data), data, {"strict": False},
                   {"name": "tester"}, max_attempts=max_attempts, clock=lambda: now)


def test_enqueue_is_idempotent_and_keeps_bytes(queue: JobQueue) -> None:
    job, created = queue.enqueue(_job())
    again, created_again = queue.enqueue(_job(now=200.0))
    assert created and not created_again
    assert again.id == job.id and again.created_at == 100.0
    stored = queue.get(job.id, with_data=True)
    assert stored is not None and stored.data == SBOM and stored.state == QUEUED
    assert queue.counts() == {QUEUED: 1} and queue.backlog() == 1


def test_lease_expiry_lets_another_worker_claim(queue: JobQueue) -> None:
    job, _ = queue.enqueue(_job())
    first = queue.claim("w1", lease_seconds=10, now=100.0)
    assert first is not None and first.id == job.id and first.attempts == 1
    assert queue.claim("w2", 10, now=105.0) is None  # leased
    second = queue.claim("w2", 10, now=111.0)  # lease expired
    assert second is not None and second.lease_owner == "w2" and second.attempts == 2
    assert not queue.finish(job.id, "w1", {"state": DONE})  # the old holder lost it
    assert queue.finish(job.id, "w2", {"state": DONE, "lease_owner": None})
    final = queue.get(job.id)
    assert final is not None and final.state == DONE and queue.backlog() == 0
    assert queue.claim("w3", 10, now=1000.0) is None


def test_renew_extends_the_lease(queue: JobQueue) -> None:
    queue.enqueue(_job())
    job = queue.claim("w1", 10, now=100.0)
    assert job is not None
    assert queue.renew(job.id, "w1", until=130.0)
    assert queue.claim("w2", 10, now=120.0) is None
    assert not queue.renew(job.id, "w2", until=500.0)


def test_failures_back_off_then_go_dead_and_retry_revives(queue: JobQueue,
                                                        tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    broken = b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [}'
    job, _ = queue.enqueue(_job(broken, "broken.json"))
    stream = io.StringIO()
    tlog.configure("sbom-processor", level="INFO", stream=stream)
    try:
        ran = process_one(queue, store, WorkerConfig(lease_seconds=5), owner="w1",
                          clock=lambda: 1000.0)
    finally:
        tlog.configure()
    assert ran is not None
    dead = queue.get(job.id)
    assert dead is not None and dead.state == DEAD  # a bad document is not retried
    assert dead.error is not None and "broken.json" in dead.error
    lines = [json.loads(x) for x in stream.getvalue().splitlines()]
    failed = [x for x in lines if x["event"] == "job_failed"]
    assert failed and failed[0]["level"] == "ERROR" and failed[0]["component"] == "sbom-processor"
    assert store.document(job.digest) is None
    trail = [e.payload for e in store.read_log("audit")]
    assert trail[-1]["outcome"] == "failed" and trail[-1]["job"] == job.id
    assert trail[-1]["actor"] == "tester" and "broken.json" in trail[-1]["error"]
    revived = retry(queue, job.id, now=2000.0)
    assert revived.state == QUEUED
    again = queue.get(job.id)
    assert again is not None and again.state == QUEUED and again.attempts == 0
    with pytest.raises(UsageError):
        retry(queue, job.id, now=2001.0)
    store.close()


def test_transient_failure_retries_with_backoff(queue: JobQueue) -> None:
    job, _ = queue.enqueue(_job(max_attempts=2))
    claimed = queue.claim("w1", 5, now=100.0)
    assert claimed is not None
    wait = backoff_seconds(claimed.attempts)
    assert queue.finish(job.id, "w1", {"state": FAILED, "error": "store down",
                                       "available_at": 100.0 + wait, "lease_owner": None})
    assert queue.claim("w1", 5, now=100.0 + wait - 0.5) is None  # backing off
    second = queue.claim("w1", 5, now=100.0 + wait + 0.1)
    assert second is not None and second.attempts == 2
    assert backoff_seconds(3) == 4 * backoff_seconds(1)


def test_purge_stuck_releases_expired_running_jobs(queue: JobQueue) -> None:
    a, _ = queue.enqueue(_job(name="a.json"))
    b, _ = queue.enqueue(_job(orjson.dumps(cyclonedx_sbom("r.example/b:1", 5).document),
                              "b.json", max_attempts=1))
    assert queue.claim("w1", 10, now=100.0) is not None
    assert queue.claim("w1", 10, now=100.0) is not None
    touched = purge_stuck(queue, now=500.0, older_than=60.0)
    assert sorted(touched) == sorted([a.id, b.id])
    ja, jb = queue.get(a.id), queue.get(b.id)
    assert ja is not None and ja.state == QUEUED and ja.lease_owner is None
    assert jb is not None and jb.state == DEAD  # attempts already used up
    assert purge_stuck(queue, now=500.0, older_than=60.0) == []


def test_worker_ingests_a_job(queue: JobQueue, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    job, _ = queue.enqueue(_job())
    process_one(queue, store, WorkerConfig(lease_seconds=30, limits=Limits()), owner="w1")
    done = queue.get(job.id)
    assert done is not None and done.state == DONE and done.result is not None
    assert done.result["document"] == job.digest
    assert store.document(job.digest) is not None
    assert RUNNING not in queue.counts()
    stored = queue.get(job.id, with_data=True)
    assert stored is not None and stored.data == b""  # bytes dropped once ingested
    store.close()
