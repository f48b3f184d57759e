"""Produce signed evidence with a local private key: cosign-style simple-signing lines
and DSSE-enveloped in-toto SLSA provenance. Used by the demo and the benchmarks."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from ..formats.dsse import pae
from ..formats.evidence import INTOTO_PAYLOAD_TYPE
from ..trust.keys import key_id

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey


def generate_key(kind: str = "ecdsa-p256") -> PrivateKey:
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP384R1() if kind == "ecdsa-p384" else ec.SECP256R1())


def public_pem(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    return key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                      salt_length=padding.PSS.DIGEST_LENGTH), hashes.SHA256())


def cosign_signature_line(key: PrivateKey, name: str, digest: str,
                          log: tuple[PrivateKey, int, int] | None = None) -> bytes:
    """One line as `cosign download signature` prints it; with `log` (a transparency
    log's key, integratedTime, logIndex), carrying that log's SignedEntryTimestamp."""
    payload = orjson.dumps({"critical": {"identity": {"docker-reference": name},
                                         "image": {"docker-manifest-digest": digest},
                                         "type": "cosign container image signature"},
                            "optional": None})
    signature = sign(key, payload)
    bundle = rekor_bundle(log[0], key, signature, payload, log[1], log[2]) if log else None
    return orjson.dumps({"Base64Signature": base64.b64encode(signature).decode(),
                         "Payload": base64.b64encode(payload).decode(),
                         "Cert": None, "Chain": None, "Bundle": bundle})


def _public_der(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def rekor_bundle(log_key: PrivateKey, signer: PrivateKey, signature: bytes, signed: bytes,
                 integrated_time: int, log_index: int) -> dict[str, Any]:
    """The `Bundle` cosign attaches: a hashedrekord entry for `signature` over `signed`,
    and the log's SignedEntryTimestamp over the entry's canonical JSON."""
    body = {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(signed).hexdigest()}},
        "signature": {"content": base64.b64encode(signature).decode(),
                      "publicKey": {"content": base64.b64encode(public_pem(signer)).decode()}}}}
    entry = {"body": base64.b64encode(orjson.dumps(body)).decode(),
             "integratedTime": integrated_time,
             "logID": hashlib.sha256(_public_der(log_key)).hexdigest(), "logIndex": log_index}
    canonical = orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)
    return {"SignedEntryTimestamp": base64.b64encode(sign(log_key, canonical)).decode(),
            "Payload": entry}


def trusted_root_with_log(log_key: PrivateKey, base_url: str) -> bytes:
    """A Sigstore TrustedRoot naming one transparency log (for `keys trust-root`)."""
    der = _public_der(log_key)
    return orjson.dumps({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{"baseUrl": base_url, "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": base64.b64encode(der).decode(),
                                 "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                 "validFor": {"start": "2020-01-01T00:00:00Z"}},
                   "logId": {"keyId": base64.b64encode(hashlib.sha256(der).digest()).decode()}}],
        "certificateAuthorities": [], "ctlogs": [], "timestampAuthorities": []})


def slsa_provenance(subjects: Sequence[tuple[str, str]], *, builder_id: str,
                    repository: str, commit: str, ref: str,
                    invocation_id: str) -> dict[str, Any]:
    """An in-toto Statement v1 with SLSA provenance v1."""
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": n, "digest": {"sha256": d.removeprefix("sha256:")}}
                    for n, d in subjects],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/"
                             "workflow/v1",
                "externalParameters": {"workflow": {"ref": ref, "repository": repository,
                                                    "path": ".github/workflows/release.yml"}},
                "resolvedDependencies": [{"uri": f"git+{repository}@{ref}",
                                          "digest": {"gitCommit": commit}}]},
            "runDetails": {"builder": {"id": builder_id},
                           "metadata": {"invocationId": invocation_id}}}}


def dsse_envelope(key: PrivateKey, statement: Mapping[str, Any]) -> bytes:
    payload = orjson.dumps(statement)
    signature = sign(key, pae(INTOTO_PAYLOAD_TYPE, payload))
    return orjson.dumps({"payloadType": INTOTO_PAYLOAD_TYPE,
                         "payload": base64.b64encode(payload).decode(),
                         "signatures": [{"keyid": key_id(key.public_key()),
                                         "sig": base64.b64encode(signature).decode()}]})
