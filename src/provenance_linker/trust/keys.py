"""Public keys and the trust store (keys, keyless identities, Sigstore trusted roots).

State lives in store records so every replica shares it. A key id is the sha256 of the
public key's SubjectPublicKeyInfo (DER). Validity is judged at the signing time:
`not_before`/`not_after`, rotation (valid for signatures made before `rotated_at`) and
revocation (nothing signed by a revoked key verifies any more).
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from securesystemslib.formats import encode_canonical

from ..errors import ConfigError, InvalidDocument, NotFound, UsageError
from ..store.interface import GraphStore

KEYS = "trust.keys"
IDENTITIES = "trust.identities"
ROOTS = "trust.roots"

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey


def spki_der(key: PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: PublicKey) -> str:
    return hashlib.sha256(spki_der(key)).hexdigest()


def algorithm_of(key: PublicKey) -> str:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ecdsa-{key.curve.name}"
    return f"rsa-{key.key_size}"


def _check_supported(key: Any, where: str) -> PublicKey:
    if isinstance(key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in ("secp256r1",
                                                                         "secp384r1"):
        return key
    raise InvalidDocument(f"unsupported key type {type(key).__name__}", where=where,
                          hint="use ECDSA P-256/P-384, Ed25519 or RSA")


def load_public_key(data: bytes, where: str) -> tuple[PublicKey, list[str]]:
    """A PEM public key or certificate, or a securesystemslib JSON key. Returns the key
    and aliases (the in-toto key id of a securesystemslib key)."""
    text = data.strip()
    if text.startswith(b"{"):
        return _sslib_key(text, where)
    try:
        if b"BEGIN CERTIFICATE" in text:
            cert_key = x509.load_pem_x509_certificate(text).public_key()
            return _check_supported(cert_key, where), []
        return _check_supported(serialization.load_pem_public_key(text), where), []
    except ValueError as exc:
        raise InvalidDocument(f"not a PEM public key or certificate: {exc}", where=where
                              ) from exc


def _sslib_key(text: bytes, where: str) -> tuple[PublicKey, list[str]]:
    try:
        obj = orjson.loads(text)
        keytype, public = obj["keytype"], obj["keyval"]["public"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise InvalidDocument("not a securesystemslib JSON key (keytype, keyval.public)",
                              where=where) from exc
    try:
        key: PublicKey
        if keytype == "ed25519":
            key = ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(public))
        else:
            key = _check_supported(serialization.load_pem_public_key(public.encode()), where)
    except ValueError as exc:
        raise InvalidDocument(f"bad {keytype} key: {exc}", where=f"{where}: $.keyval") from exc
    body = {k: obj[k] for k in ("keytype", "scheme", "keyid_hash_algorithms", "keyval")
            if k in obj}
    canonical = encode_canonical(body)
    assert isinstance(canonical, str)
    return key, [hashlib.sha256(canonical.encode()).hexdigest()]


def parse_time(value: str | None, where: str) -> str | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"bad time {value!r} ({where})", hint="use ISO 8601") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


@dataclass(frozen=True, slots=True)
class TrustedKey:
    id: str
    name: str
    algorithm: str
    public_key: PublicKey
    aliases: tuple[str, ...] = ()
    not_before: str | None = None
    not_after: str | None = None
    rotated_at: str | None = None
    replaced_by: str | None = None
    revoked_at: str | None = None
    revoke_reason: str | None = None

    def invalid_reason(self, signed_at: str | None) -> str | None:
        """Why a signature by this key made at `signed_at` must not count (None: it counts)."""
        if self.revoked_at is not None:
            return f"key {self.name} revoked at {self.revoked_at}: {self.revoke_reason}"
        if signed_at is not None:
            at = datetime.fromisoformat(signed_at)
            if self.not_before and at < datetime.fromisoformat(self.not_before):
                return f"signed at {signed_at}, before key {self.name} is valid ({self.not_before})"
            if self.not_after and at > datetime.fromisoformat(self.not_after):
                return f"signed at {signed_at}, after key {self.name} expired ({self.not_after})"
            if self.rotated_at and at > datetime.fromisoformat(self.rotated_at):
                return (f"signed at {signed_at}, after key {self.name} was rotated "
                        f"({self.rotated_at}) to {self.replaced_by}")
        return None


@dataclass(frozen=True, slots=True)
class TrustedIdentity:
    id: str
    issuer: str
    subject: str
    regex: bool = False

    def matches(self, issuer: str | None, subject: str | None) -> bool:
        if issuer != self.issuer or subject is None:
            return False
        if self.regex:
            return re.fullmatch(self.subject, subject) is not None
        return subject == self.subject


def _key_from_record(value: dict[str, Any]) -> TrustedKey:
    public = serialization.load_pem_public_key(value["pem"].encode())
    return TrustedKey(id=value["id"], name=value["name"], algorithm=value["algorithm"],
                      public_key=_check_supported(public, value["id"]),
                      aliases=tuple(value.get("aliases", ())),
                      not_before=value.get("not_before"), not_after=value.get("not_after"),
                      rotated_at=value.get("rotated_at"), replaced_by=value.get("replaced_by"),
                      revoked_at=value.get("revoked_at"),
                      revoke_reason=value.get("revoke_reason"))


# Called after every change of keys, identities or roots, as (store, cause): the
# runtime re-judges what runs now (runtime/reevaluate.py). "module:function" strings.
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
    def add_key(self, data: bytes, where: str, *, name: str | None = None,
                not_before: str | None = None, not_after: str | None = None) -> dict[str, Any]:
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
        self.store.put_record(KEYS, kid, value)
        self._changed(action="key.add", key_id=kid)
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
        return [_key_from_record(v) for v in self.list_keys()]

    def rotate(self, old: str, new_data: bytes, where: str, *, name: str | None = None
               ) -> tuple[dict[str, Any], dict[str, Any]]:
        old_value = self.record(old)
        new_value = self.add_key(new_data, where, name=name)
        if new_value["id"] == old_value["id"]:
            raise UsageError("the new key is the old key")
        old_value = {**old_value, "rotated_at": self.now(), "replaced_by": new_value["id"]}
        self.store.put_record(KEYS, old_value["id"], old_value)
        self._changed(action="key.rotate", key_id=old_value["id"])
        return old_value, new_value

    def revoke(self, ident: str, reason: str) -> dict[str, Any]:
        value = {**self.record(ident), "revoked_at": self.now(), "revoke_reason": reason}
        self.store.put_record(KEYS, value["id"], value)
        self._changed(action="key.revoke", key_id=value["id"], reason=reason)
        return value

    # --- keyless identities
    def trust_identity(self, issuer: str, subject: str, *, regex: bool = False
                       ) -> dict[str, Any]:
        if regex:
            try:
                re.compile(subject)
            except re.error as exc:
                raise UsageError(f"bad subject regex: {exc}") from exc
        ident = hashlib.sha256(f"{issuer}\n{subject}\n{regex}".encode()).hexdigest()[:16]
        value = {"id": ident, "issuer": issuer, "subject": subject, "regex": regex,
                 "added_at": self.now()}
        self.store.put_record(IDENTITIES, ident, value)
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
    def add_root(self, name: str, data: bytes, where: str) -> dict[str, Any]:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise InvalidDocument(f"trusted root is not JSON: {exc}", where=where) from exc
        if not isinstance(obj, dict) or "trustedroot" not in str(obj.get("mediaType", "")):
            raise InvalidDocument("not a Sigstore TrustedRoot", where=f"{where}: $.mediaType")
        value = {"name": name, "json": data.decode(), "added_at": self.now()}
        self.store.put_record(ROOTS, name, value)
        self._changed(action="root.add", root=name)
        return value

    def roots(self) -> dict[str, str]:
        """Root name -> TrustedRoot JSON; stored roots override the embedded production."""
        from .sigstore import embedded_production_root

        found = {"production": embedded_production_root()}
        for name, value in self.store.list_records(ROOTS):
            found[name] = value["json"]
        if not found:
            raise ConfigError("no Sigstore trusted root")
        return found
