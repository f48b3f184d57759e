"""A worker killed with SIGKILL mid-job loses nothing: after restart the job completes
exactly once and the document is stored once (real worker subprocesses)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import orjson
import pytest

from provenance_linker.access import audit
from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import sha256_of
from provenance_linker.jobs import open_queue, queue_url_for
from provenance_linker.jobs.interface import DONE, RUNNING, new_job
from provenance_linker.store import open_store
from provenance_linker.store.ledger import LEDGER_STREAM

from ..support.service import start_worker


def _wait(predicate, timeout: float, step: float = 0.02):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not reached in time")


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_sigkill_mid_job_then_restart_completes_exactly_once(
        tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    env: dict[str, str] = {}
    if backend == "redis":
        import redis

        env["PROVENANCE_QUEUE"] = request.getfixturevalue("redis_url")
        redis.Redis.from_url(env["PROVENANCE_QUEUE"]).flushdb()
    store = open_store(db_url)
    queue = open_queue(queue_url_for(db_url, env.get("PROVENANCE_QUEUE")))
    # Large enough that ingest takes seconds, so the kill lands inside the job.
    data = orjson.dumps(cyclonedx_sbom("registry.example/crash:1", 20000, seed=3).document)
    digest = sha256_of(data)
    job, created = queue.enqueue(new_job("sbom", "crash.json", digest, data, {},
                                         {"name": "tester", "ip": "127.0.0.1"}))
    assert created

    first = start_worker(db_url, tmp_path / "worker1.log", "--lease", "2", "--poll", "0.05",
                         env=env)
    try:
        running = _wait(lambda: (j := queue.get(job.id)) and j.state == RUNNING and j, 30)
        time.sleep(0.4)
        assert store.document(digest) is None, "the job finished before the kill"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert first.returncode == -signal.SIGKILL
    stale = queue.get(job.id)
    assert stale is not None and stale.state == RUNNING
    assert stale.lease_owner == running.lease_owner and stale.attempts == 1
    assert store.document(digest) is None  # nothing half-written

    second = start_worker(db_url, tmp_path / "worker2.log", "--lease", "2", "--poll", "0.05",
                          "--max-jobs", "1", env=env)
    try:
        assert second.wait(120) == 0
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)

    done = queue.get(job.id)
    assert done is not None and done.state == DONE and done.attempts == 2
    assert done.result is not None and done.result["created"] is True
    assert done.lease_owner is None and done.error is None
    assert store.document(digest) is not None
    assert [d.digest for d in store.documents("sbom")].count(digest) == 1
    ingests = [e for e in store.read_log(LEDGER_STREAM) if e.payload.get("document") == digest]
    assert len(ingests) == 1
    trail = [e.payload for e in store.read_log(audit.AUDIT_STREAM)
             if e.payload.get("job") == job.id]
    assert len(trail) == 1 and trail[0]["outcome"] == "ok" and trail[0]["actor"] == "tester"
    assert queue.backlog() == 0
    queue.close()
    store.close()
