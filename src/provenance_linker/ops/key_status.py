"""`keys status`: the key management check of the SignatureVerificationFailure runbook —
trusted keys and Sigstore roots that expire within N days, revoked keys that stored
signatures still name, and the time to the nearest expiry (a gauge)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ..errors import UsageError
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..trust.trust_store import TrustStore

MAX_WITHIN_DAYS = 36_500  # a century: past it the horizon would leave the calendar


@dataclass(frozen=True, slots=True)
class Expiry:
    what: str  # key | root
    name: str
    ident: str
    expires_at: str
    days_left: float


@dataclass(slots=True)
class KeyStatus:
    checked_at: str
    within_days: int
    expiring: list[Expiry] = field(default_factory=list)
    revoked_in_use: list[dict[str, Any]] = field(default_factory=list)
    nearest_expiry: Expiry | None = None

    @property
    def ok(self) -> bool:
        return not self.expiring and not self.revoked_in_use

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _root_ends(name: str, text: str) -> Iterator[tuple[str, str]]:
    """(part, end) of every validity window in a TrustedRoot (CAs, logs, TSAs)."""
    try:
        root = orjson.loads(text)
    except orjson.JSONDecodeError:
        return
    for section in ("certificateAuthorities", "timestampAuthorities", "tlogs", "ctlogs"):
        for index, part in enumerate(root.get(section) or []):
            valid = part.get("validFor") or (part.get("publicKey") or {}).get("validFor") or {}
            if valid.get("end"):
                yield f"{name}/{section}[{index}]", str(valid["end"])


def key_status(store: GraphStore, *, within_days: int,
               clock: Callable[[], datetime]) -> KeyStatus:
    if not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise UsageError(f"within_days must be between 0 and {MAX_WITHIN_DAYS}")
    now = clock()
    horizon = now + timedelta(days=within_days)
    status = KeyStatus(now.isoformat(), within_days)
    trust = TrustStore(store, clock=clock)
    candidates: list[Expiry] = []
    revoked: list[str] = []
    trusted = trust.keys()
    for key in trusted:
        if key.revoked_at is not None:
            revoked.append(key.id)
            continue
        end = _instant(key.not_after) if key.not_after else None
        if end is not None and end > now:
            candidates.append(Expiry("key", key.name, key.id, end.isoformat(),
                                     round((end - now).total_seconds() / 86400, 2)))
    for name, text in trust.roots().items():
        for part, raw in _root_ends(name, text):
            end = _instant(raw)
            if end is not None and end > now:
                candidates.append(Expiry("root", name, part, end.isoformat(),
                                         round((end - now).total_seconds() / 86400, 2)))
    candidates.sort(key=lambda e: e.expires_at)
    status.expiring = [e for e in candidates
                       if e.days_left <= (horizon - now).total_seconds() / 86400]
    status.nearest_expiry = candidates[0] if candidates else None
    if revoked:
        edges = store.edges([EdgeKind.SIGNED_BY], dst=[NodeRef(NodeKind.KEY, k) for k in revoked])
        by_key: dict[str, set[str]] = {}
        for edge in edges:
            by_key.setdefault(edge.dst.key, set()).add(edge.src.key)
        status.revoked_in_use = [{"key": k, "signatures": len(v), "example": sorted(v)[0]}
                                 for k, v in sorted(by_key.items())]
    return status


def nearest_expiry_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    """`provenance_trust_key_nearest_expiry_seconds`: seconds until the nearest expiry of
    a trusted key or root part (no series when none expires)."""
    now = datetime.now(UTC)
    status = key_status(store, within_days=0, clock=lambda: now)
    if status.nearest_expiry is None:
        return []
    end = _instant(status.nearest_expiry.expires_at)
    assert end is not None
    return [({}, (end - now).total_seconds())]
