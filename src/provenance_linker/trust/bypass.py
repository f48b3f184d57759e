"""The emergency verification bypass: admin only, time-boxed, audited.

While active, verification still runs and reports every check, but the result is
`bypassed` (exit 0) instead of `failure`. State is a store record so every replica
sees it; it expires by itself (the clock is passed in)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..access import audit
from ..errors import Forbidden, UsageError
from ..store.interface import GraphStore
from ..telemetry import metrics

COLLECTION = "trust.bypass"
KEY = "verification"
MAX_DURATION = timedelta(hours=24)
_DURATION = re.compile(r"^(\d+)([smhd])$")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise UsageError(f"bad duration {text!r}", hint="use e.g. 30m, 2h, 90s")
    amount, unit = int(match.group(1)), match.group(2)
    value = timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours",
                          "d": "days"}[unit]: amount})
    if value <= timedelta(0) or value > MAX_DURATION:
        raise UsageError(f"duration {text} must be between 1s and 24h")
    return value


@dataclass(frozen=True, slots=True)
class BypassState:
    active: bool
    reason: str | None = None
    actor: str | None = None
    enabled_at: str | None = None
    expires_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"active": self.active, "reason": self.reason, "actor": self.actor,
                "enabled_at": self.enabled_at, "expires_at": self.expires_at}


class Bypass:
    def __init__(self, store: GraphStore, *, clock: Callable[[], datetime] | None = None):
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))

    def status(self) -> BypassState:
        value = self.store.get_record(COLLECTION, KEY)
        now = self._clock()
        if value is None or datetime.fromisoformat(value["expires_at"]) <= now:
            metrics.verification_bypass_active.set(0)
            return BypassState(False)
        metrics.verification_bypass_active.set(1)
        return BypassState(True, value["reason"], value["actor"], value["enabled_at"],
                           value["expires_at"])

    def enable(self, *, duration: str, reason: str, actor: str, roles: set[str]) -> BypassState:
        if "admin" not in roles:
            audit.record(self.store, action="bypass.enable", actor=actor, outcome="refused",
                         reason=reason)
            raise Forbidden("enabling the verification bypass needs the admin role")
        if not reason.strip():
            raise UsageError("a reason is required", hint="--reason 'INC-123: …'")
        now = self._clock()
        expires = now + parse_duration(duration)
        value = {"reason": reason, "actor": actor, "enabled_at": now.isoformat(),
                 "expires_at": expires.isoformat()}
        audit.changed(self.store, action="bypass.enable", actor=actor, outcome="ok",
                      puts=[(COLLECTION, KEY, value)], reason=reason,
                      expires_at=value["expires_at"])
        return self.status()

    def disable(self, *, actor: str, roles: set[str]) -> BypassState:
        if "admin" not in roles:
            audit.record(self.store, action="bypass.disable", actor=actor, outcome="refused")
            raise Forbidden("disabling the verification bypass needs the admin role")
        existed = self.store.get_record(COLLECTION, KEY) is not None
        audit.changed(self.store, action="bypass.disable", actor=actor, outcome="ok",
                      deletes=[(COLLECTION, KEY)], was_active=existed)
        return self.status()


def bypass_gauge_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    """The row for `provenance_verification_bypass_active` (api/metrics_collector.py)."""
    return [({}, 1.0 if Bypass(store).status().active else 0.0)]
