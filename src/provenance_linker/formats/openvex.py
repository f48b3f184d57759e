"""OpenVEX documents → `VexRecord` (statements about products and vulnerabilities)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..documents import Document
from ..errors import InvalidDocument, LimitExceeded
from .options import ParseOptions

STATUSES = {"not_affected", "affected", "fixed", "under_investigation"}


@dataclass(frozen=True, slots=True)
class VexStatement:
    vulnerability: str
    aliases: tuple[str, ...]
    products: tuple[str, ...]  # product identifiers as written (purl, name@digest, digest)
    status: str
    justification: str
    statement: str
    timestamp: str


@dataclass(slots=True)
class VexRecord:
    id: str
    author: str
    timestamp: str
    statements: list[VexStatement]
    warnings: list[str] = field(default_factory=list)


def _product_ids(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise InvalidDocument("expected a list of products", where=where)
    ids: list[str] = []
    for i, product in enumerate(value):
        if isinstance(product, str):
            ids.append(product)
        elif isinstance(product, Mapping):
            pid = product.get("@id")
            identifiers = product.get("identifiers") or {}
            if isinstance(pid, str):
                ids.append(pid)
            elif isinstance(identifiers, Mapping) and isinstance(identifiers.get("purl"), str):
                ids.append(str(identifiers["purl"]))
            else:
                raise InvalidDocument("a product needs an @id", where=f"{where}[{i}]")
        else:
            raise InvalidDocument("expected a product", where=f"{where}[{i}]")
    return ids


def parse(document: Document, options: ParseOptions) -> VexRecord:
    try:
        obj = orjson.loads(document.text or document.data)
    except orjson.JSONDecodeError as exc:
        raise InvalidDocument(f"malformed JSON: {exc}", where=document.name) from exc
    name = document.name
    if not isinstance(obj, Mapping) or not isinstance(obj.get("statements"), list):
        raise InvalidDocument("an OpenVEX document needs statements", where=f"{name}: $")
    raw = obj["statements"]
    if len(raw) > options.limits.max_components:
        raise LimitExceeded(f"{len(raw)} statements", where=f"{name}: $.statements")
    statements = []
    for i, s in enumerate(raw):
        path = f"{name}: $.statements[{i}]"
        if not isinstance(s, Mapping):
            raise InvalidDocument("expected an object", where=path)
        vuln = s.get("vulnerability")
        aliases: list[str] = []
        if isinstance(vuln, Mapping):
            aliases = [str(a) for a in vuln.get("aliases") or [] if isinstance(a, str)]
            vuln = vuln.get("name") or vuln.get("@id")
        if not isinstance(vuln, str) or not vuln:
            raise InvalidDocument("missing vulnerability name", where=f"{path}.vulnerability")
        status = s.get("status")
        if status not in STATUSES:
            raise InvalidDocument(f"unknown status {status!r}", where=f"{path}.status")
        products = _product_ids(s.get("products") or [], f"{path}.products")
        statements.append(VexStatement(
            vulnerability=vuln, aliases=tuple(aliases), products=tuple(products),
            status=str(status), justification=str(s.get("justification") or ""),
            statement=str(s.get("impact_statement") or s.get("status_notes")
                          or s.get("action_statement") or ""),
            timestamp=str(s.get("timestamp") or obj.get("timestamp") or "")))
    return VexRecord(id=str(obj.get("@id") or ""), author=str(obj.get("author") or ""),
                     timestamp=str(obj.get("timestamp") or ""), statements=statements)
