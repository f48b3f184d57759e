"""cosign signatures: simple-signing payloads (`cosign sign`) and detached blob
signatures (`cosign sign-blob`), with a trusted key or a carried certificate."""

from __future__ import annotations

from collections.abc import Sequence

from ..formats.evidence import EvidenceItem
from .keys import TrustedKey
from .outcome import INVALID, Outcome
from .signed import verify_with_keys


def verify_simple_signing(item: EvidenceItem, keys: Sequence[TrustedKey], signed_at: str
                          ) -> Outcome:
    return verify_with_keys("cosign", item.signatures, item.signed_bytes, keys, signed_at)


def verify_blob(item: EvidenceItem, keys: Sequence[TrustedKey], signed_at: str,
                blob: bytes | None = None) -> Outcome:
    """With the blob, every key type; with only its digest, ECDSA and RSA (Ed25519
    signs the message itself, not a digest)."""
    if blob is not None:
        return verify_with_keys("blob", item.signatures, blob, keys, signed_at)
    if item.message_digest is None:
        return Outcome(status=INVALID, mechanism="blob",
                       reason="a detached signature needs the artifact or its digest")
    return verify_with_keys("blob", item.signatures, b"", keys, signed_at,
                            prehashed=item.message_digest)
