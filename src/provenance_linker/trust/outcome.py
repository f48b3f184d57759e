"""The result of verifying one signed item, as stored on Signature/Attestation nodes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

VALID = "valid"
INVALID = "invalid"
UNVERIFIED = "unverified"  # no trusted key/root could decide yet; re-checked when keys arrive
UNSIGNED = "unsigned"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    reason: str
    mechanism: str
    signer_kind: str | None = None  # "key" or "identity"
    key_id: str | None = None
    key_name: str | None = None
    issuer: str | None = None
    subject: str | None = None  # the certificate identity (SAN)
    root: str | None = None  # the Sigstore trusted root that verified it
    log_index: int | None = None
    integrated_time: str | None = None
    signed_at: str | None = None  # the time the signature is judged at
    build_signer: str | None = None  # a Fulcio certificate's Build Signer URI

    @property
    def ok(self) -> bool:
        return self.status == VALID

    def props(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def failed(mechanism: str, reason: str, status: str = INVALID, **fields: Any) -> Outcome:
    return Outcome(status=status, reason=reason, mechanism=mechanism, **fields)
