"""in-toto links and layouts (legacy JSON: signatures over the canonical JSON of
`signed`; or DSSE: over PAE), and unsigned Statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..formats.evidence import EvidenceItem
from .keys import TrustedKey
from .outcome import INVALID, UNSIGNED, Outcome
from .signed import verify_with_keys


def verify_link(item: EvidenceItem, keys: Sequence[TrustedKey], signed_at: str) -> Outcome:
    outcome = verify_with_keys(item.mechanism, item.signatures, item.signed_bytes, keys,
                               signed_at)
    return outcome


def verify_layout(item: EvidenceItem, keys: Sequence[TrustedKey], signed_at: str) -> Outcome:
    """A layout counts only when signed by a trusted key and not expired. Layout
    verification of the supply chain (steps, inspections) is not performed."""
    if not item.signatures:
        return Outcome(status=UNSIGNED, mechanism=item.mechanism,
                       reason="in-toto layout is unsigned (a template: no signatures"
                       + ("" if (item.statement or {}).get("expires") else ", no expires")
                       + ")")
    outcome = verify_with_keys(item.mechanism, item.signatures, item.signed_bytes, keys,
                               signed_at)
    expires = (item.statement or {}).get("expires")
    if outcome.ok and isinstance(expires, str) and datetime.fromisoformat(
            expires.replace("Z", "+00:00")) < datetime.fromisoformat(signed_at):
        return Outcome(status=INVALID, reason=f"layout expired at {expires}",
                       mechanism=item.mechanism, signer_kind="key", key_id=outcome.key_id,
                       key_name=outcome.key_name)
    return outcome


def unsigned_statement(item: EvidenceItem) -> Outcome:
    return Outcome(status=UNSIGNED, mechanism=item.mechanism,
                   reason="unsigned in-toto Statement: recorded as a claim, not evidence")
