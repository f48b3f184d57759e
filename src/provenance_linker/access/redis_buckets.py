"""Throttle buckets in Redis, shared by every API process and replica that uses one Redis
(the job queue's, when it is Redis): `serve` on two hosts holds one limit, not two.

One Lua script per take reads, refills and spends the bucket atomically on the server,
by the server's clock (replicas' clocks need not agree). Idle buckets expire by
themselves once they would be full again."""

from __future__ import annotations

from typing import Any

import redis

from ..errors import StoreUnavailable

_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if held[1] then
  tokens = math.min(burst, tonumber(held[1]) + (now - tonumber(held[2])) * rate)
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""

PREFIX = "provenance:throttle:"


class RedisBuckets:
    def __init__(self, url: str) -> None:
        self.url = url
        self._r = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._take: Any = self._r.register_script(_TAKE)

    def take(self, key: str, rate: float, burst: int) -> float:
        """Take one token; 0 when allowed, else the seconds until one is free."""
        try:
            return float(self._take(keys=[PREFIX + key], args=[rate, burst]))
        except redis.RedisError as exc:
            raise StoreUnavailable(f"throttle buckets unavailable: {exc}",
                                   where=self.url) from exc

    def close(self) -> None:
        self._r.close()
