"""JSON logs, one object per line: timestamp, level (upper case), component, event, fields.

Levels are upper case so the spec's `grep ERROR` finds failures.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO, cast

import structlog

from . import events

_configured = False
SLOW_QUERY_SECONDS = 0.5


def _upper_level(_: Any, __: str, event_dict: MutableMapping[str, Any]
                 ) -> MutableMapping[str, Any]:
    level = event_dict.get("level")
    if isinstance(level, str):
        event_dict["level"] = level.upper()
    return event_dict


class _CurrentStderr:
    """Writes to whatever sys.stderr is at write time (tests and daemons swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _JsonBridge(logging.Handler):
    """Standard-library records (uvicorn's own errors among them) as JSON lines too,
    tracebacks included as a field, never as plain text."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields: dict[str, Any] = {"logger": record.name}
            if record.exc_info:
                fields["exc_info"] = record.exc_info
            structlog.get_logger().log(record.levelno, record.getMessage(), **fields)
        except Exception:
            self.handleError(record)


def _bridge_stdlib_logging() -> None:
    root = logging.getLogger()
    if not any(isinstance(h, _JsonBridge) for h in root.handlers):
        root.addHandler(_JsonBridge(level=logging.WARNING))


def configure(component: str = events.COMPONENT_CLI, *, level: str = "INFO",
              stream: Any = None, slow_query_seconds: float | None = None) -> None:
    """Configure structlog for JSON lines on `stream` (stderr by default)."""
    global _configured, SLOW_QUERY_SECONDS
    if slow_query_seconds is not None:
        SLOW_QUERY_SECONDS = slow_query_seconds
    if stream is None:  # operations (#17): optional rotating log file
        from .logfile import from_env

        stream = from_env(os.environ)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _upper_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=stream or cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(component=component)
    _bridge_stdlib_logging()
    _configured = True


def get_logger(**fields: Any) -> Any:
    if not _configured:  # library use without an adapter: warnings and errors only
        configure(level=os.environ.get("PROVENANCE_LOG_LEVEL", "WARNING"))
    return structlog.get_logger(**fields)


@contextmanager
def timed_query(name: str, backend: str) -> Iterator[None]:
    """Log `slow_query` when the block takes longer than the threshold."""
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        if elapsed >= SLOW_QUERY_SECONDS:
            get_logger().warning(events.SLOW_QUERY, query=name, backend=backend,
                                 duration_ms=round(elapsed * 1000, 1))
