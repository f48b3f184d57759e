"""The Redis job queue going away is a 503 problem with Retry-After semantics for
callers, never a 500; and uploads are accepted again once it is back."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from provenance_linker.demo.samples import cyclonedx_sbom

from ..support.service import free_port, make_token, start_service


def _redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(port=port).ping()
            return proc
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError("redis-server did not start") from None
            time.sleep(0.05)


def test_uploads_while_redis_is_down_are_503_problems(tmp_path: Path) -> None:
    port = free_port()
    server = _redis(port, tmp_path)
    db_url = f"sqlite:///{tmp_path}/graph.db"
    token = make_token(db_url, "writer", "uploader")
    api = start_service(tmp_path, db_url=db_url,
                        env={"PROVENANCE_QUEUE": f"redis://127.0.0.1:{port}/0"})
    body = cyclonedx_sbom("queue.test/app:1", 5).document
    try:
        with api.client(token) as client:
            assert client.post("/v1/sboms", json=body).status_code == 202
            server.kill()
            server.wait(10)
            down = client.post("/v1/sboms?name=second", json={**body, "version": 2})
            assert down.status_code == 503, down.text
            assert down.headers["content-type"] == "application/problem+json"
            assert "queue unavailable" in down.json()["detail"]
            assert client.get("/v1/jobs").status_code == 503
            server = _redis(port, tmp_path)
            again = client.post("/v1/sboms?name=third", json={**body, "version": 3})
            assert again.status_code == 202, again.text
        assert not any("Traceback" in line for line in api.log_lines())
    finally:
        api.stop()
        if server.poll() is None:
            server.kill()
            server.wait(10)
