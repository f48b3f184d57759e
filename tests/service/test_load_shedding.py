"""Past the in-flight bound the API sheds: 503 with Retry-After and a problem body at
once, while health checks still answer; once load drops, requests are served again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

from ..support.service import make_token, start_service


def _slow_body() -> Iterator[bytes]:
    yield b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": ['
    for _ in range(8):
        time.sleep(0.5)
        yield b" "
    yield b"]}"


def test_requests_over_the_in_flight_bound_are_shed(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    token = make_token(db_url, "writer", "loader")
    api = start_service(tmp_path, db_url=db_url, env={"PROVENANCE_MAX_IN_FLIGHT": "2"})
    statuses: list[int] = []
    try:
        def upload() -> None:
            with api.client(token) as client:
                statuses.append(client.post("/v1/sboms", content=_slow_body()).status_code)

        slow = [threading.Thread(target=upload) for _ in range(2)]
        for thread in slow:
            thread.start()
        time.sleep(1.5)  # both uploads are now streaming their bodies
        with api.client(token) as client:
            shed = client.get("/v1/jobs")
            health = client.get("/healthz")
        for thread in slow:
            thread.join(30)
        with api.client(token) as client:
            after = client.get("/v1/jobs")
    finally:
        api.stop()
    assert shed.status_code == 503, shed.text
    assert shed.headers["retry-after"] == "1"
    assert shed.headers["content-type"] == "application/problem+json"
    assert shed.headers["x-request-id"]
    assert "in flight" in shed.json()["detail"]
    assert health.status_code == 200
    assert statuses == [202, 202]
    assert after.status_code == 200
