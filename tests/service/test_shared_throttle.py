"""Throttle limits hold across `serve --workers 2`: the buckets are shared by every
worker process, so a burst-5 limit passes 5 requests in all, not 5 per process."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from provenance_linker.cli.main import run

from ..support.service import make_token, start_service

REQUESTS = 30


def test_a_limit_holds_across_worker_processes(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path}/graph.db"
    token = make_token(db_url, "reader", "burst")
    # One request a minute, burst 5: over the test only the burst can pass.
    assert run(["--db", db_url, "throttle", "enable", "--rate", "1/m", "--burst", "5"]) == 0
    api = start_service(tmp_path, db_url=db_url, workers=2)
    try:
        time.sleep(1.2)  # throttle settings are cached for at most one second

        def call(_: int) -> int:
            with api.client(token) as client:  # a connection each: both workers serve
                return client.get("/v1/jobs").status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(call, range(REQUESTS)))
    finally:
        api.stop()
    assert statuses.count(200) == 5, statuses
    assert statuses.count(429) == REQUESTS - 5, statuses


def test_a_limit_holds_across_replicas_on_one_redis(tmp_path: Path, redis_url: str) -> None:
    """Two `serve` replicas with stores of their own (as on two hosts) and one Redis
    queue: the per-address bucket lives in Redis, so the burst passes once in all."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    replicas = []
    try:
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            db_url = f"sqlite:///{folder}/graph.db"
            assert run(["--db", db_url, "throttle", "enable", "--rate", "1/m",
                        "--burst", "5"]) == 0
            replicas.append(start_service(folder, db_url=db_url,
                                          env={"PROVENANCE_QUEUE": redis_url}))
        time.sleep(1.2)  # throttle settings are cached for at most one second

        def call(i: int) -> int:  # anonymous: the address bucket is taken before auth
            with replicas[i % 2].client() as client:
                return client.get("/v1/jobs").status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(call, range(REQUESTS)))
    finally:
        for replica in replicas:
            replica.stop()
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == REQUESTS - 5, statuses
