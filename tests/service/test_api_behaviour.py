"""The live API: upload → worker → trace, problem bodies, request ids, throttling (429),
upload size limit (413), readiness, metrics by route template, several workers, Redis."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import orjson
import pytest

from provenance_linker.cli.main import run
from provenance_linker.demo.samples import cyclonedx_sbom

from ..support.service import Service, free_port, make_token, start_service, start_worker

SBOM = cyclonedx_sbom("registry.example/api:1", 25, seed=11)
BODY = orjson.dumps(SBOM.document)


def _wait_job(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "dead"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def _upload_and_trace(live: Service, tmp: Path) -> None:
    worker = start_worker(live.db_url, tmp / "worker.log", "--poll", "0.05")
    try:
        with live.client(live.tokens["writer"]) as client:
            response = client.post("/v1/sboms", params={"name": "api.json",
                                                        "artifact": SBOM.digest}, content=BODY)
            assert response.status_code == 202, response.text
            job = response.json()["job"]
            assert response.headers["location"] == f"/v1/jobs/{job['id']}"
            assert job["state"] == "queued" and job["actor"]["name"] == "writer-user"
            again = client.post("/v1/sboms", params={"name": "api.json",
                                                     "artifact": SBOM.digest}, content=BODY)
            assert again.status_code == 202 and again.json()["job"]["id"] == job["id"]
            finished = _wait_job(client, job["id"])
            assert finished["state"] == "done", finished
            trace = client.get("/v1/trace", params={"artifact": SBOM.digest})
            assert trace.status_code == 200
            body = trace.json()
            assert body["artifact"]["digest"] == SBOM.digest
            assert len(body["packages"]) == 25
            docs = client.get("/v1/documents", params={"kind": "sbom"}).json()["documents"]
            assert [d["name"] for d in docs] == ["api.json"]
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0


def test_upload_is_processed_and_traceable(live: Service, tmp_path: Path) -> None:
    _upload_and_trace(live, tmp_path)


def test_bad_documents_are_problems_and_store_nothing(live: Service) -> None:
    with live.client(live.tokens["writer"]) as client:
        bad = client.post("/v1/sboms", params={"name": "bad.json"}, content=b"{not json")
        assert bad.status_code == 422
        problem = bad.json()
        assert bad.headers["content-type"] == "application/problem+json"
        assert problem["title"] == "Invalid document" and "bad.json" in problem["where"]
        assert "Traceback" not in bad.text
        wrong = client.post("/v1/deployments", content=BODY)
        assert wrong.status_code == 422 and "not a deployment" in wrong.json()["detail"]
        assert client.post("/v1/sboms", params={"artifact": "app@sha256:nothex"}, content=BODY
                           ).status_code in (400, 422)
        jobs = client.get("/v1/jobs").json()["jobs"]
        assert all(j["name"] != "bad.json" for j in jobs)
        missing = client.get("/v1/nowhere")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


def test_request_id_in_and_out(live: Service) -> None:
    with live.client(live.tokens["reader"]) as client:
        echoed = client.get("/v1/jobs", headers={"X-Request-ID": "req-123"})
        fresh = client.get("/v1/jobs")
    assert echoed.headers["x-request-id"] == "req-123"
    assert len(fresh.headers["x-request-id"]) == 32
    with live.client(None) as anonymous:
        anonymous.post("/v1/sboms", headers={"X-Request-ID": "req-456"}, content=BODY)
    # The request line is written after the answer is sent: give it a moment.
    deadline = time.monotonic() + 10
    while True:
        lines = [orjson.loads(x) for x in live.log_lines() if "req-456" in x]
        seen = {x["event"] for x in lines}
        if seen >= {"unauthorized_modification", "request"} or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert seen >= {"unauthorized_modification", "request"}


def test_metrics_use_route_templates_and_graph_gauges(live: Service) -> None:
    with live.client(live.tokens["reader"]) as client:
        client.get("/v1/jobs/" + "a" * 24)
    text = httpx.get(live.base_url + "/metrics").text
    assert 'endpoint="/v1/jobs/{job_id}"' in text
    assert "a" * 24 not in text
    for line in ("provenance_graph_database_up 1.0", "sbom_processing_queue_size ",
                 "provenance_verification_bypass_active "):
        assert line in text
    assert 'provenance_sbom_vulnerabilities{severity="critical"}' in text


def test_throttling_answers_429_with_retry_after(live: Service) -> None:
    assert run(["--db", live.db_url, "throttle", "enable", "--rate", "1/m",
                "--burst", "3"]) == 0
    try:
        time.sleep(1.1)
        with live.client(live.tokens["reader"]) as client:
            codes = [client.get("/v1/jobs").status_code for _ in range(8)]
            limited = client.get("/v1/jobs")
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429] * 5
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["title"] == "Too many requests"
    finally:
        assert run(["--db", live.db_url, "throttle", "disable"]) == 0
    time.sleep(1.1)
    with live.client(live.tokens["reader"]) as client:
        assert client.get("/v1/jobs").status_code == 200


def test_upload_size_limit_413_and_readiness(tmp_path: Path) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    db_url = f"sqlite:///{tmp_path}/graph.db"
    token = make_token(db_url, "writer", "w")
    service = start_service(tmp_path, db_url=db_url,
                            env={"PROVENANCE_MAX_UPLOAD_BYTES": "2000",
                                 "PROVENANCE_QUEUE": dead_redis})
    try:
        with service.client(token) as client:
            big = client.post("/v1/sboms", content=BODY)
            assert big.status_code == 413
            assert big.headers["content-type"] == "application/problem+json"
            chunked = client.post("/v1/sboms", content=iter([BODY[:1500], BODY[1500:]]))
            assert chunked.status_code == 413
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["store"] == "ok"
            assert ready.json()["checks"]["queue"] != "ok"
            assert client.get("/healthz").status_code == 200
    finally:
        service.stop()


@pytest.mark.redis
def test_redis_queue_and_several_api_workers(tmp_path: Path, redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    db_url = f"sqlite:///{tmp_path}/graph.db"
    multiproc = tmp_path / "metrics"
    multiproc.mkdir()
    env = {"PROVENANCE_QUEUE": redis_url, "PROMETHEUS_MULTIPROC_DIR": str(multiproc)}
    service = start_service(tmp_path, db_url=db_url, workers=2, env=env)
    service.tokens = {"writer": make_token(db_url, "writer", "writer-user")}
    try:
        with service.client(None) as anonymous:
            for _ in range(6):  # spread over both processes
                assert anonymous.post("/v1/sboms", content=BODY).status_code == 401
        text = httpx.get(service.base_url + "/metrics").text
        total = sum(float(x.rsplit(" ", 1)[1]) for x in text.splitlines()
                    if x.startswith("provenance_unauthorized_modifications_total{"))
        assert total == 6
        assert httpx.get(service.base_url + "/readyz").status_code == 200
        worker_env = {"PROVENANCE_QUEUE": redis_url}
        worker = start_worker(db_url, tmp_path / "worker.log", "--poll", "0.05",
                              env=worker_env)
        try:
            with service.client(service.tokens["writer"]) as client:
                job = client.post("/v1/sboms", content=BODY).json()["job"]
                assert _wait_job(client, job["id"])["state"] == "done"
                assert client.get("/v1/trace", params={"artifact": SBOM.digest}
                                  ).status_code in (200, 404)
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(20) == 0
    finally:
        service.stop()


def test_store_down_means_not_ready_and_database_down_gauge(tmp_path: Path) -> None:
    """A Neo4j store nobody listens on: the API still starts, /readyz is 503 naming the
    store, and /metrics reports provenance_graph_database_up 0."""
    service = start_service(tmp_path, db_url=f"neo4j://127.0.0.1:{free_port()}",
                            env={"PROVENANCE_QUEUE": f"sqlite:///{tmp_path}/queue.db"})
    try:
        ready = httpx.get(service.base_url + "/readyz", timeout=60)
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["queue"] == "ok" and "not reachable" in checks["store"]
        text = httpx.get(service.base_url + "/metrics", timeout=60).text
        assert "provenance_graph_database_up 0.0" in text.splitlines()
        assert httpx.get(service.base_url + "/healthz").status_code == 200
    finally:
        service.stop()


def test_documents_come_a_page_at_a_time(tmp_path: Path) -> None:
    """`/v1/documents` answers a page (`limit`, default 100) and the cursor of the next
    (`after`): a store of many documents is never sent whole."""
    db_url = f"sqlite:///{tmp_path}/graph.db"
    for n in range(5):
        path = tmp_path / f"app-{n}.json"
        path.write_bytes(orjson.dumps(cyclonedx_sbom(f"reg.test/app-{n}:1", 3, seed=n).document))
        assert run(["--db", db_url, "ingest", "sbom", str(path)]) == 0
    token = make_token(db_url, "reader", "pager")
    api = start_service(tmp_path, db_url=db_url)
    try:
        with api.client(token) as client:
            whole = client.get("/v1/documents").json()
            assert [Path(d["name"]).name for d in whole["documents"]] == [
                f"app-{n}.json" for n in range(5)]
            assert whole["next"] is None
            names, after = [], 0
            while True:
                page = client.get("/v1/documents", params={"limit": 2, "after": after}).json()
                assert len(page["documents"]) <= 2
                names += [d["name"] for d in page["documents"]]
                if page["next"] is None:
                    break
                after = page["next"]
            assert names == [d["name"] for d in whole["documents"]]
            for bad in ({"limit": 0}, {"limit": 1001}, {"after": -1}, {"after": 2**63}):
                refused = client.get("/v1/documents", params=bad)
                assert refused.status_code == 422, bad
                assert refused.headers["content-type"] == "application/problem+json"
    finally:
        api.stop()
