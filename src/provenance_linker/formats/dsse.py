"""DSSE envelopes (one per document or one per line): payload, type and signatures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..documents import Document
from ..errors import InvalidDocument
from .evidence import (
    INTOTO_PAYLOAD_TYPE,
    EvidenceItem,
    EvidenceRecord,
    RawSignature,
    b64,
    is_statement,
    json_lines,
    link_products,
    statement_of,
    subjects_of,
)
from .options import ParseOptions


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding: what a DSSE signature covers."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def envelope_item(obj: Mapping[str, Any], raw: bytes, where: str) -> EvidenceItem:
    payload_type = obj.get("payloadType")
    if not isinstance(payload_type, str):
        raise InvalidDocument("DSSE envelope without payloadType", where=f"{where}: $.payloadType")
    payload = b64(obj.get("payload"), f"{where}: $.payload")
    signatures = obj.get("signatures", [])
    if not isinstance(signatures, list):
        raise InvalidDocument("signatures is not a list", where=f"{where}: $.signatures")
    sigs: list[RawSignature] = []
    for index, entry in enumerate(signatures):
        place = f"{where}: $.signatures[{index}]"
        if not isinstance(entry, dict):
            raise InvalidDocument("signature is not an object", where=place)
        cert = entry.get("cert")
        sigs.append(RawSignature(str(entry.get("keyid") or ""), b64(entry.get("sig"), place),
                                 cert if isinstance(cert, str) and cert else None))
    statement = statement_of(payload, where) if payload_type == INTOTO_PAYLOAD_TYPE else None
    subjects: tuple[tuple[str, str], ...] = ()
    mechanism = "dsse"
    if statement is not None and is_statement(statement):
        subjects = subjects_of(statement, f"{where}: $.payload")
    elif statement is not None and statement.get("_type") == "link":
        mechanism = "intoto-link"
        subjects = link_products(statement)
    elif statement is not None and statement.get("_type") == "layout":
        mechanism = "intoto-layout"
    return EvidenceItem(mechanism=mechanism, kind="attestation", raw=raw,
                        signed_bytes=pae(payload_type, payload), signatures=tuple(sigs),
                        payload_type=payload_type, statement=statement, subjects=subjects)


def parse(document: Document, options: ParseOptions) -> EvidenceRecord:
    items: list[EvidenceItem] = []
    lines = document.text.splitlines() or [document.text]
    for number, obj in json_lines(document.text, document.name):
        where = document.name if number == 0 else f"{document.name}: line {number}"
        if not isinstance(obj, dict):
            raise InvalidDocument("DSSE envelope is not a JSON object", where=where)
        raw = document.data if number == 0 else lines[number - 1].encode()
        items.append(envelope_item(obj, raw, where))
    if not items:
        raise InvalidDocument("no DSSE envelope", where=document.name)
    return EvidenceRecord(str(document.format), tuple(items))
