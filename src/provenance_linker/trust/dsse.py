"""DSSE envelopes signed with keys: the signature covers PAE(payloadType, payload)."""

from __future__ import annotations

from collections.abc import Sequence

from ..formats.evidence import EvidenceItem
from .keys import TrustedKey
from .outcome import Outcome
from .signed import verify_with_keys

MECHANISM = "dsse"


def verify_envelope(item: EvidenceItem, keys: Sequence[TrustedKey], signed_at: str) -> Outcome:
    return verify_with_keys(MECHANISM, item.signatures, item.signed_bytes, keys, signed_at)
