"""What `cosign download signature IMAGE` prints: one JSON object per line with
`Base64Signature` over the base64 `Payload` (a simple-signing document naming
`docker-manifest-digest`), optional `Cert`, `Chain` and `Bundle`. An object without a
`Payload` is a detached `cosign sign-blob` signature over the artifact itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..documents import Document
from ..errors import InvalidDocument
from ..model import sha256_digest
from .evidence import EvidenceItem, EvidenceRecord, RawSignature, b64, json_lines
from .options import ParseOptions


def _item(obj: Mapping[str, Any], where: str) -> EvidenceItem:
    raw = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    sig = b64(obj.get("Base64Signature"), f"{where}: $.Base64Signature")
    cert = obj.get("Cert")
    cert_pem = cert if isinstance(cert, str) and "BEGIN CERTIFICATE" in cert else None
    signature = RawSignature("", sig, cert_pem)
    bundle = obj.get("Bundle")
    if bundle is not None and not isinstance(bundle, dict):
        raise InvalidDocument("Bundle is not a JSON object", where=f"{where}: $.Bundle")
    log_entry = orjson.dumps(bundle) if bundle else None
    if obj.get("Payload") is None:
        digest = obj.get("ArtifactDigest")
        subjects = ((str(obj.get("ArtifactName") or ""), sha256_digest(str(digest))),
                    ) if digest else ()
        return EvidenceItem(mechanism="blob", kind="signature", raw=raw,
                            signatures=(signature,), subjects=subjects,
                            message_digest=subjects[0][1] if subjects else None,
                            log_entry=log_entry)
    payload = b64(obj.get("Payload"), f"{where}: $.Payload")
    try:
        simple = orjson.loads(payload)
        critical = simple["critical"]
        digest = sha256_digest(critical["image"]["docker-manifest-digest"])
        name = str(critical.get("identity", {}).get("docker-reference", ""))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InvalidDocument("Payload is not a simple-signing document naming "
                              "critical.image.docker-manifest-digest",
                              where=f"{where}: $.Payload") from exc
    return EvidenceItem(mechanism="cosign", kind="signature", raw=raw, signed_bytes=payload,
                        signatures=(signature,), statement=simple,
                        subjects=((name, digest),), log_entry=log_entry)


def parse(document: Document, options: ParseOptions) -> EvidenceRecord:
    items: list[EvidenceItem] = []
    for number, obj in json_lines(document.text, document.name):
        where = document.name if number == 0 else f"{document.name}: line {number}"
        for index, entry in enumerate(obj if isinstance(obj, list) else [obj]):
            if not isinstance(entry, dict):
                raise InvalidDocument("signature is not a JSON object",
                                      where=f"{where}: [{index}]")
            items.append(_item(entry, where))
    if not items:
        raise InvalidDocument("no signatures", where=document.name)
    return EvidenceRecord(str(document.format), tuple(items))
