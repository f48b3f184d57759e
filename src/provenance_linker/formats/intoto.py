"""in-toto documents: Statements (v0.1, v1; unsigned as given), legacy signed links and
layouts (`{"signed": …, "signatures": […]}`, signatures over canonical JSON)."""

from __future__ import annotations

from typing import Any

from securesystemslib.formats import encode_canonical

from ..documents import Document, Format
from ..errors import InvalidDocument
from .evidence import (
    EvidenceItem,
    EvidenceRecord,
    RawSignature,
    is_statement,
    json_lines,
    link_products,
    subjects_of,
)
from .options import ParseOptions


def _hex(value: Any, where: str) -> bytes:
    try:
        return bytes.fromhex(str(value))
    except ValueError as exc:
        raise InvalidDocument("signature is not hex", where=where) from exc


def _metablock(obj: dict[str, Any], raw: bytes, where: str) -> EvidenceItem:
    signed = obj.get("signed")
    signatures = obj.get("signatures")
    if not isinstance(signed, dict) or not isinstance(signatures, list):
        raise InvalidDocument("in-toto metadata needs 'signed' and 'signatures'", where=where)
    sigs = []
    for index, entry in enumerate(signatures):
        place = f"{where}: $.signatures[{index}]"
        if not isinstance(entry, dict):
            raise InvalidDocument("signature is not an object", where=place)
        sigs.append(RawSignature(str(entry.get("keyid", "")), _hex(entry.get("sig"), place)))
    canonical = encode_canonical(signed)
    assert isinstance(canonical, str)
    mechanism = "intoto-layout" if signed.get("_type") == "layout" else "intoto-link"
    return EvidenceItem(mechanism=mechanism, kind="attestation", raw=raw,
                        signed_bytes=canonical.encode(), signatures=tuple(sigs),
                        statement=signed,
                        subjects=link_products(signed) if mechanism == "intoto-link" else ())


def parse(document: Document, options: ParseOptions) -> EvidenceRecord:
    items: list[EvidenceItem] = []
    for number, obj in json_lines(document.text, document.name):
        where = document.name if number == 0 else f"{document.name}: line {number}"
        if not isinstance(obj, dict):
            raise InvalidDocument("not a JSON object", where=where)
        raw = document.data
        if document.format == Format.INTOTO_STATEMENT:
            if not is_statement(obj):
                raise InvalidDocument("not an in-toto Statement", where=f"{where}: $._type")
            items.append(EvidenceItem(mechanism="statement", kind="attestation", raw=raw,
                                      statement=obj, subjects=subjects_of(obj, where)))
        else:
            items.append(_metablock(obj, raw, where))
    if not items:
        raise InvalidDocument("no in-toto metadata", where=document.name)
    return EvidenceRecord(str(document.format), tuple(items))
