"""Raw signature checks for every supported key type (ECDSA P-256/P-384, Ed25519, RSA
PKCS#1 v1.5 and PSS), and X.509 certificate identities (SAN + Fulcio issuer)."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from cryptography.x509.oid import ObjectIdentifier

from .keys import PublicKey

# Fulcio's OIDC issuer extensions (v1: raw string, v2: DER UTF8String).
_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
_BUILD_SIGNER_URI = ObjectIdentifier("1.3.6.1.4.1.57264.1.9")  # the signing workflow @ ref


def verify_signature(key: PublicKey, signature: bytes, data: bytes) -> bool:
    """True when `signature` over `data` verifies with `key` under any scheme the key
    type is used with."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey):
            signature = _der(key, signature)
            algorithms: list[hashes.HashAlgorithm] = [hashes.SHA256(), hashes.SHA384()]
            if key.curve.name == "secp384r1":
                algorithms.reverse()
            for algorithm in algorithms:
                try:
                    key.verify(signature, data, ec.ECDSA(algorithm))
                    return True
                except InvalidSignature:
                    continue
            return False
        assert isinstance(key, rsa.RSAPublicKey)
        return _rsa_verify(key, signature, data, hashes.SHA256())
    except InvalidSignature:
        return False


def verify_prehashed(key: PublicKey, signature: bytes, digest: bytes) -> bool:
    """A signature over data we only know the sha256 of (ECDSA and RSA only)."""
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(_der(key, signature), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
            return True
        if isinstance(key, rsa.RSAPublicKey):
            return _rsa_verify(key, signature, digest, Prehashed(hashes.SHA256()))
        return False
    except InvalidSignature:
        return False


def _rsa_verify(key: rsa.RSAPublicKey, signature: bytes, data: bytes,
                algorithm: hashes.HashAlgorithm | Prehashed) -> bool:
    """RSA signers use PSS (in-toto, securesystemslib) or PKCS#1 v1.5 (cosign): try both."""
    for pad in (padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                padding.PKCS1v15()):
        try:
            key.verify(signature, data, pad, algorithm)
            return True
        except InvalidSignature:
            continue
    return False


def _der(key: ec.EllipticCurvePublicKey, signature: bytes) -> bytes:
    """Some signers emit ECDSA signatures as raw r||s (IEEE P1363); cryptography wants DER."""
    size = (key.curve.key_size + 7) // 8
    if len(signature) == 2 * size and signature[0] != 0x30:
        return encode_dss_signature(int.from_bytes(signature[:size], "big"),
                                    int.from_bytes(signature[size:], "big"))
    return signature


def _der_utf8(raw: bytes) -> str | None:
    """The text of a DER UTF8String (Fulcio's v2 extensions)."""
    if len(raw) < 2:
        return None
    start = 2 + (raw[1] & 0x7F if raw[1] & 0x80 else 0)
    return raw[start:].decode(errors="replace") if len(raw) > start else None


def build_signer_uri(cert: x509.Certificate) -> str | None:
    """Fulcio's Build Signer URI: for GitHub Actions, the workflow (file @ ref) that
    signed, which for a reusable workflow differs from the caller's SAN-less context."""
    for ext in cert.extensions:
        if ext.oid == _BUILD_SIGNER_URI and isinstance(ext.value, x509.UnrecognizedExtension):
            return _der_utf8(ext.value.value)
    return None


def certificate_identity(cert: x509.Certificate) -> tuple[str | None, str | None]:
    """(issuer, subject) of a Fulcio certificate: the OIDC issuer extension and the SAN."""
    subject: str | None = None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        values = (san.get_values_for_type(x509.RFC822Name)
                  + san.get_values_for_type(x509.UniformResourceIdentifier))
        subject = values[0] if values else None
    except x509.ExtensionNotFound:
        pass
    issuer: str | None = None
    for ext in cert.extensions:
        if ext.oid == _ISSUER_V2 and isinstance(ext.value, x509.UnrecognizedExtension):
            issuer = _der_utf8(ext.value.value)
        elif ext.oid == _ISSUER_V1 and issuer is None and isinstance(
                ext.value, x509.UnrecognizedExtension):
            issuer = ext.value.value.decode(errors="replace")
    return issuer, subject
