"""Driver exceptions → the product's errors (StoreUnavailable names the URL)."""

from __future__ import annotations

import contextlib

from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from ..errors import ProvenanceError, StoreError, StoreUnavailable
from ..telemetry import events
from ..telemetry.logging import get_logger

_UNREACHABLE_HINT = ("check that Neo4j is running and reachable on its Bolt port (7687), "
                     "e.g. `nc -zv neo4j 7687`")


def translate(exc: Exception, url: str) -> Exception:
    """The error to raise for `exc` (a ProvenanceError passes through unchanged)."""
    if isinstance(exc, ProvenanceError):
        return exc
    if isinstance(exc, AuthError):
        return StoreUnavailable(
            f"Neo4j refused the credentials: {exc.message or exc}", where=url,
            hint="set NEO4J_USERNAME and NEO4J_PASSWORD (or NEO4J_PASSWORD_FILE)")
    if isinstance(exc, ServiceUnavailable | SessionExpired):
        return StoreUnavailable(f"Neo4j is not reachable after retries: "
                                f"{str(exc).splitlines()[0] if str(exc) else exc!r}",
                                where=url, hint=_UNREACHABLE_HINT)
    if isinstance(exc, ClientError):
        code = exc.code or ""
        if code.endswith("DatabaseNotFound"):
            return StoreError(f"Neo4j has no such database: {exc.message}", where=url,
                              hint="check ?database= in the URL or NEO4J_DATABASE")
        return StoreError(f"Neo4j rejected a query: {exc.message} ({code})", where=url)
    if isinstance(exc, Neo4jError):
        if exc.is_retryable():
            return StoreUnavailable(f"Neo4j kept failing transiently: {exc.message}",
                                    where=url, hint=_UNREACHABLE_HINT)
        return StoreError(f"Neo4j error: {exc.message} ({exc.code})", where=url)
    if isinstance(exc, DriverError):
        return StoreUnavailable(f"Neo4j driver error: {exc}", where=url, hint=_UNREACHABLE_HINT)
    return exc


def log_unavailable(url: str, error: str | None) -> None:
    """Log `graph_database_unavailable` (ERROR); a broken log stream is not our failure."""
    with contextlib.suppress(OSError, ValueError):
        get_logger().error(events.STORE_UNAVAILABLE, url=url, error=error)
