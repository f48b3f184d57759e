"""Verify one evidence item with the mechanism it needs (one module per mechanism)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..formats.evidence import EvidenceItem
from . import cosign, dsse, intoto, sigstore
from .keys import TrustedKey
from .outcome import Outcome
from .trust_store import TrustStore


@dataclass(frozen=True, slots=True)
class VerifyContext:
    keys: list[TrustedKey]
    roots: dict[str, str]  # Sigstore trusted root name -> JSON
    now: str  # when we first see a key-signed item: the latest it can have been signed
    blob: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_trust(cls, trust: TrustStore, blob: bytes | None = None) -> VerifyContext:
        return cls(trust.keys(), trust.roots(), trust.now(), blob)


def verify_item(item: EvidenceItem, ctx: VerifyContext, signed_at: str | None = None
                ) -> Outcome:
    if item.load_error is not None:
        return Outcome(status="invalid", reason=item.load_error, mechanism=item.mechanism)
    at = signed_at or ctx.now
    match item.mechanism:
        case "sigstore":
            return sigstore.verify_bundle(item, ctx.roots, at)
        case "dsse":
            return dsse.verify_envelope(item, ctx.keys, at)
        case "intoto-link":
            return intoto.verify_link(item, ctx.keys, at)
        case "intoto-layout":
            return intoto.verify_layout(item, ctx.keys, at)
        case "statement":
            return intoto.unsigned_statement(item)
        case "cosign":
            return cosign.verify_simple_signing(item, ctx.keys, at, ctx.roots)
        case "blob":
            return cosign.verify_blob(item, ctx.keys, at, ctx.roots, ctx.blob)
    return Outcome(status="invalid", reason=f"unknown mechanism {item.mechanism}",
                   mechanism=item.mechanism)
