"""ASGI middleware: request id in and out, latency histogram by route template, request
log, and the upload size limit (413 before the body is read)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..telemetry import metrics as m
from ..telemetry.logging import get_logger
from .problems import problem

UNMATCHED = "unmatched"


class ServiceMiddleware:
    def __init__(self, app: ASGIApp, max_upload_bytes: int) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = _clean(headers.get(b"x-request-id")) or uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        responded = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                responded = True
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_upload_bytes:
                response = problem(413, "Limit exceeded",
                                   f"request body is {int(length)} bytes, over the limit of "
                                   f"{self.max_upload_bytes}", instance=scope.get("path"))
                await response(scope, receive, send_wrapper)
            else:
                await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            # Answered here, inside the request id and the JSON log, rather than by the
            # server's last-resort handler (no request id, a plain-text traceback).
            status = 500
            get_logger().error("unhandled_error", path=scope.get("path"),
                               error=f"{type(exc).__name__}: {exc}", exc_info=exc)
            if not responded:
                await problem(500, "Internal server error", "an unexpected error occurred; "
                              "see the service log for the request id",
                              instance=scope.get("path"))(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            endpoint = str(getattr(route, "path", UNMATCHED))
            m.http_request_duration_seconds.labels(
                endpoint=endpoint, method=scope["method"], status=str(status)).observe(elapsed)
            _log(scope, endpoint, status, elapsed)
            structlog.contextvars.unbind_contextvars("request_id")


def _log(scope: Scope, endpoint: str, status: int, elapsed: float) -> None:
    fields: dict[str, Any] = {"method": scope["method"], "path": scope["path"],
                              "endpoint": endpoint, "status": status,
                              "duration_ms": round(elapsed * 1000, 2)}
    query = scope.get("query_string", b"")
    if query:  # so `grep <artifact name>` finds the requests about it
        fields["query"] = query.decode("latin-1")[:512]
    client = scope.get("client")
    if client:
        fields["ip"] = client[0]
    log = get_logger()
    if status >= 500:
        log.error("request", **fields)
    elif status >= 400:
        log.warning("request", **fields)
    else:
        log.info("request", **fields)


def _clean(raw: bytes | None) -> str | None:
    """Accept a caller's request id only if it is short and printable."""
    if not raw or len(raw) > 128:
        return None
    text = raw.decode("latin-1")
    return text if text.isprintable() and " " not in text else None
