"""Changing what is trusted. Every change is audited here, and a change that can make
waiting evidence verifiable (a new key, a new trusted root) re-verifies it here, so no
adapter can change trust and skip either step."""

from __future__ import annotations

from typing import Any

from ..access import audit
from .reverify import reverify
from .trust_store import TrustStore

Reverified = list[dict[str, str]]


def add_key(trust: TrustStore, data: bytes, where: str, *, actor: str, name: str | None = None,
            not_before: str | None = None, not_after: str | None = None
            ) -> tuple[dict[str, Any], Reverified]:
    value = trust.add_key(data, where, name=name, not_before=not_before, not_after=not_after)
    audit.record(trust.store, action="keys.add", actor=actor, target=value["id"],
                 name=value["name"])
    return value, reverify(trust.store, trust)


def rotate_key(trust: TrustStore, old: str, data: bytes, where: str, *, actor: str,
               name: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    old_value, new_value = trust.rotate(old, data, where, name=name)
    audit.record(trust.store, action="keys.rotate", actor=actor, target=old_value["id"],
                 replaced_by=new_value["id"])
    return old_value, new_value


def revoke_key(trust: TrustStore, key: str, reason: str, *, actor: str) -> dict[str, Any]:
    value = trust.revoke(key, reason)
    audit.record(trust.store, action="keys.revoke", actor=actor, target=value["id"],
                 reason=reason)
    return value


def trust_identity(trust: TrustStore, issuer: str, subject: str, *, actor: str,
                   regex: bool = False) -> dict[str, Any]:
    value = trust.trust_identity(issuer, subject, regex=regex)
    audit.record(trust.store, action="keys.trust-identity", actor=actor, target=value["id"],
                 issuer=issuer, subject=subject, regex=regex)
    return value


def add_root(trust: TrustStore, name: str, data: bytes, where: str, *, actor: str
             ) -> tuple[dict[str, Any], Reverified]:
    value = trust.add_root(name, data, where)
    audit.record(trust.store, action="keys.trust-root", actor=actor, target=name)
    return value, reverify(trust.store, trust)
