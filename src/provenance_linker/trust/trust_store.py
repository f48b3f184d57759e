"""The trust store: trusted keys, keyless identities and Sigstore trusted roots.

State lives in store records so every replica shares it.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization

from ..access import audit
from ..errors import ConfigError, InvalidDocument, NotFound, UsageError
from ..store.interface import GraphStore
from .keys import (
    TrustedIdentity,
    TrustedKey,
    algorithm_of,
    check_supported,
    key_id,
    load_public_key,
    parse_time,
)

KEYS = "trust.keys"
IDENTITIES = "trust.identities"
ROOTS = "trust.roots"


def key_from_record(value: dict[str, Any]) -> TrustedKey:
    public = serialization.load_pem_public_key(value["pem"].encode())
    return TrustedKey(id=value["id"], name=value["name"], algorithm=value["algorithm"],
                      public_key=check_supported(public, value["id"]),
                      aliases=tuple(value.get("aliases", ())),
                      not_before=value.get("not_before"), not_after=value.get("not_after"),
                      rotated_at=value.get("rotated_at"), replaced_by=value.get("replaced_by"),
                      revoked_at=value.get("revoked_at"),
                      revoke_reason=value.get("revoke_reason"))


# Called after every change of keys, identities or roots, as (store, cause): the runtime
# re-judges what runs now (runtime/reevaluate.py). Named, not imported: runtime/ imports
# trust/, so an import back would be a cycle.
CHANGE_HOOKS: list[str] = ["provenance_linker.runtime.reevaluate:after_trust_change"]


class TrustStore:
    def __init__(self, store: GraphStore, *, clock: Callable[[], datetime] | None = None):
        self.store = store
        self._clock = clock or (lambda: datetime.now(UTC))

    def now(self) -> str:
        return self._clock().isoformat()

    def _changed(self, **cause: Any) -> None:
        for target in CHANGE_HOOKS:
            module, name = target.split(":")
            getattr(importlib.import_module(module), name)(self.store,
                                                           {"kind": "trust", **cause})

    # --- keys
    def _put(self, puts: list[tuple[str, str, dict[str, Any]]], actor: str | None,
             action: str, **details: Any) -> None:
        """Write the records and, when an actor is named, their audit entry: one
        transaction."""
        if actor is None:
            self.store.change_records(puts)
        else:
            audit.changed(self.store, action=action, actor=actor, puts=puts, **details)

    def add_key(self, data: bytes, where: str, *, name: str | None = None,
                not_before: str | None = None, not_after: str | None = None,
                actor: str | None = None) -> dict[str, Any]:
        value = self._key_value(data, where, name, not_before, not_after)
        self._put([(KEYS, value["id"], value)], actor, "keys.add", target=value["id"],
                  name=value["name"])
        self._changed(action="key.add", key_id=value["id"])
        return value

    def _key_value(self, data: bytes, where: str, name: str | None,
                   not_before: str | None, not_after: str | None) -> dict[str, Any]:
        public, aliases = load_public_key(data, where)
        kid = key_id(public)
        pem = public.public_bytes(serialization.Encoding.PEM,
                                  serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        existing = self.store.get_record(KEYS, kid) or {}
        value = {**existing, "id": kid, "name": name or existing.get("name") or kid[:16],
                 "algorithm": algorithm_of(public), "pem": pem, "aliases": aliases,
                 "not_before": parse_time(not_before, "--not-before"),
                 "not_after": parse_time(not_after, "--not-after"),
                 "added_at": existing.get("added_at") or self.now()}
        return value

    def record(self, ident: str) -> dict[str, Any]:
        value = self.store.get_record(KEYS, ident)
        if value is None:
            matches = [v for k, v in self.store.list_records(KEYS)
                       if k.startswith(ident) or v.get("name") == ident]
            if len(matches) != 1:
                raise NotFound(f"no single key matches {ident!r}",
                               hint="see `provenance-linker keys list`")
            value = matches[0]
        return value

    def list_keys(self) -> list[dict[str, Any]]:
        return [v for _, v in self.store.list_records(KEYS)]

    def keys(self) -> list[TrustedKey]:
        return [key_from_record(v) for v in self.list_keys()]

    def rotate(self, old: str, new_data: bytes, where: str, *, name: str | None = None,
               actor: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        old_value = self.record(old)
        new_value = self._key_value(new_data, where, name, None, None)
        if new_value["id"] == old_value["id"]:
            raise UsageError("the new key is the old key")
        old_value = {**old_value, "rotated_at": self.now(), "replaced_by": new_value["id"]}
        self._put([(KEYS, new_value["id"], new_value), (KEYS, old_value["id"], old_value)],
                  actor, "keys.rotate", target=old_value["id"], replaced_by=new_value["id"])
        self._changed(action="key.add", key_id=new_value["id"])
        self._changed(action="key.rotate", key_id=old_value["id"])
        return old_value, new_value

    def revoke(self, ident: str, reason: str, *, actor: str | None = None) -> dict[str, Any]:
        value = {**self.record(ident), "revoked_at": self.now(), "revoke_reason": reason}
        self._put([(KEYS, value["id"], value)], actor, "keys.revoke", target=value["id"],
                  reason=reason)
        self._changed(action="key.revoke", key_id=value["id"], reason=reason)
        return value

    # --- keyless identities
    def trust_identity(self, issuer: str, subject: str, *, regex: bool = False,
                       actor: str | None = None) -> dict[str, Any]:
        if regex:
            try:
                re.compile(subject)
            except re.error as exc:
                raise UsageError(f"bad subject regex: {exc}") from exc
        ident = hashlib.sha256(f"{issuer}\n{subject}\n{regex}".encode()).hexdigest()[:16]
        value = {"id": ident, "issuer": issuer, "subject": subject, "regex": regex,
                 "added_at": self.now()}
        self._put([(IDENTITIES, ident, value)], actor, "keys.trust-identity", target=ident,
                  issuer=issuer, subject=subject, regex=regex)
        self._changed(action="identity.trust", identity=ident)
        return value

    def identities(self) -> list[TrustedIdentity]:
        return [TrustedIdentity(v["id"], v["issuer"], v["subject"], bool(v.get("regex")))
                for _, v in self.store.list_records(IDENTITIES)]

    def distrust_identity(self, ident: str) -> bool:
        removed = self.store.delete_record(IDENTITIES, ident)
        if removed:
            self._changed(action="identity.distrust", identity=ident)
        return removed

    # --- Sigstore trusted roots (the embedded production root is always present)
    def add_root(self, name: str, data: bytes, where: str, *,
                 actor: str | None = None) -> dict[str, Any]:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise InvalidDocument(f"trusted root is not JSON: {exc}", where=where) from exc
        if not isinstance(obj, dict) or "trustedroot" not in str(obj.get("mediaType", "")):
            raise InvalidDocument("not a Sigstore TrustedRoot", where=f"{where}: $.mediaType")
        value = {"name": name, "json": data.decode(), "added_at": self.now()}
        self._put([(ROOTS, name, value)], actor, "keys.trust-root", target=name)
        self._changed(action="root.add", root=name)
        return value

    def roots(self) -> dict[str, str]:
        """Root name -> TrustedRoot JSON; stored roots override the embedded production."""
        from .sigstore import embedded_production_root  # the sigstore library loads slowly

        found = {"production": embedded_production_root()}
        for name, value in self.store.list_records(ROOTS):
            found[name] = value["json"]
        if not found:
            raise ConfigError("no Sigstore trusted root")
        return found
