"""Sigstore bundles, verified offline by the `sigstore` library against trusted roots
(the embedded production root, plus any stored root: staging, private instances).

Verification proves the certificate chains to the root's Fulcio CA at a verified time
(log entry or timestamps), the log entry is consistent, and the signature covers the
message digest or DSSE payload. Which identity is acceptable is policy (verifier.py),
so the certificate's identity and issuer are recorded, not judged, here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import orjson
from cryptography import x509
from sigstore.errors import Error as SigstoreError
from sigstore.errors import VerificationError
from sigstore.hashes import Hashed
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify.policy import UnsafeNoOp
from sigstore_models.common.v1 import HashAlgorithm
from sigstore_models.trustroot import v1 as trustroot_v1

from ..formats.evidence import EvidenceItem
from .crypto import build_signer_uri, certificate_identity
from .keys import TrustedKey
from .outcome import INVALID, UNVERIFIED, VALID, Outcome, failed
from .sigstore_keyed import is_key_signed, verify_keyed_bundle
from .sigstore_promise import has_promise_only, promised_bundle, verify_promised
from .sigstore_verifier import ConformingVerifier

MECHANISM = "sigstore"
_PRODUCTION = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"

# The library warns on every use of the identity-agnostic policy; identity is checked
# by our policy against the recorded certificate identity instead.
logging.getLogger("sigstore.verify.policy").setLevel(logging.ERROR)


def embedded_production_root() -> str:
    """The public-good trusted root sigstore ships (read offline, never refreshed here)."""
    return (resources.files("sigstore") / "_store" / _PRODUCTION / "trusted_root.json"
            ).read_text()


@cache
def _verifier(root_json: str) -> ConformingVerifier:
    inner = trustroot_v1.TrustedRoot.from_json(root_json)
    return ConformingVerifier(trusted_root=TrustedRoot(inner))


def verify_bundle(item: EvidenceItem, roots: dict[str, str],
                  keys: Sequence[TrustedKey] = ()) -> Outcome:
    """The signing time is the earliest verified time (TSA timestamp or log integrated
    time), never the time of ingest."""
    assert item.bundle is not None
    if is_key_signed(item.bundle):
        return verify_keyed_bundle(item.bundle, keys, roots, _verifier)
    if has_promise_only(item.bundle):
        return _verify_promised(item.bundle, roots)
    try:
        bundle = Bundle.from_json(item.bundle)
    except (SigstoreError, ValueError) as exc:
        message = _missing_inclusion_proof(item.bundle) or _short(exc)
        return failed(MECHANISM, message if message.startswith("failed to load bundle")
                      else f"failed to load bundle: {message}")
    entry = bundle.log_entry._inner
    log_index = int(entry.log_index) if entry.log_index is not None else None
    integrated = (datetime.fromtimestamp(int(entry.integrated_time), UTC)
                  if entry.integrated_time else None)
    common = _common(bundle.signing_certificate, log_index, integrated)
    digest: Hashed | None = None
    if bundle._dsse_envelope is None:
        signature = bundle._inner.message_signature
        if signature is None or signature.message_digest is None:
            return failed(MECHANISM, "bundle has no message digest to verify against",
                          **common)
        if signature.message_digest.algorithm != HashAlgorithm.SHA2_256:
            return failed(MECHANISM, f"unsupported digest {signature.message_digest.algorithm}",
                          **common)
        digest = Hashed(algorithm=signature.message_digest.algorithm,
                        digest=signature.message_digest.digest)

    def check(verifier: ConformingVerifier, root_json: str) -> datetime:
        if digest is None:
            verifier.verify_dsse(bundle, UnsafeNoOp())
        else:
            verifier.verify_artifact(digest, bundle, UnsafeNoOp())
        return verifier.signing_time(bundle)

    return _judged(bundle.signing_certificate, common, roots, check)


def _verify_promised(raw: bytes, roots: dict[str, str]) -> Outcome:
    """A v0.1 bundle with an inclusion promise and no proof (sigstore_promise.py)."""
    try:
        promised = promised_bundle(raw)
    except ValueError as exc:
        return failed(MECHANISM, f"failed to load bundle: {_short(exc)}")
    cert = promised.certificate
    common = _common(cert, promised.entry.log_index, promised.integrated_at)

    def check(verifier: ConformingVerifier, root_json: str) -> datetime:
        if not _issued_by(cert, verifier):
            raise VerificationError("failed to build the signing certificate chain: no "
                                    "Fulcio CA of this root issued it")
        return verify_promised(promised, verifier._trusted_root, root_json)

    return _judged(cert, common, roots, check)


def _common(cert: x509.Certificate, log_index: int | None,
            integrated: datetime | None) -> dict[str, Any]:
    issuer, subject = certificate_identity(cert)
    return {"signer_kind": "identity", "issuer": issuer, "subject": subject,
            "log_index": log_index,
            "integrated_time": integrated.isoformat() if integrated else None,
            "build_signer": build_signer_uri(cert)}


def _judged(cert: x509.Certificate, common: dict[str, Any], roots: dict[str, str],
            check: Callable[[ConformingVerifier, str], datetime]) -> Outcome:
    """Valid against the first root `check` passes for (returning the signing time);
    else invalid when a trusted root's CA issued the certificate, else unverified."""
    errors: list[tuple[str, str]] = []
    issuers: list[str] = []  # roots whose Fulcio CA issued the certificate
    for name, root_json in roots.items():
        try:
            verifier = _verifier(root_json)
            if _issued_by(cert, verifier):
                issuers.append(name)
            signed_at = check(verifier, root_json).isoformat()
        except (SigstoreError, ValueError) as exc:
            errors.append((name, _short(exc)))
            continue
        return Outcome(status=VALID, reason=f"verified against the {name} trusted root",
                       mechanism=MECHANISM, root=name, signed_at=signed_at, **common)
    if issuers:  # the instance is trusted: whatever failed makes the bundle invalid
        errors = [(n, e) for n, e in errors if n in issuers]
        name, error = errors[0]
        return Outcome(status=INVALID, mechanism=MECHANISM, **common,
                       reason=f"{error} ({name} trusted root)" if len(roots) > 1 else error)
    if all(_foreign(e) for _, e in errors):
        return Outcome(status=UNVERIFIED, mechanism=MECHANISM, **common,
                       reason="the certificate does not chain to any trusted root ("
                       + ", ".join(roots) + "); add the instance's root with "
                       "`keys trust-root`")
    return Outcome(status=INVALID, reason=_pick(errors), mechanism=MECHANISM, **common)


def _missing_inclusion_proof(raw: bytes) -> str | None:
    """The library's reason for a log entry without an inclusion proof is a bare model
    validation error; say what is missing (only a v0.1 bundle may do with a promise)."""
    try:
        entries = orjson.loads(raw)["verificationMaterial"]["tlogEntries"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if isinstance(entries, list) and any(
            isinstance(e, dict) and "inclusionProof" not in e for e in entries):
        return ("the log entry has no inclusion proof (an inclusion promise alone is "
                "accepted only in a v0.1 bundle)")
    return None


def _issued_by(cert: x509.Certificate, verifier: ConformingVerifier) -> bool:
    """Whether one of this root's Fulcio CAs issued the certificate (same issuer name
    and key), so a failure is about the bundle, not about a missing root."""
    try:
        wanted = cert.extensions.get_extension_for_class(
            x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        wanted = None
    for ca in verifier._trusted_root.get_fulcio_certs():
        if ca.subject != cert.issuer:
            continue
        if wanted is None:
            return True
        if x509.SubjectKeyIdentifier.from_public_key(ca.public_key()).digest == wanted:
            return True
    return False


def _foreign(error: str) -> bool:
    return "certificate chain" in error or "sources of verified time" in error


def _pick(errors: list[tuple[str, str]]) -> str:
    """The most telling failure: one from a root whose CA issued the certificate (a
    chain failure only says the bundle belongs to another instance)."""
    relevant = [(n, e) for n, e in errors if not _foreign(e)]
    name, error = (relevant or errors)[0]
    return f"{error} ({name} trusted root)" if len(errors) > 1 else error


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
