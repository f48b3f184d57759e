"""Changing what is trusted. Every change is audited (by the trust store, in the
change's own transaction), and a change that can make
waiting evidence verifiable (a new key, a new trusted root) re-verifies it here, so no
adapter can change trust and skip either step."""

from __future__ import annotations

from typing import Any

from .reverify import reverify
from .trust_store import TrustStore

Reverified = list[dict[str, str]]


def add_key(trust: TrustStore, data: bytes, where: str, *, actor: str, name: str | None = None,
            not_before: str | None = None, not_after: str | None = None
            ) -> tuple[dict[str, Any], Reverified]:
    value = trust.add_key(data, where, name=name, not_before=not_before, not_after=not_after,
                          actor=actor)
    return value, reverify(trust.store, trust)


def rotate_key(trust: TrustStore, old: str, data: bytes, where: str, *, actor: str,
               name: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    old_value, new_value = trust.rotate(old, data, where, name=name, actor=actor)
    return old_value, new_value


def revoke_key(trust: TrustStore, key: str, reason: str, *, actor: str) -> dict[str, Any]:
    value = trust.revoke(key, reason, actor=actor)
    return value


def trust_identity(trust: TrustStore, issuer: str, subject: str, *, actor: str,
                   regex: bool = False) -> dict[str, Any]:
    value = trust.trust_identity(issuer, subject, regex=regex, actor=actor)
    return value


def add_root(trust: TrustStore, name: str, data: bytes, where: str, *, actor: str
             ) -> tuple[dict[str, Any], Reverified]:
    value = trust.add_root(name, data, where, actor=actor)
    return value, reverify(trust.store, trust)
