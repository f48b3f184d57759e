"""The normalized record for signatures and attestations: a list of signed items.

Parsers (sigstore_bundle, dsse, intoto, cosign) only decode and check structure; the
cryptography happens in `trust/` at ingest, so a record holds claims, never verdicts.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..errors import InvalidDocument
from ..model import sha256_digest

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


@dataclass(frozen=True, slots=True)
class RawSignature:
    keyid: str
    sig: bytes
    cert_pem: str | None = None  # a Fulcio-style certificate carried next to the signature


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One signed (or unsigned) thing inside a document."""

    mechanism: str  # sigstore | dsse | intoto-link | intoto-layout | statement | cosign | blob
    kind: str  # "attestation" or "signature"
    raw: bytes  # this item's bytes as found (keys the node)
    signed_bytes: bytes = b""  # what the signatures cover (PAE, canonical JSON, payload)
    signatures: tuple[RawSignature, ...] = ()
    payload_type: str | None = None
    statement: Mapping[str, Any] | None = None  # in-toto Statement, link or layout body
    subjects: tuple[tuple[str, str], ...] = ()  # (name, sha256:hex)
    bundle: bytes | None = None  # a Sigstore bundle's JSON, verified by sigstore
    message_digest: str | None = None  # sha256:hex a message signature covers
    load_error: str | None = None  # the item is structurally broken beyond verification
    log_entry: bytes | None = None  # cosign's `Bundle` (Rekor SET) JSON, trust/rekor_set.py

    @property
    def predicate_type(self) -> str | None:
        if self.statement is None:
            return None
        value = self.statement.get("predicateType")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    format: str
    items: tuple[EvidenceItem, ...] = field(default_factory=tuple)


def b64(value: Any, where: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidDocument("expected a base64 string", where=where)
    value = "".join(value.split())  # wrapped or newline-terminated base64
    try:
        padded = value + "=" * (-len(value) % 4)
        if "-" in value or "_" in value:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidDocument(f"invalid base64: {exc}", where=where) from exc


def json_lines(text: str, where: str) -> Iterator[tuple[int, Any]]:
    """A JSON document, or JSON Lines (one object per line); yields (line, object)."""
    try:
        yield 0, orjson.loads(text)
        return
    except orjson.JSONDecodeError:
        pass
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InvalidDocument(f"malformed JSON: {exc}", where=f"{where}: line {number}"
                                  ) from exc


def subjects_of(statement: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """(name, sha256:hex) of every Statement subject with a sha256 digest."""
    subjects = statement.get("subject")
    if not isinstance(subjects, list):
        raise InvalidDocument("in-toto Statement has no subject list", where=f"{where}: $.subject")
    found: list[tuple[str, str]] = []
    for index, subject in enumerate(subjects):
        if not isinstance(subject, dict) or not isinstance(subject.get("digest"), dict):
            raise InvalidDocument("subject without a digest",
                                  where=f"{where}: $.subject[{index}]")
        value = subject["digest"].get("sha256")
        if isinstance(value, str):
            try:
                found.append((str(subject.get("name", "")), sha256_digest(value)))
            except ValueError as exc:
                raise InvalidDocument(f"bad sha256 digest {value!r}",
                                      where=f"{where}: $.subject[{index}].digest") from exc
    return tuple(found)


def statement_of(payload: bytes, where: str) -> Mapping[str, Any]:
    try:
        statement = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise InvalidDocument(f"payload is not JSON: {exc}", where=f"{where}: $.payload") from exc
    if not isinstance(statement, dict):
        raise InvalidDocument("payload is not a JSON object", where=f"{where}: $.payload")
    return statement


def is_statement(statement: Mapping[str, Any]) -> bool:
    type_ = statement.get("_type")
    return isinstance(type_, str) and "in-toto.io/Statement" in type_


def link_products(link: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """An in-toto link's products with a sha256 digest: what the step produced."""
    products = link.get("products")
    found: list[tuple[str, str]] = []
    for name, hashes in (products.items() if isinstance(products, dict) else []):
        value = hashes.get("sha256") if isinstance(hashes, dict) else None
        if isinstance(value, str):
            try:
                found.append((str(name), sha256_digest(value)))
            except ValueError:
                continue
    return tuple(found)
