"""Errors as RFC 9457 problem bodies (`application/problem+json`), never a traceback."""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ..errors import Overloaded, ProvenanceError, RateLimited
from ..store.failures import is_storage_failure, storage_error
from ..telemetry import events
from ..telemetry.logging import get_logger

PROBLEM = "application/problem+json"


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "instance": {"type": "string"}, "where": {"type": "string"},
                   "hint": {"type": "string"}}}
# Answers any route may give, documented on every operation of the OpenAPI document.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {PROBLEM: {"schema": _PROBLEM_SCHEMA}}}
    for status, text in (
        (400, "bad request"), (401, "no, unknown or revoked token"),
        (403, "role not allowed, or the caller is blocked"), (404, "not found"),
        (409, "ambiguous reference"), (413, "body or document over a limit"),
        (429, "throttled (Retry-After)"), (503, "shedding load (Retry-After), or the store "
                                               "is unreachable or damaged"),
        (507, "the disk under the store is full"))}


def problem(status: int, title: str, detail: str, *, instance: str | None = None,
            headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM,
                    headers=headers)


def from_error(exc: ProvenanceError, path: str) -> Response:
    headers = None
    if isinstance(exc, RateLimited | Overloaded):
        headers = {"Retry-After": str(exc.retry_after)}
    elif exc.http_status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    return problem(exc.http_status, exc.title, exc.message, instance=path, headers=headers,
                   where=exc.where, hint=exc.hint)


def install(app: FastAPI) -> None:
    @app.exception_handler(ProvenanceError)
    async def _provenance(request: Request, exc: ProvenanceError) -> Response:
        if exc.http_status >= 500:
            get_logger().error("request_failed", path=request.url.path, error=str(exc),
                               title=exc.title)
        return from_error(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
                  for e in exc.errors()]
        return problem(422, "Invalid request", "the request parameters are not valid",
                       instance=request.url.path, errors=errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        return problem(exc.status_code, _reason(exc.status_code), str(exc.detail),
                       instance=request.url.path, headers=dict(exc.headers or {}) or None)

    async def _storage(request: Request, exc: Exception) -> Response:
        if not is_storage_failure(exc):
            return await _bug(request, exc)
        error = storage_error(exc)
        svc = getattr(request.app.state, "service", None)
        if svc is not None:
            svc.storage_failed(error)
        get_logger().error(events.STORE_UNAVAILABLE if error.http_status == 503
                           else events.STORAGE_FULL, path=request.url.path, error=str(error))
        return from_error(error, request.url.path)

    app.add_exception_handler(sqlite3.Error, _storage)
    app.add_exception_handler(OSError, _storage)

    @app.exception_handler(MemoryError)
    async def _oom(request: Request, exc: MemoryError) -> Response:
        get_logger().error(events.OUT_OF_MEMORY, path=request.url.path)
        return problem(503, "Service unavailable", "out of memory", instance=request.url.path)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        get_logger().error("unhandled_error", path=request.url.path,
                           error=f"{type(exc).__name__}: {exc}", exc_info=exc)
        return problem(500, "Internal server error", "an unexpected error occurred; "
                       "see the service log for the request id", instance=request.url.path)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class JSON(Response):
    """orjson-rendered JSON: skips FastAPI's per-field encoder on large answers."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
