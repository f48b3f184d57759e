"""The `sigstore` library's Verifier, with the points where it departs from the Sigstore
client specification and its conformance suite set right:

- a trust root's TimeRange is a closed interval: a timestamp at exactly the end of a
  TSA's validity still counts (the library treats the end as exclusive);
- Rekor v1 `intoto/0.0.2` entries (slsa-github-generator's v0.1/v0.2 bundles) are DSSE
  entries too: their integrated time is a verified time when an inclusion promise binds
  it, and their body is checked against the envelope (payload hash, signature, signer);
- the signing time is taken from the verified timestamps themselves (`signing_time`),
  never from the clock of whoever ingests the bundle.

Everything else (chains, SCTs, inclusion proofs, checkpoints, SETs) is the library's.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from rfc3161_client import TimeStampResponse, VerifierBuilder
from rfc3161_client import VerificationError as Rfc3161VerificationError
from sigstore import dsse
from sigstore._internal.timestamp import TimestampSource, TimestampVerificationResult
from sigstore.errors import VerificationError
from sigstore.models import Bundle
from sigstore.verify import Verifier
from sigstore.verify.policy import VerificationPolicy

# Log entry kinds whose integrated time an inclusion promise (SET) binds.
_PROMISED_KINDS = {("dsse", "0.0.1"), ("hashedrekord", "0.0.1"), ("intoto", "0.0.2")}


class ConformingVerifier(Verifier):
    def _verify_signed_timestamp(self, timestamp_response: TimeStampResponse,
                                 message: bytes) -> TimestampVerificationResult | None:
        generated = timestamp_response.tst_info.gen_time
        for authority in self._trusted_root.get_timestamp_authorities():
            chain = authority.certificates(allow_expired=True)
            if len(chain) < 2:  # a signing certificate and a root at least
                continue
            builder = (VerifierBuilder().tsa_certificate(chain[0])
                       .add_root_certificate(chain[-1]))
            for intermediate in chain[1:-1]:
                builder = builder.add_intermediate_certificate(intermediate)
            try:
                builder.build().verify_message(timestamp_response, message)
            except Rfc3161VerificationError:
                continue
            start, end = authority.validity_period_start, authority.validity_period_end
            if start <= generated and (end is None or generated <= end):
                return TimestampVerificationResult(
                    source=TimestampSource.TIMESTAMP_AUTHORITY, time=generated)
        return None

    def _establish_time(self, bundle: Bundle) -> list[TimestampVerificationResult]:
        verified: list[TimestampVerificationResult] = []
        if bundle.verification_material.timestamp_verification_data:
            if not self._trusted_root.get_timestamp_authorities():
                raise VerificationError("the bundle has a signed timestamp but the trusted "
                                        "root has no timestamp authority to check it")
            verified.extend(self._verify_timestamp_authority(bundle))
        entry = bundle.log_entry._inner
        if entry.integrated_time and entry.inclusion_promise:
            kind = (entry.kind_version.kind, entry.kind_version.version)
            if kind not in _PROMISED_KINDS:
                raise VerificationError(f"an integrated time is not defined for "
                                        f"{kind[0]}/{kind[1]} log entries")
            verified.append(TimestampVerificationResult(
                source=TimestampSource.TRANSPARENCY_SERVICE,
                time=datetime.fromtimestamp(int(entry.integrated_time), UTC)))
        return verified

    def verify_dsse(self, bundle: Bundle, policy: VerificationPolicy) -> tuple[str, bytes]:
        kind = bundle.log_entry._inner.kind_version
        if (kind.kind, kind.version) != ("intoto", "0.0.2"):
            result: tuple[str, bytes] = super().verify_dsse(bundle, policy)
            return result
        self._verify_common_signing_cert(bundle, policy)
        envelope = bundle._dsse_envelope
        if envelope is None:
            raise VerificationError("an intoto log entry needs a DSSE envelope")
        key = bundle.signing_certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise VerificationError("the signing certificate's key is not ECDSA")
        dsse._verify(key, envelope)
        check_intoto_v002_body(bundle.log_entry._inner.canonicalized_body,
                               envelope._inner.payload,
                               [s.sig for s in envelope._inner.signatures],
                               bundle.signing_certificate)
        return envelope._inner.payload_type, envelope._inner.payload

    def signing_time(self, bundle: Bundle) -> datetime:
        """The earliest verified time of a bundle that verified (TSA or log)."""
        return min(result.time for result in self._establish_time(bundle))


def check_intoto_v002_body(canonicalized_body: bytes, payload: bytes,
                           signatures: list[bytes], signer: x509.Certificate) -> None:
    """The logged intoto/0.0.2 entry must be this envelope: same payload hash, and the
    same signatures by the same certificate (Rekor double-base64-encodes both)."""
    try:
        body: Any = orjson.loads(canonicalized_body)
        content = body["spec"]["content"]
        logged_hash = content["payloadHash"]
        logged_sigs = content["envelope"]["signatures"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise VerificationError(f"malformed intoto log entry: {exc}") from exc
    if (not isinstance(logged_hash, dict) or logged_hash.get("algorithm") != "sha256"
            or logged_hash.get("value") != hashlib.sha256(payload).hexdigest()):
        raise VerificationError("log entry payload hash does not match the bundle")
    cert_der = signer.public_bytes(serialization.Encoding.DER)
    expected = [base64.b64encode(s) for s in signatures]
    found: list[bytes] = []
    for logged in logged_sigs if isinstance(logged_sigs, list) else []:
        try:
            found.append(base64.b64decode(logged["sig"]))
            logged_signer = x509.load_pem_x509_certificate(
                base64.b64decode(logged["publicKey"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise VerificationError(f"malformed intoto log entry signature: {exc}") from exc
        if logged_signer.public_bytes(serialization.Encoding.DER) != cert_der:
            raise VerificationError("log entry was signed by another certificate")
    if sorted(found) != sorted(expected):
        raise VerificationError("log entry signatures do not match the bundle")
