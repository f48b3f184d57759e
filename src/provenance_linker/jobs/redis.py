"""The job table in Redis (for scale): one hash per job, one sorted set of pending jobs
scored by when each may next be claimed; claims and lease-checked finishes are Lua
scripts, so they are atomic across workers."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson
import redis

from ..errors import StoreUnavailable
from .interface import Job

_PREFIX = "provenance:jobs:"
_PENDING = _PREFIX + "pending"
_ALL = _PREFIX + "all"

_CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #ids == 0 then return false end
local id = ids[1]
local key = ARGV[4] .. id
redis.call('ZADD', KEYS[1], ARGV[2], id)
redis.call('HSET', key, 'state', 'running', 'lease_owner', ARGV[3],
           'available_at', ARGV[2], 'updated_at', ARGV[1])
redis.call('HINCRBY', key, 'attempts', 1)
return id
"""
# ARGV: owner ('' = unconditional), then field/value pairs. Keeps the pending set in step.
_SET = """
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return 0 end
if ARGV[1] ~= '' then
  if redis.call('HGET', key, 'state') ~= 'running' or
     redis.call('HGET', key, 'lease_owner') ~= ARGV[1] then return 0 end
end
for i = 2, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
local state = redis.call('HGET', key, 'state')
local id = redis.call('HGET', key, 'id')
if state == 'queued' or state == 'running' or state == 'failed' then
  redis.call('ZADD', KEYS[2], redis.call('HGET', key, 'available_at'), id)
else
  redis.call('ZREM', KEYS[2], id)
end
return 1
"""
_FIELDS = ("id", "state", "kind", "name", "digest", "options", "actor", "attempts",
           "max_attempts", "available_at", "lease_owner", "error", "result", "created_at",
           "updated_at")


def _encode(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def _decode(name: str, raw: Any) -> Any:
    text = None if raw is None or raw in (b"\x00", "\x00") else (
        raw.decode() if isinstance(raw, bytes) else str(raw))
    if text is None:
        return None
    if name in ("options", "actor", "result"):
        return orjson.loads(text)
    if name in ("attempts", "max_attempts"):
        return int(text)
    if name in ("available_at", "created_at", "updated_at"):
        return float(text)
    return text


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


F = TypeVar("F", bound=Callable[..., Any])


def _unavailable(method: F) -> F:
    """A Redis failure is the queue being unavailable (503 over the API, a backoff in
    the worker), not an unexpected error."""
    @functools.wraps(method)
    def wrapper(self: RedisJobQueue, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"queue unavailable: {exc}", where=self.url) from exc
    return wrapper  # type: ignore[return-value]


class RedisJobQueue:
    def __init__(self, url: str) -> None:
        self.url = url
        self._r = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self._claim = self._r.register_script(_CLAIM)
        self._set_script = self._r.register_script(_SET)

    def _key(self, job_id: str) -> str:
        return _PREFIX + "job:" + job_id

    @_unavailable
    def enqueue(self, job: Job) -> tuple[Job, bool]:
        key = self._key(job.id)
        mapping: dict[Any, Any] = {f: _encode(getattr(job, f)) for f in _FIELDS}
        mapping["data"] = job.data
        pipe = self._r.pipeline(transaction=True)
        if not self._r.hsetnx(key, "id", job.id):
            existing = self.get(job.id)
            if existing is not None:
                return existing, False
        pipe.hset(key, mapping=mapping)
        pipe.sadd(_ALL, job.id)
        pipe.zadd(_PENDING, {job.id: job.available_at})
        pipe.execute()
        return job, True

    @_unavailable
    def claim(self, owner: str, lease_seconds: float, now: float) -> Job | None:
        job_id = self._claim(keys=[_PENDING],
                             args=[repr(now), repr(now + lease_seconds), owner,
                                   _PREFIX + "job:"])
        if not job_id:
            return None
        return self.get(job_id.decode() if isinstance(job_id, bytes) else str(job_id),
                        with_data=True)

    @_unavailable
    def renew(self, job_id: str, owner: str, until: float) -> bool:
        return self.finish(job_id, owner, {"available_at": until})

    @_unavailable
    def finish(self, job_id: str, owner: str, changes: Mapping[str, Any]) -> bool:
        return self._set(job_id, owner, changes)

    @_unavailable
    def update(self, job_id: str, changes: Mapping[str, Any]) -> bool:
        return self._set(job_id, "", changes)

    def _set(self, job_id: str, owner: str, changes: Mapping[str, Any]) -> bool:
        args: list[str] = [owner]
        for name, value in changes.items():
            if name == "data":
                args += [name, value.decode("latin-1") if isinstance(value, bytes) else value]
            elif name in _FIELDS and name != "id":
                args += [name, _encode(value)]
        return bool(self._set_script(keys=[self._key(job_id), _PENDING], args=args))

    @_unavailable
    def get(self, job_id: str, *, with_data: bool = False) -> Job | None:
        fields = [*_FIELDS, "data"] if with_data else list(_FIELDS)
        values = self._r.hmget(self._key(job_id), fields)
        if values[0] is None:
            return None
        job = {f: _decode(f, v) for f, v in zip(_FIELDS, values, strict=False)}
        raw = values[-1] if with_data else b""
        return Job(**job, data=raw.encode() if isinstance(raw, str) else bytes(raw or b""))

    @_unavailable
    def list(self, state: str | None = None, limit: int = 100) -> list[Job]:
        jobs = [j for j in (self.get(_text(i)) for i in self._r.sscan_iter(_ALL, count=500))
                if j is not None and (state is None or j.state == state)]
        return sorted(jobs, key=lambda j: (j.created_at, j.id))[:limit]

    @_unavailable
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for job_id in self._r.sscan_iter(_ALL, count=500):
            raw = self._r.hget(self._key(_text(job_id)), "state")
            if raw is not None:
                counts[_text(raw)] = counts.get(_text(raw), 0) + 1
        return counts

    @_unavailable
    def backlog(self) -> int:
        return int(self._r.zcard(_PENDING))

    def ping(self) -> None:
        try:
            self._r.ping()
        except redis.RedisError as exc:
            raise StoreUnavailable(f"queue unavailable: {exc}", where=self.url) from exc

    def close(self) -> None:
        self._r.close()

