"""An unexpected exception is answered as a JSON problem that carries the request id,
and logged as one JSON line with the traceback as a field; the standard library's log
records (the server's own) are JSON lines too."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import json
import logging

import httpx
from fastapi import FastAPI

from provenance_linker.api import problems
from provenance_linker.api.middleware import ServiceMiddleware
from provenance_linker.telemetry import logging as tlog


def _app() -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/explode")
    def explode() -> None:
        raise KeyError("boom")

    app.add_middleware(ServiceMiddleware, max_upload_bytes=1024)
    return app


def test_a_500_carries_the_request_id_and_logs_json() -> None:
    stream = io.StringIO()
    tlog.configure("provenance-api", level="INFO", stream=stream)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.get("/explode", headers={"X-Request-ID": "req-123"})

    # In a thread of its own: a session-wide browser (tests/ui) keeps an event loop
    # running on the main thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        response = pool.submit(asyncio.run, call()).result()
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-123"
    assert response.headers["content-type"] == "application/problem+json"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # all JSON
    failure = next(line for line in lines if line["event"] == "unhandled_error")
    assert failure["request_id"] == "req-123"
    assert "KeyError" in failure["exception"] and "Traceback" in failure["exception"]


def test_standard_library_records_become_json_lines() -> None:
    stream = io.StringIO()
    tlog.configure("provenance-api", level="INFO", stream=stream)
    try:
        raise ValueError("bad frame")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    record = next(line for line in lines if line["event"] == "Exception in ASGI application")
    assert record["logger"] == "uvicorn.error" and record["level"] == "ERROR"
    assert "ValueError: bad frame" in record["exception"]
