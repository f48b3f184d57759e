"""Per-process service state (store, queue, limiter, short-lived caches) and accessors."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from fastapi import Request

from ..access.blocks import BlockList
from ..access.redis_buckets import RedisBuckets
from ..access.refusals import RefusalAudit
from ..access.shared_buckets import SharedBuckets
from ..access.throttle import Limiter, ThrottleSettings
from ..access.tokens import Principal, authenticate
from ..config import Settings
from ..errors import AuthError, StoreError, StoreUnavailable
from ..jobs import open_queue, queue_url_for
from ..jobs.interface import JobQueue
from ..store import open_store, scheme_of
from ..store.health import HealthMonitor
from ..store.interface import GraphStore
from ..store.sqlite import path_from_url
from ..trust.verification_log import OutcomeTally
from .body import UploadBudget
from .cache import GraphAnswerCache

T = TypeVar("T")
STORAGE_FAILURE_SECONDS = 30.0  # not ready this long after a storage failure
SHARED_STATE_TTL = 1.0  # blocks and throttle settings are re-read at most this stale


class TtlCache(Generic[T]):
    """One value re-loaded when older than `ttl` seconds. While the store is unreachable
    (`available()` false, or the load fails with StoreUnavailable) the last value stands:
    stale-if-error, so a graph outage does not stop uploads from queueing."""

    def __init__(self, load: Callable[[], T], ttl: float = SHARED_STATE_TTL,
                 available: Callable[[], bool] = lambda: True) -> None:
        self._load = load
        self._ttl = ttl
        self._available = available
        self._value: T | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def get(self) -> T:
        now = time.monotonic()
        if self._value is None or now - self._at > self._ttl:
            with self._lock:
                if self._value is None or now - self._at > self._ttl:
                    self._refresh(now)
        assert self._value is not None
        return self._value

    def _refresh(self, now: float) -> None:
        if self._value is not None and not self._available():
            return
        try:
            self._value = self._load()
        except StoreUnavailable:
            if self._value is None:
                raise
        self._at = now


class PrincipalCache:
    """Every token is verified against the store on every request (a revocation holds at
    once). While the store is unreachable, a token this process has verified before keeps
    its last verdict (stale-if-error), so writers' uploads keep queueing; a token it has
    never seen is answered 503 at once."""

    def __init__(self, store: GraphStore, available: Callable[[], bool],
                 max_entries: int = 10_000) -> None:
        self._store = store
        self._available = available
        self._max = max_entries
        self._known: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def authenticate(self, token: str) -> Principal:
        key = hashlib.sha256(token.encode()).hexdigest()
        known = self._known.get(key)
        if not self._available():
            if known is None:
                raise StoreUnavailable("the graph database is unreachable: cannot verify a "
                                       "token this replica has not seen",
                                       hint="retry when /readyz answers 200")
            return known
        try:
            principal = authenticate(self._store, token)
        except StoreUnavailable:
            if known is None:
                raise
            return known
        except AuthError:
            self._known.pop(key, None)
            raise
        with self._lock:
            if len(self._known) >= self._max:
                self._known.clear()
            self._known[key] = principal
        return principal


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


@dataclass
class Service:
    settings: Settings
    store: GraphStore
    queue: JobQueue
    max_upload_bytes: int
    limiter: Limiter | SharedBuckets | RedisBuckets = field(default_factory=Limiter)
    blocks: TtlCache[BlockList] = field(init=False)
    throttle: TtlCache[ThrottleSettings] = field(init=False)
    answers: GraphAnswerCache = field(init=False)
    health: HealthMonitor = field(init=False)
    principals: PrincipalCache = field(init=False)
    refusals: RefusalAudit = field(init=False)
    outcomes: OutcomeTally = field(default_factory=OutcomeTally)  # the overview's series
    storage_failure: tuple[float, str] | None = None
    upload_budget: UploadBudget = field(init=False)

    def __post_init__(self) -> None:
        # Default: four uploads at the size limit in memory at once per process.
        self.upload_budget = UploadBudget(env_int("PROVENANCE_UPLOAD_BUDGET_BYTES",
                                                  4 * self.max_upload_bytes))
        self.answers = GraphAnswerCache(self.store)
        # Started by the app's lifespan. The gauge comes from the scrape-time collector, so
        # the monitor only feeds the stale-if-error caches below.
        self.health = HealthMonitor(self.store, gauge=None)
        self.blocks = TtlCache(lambda: BlockList.load(self.store),
                               available=self.store_reachable)
        self.throttle = TtlCache(lambda: ThrottleSettings.load(self.store),
                                 available=self.store_reachable)
        self.principals = PrincipalCache(self.store, self.store_reachable)
        self.refusals = RefusalAudit(
            self.store, interval=float(env_int("PROVENANCE_REFUSAL_AUDIT_SECONDS", 10)))

    def storage_failed(self, error: StoreError) -> None:
        """A write or read failed in storage (disk full, damaged file): not ready for
        `STORAGE_FAILURE_SECONDS`, so traffic moves to healthy replicas meanwhile."""
        self.storage_failure = (time.monotonic(), str(error))

    def storage_problem(self) -> str | None:
        if self.storage_failure is None:
            return None
        at, text = self.storage_failure
        return text if time.monotonic() - at < STORAGE_FAILURE_SECONDS else None

    def store_reachable(self) -> bool:
        """False only once the health monitor has seen the store down."""
        return self.health.is_up or not self.health.wait_checked(0)

    @classmethod
    def from_settings(cls, settings: Settings) -> Service:
        store = open_store(settings.db_url)
        queue_url = queue_url_for(settings.db_url, settings.queue_url)
        queue = open_queue(queue_url)
        service = cls(settings, store, queue,
                      max_upload_bytes=env_int("PROVENANCE_MAX_UPLOAD_BYTES", 64 * 1024 * 1024))
        if queue_url.startswith(("redis://", "rediss://", "unix://")):
            service.limiter = RedisBuckets(queue_url)  # every process and replica on it
        elif scheme_of(settings.db_url) == "sqlite":  # every worker process shares the buckets
            path = path_from_url(settings.db_url).absolute()
            service.limiter = SharedBuckets(path.with_name(path.stem + ".throttle.db"))
        return service

    def close(self) -> None:
        if isinstance(self.limiter, SharedBuckets | RedisBuckets):
            self.limiter.close()
        self.queue.close()
        self.store.close()


async def service(request: Request) -> Service:
    svc = request.app.state.service
    assert isinstance(svc, Service)
    return svc
