"""The SBOM processing queue: interface, SQLite and Redis queues, worker.

`open_queue(url)` picks the queue by URL; the queue modules import only `interface`.
"""

from __future__ import annotations

from ..config import default_db_url
from ..errors import ConfigError
from ..store import scheme_of
from ..store.sqlite import path_from_url
from .interface import JobQueue


def queue_url_for(db_url: str, queue_url: str | None) -> str:
    """`PROVENANCE_QUEUE` if set, else a SQLite file next to the graph database."""
    if queue_url:
        return queue_url
    if scheme_of(db_url) == "sqlite":
        path = path_from_url(db_url).absolute()
        return f"sqlite://{path.with_name(path.stem + '.queue.db')}"
    default = path_from_url(default_db_url())
    return f"sqlite://{default.with_name('queue.db')}"


def open_queue(url: str) -> JobQueue:
    if url.startswith("sqlite:///"):
        from .sqlite import SqliteJobQueue

        return SqliteJobQueue(url)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisJobQueue

        return RedisJobQueue(url)
    raise ConfigError(f"unsupported queue URL {url!r}", hint="use sqlite:///PATH or redis://HOST")


__all__ = ["open_queue", "queue_url_for"]
