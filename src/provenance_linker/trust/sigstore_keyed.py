"""Sigstore bundles signed with a managed key (`verificationMaterial.publicKey`): the
signature must verify with a key in our trust store, valid at the signing time, and the
log entry must verify against a trusted root's Rekor key and record exactly this
signature, digest and key. The `sigstore` library refuses such bundles (it wants a
certificate), so the log and timestamp checks reuse its pieces directly.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from sigstore._internal.trust import KeyringPurpose
from sigstore.errors import Error as SigstoreError
from sigstore.models import TransparencyLogEntry, VerificationMaterial
from sigstore_models.bundle import v1 as bundle_v1
from sigstore_models.common.v1 import HashAlgorithm

from ..formats.dsse import pae
from ..formats.evidence import RawSignature
from .keys import TrustedKey, key_id
from .outcome import INVALID, UNVERIFIED, VALID, Outcome, failed
from .signed import verify_with_keys
from .sigstore_verifier import ConformingVerifier

MECHANISM = "sigstore"


def is_key_signed(raw: bytes) -> bool:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    material = obj.get("verificationMaterial") if isinstance(obj, dict) else None
    return isinstance(material, dict) and "publicKey" in material


def verify_keyed_bundle(raw: bytes, keys: Sequence[TrustedKey], roots: dict[str, str],
                        verifier_for: Callable[[str], ConformingVerifier]) -> Outcome:
    try:
        inner = bundle_v1.Bundle.from_json(raw)
        entries = inner.verification_material.tlog_entries or []
        if len(entries) != 1:
            return failed(MECHANISM, f"expected exactly one log entry in bundle, found "
                          f"{len(entries)}")
        entry = TransparencyLogEntry(entries[0])
        material = VerificationMaterial(inner.verification_material)
    except (SigstoreError, ValueError) as exc:
        return failed(MECHANISM, f"failed to load bundle: {_short(exc)}")
    signature, signed, digest = _signed_material(inner)
    if signature is None:
        return failed(MECHANISM, "bundle has neither a message signature nor a DSSE envelope")
    log_index = int(entry._inner.log_index)
    errors: list[tuple[str, str]] = []
    for name, root_json in roots.items():
        try:
            verifier = verifier_for(root_json)
            entry._verify(verifier._trusted_root.rekor_keyring(KeyringPurpose.VERIFY))
            times = _verified_times(verifier, entry, material, signature)
        except (SigstoreError, ValueError) as exc:
            errors.append((name, _short(exc)))
            continue
        if not times:
            errors.append((name, "no verified time: the bundle has neither an inclusion "
                           "promise nor a timestamp from a trusted timestamp authority"))
            continue
        signed_at = min(times).isoformat()
        hint = inner.verification_material.public_key.hint if (
            inner.verification_material.public_key) else None
        outcome = verify_with_keys(MECHANISM, [RawSignature(_hint_hex(hint), signature)],
                                   signed, keys, signed_at,
                                   prehashed=None if digest is None else f"sha256:{digest}")
        common: dict[str, Any] = {"root": name if outcome.ok else None,
                                  "log_index": log_index}
        if outcome.status != VALID:
            return _with(outcome, signed_at=signed_at, log_index=log_index)
        mismatch = _entry_mismatch(entry, signature, digest, outcome.key_id)
        if mismatch:
            return _with(outcome, status=INVALID, reason=mismatch, log_index=log_index)
        return _with(outcome, reason=f"{outcome.reason}; log entry verified against the "
                     f"{name} trusted root", **common)
    if errors and all("log ID" in e or "not found" in e.lower() for _, e in errors):
        return failed(MECHANISM, "the log entry is from no trusted log (" + ", ".join(roots)
                      + "); add the instance's root with `keys trust-root`",
                      status=UNVERIFIED, log_index=log_index)
    name, error = errors[0]
    return failed(MECHANISM, f"{error} ({name} trusted root)" if len(errors) > 1 else error,
                  log_index=log_index)


def _signed_material(inner: Any) -> tuple[bytes | None, bytes, str | None]:
    """(signature, what it covers, sha256 hex when it covers only a digest)."""
    message = inner.message_signature
    if message is not None:
        found = message.message_digest
        if found is None or found.algorithm != HashAlgorithm.SHA2_256:
            return None, b"", None
        return bytes(message.signature), b"", bytes(found.digest).hex()
    envelope = inner.dsse_envelope
    if envelope is not None and len(envelope.signatures) == 1:
        return (bytes(envelope.signatures[0].sig),
                pae(envelope.payload_type, bytes(envelope.payload)), None)
    return None, b"", None


def _verified_times(verifier: ConformingVerifier, entry: TransparencyLogEntry,
                    material: VerificationMaterial, signature: bytes) -> list[datetime]:
    times: list[datetime] = []
    if entry._inner.integrated_time and entry._inner.inclusion_promise:
        # the SET binding this time was verified by entry._verify
        times.append(datetime.fromtimestamp(int(entry._inner.integrated_time), UTC))
    stamps = material.timestamp_verification_data
    for response in stamps.rfc3161_timestamps if stamps else []:
        result = verifier._verify_signed_timestamp(response, signature)
        if result is None:
            raise ValueError("a signed timestamp does not verify with any trusted "
                             "timestamp authority")
        times.append(result.time)
    return times


def _entry_mismatch(entry: TransparencyLogEntry, signature: bytes, digest: str | None,
                    signer: str | None) -> str | None:
    """The logged entry must record this signature, digest and key (CVE-2022-36056)."""
    kind = entry._inner.kind_version
    if (kind.kind, kind.version) != ("hashedrekord", "0.0.1") or digest is None:
        return f"unsupported log entry {kind.kind}/{kind.version} for a key-signed bundle"
    try:
        spec = orjson.loads(entry._inner.canonicalized_body)["spec"]
        logged_digest = spec["data"]["hash"]["value"]
        logged_sig = base64.b64decode(spec["signature"]["content"])
        logged_key = serialization.load_pem_public_key(
            base64.b64decode(spec["signature"]["publicKey"]["content"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        return f"malformed hashedrekord log entry: {exc}"
    if logged_digest != digest or logged_sig != signature:
        return "transparency log entry is inconsistent with other materials"
    if key_id(logged_key) != signer:  # type: ignore[arg-type]
        return "transparency log entry names another key than the one that verified"
    return None


def _hint_hex(hint: Any) -> str:
    """The key hint as our key ids are written (hex of the SPKI's sha256)."""
    if isinstance(hint, bytes):
        return hint.hex()
    try:
        return base64.b64decode(hint).hex() if isinstance(hint, str) else ""
    except ValueError:
        return ""


def _with(outcome: Outcome, **changes: Any) -> Outcome:
    values = {**outcome.props(), **changes}
    values.setdefault("mechanism", MECHANISM)
    values["mechanism"] = MECHANISM
    return Outcome(**values)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
