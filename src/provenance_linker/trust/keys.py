"""Public keys and trusted signers as values (the store-backed `TrustStore` is in
`trust_store.py`).

A key id is the sha256 of the public key's SubjectPublicKeyInfo (DER). Validity is
judged at the signing time:
`not_before`/`not_after`, rotation (valid for signatures made before `rotated_at`) and
revocation (nothing signed by a revoked key verifies any more).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from securesystemslib.formats import encode_canonical

from ..errors import InvalidDocument, UsageError

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


def check_supported(key: Any, where: str) -> PublicKey:
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
            return check_supported(cert_key, where), []
        return check_supported(serialization.load_pem_public_key(text), where), []
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
            key = check_supported(serialization.load_pem_public_key(public.encode()), where)
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
