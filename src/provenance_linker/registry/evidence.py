"""What the registry holds next to an image, turned into the documents the file paths
read: a cosign `.sig` layer becomes the JSON line `cosign download signature` prints, an
`.att` layer is the DSSE envelope itself, an `.sbom` layer or an SBOM referrer is the SBOM,
a Sigstore-bundle referrer is the bundle."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from ..errors import RegistryError

SIG_ANNOTATION = "dev.cosignproject.cosign/signature"
CERT_ANNOTATION = "dev.sigstore.cosign/certificate"
CHAIN_ANNOTATION = "dev.sigstore.cosign/chain"
BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"
TIMESTAMP_ANNOTATION = "dev.sigstore.cosign/rfc3161timestamp"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
INTOTO = "application/vnd.in-toto+json"
SBOM_TYPES = frozenset({
    "text/spdx", "text/spdx+json", "text/spdx+xml", "application/spdx+json",
    "application/vnd.cyclonedx", "application/vnd.cyclonedx+json",
    "application/vnd.cyclonedx+xml", "application/vnd.syft+json",
})


class Source(StrEnum):
    SIGNATURE_TAG = "sig"
    ATTESTATION_TAG = "att"
    SBOM_TAG = "sbom"
    REFERRER = "referrer"


class EvidenceKind(StrEnum):
    SIGNATURE = "signature"
    ATTESTATION = "attestation"
    SBOM = "sbom"


# Bytes a layer of each kind may have (an SBOM is bounded by the document limit).
BLOB_LIMITS: dict[EvidenceKind, int] = {
    EvidenceKind.SIGNATURE: 1024 * 1024,
    EvidenceKind.ATTESTATION: 64 * 1024 * 1024,
}


@dataclass(frozen=True, slots=True)
class Evidence:
    subject: str  # the digest it was fetched for
    source: Source
    kind: EvidenceKind
    name: str  # for messages: where in the registry it came from
    data: bytes  # the document, as the file path would read it


def kind_of_layer(media_type: str, artifact_type: str | None) -> EvidenceKind | None:
    media = media_type.split(";")[0].strip().lower()
    if media == SIMPLE_SIGNING:
        return EvidenceKind.SIGNATURE
    if media in (DSSE_ENVELOPE, INTOTO) or "sigstore.bundle" in media:
        return EvidenceKind.ATTESTATION
    if media in SBOM_TYPES or (artifact_type or "").lower() in SBOM_TYPES:
        return EvidenceKind.SBOM
    return None


def cosign_signature_line(layer: dict[str, Any], payload: bytes, where: str) -> bytes:
    """One `cosign download signature` line for a `.sig` layer and its payload."""
    annotations = layer.get("annotations")
    if not isinstance(annotations, dict) or not isinstance(annotations.get(SIG_ANNOTATION),
                                                          str):
        raise RegistryError(f"signature layer has no {SIG_ANNOTATION} annotation",
                            where=where, result="refused")
    bundle: Any = None
    if isinstance(annotations.get(BUNDLE_ANNOTATION), str):
        try:
            bundle = orjson.loads(annotations[BUNDLE_ANNOTATION])
        except orjson.JSONDecodeError as exc:
            raise RegistryError(f"{BUNDLE_ANNOTATION} annotation is not JSON", where=where,
                                result="refused") from exc
    timestamp: Any = None
    if isinstance(annotations.get(TIMESTAMP_ANNOTATION), str):
        try:
            timestamp = orjson.loads(annotations[TIMESTAMP_ANNOTATION])
        except orjson.JSONDecodeError:
            timestamp = None
    line = {"Base64Signature": annotations[SIG_ANNOTATION],
            "Payload": base64.b64encode(payload).decode(),
            "Cert": annotations.get(CERT_ANNOTATION) or None,
            "Chain": annotations.get(CHAIN_ANNOTATION) or None,
            "Bundle": bundle, "RFC3161Timestamp": timestamp}
    return orjson.dumps(line)
