"""Key-based checks shared by DSSE, in-toto links and cosign signatures: find a trusted
key that verifies one of the signatures, then judge that key at the signing time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography import x509

from ..formats.evidence import RawSignature
from .crypto import certificate_identity, verify_prehashed, verify_signature
from .keys import TrustedKey
from .outcome import INVALID, UNVERIFIED, VALID, Outcome


def verify_with_keys(mechanism: str, signatures: Sequence[RawSignature], signed: bytes,
                     keys: Sequence[TrustedKey], signed_at: str, *,
                     prehashed: str | None = None) -> Outcome:
    """`signed` is what the signatures cover; with `prehashed` (sha256:hex) the
    signatures cover data we only know the digest of."""
    if not signatures:
        return Outcome(status=INVALID, reason="no signatures", mechanism=mechanism)

    def check(key: x509.Certificate | TrustedKey, sig: bytes) -> bool:
        public = key.public_key() if isinstance(key, x509.Certificate) else key.public_key
        if prehashed is not None:
            return verify_prehashed(public, sig,  # type: ignore[arg-type]
                                    bytes.fromhex(prehashed.removeprefix("sha256:")))
        return verify_signature(public, sig, signed)  # type: ignore[arg-type]

    named: list[str] = []
    for raw in signatures:
        for key in _candidates(raw.keyid, keys):
            if not check(key, raw.sig):
                if raw.keyid and (raw.keyid == key.id or raw.keyid in key.aliases):
                    named.append(key.name)
                continue
            reason = key.invalid_reason(signed_at)
            return Outcome(status=INVALID if reason else VALID,
                           reason=reason or f"signature verified with key {key.name}",
                           mechanism=mechanism, signer_kind="key", key_id=key.id,
                           key_name=key.name, signed_at=signed_at)
    for raw in signatures:
        if raw.cert_pem is None:
            continue
        try:
            cert = x509.load_pem_x509_certificate(raw.cert_pem.encode())
        except ValueError:
            return Outcome(status=INVALID, reason="embedded certificate is not PEM",
                           mechanism=mechanism)
        issuer, subject = certificate_identity(cert)
        if not check(cert, raw.sig):
            return Outcome(status=INVALID, reason="signature does not verify with its "
                           "certificate's key", mechanism=mechanism, signer_kind="identity",
                           issuer=issuer, subject=subject)
        return Outcome(status=UNVERIFIED, mechanism=mechanism, signer_kind="identity",
                       issuer=issuer, subject=subject,
                       reason="signature matches its certificate, but there is no "
                       "transparency log entry or timestamp to prove the short-lived "
                       "certificate was valid when it signed (needs an online Rekor lookup)")
    if named:
        return Outcome(status=INVALID, mechanism=mechanism,
                       reason=f"signature does not verify with key {', '.join(named)} "
                       "named by its key id")
    ids = ", ".join(sorted({r.keyid for r in signatures if r.keyid})) or "none given"
    tried = ", ".join(k.name for k in keys) or "no keys in the trust store"
    return Outcome(status=UNVERIFIED, mechanism=mechanism,
                   reason=f"no trusted key verifies the signature (key ids: {ids}; "
                   f"tried: {tried})")


def _candidates(keyid: str, keys: Sequence[TrustedKey]) -> list[TrustedKey]:
    """Keys whose id or alias matches first, then the rest (key ids are hints)."""
    matching = [k for k in keys if keyid and (keyid == k.id or keyid in k.aliases)]
    return matching + [k for k in keys if k not in matching]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
