"""Per-process service state (store, queue, limiter, short-lived caches) and accessors."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from fastapi import Request

from ..config import Settings
from ..jobs import JobQueue, open_queue, queue_url_for
from ..store import open_store
from ..store.interface import GraphStore
from ..throttle import Limiter, ThrottleSettings
from ..tokens import BlockList
from .cache import GraphAnswerCache

T = TypeVar("T")
SHARED_STATE_TTL = 1.0  # blocks and throttle settings are re-read at most this stale


class TtlCache(Generic[T]):
    """One value re-loaded when older than `ttl` seconds."""

    def __init__(self, load: Callable[[], T], ttl: float = SHARED_STATE_TTL) -> None:
        self._load = load
        self._ttl = ttl
        self._value: T | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self) -> T:
        now = time.monotonic()
        if self._value is None or now - self._at > self._ttl:
            with self._lock:
                if self._value is None or now - self._at > self._ttl:
                    self._value = self._load()
                    self._at = now
        assert self._value is not None
        return self._value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


@dataclass
class Service:
    settings: Settings
    store: GraphStore
    queue: JobQueue
    max_upload_bytes: int
    limiter: Limiter = field(default_factory=Limiter)
    blocks: TtlCache[BlockList] = field(init=False)
    throttle: TtlCache[ThrottleSettings] = field(init=False)
    answers: GraphAnswerCache = field(init=False)

    def __post_init__(self) -> None:
        self.answers = GraphAnswerCache(self.store)
        self.blocks = TtlCache(lambda: BlockList.load(self.store))
        self.throttle = TtlCache(lambda: ThrottleSettings.load(self.store))

    @classmethod
    def from_settings(cls, settings: Settings) -> Service:
        store = open_store(settings.db_url)
        queue = open_queue(queue_url_for(settings.db_url, settings.queue_url))
        return cls(settings, store, queue,
                   max_upload_bytes=env_int("PROVENANCE_MAX_UPLOAD_BYTES", 64 * 1024 * 1024))

    def close(self) -> None:
        self.queue.close()
        self.store.close()


async def service(request: Request) -> Service:
    svc = request.app.state.service
    assert isinstance(svc, Service)
    return svc
