"""API tokens: shared operational state kept in the store's records.

A token is `plk_<id>_<secret>`; only the SHA-256 of the whole token is stored (under its
id), and presented tokens are compared in constant time. Every replica reads the same
records, so creating or revoking takes effect everywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ..errors import AuthError, NotFound, UsageError
from ..store.interface import GraphStore
from . import audit

TOKENS = "api_tokens"
PREFIX = "plk_"


class Role(StrEnum):
    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"reader": 1, "writer": 2, "admin": 3}[self.value]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: str
    name: str
    role: Role


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat()


def create(store: GraphStore, role: Role, name: str, *, actor: str
           ) -> tuple[str, dict[str, Any]]:
    """Create a token (audited); returns (the token, shown once, and its public record)."""
    if not name.strip():
        raise UsageError("a token needs a non-empty --name")
    if any(r.get("name") == name and not r.get("revoked") for _, r in store.list_records(TOKENS)):
        raise UsageError(f"a token named {name!r} exists; names say who acts in the audit "
                         "trail, so each is unique", hint="revoke it first, or pick another name")
    token_id = secrets.token_hex(6)
    token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    record = {"id": token_id, "name": name, "role": str(role), "created": _now(),
              "revoked": None, "sha256": _hash(token)}
    audit.changed(store, action="tokens.create", actor=actor, target=token_id,
                  puts=[(TOKENS, token_id, record)], role=str(role), name=name)
    return token, public(record)


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "sha256"}


def list_tokens(store: GraphStore) -> list[dict[str, Any]]:
    return sorted((public(v) for _, v in store.list_records(TOKENS)),
                  key=lambda r: (r["created"], r["id"]))


def revoke(store: GraphStore, token_id: str, *, actor: str) -> dict[str, Any]:
    """Revoke a token (audited); revoking a revoked token keeps its first revocation."""
    record = store.get_record(TOKENS, token_id)
    if record is None:
        raise NotFound(f"no token with id {token_id}", hint="see `provenance-linker tokens list`")
    puts = []
    if record.get("revoked") is None:
        record["revoked"] = _now()
        puts.append((TOKENS, token_id, record))
    audit.changed(store, action="tokens.revoke", actor=actor, target=token_id, puts=puts)
    return public(record)


def owner(store: GraphStore, token: str) -> str | None:
    """The name a presented token was issued to, revoked or not (None if not ours): who a
    refusal is recorded against."""
    parts = token.split("_", 2)
    if len(parts) != 3 or not token.startswith(PREFIX):
        return None
    record = store.get_record(TOKENS, parts[1])
    if record is None or not hmac.compare_digest(str(record.get("sha256", "")), _hash(token)):
        return None
    return str(record.get("name"))


def authenticate(store: GraphStore, token: str) -> Principal:
    """The principal a presented token stands for; AuthError if unknown or revoked."""
    parts = token.split("_", 2)
    if len(parts) != 3 or not token.startswith(PREFIX):
        raise AuthError("malformed API token")
    record = store.get_record(TOKENS, parts[1])
    if record is None or not hmac.compare_digest(str(record.get("sha256", "")), _hash(token)):
        raise AuthError("unknown API token")
    if record.get("revoked"):
        raise AuthError("API token revoked", hint="ask an admin for a new token")
    return Principal(record["id"], record["name"], Role(record["role"]))
