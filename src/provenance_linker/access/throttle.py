"""Request throttling: per-token and per-IP token buckets, switchable at runtime.

The setting (enabled, rate, burst) lives in the store's records so one command turns it
on for every replica; each replica keeps its own buckets (limits are per replica).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

from ..errors import UsageError
from ..store.interface import GraphStore
from . import audit

SETTINGS = "settings"
THROTTLE_KEY = "throttle"
MAX_RATE = 1_000_000.0  # requests per second; past it a limit limits nothing
MAX_BURST = 1_000_000


@dataclass(frozen=True, slots=True)
class ThrottleSettings:
    enabled: bool = False
    rate: float = 50.0  # requests per second, per token and per IP
    burst: int = 100

    @classmethod
    def load(cls, store: GraphStore) -> ThrottleSettings:
        raw = store.get_record(SETTINGS, THROTTLE_KEY)
        if raw is None:
            return cls()
        default = cls()
        return cls(bool(raw.get("enabled")), float(raw.get("rate", default.rate)),
                   int(raw.get("burst", default.burst)))

    def save(self, store: GraphStore) -> None:
        store.put_record(SETTINGS, THROTTLE_KEY, asdict(self))


def change_throttle(store: GraphStore, *, actor: str, enabled: bool | None = None,
                    rate: float | None = None, burst: int | None = None) -> ThrottleSettings:
    """Change the shared setting (audited as throttle.enable, .disable or .set)."""
    if rate is not None and not (math.isfinite(rate) and 0 < rate <= MAX_RATE):
        raise UsageError(f"rate must be above 0 and at most {MAX_RATE:g}/s, got {rate!r}")
    if burst is not None and not 1 <= burst <= MAX_BURST:
        raise UsageError(f"burst must be between 1 and {MAX_BURST}, got {burst}")
    current = ThrottleSettings.load(store)
    setting = replace(current, enabled=current.enabled if enabled is None else enabled,
                      rate=current.rate if rate is None else rate,
                      burst=current.burst if burst is None else burst)
    puts = [(SETTINGS, THROTTLE_KEY, asdict(setting))]
    if enabled is False:
        audit.changed(store, action="throttle.disable", actor=actor, puts=puts)
    else:
        action = "throttle.enable" if enabled else "throttle.set"
        audit.changed(store, action=action, actor=actor, puts=puts, **asdict(setting))
    return setting


def parse_rate(text: str) -> float:
    """`N/s`, `N/m` or a bare number of requests per second."""
    value, _, unit = text.strip().partition("/")
    try:
        number = float(value)
    except ValueError as exc:
        raise UsageError(f"rate must look like 50/s, got {text!r}") from exc
    per = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0}.get(unit.strip())
    if per is None or not math.isfinite(number) or number <= 0:
        raise UsageError(f"rate must look like 50/s or 600/m, got {text!r}")
    return number / per


class Limiter:
    """Token buckets keyed by caller (token id or IP)."""

    MAX_KEYS = 100_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, rate: float, burst: int) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * rate)
            if tokens >= 1.0:
                if len(self._buckets) >= self.MAX_KEYS and key not in self._buckets:
                    self._buckets.clear()  # bounded memory; a reset only forgives
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / rate


def retry_after_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
