"""Sigstore v0.1 bundles whose Rekor entry carries an inclusion promise (a signed entry
timestamp, SET) but no inclusion proof: slsa-github-generator v1.7.0, npm provenance.

The bundle format allows exactly this for v0.1 (a promise is required there, a proof
optional); the `sigstore` library refuses to load such bundles, so they are verified
here, with `cryptography`, against one trusted root at a time:

1. the SET verifies with the key of the root's log whose id (sha256 of the key's DER
   SubjectPublicKeyInfo) is the entry's logID, valid at integratedTime (rekor_set.py);
2. the entry's body is this envelope: payload hash, signature, certificate;
3. the Fulcio certificate chains to a CA of the root valid at integratedTime, is itself
   valid then, carries an SCT from the root's CT log (checked by the library's
   `verify_sct`), and is a code-signing certificate;
4. the DSSE signature verifies with the certificate's key.

Bundles of later versions must carry a proof; they, and every bundle with one, stay
the library's (sigstore.py).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
)
from cryptography.x509.verification import (
    VerificationError as ChainError,
)
from sigstore._internal.sct import verify_sct
from sigstore._internal.trust import KeyringPurpose
from sigstore.errors import VerificationError
from sigstore.models import TrustedRoot

from ..formats.dsse import pae
from . import rekor_set
from .sigstore_verifier import check_intoto_v002_body

V0_1 = "application/vnd.dev.sigstore.bundle+json;version=0.1"
_KINDS = {("intoto", "0.0.2")}  # what slsa-github-generator and npm log


@dataclass(frozen=True, slots=True)
class PromisedBundle:
    certificate: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]  # as the bundle carries them: untrusted
    entry: rekor_set.LoggedEntry
    promise: bytes  # the SET
    kind: tuple[str, str]
    payload_type: str
    payload: bytes
    signature: bytes

    @property
    def integrated_at(self) -> datetime:
        return datetime.fromtimestamp(self.entry.integrated_time, UTC)


def has_promise_only(raw: bytes) -> bool:
    """A v0.1 bundle whose log entry has an inclusion promise and no inclusion proof."""
    try:
        obj = orjson.loads(raw)
        [entry] = obj["verificationMaterial"]["tlogEntries"]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return False
    return (isinstance(entry, dict) and obj.get("mediaType") == V0_1
            and entry.get("inclusionProof") is None
            and isinstance(entry.get("inclusionPromise"), dict))


def promised_bundle(raw: bytes) -> PromisedBundle:
    """Parse a bundle `has_promise_only` accepted; ValueError says what is malformed."""
    obj = orjson.loads(raw)
    material, entry = obj["verificationMaterial"], obj["verificationMaterial"]["tlogEntries"][0]
    try:
        der = [base64.b64decode(c["rawBytes"], validate=True)
               for c in material["x509CertificateChain"]["certificates"]]
        certs = [x509.load_der_x509_certificate(d) for d in der]
        for cert in certs:
            _ = cert.extensions  # parsed now, so a malformed one is refused here
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"the bundle has no readable signing certificate chain ({exc})"
                         ) from exc
    if not certs:
        raise ValueError("the bundle's certificate chain is empty")
    stamps = material.get("timestampVerificationData") or {}
    if not isinstance(stamps, dict) or stamps.get("rfc3161Timestamps"):
        raise ValueError("RFC 3161 timestamps in a bundle without an inclusion proof are "
                         "not supported")
    try:
        logged = rekor_set.LoggedEntry(
            body=str(entry["canonicalizedBody"]),
            integrated_time=rekor_set.int64(entry["integratedTime"]),
            log_id=base64.b64decode(entry["logId"]["keyId"], validate=True).hex(),
            log_index=rekor_set.int64(entry["logIndex"]))
        base64.b64decode(logged.body, validate=True)
        datetime.fromtimestamp(logged.integrated_time, UTC)
        promise = base64.b64decode(entry["inclusionPromise"]["signedEntryTimestamp"],
                                   validate=True)
        kind = (str(entry["kindVersion"]["kind"]), str(entry["kindVersion"]["version"]))
    except (KeyError, TypeError, ValueError, OverflowError, OSError, binascii.Error) as exc:
        raise ValueError(f"malformed log entry: {type(exc).__name__} {exc}") from exc
    envelope = obj.get("dsseEnvelope")
    if not isinstance(envelope, dict):
        raise ValueError("a bundle without an inclusion proof is verified offline only "
                         "with a DSSE envelope")
    try:
        [signature] = envelope["signatures"]
        return PromisedBundle(
            certificate=certs[0], intermediates=tuple(certs[1:]), entry=logged,
            promise=promise, kind=kind, payload_type=str(envelope["payloadType"]),
            payload=base64.b64decode(envelope["payload"], validate=True),
            signature=base64.b64decode(signature["sig"], validate=True))
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError("the DSSE envelope needs a payloadType, a payload and exactly "
                         "one signature") from exc


def verify_promised(bundle: PromisedBundle, root: TrustedRoot, root_json: str) -> datetime:
    """The integrated time, once every check above holds for this root; else
    VerificationError naming the first that failed."""
    if bundle.kind not in _KINDS:
        raise VerificationError(f"a {bundle.kind[0]}/{bundle.kind[1]} log entry without an "
                                "inclusion proof is not verified offline")
    promised = rekor_set.verify_promise(bundle.entry, bundle.promise, {"root": root_json})
    if promised.status == rekor_set.UNKNOWN_LOG:
        raise VerificationError(f"invalid log entry: log ID {bundle.entry.log_id[:16]}… is "
                                "not a transparency log of this trusted root")
    if promised.status != rekor_set.VERIFIED:
        raise VerificationError(f"invalid inclusion promise: {promised.reason}")
    body = base64.b64decode(bundle.entry.body)
    body_kind = _body_kind(body)
    if body_kind != bundle.kind:
        raise VerificationError(f"log entry body is {body_kind[0]}/{body_kind[1]}, the entry "
                                f"says {bundle.kind[0]}/{bundle.kind[1]}")
    check_intoto_v002_body(body, bundle.payload, [bundle.signature], bundle.certificate)
    at = bundle.integrated_at
    chain = _chain_at(bundle, root, at)
    try:
        verify_sct(bundle.certificate, chain, root.ct_keyring(KeyringPurpose.VERIFY))
    except VerificationError as exc:
        raise VerificationError(f"failed to verify SCT on signing certificate: {exc}"
                                ) from exc
    _code_signing(bundle.certificate)
    key = bundle.certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise VerificationError("the signing certificate's key is not ECDSA")
    digest = hashes.SHA384() if key.curve.name == "secp384r1" else hashes.SHA256()
    try:
        key.verify(bundle.signature, pae(bundle.payload_type, bundle.payload),
                   ec.ECDSA(digest))
    except InvalidSignature as exc:
        raise VerificationError("the DSSE signature does not verify with the signing "
                                "certificate's key") from exc
    return at


def _body_kind(body: bytes) -> tuple[str, str]:
    try:
        parsed: Any = orjson.loads(body)
        return str(parsed["kind"]), str(parsed["apiVersion"])
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise VerificationError(f"malformed log entry body: {exc}") from exc


def _chain_at(bundle: PromisedBundle, root: TrustedRoot, at: datetime) -> list[x509.Certificate]:
    """The certificate, valid at `at`, chains to a Fulcio CA of the root valid at `at`
    (the chain returned is the verified one above the certificate)."""
    anchors: list[x509.Certificate] = []
    for authority in root._inner.certificate_authorities:
        window = authority.valid_for
        if window.start <= at and (window.end is None or at <= window.end):
            anchors.extend(x509.load_der_x509_certificate(c.raw_bytes)
                           for c in authority.cert_chain.certificates)
    if not anchors:
        raise VerificationError(f"no Fulcio CA of the trusted root was valid at the "
                                f"integrated time {at.isoformat()}")
    cert = bundle.certificate
    if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
        raise VerificationError(
            f"invalid signing cert: not valid at the integrated time {at.isoformat()} "
            f"(valid {cert.not_valid_before_utc.isoformat()} to "
            f"{cert.not_valid_after_utc.isoformat()})")
    # Fulcio certificates are code-signing, not client-auth: the EKU is checked below.
    ca_policy = ExtensionPolicy.webpki_defaults_ca().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None)
    ee_policy = ExtensionPolicy.webpki_defaults_ee().may_be_present(
        x509.ExtendedKeyUsage, Criticality.NON_CRITICAL, None)
    verifier = (PolicyBuilder().store(Store(anchors)).time(at)
                .extension_policies(ca_policy=ca_policy, ee_policy=ee_policy)
                .build_client_verifier())
    try:
        return list(verifier.verify(cert, list(bundle.intermediates)).chain[1:])
    except (ChainError, x509.UnsupportedGeneralNameType) as exc:
        raise VerificationError(f"failed to build the signing certificate chain at the "
                                f"integrated time: {exc}") from exc


def _code_signing(cert: x509.Certificate) -> None:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        extended = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise VerificationError(f"the signing certificate lacks {exc.oid}") from exc
    if not usage.digital_signature:
        raise VerificationError("Key usage is not of type `digital signature`")
    if ExtendedKeyUsageOID.CODE_SIGNING not in extended:
        raise VerificationError("Extended usage does not contain `code signing`")
