"""Sigstore bundles v0.1–v0.3 (both media-type spellings), as JSON, JSON Lines, or the
npm registry's `{"attestations": [{"bundle": …}]}` wrapper. Loading and verification are
sigstore's job (trust/sigstore.py); here we only find subjects and digests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..documents import Document
from ..errors import InvalidDocument
from ..model import sha256_digest
from .dsse import envelope_item
from .evidence import EvidenceItem, EvidenceRecord, b64, json_lines
from .options import ParseOptions


def bundle_item(obj: Mapping[str, Any], where: str) -> EvidenceItem:
    raw = orjson.dumps(obj)
    material = obj.get("verificationMaterial")
    if not isinstance(material, dict):
        raise InvalidDocument("bundle without verificationMaterial",
                              where=f"{where}: $.verificationMaterial")
    envelope = obj.get("dsseEnvelope")
    if isinstance(envelope, dict):
        inner = envelope_item(envelope, raw, f"{where}: $.dsseEnvelope")
        return EvidenceItem(mechanism="sigstore", kind="attestation", raw=raw,
                            signed_bytes=inner.signed_bytes, signatures=inner.signatures,
                            payload_type=inner.payload_type, statement=inner.statement,
                            subjects=inner.subjects, bundle=raw)
    signature = obj.get("messageSignature")
    if not isinstance(signature, dict):
        raise InvalidDocument("bundle has neither dsseEnvelope nor messageSignature",
                              where=where)
    digest: str | None = None
    message = signature.get("messageDigest")
    if isinstance(message, dict) and message.get("algorithm") == "SHA2_256":
        value = b64(message.get("digest"), f"{where}: $.messageSignature.messageDigest")
        digest = sha256_digest(value.hex())
    return EvidenceItem(mechanism="sigstore", kind="signature", raw=raw, bundle=raw,
                        message_digest=digest,
                        subjects=(("", digest),) if digest else ())


def parse(document: Document, options: ParseOptions) -> EvidenceRecord:
    items: list[EvidenceItem] = []
    for number, obj in json_lines(document.text, document.name):
        where = document.name if number == 0 else f"{document.name}: line {number}"
        if isinstance(obj, dict) and isinstance(obj.get("attestations"), list):
            for index, entry in enumerate(obj["attestations"]):
                place = f"{where}: $.attestations[{index}].bundle"
                if not isinstance(entry, dict) or not isinstance(entry.get("bundle"), dict):
                    raise InvalidDocument("attestation without a bundle", where=place)
                items.append(bundle_item(entry["bundle"], place))
        elif isinstance(obj, dict):
            items.append(bundle_item(obj, where))
        else:
            raise InvalidDocument("bundle is not a JSON object", where=where)
    if not items:
        raise InvalidDocument("no Sigstore bundle", where=document.name)
    return EvidenceRecord(str(document.format), tuple(items))
