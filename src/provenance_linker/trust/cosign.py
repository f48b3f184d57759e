"""cosign signatures: simple-signing payloads (`cosign sign`) and detached blob
signatures (`cosign sign-blob`), with a trusted key or a carried certificate. A Rekor
SignedEntryTimestamp (`Bundle`) that verifies moves the time a key is judged at from
ingest to the entry's integration time (trust/rekor_set.py)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence

import orjson

from ..formats.evidence import EvidenceItem
from . import rekor_set
from .keys import TrustedKey
from .outcome import INVALID, Outcome
from .signed import verify_with_keys


def verify_simple_signing(item: EvidenceItem, keys: Sequence[TrustedKey], signed_at: str,
                          roots: Mapping[str, str]) -> Outcome:
    return _judged(item, hashlib.sha256(item.signed_bytes).hexdigest(), roots, signed_at,
                   lambda at: verify_with_keys("cosign", item.signatures, item.signed_bytes,
                                               keys, at))


def verify_blob(item: EvidenceItem, keys: Sequence[TrustedKey], signed_at: str,
                roots: Mapping[str, str], blob: bytes | None = None) -> Outcome:
    """With the blob, every key type; with only its digest, ECDSA and RSA (Ed25519
    signs the message itself, not a digest)."""
    if blob is not None:
        return _judged(item, hashlib.sha256(blob).hexdigest(), roots, signed_at,
                       lambda at: verify_with_keys("blob", item.signatures, blob, keys, at))
    if item.message_digest is None:
        return Outcome(status=INVALID, mechanism="blob",
                       reason="a detached signature needs the artifact or its digest")
    digest = item.message_digest
    return _judged(item, digest.removeprefix("sha256:"), roots, signed_at,
                   lambda at: verify_with_keys("blob", item.signatures, b"", keys, at,
                                               prehashed=digest))


def _judged(item: EvidenceItem, signed_sha256: str, roots: Mapping[str, str],
            signed_at: str, verify: Callable[[str], Outcome]) -> Outcome:
    if item.log_entry is None or not item.signatures:
        return verify(signed_at)
    entry = rekor_set.check(orjson.loads(item.log_entry), item.signatures[0].sig,
                            signed_sha256, roots)
    if entry.status == rekor_set.INVALID:
        return Outcome(status=INVALID, reason=entry.reason, mechanism=item.mechanism,
                       log_index=entry.log_index, integrated_time=entry.integrated_time)
    if entry.status == rekor_set.UNKNOWN_LOG:
        outcome = verify(signed_at)
        return dataclasses.replace(outcome, reason=f"{outcome.reason}; {entry.reason}")
    assert entry.integrated_time is not None
    outcome = verify(entry.integrated_time)
    return dataclasses.replace(outcome, reason=f"{outcome.reason}; {entry.reason}",
                               log_index=entry.log_index,
                               integrated_time=entry.integrated_time)
