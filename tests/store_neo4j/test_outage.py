"""GraphDatabaseConnectionFailure, for real: the test Neo4j is stopped and started again.

The health monitor notices within 5 s both ways (is_up and the gauge), calls fail with a
StoreUnavailable naming the URL after bounded retries, and uploads queued during the
outage are ingested once the database is back, none lost.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from prometheus_client import REGISTRY

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import load
from provenance_linker.errors import StoreUnavailable
from provenance_linker.jobs import open_queue, worker
from provenance_linker.jobs.interface import DONE, FAILED, new_job
from provenance_linker.model import Batch, DocumentInfo, Node, NodeKind
from provenance_linker.store import ledger as chain
from provenance_linker.store.health import HealthMonitor
from provenance_linker.store.neo4j import Neo4jStore
from provenance_linker.telemetry import events
from provenance_linker.telemetry import logging as tlog
from provenance_linker.telemetry.metrics import GRAPH_DATABASE_UP

from ..support.neo4j_server import PASSWORD, Neo4jServer

DETECT_SECONDS = 5.0


def wait_for(condition: Callable[[], bool], timeout: float) -> float:
    """Seconds until `condition` held; fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - started


def gauge() -> float | None:
    return REGISTRY.get_sample_value(GRAPH_DATABASE_UP)


def ledger_chain_ok(store: Neo4jStore) -> bool:
    return chain.verify_chain("ledger", store.read_log("ledger")).ok


def small_batch(n: int) -> Batch:
    digest = "sha256:" + f"{n:x}".rjust(64, "0")
    doc = DocumentInfo(digest=digest, kind="sbom", format="cyclonedx-json", name=f"{n}.json")
    return Batch(doc, [Node(NodeKind.SBOM, digest, {"n": n})])


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """JSON log lines go to a file the test can read (and that stays open)."""
    path = tmp_path / "log.jsonl"
    with path.open("w") as stream:
        tlog.configure(events.COMPONENT_PROCESSOR, level="INFO", stream=stream)
        yield path
        tlog.configure(events.COMPONENT_PROCESSOR, level="ERROR", stream=sys.__stderr__)


def logged(path: Path, event: str) -> list[dict[str, object]]:
    lines = [orjson.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == event]


def test_health_monitor_and_errors_follow_the_database(neo4j_server: Neo4jServer,
                                                       log_file: Path) -> None:
    store = Neo4jStore(neo4j_server.url, retry_seconds=1.0)
    monitor = HealthMonitor(store, interval=0.25).start()
    try:
        wait_for(lambda: monitor.is_up, DETECT_SECONDS)
        assert gauge() == 1
        store.apply(small_batch(1))

        neo4j_server.stop()
        assert wait_for(lambda: not monitor.is_up, DETECT_SECONDS) < DETECT_SECONDS
        assert gauge() == 0
        assert monitor.last_error and store.display_url in monitor.last_error
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            store.apply(small_batch(2))
        assert time.monotonic() - started < 30  # bounded retries, not a hang
        assert caught.value.where == store.display_url
        assert PASSWORD not in str(caught.value) and "***" in store.display_url
        assert caught.value.http_status == 503
        outage = logged(log_file, events.STORE_UNAVAILABLE)
        assert outage and all(line["level"] == "ERROR" for line in outage)
        assert all(PASSWORD not in str(line) for line in outage)

        neo4j_server.start()
        assert wait_for(lambda: monitor.is_up, DETECT_SECONDS) < DETECT_SECONDS
        assert gauge() == 1
        # Nothing written before the outage was lost; writing works again.
        assert store.document(small_batch(1).document.digest) is not None
        assert store.document(small_batch(2).document.digest) is None
        assert store.apply(small_batch(2)).created is True
        assert store.counts()["documents"] == 2
    finally:
        monitor.stop()
        store.close()


def test_uploads_queued_during_an_outage_are_ingested_after_it(
        neo4j_server: Neo4jServer, tmp_path: Path, log_file: Path) -> None:
    store = Neo4jStore(neo4j_server.url, retry_seconds=0.5)
    queue = open_queue(f"sqlite:///{tmp_path}/queue.db")
    stop = threading.Event()
    config = worker.WorkerConfig(lease_seconds=30, poll_seconds=0.05, backoff_base=0.2)
    runner = threading.Thread(target=worker.run, args=(queue, store, config),
                              kwargs={"stop": stop}, daemon=True)
    sboms = [cyclonedx_sbom(f"registry.acme.test/outage/app-{i}:1.0", 30, seed=i)
             for i in range(4)]

    def upload(i: int) -> str:
        data = orjson.dumps(sboms[i].document)
        digest = load(data, f"app-{i}.cdx.json").digest
        job, created = queue.enqueue(new_job("sbom", f"app-{i}.cdx.json", digest, data,
                                             {}, {"name": "ci"}, max_attempts=100))
        assert created
        return job.id

    runner.start()
    try:
        before = upload(0)
        wait_for(lambda: (j := queue.get(before)) is not None and j.state == DONE, 60)

        neo4j_server.stop()
        during = [upload(i) for i in (1, 2, 3)]  # the queue takes uploads while it is down
        wait_for(lambda: any((j := queue.get(i)) is not None and j.state == FAILED
                             and j.error is not None and "StoreUnavailable" in j.error
                             for i in during), 30)
        assert queue.backlog() == 3
        assert all((j := queue.get(i)) is not None and j.state != DONE for i in during)

        neo4j_server.start()
        wait_for(lambda: all((j := queue.get(i)) is not None and j.state == DONE
                             for i in during), 90)
        assert queue.backlog() == 0
        digests = {load(orjson.dumps(s.document), "x").digest for s in sboms}
        assert {d.digest for d in store.documents("sbom")} == digests
        # Each document stored once, with its full package set.
        assert len(store.documents("sbom")) == 4
        for s in sboms:
            sbom_key = load(orjson.dumps(s.document), "x").digest
            listed = store.edges(dst=[], src=[Node(NodeKind.SBOM, sbom_key).ref])
            assert sum(1 for e in listed if e.kind == "LISTS") == 30
        # And the ledger recorded each ingest exactly once, in one unbroken chain.
        ledger = store.read_log("ledger")
        assert sorted(e.payload["document"] for e in ledger) == sorted(digests)
        assert ledger_chain_ok(store)
    finally:
        stop.set()
        runner.join(30)
        queue.close()
        store.close()


def test_http_uploads_keep_queueing_while_the_graph_is_down(
        neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    """Through the API: a writer's uploads answer 202 during an outage and are ingested
    once the database is back (tokens, blocks and throttle settings are served from the
    last known state while the store is unreachable)."""
    from ..support.service import make_token, start_service, start_worker

    env = {"PROVENANCE_QUEUE": f"sqlite:///{tmp_path}/queue.db"}
    token = make_token(neo4j_server.url, "writer", "uploader")
    api = start_service(tmp_path, db_url=neo4j_server.url, env=env)
    worker_proc = None
    sboms = [cyclonedx_sbom(f"registry.acme.test/http-outage/app-{i}:1.0", 20, seed=40 + i)
             for i in range(3)]
    try:
        with api.client(token) as client:
            first = client.post("/v1/sboms", content=orjson.dumps(sboms[0].document),
                                params={"name": "app-0.json"})
            assert first.status_code == 202, first.text
            neo4j_server.stop()
            wait_for(lambda: client.get("/readyz").status_code == 503, 15)
            during = []
            for i in (1, 2):
                answer = client.post("/v1/sboms", content=orjson.dumps(sboms[i].document),
                                     params={"name": f"app-{i}.json"})
                assert answer.status_code == 202, answer.text
                during.append(answer.json()["job"]["id"])
            neo4j_server.start()
            wait_for(lambda: client.get("/readyz").status_code == 200, 30)
        worker_proc = start_worker(neo4j_server.url, tmp_path / "worker.log", env=env)
        queue = open_queue(env["PROVENANCE_QUEUE"])
        try:
            wait_for(lambda: all((j := queue.get(i)) is not None and j.state == DONE
                                 for i in during), 90)
        finally:
            queue.close()
        store = Neo4jStore(neo4j_server.url)
        try:
            stored = {d.digest for d in store.documents("sbom")}
        finally:
            store.close()
        expected = {load(orjson.dumps(s.document), "x").digest for s in sboms[1:]}
        assert expected <= stored
    finally:
        if worker_proc is not None:
            worker_proc.terminate()
            worker_proc.wait(15)
        api.stop()
