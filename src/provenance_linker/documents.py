"""Documents: bytes plus what they are. Detection looks at content, never at file names."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .errors import InvalidDocument, LimitExceeded, UnsupportedDocument


class DocumentKind(StrEnum):
    SBOM = "sbom"
    ADVISORY = "advisory"
    ATTESTATION = "attestation"
    SIGNATURE = "signature"
    DEPLOYMENT = "deployment"
    VEX = "vex"
    IMAGE = "image"  # what a registry said a tag resolved to (registry/)


class Format(StrEnum):
    CYCLONEDX_JSON = "cyclonedx-json"
    CYCLONEDX_XML = "cyclonedx-xml"
    SPDX_JSON = "spdx-json"
    SPDX_YAML = "spdx-yaml"
    SPDX_TAG_VALUE = "spdx-tag-value"
    SPDX_RDF = "spdx-rdf"
    SPDX_XML = "spdx-xml"
    SPDX3_JSONLD = "spdx3-jsonld"
    OSV_JSON = "osv-json"
    OSV_YAML = "osv-yaml"
    OPENVEX = "openvex"
    SIGSTORE_BUNDLE = "sigstore-bundle"
    DSSE = "dsse"
    INTOTO_STATEMENT = "in-toto-statement"
    INTOTO_LINK = "in-toto-link"
    INTOTO_LAYOUT = "in-toto-layout"
    COSIGN_SIGNATURES = "cosign-signatures"
    KUBERNETES = "kubernetes"
    OCI_IMAGE = "oci-image"


KIND_OF_FORMAT: dict[Format, DocumentKind] = {
    Format.CYCLONEDX_JSON: DocumentKind.SBOM,
    Format.CYCLONEDX_XML: DocumentKind.SBOM,
    Format.SPDX_JSON: DocumentKind.SBOM,
    Format.SPDX_YAML: DocumentKind.SBOM,
    Format.SPDX_TAG_VALUE: DocumentKind.SBOM,
    Format.SPDX_RDF: DocumentKind.SBOM,
    Format.SPDX_XML: DocumentKind.SBOM,
    Format.SPDX3_JSONLD: DocumentKind.SBOM,
    Format.OSV_JSON: DocumentKind.ADVISORY,
    Format.OSV_YAML: DocumentKind.ADVISORY,
    Format.OPENVEX: DocumentKind.VEX,
    Format.SIGSTORE_BUNDLE: DocumentKind.ATTESTATION,
    Format.DSSE: DocumentKind.ATTESTATION,
    Format.INTOTO_STATEMENT: DocumentKind.ATTESTATION,
    Format.INTOTO_LINK: DocumentKind.ATTESTATION,
    Format.INTOTO_LAYOUT: DocumentKind.ATTESTATION,
    Format.COSIGN_SIGNATURES: DocumentKind.SIGNATURE,
    Format.KUBERNETES: DocumentKind.DEPLOYMENT,
    Format.OCI_IMAGE: DocumentKind.IMAGE,
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one document may make us do."""

    max_bytes: int = 256 * 1024 * 1024
    max_depth: int = 64
    max_components: int = 2_000_000

    def check_size(self, size: int, where: str) -> None:
        if size > self.max_bytes:
            raise LimitExceeded(
                f"document is {size} bytes, over the limit of {self.max_bytes}", where=where,
                hint="raise PROVENANCE_MAX_DOCUMENT_BYTES if this document is legitimate")


@dataclass(frozen=True, slots=True)
class Document:
    data: bytes
    name: str
    kind: DocumentKind
    format: Format
    digest: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def text(self) -> str:
        """The decoded text, made on each access and not kept: a parser holds it only
        while it reads (a large upload is not held twice, as bytes and as text)."""
        return decode_text(self.data, self.name)


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, where: str) -> str:
    """Decode UTF-8 or UTF-16/32 (by byte-order mark or by NUL pattern)."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decode(data, codec, where)
    if len(data) >= 2 and data[0] == 0 and data[1] != 0:
        return _decode(data, "utf-16-be", where)
    if len(data) >= 2 and data[1] == 0 and data[0] != 0:
        return _decode(data, "utf-16-le", where)
    return _decode(data, "utf-8", where)


def _decode(data: bytes, codec: str, where: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InvalidDocument(f"not valid {codec} text at byte {exc.start}", where=where) from exc


_XML_ROOT = re.compile(r"<(?![?!])([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_OSV_KEYS = {"affected", "modified", "schema_version", "withdrawn", "aliases", "published"}


# The keys `_json_format` reads. Detection scans the whole JSON text (so a document that
# is not JSON is refused at once) but keeps only these keys of each object, as presence
# markers or short strings: memory stays bounded whatever the document's size.
_DETECT_KEYS = frozenset({
    "ociImage", "bomFormat", "specVersion", "components", "spdxVersion", "SPDXID",
    "@context", "mediaType", "verificationMaterial", "messageSignature", "dsseEnvelope",
    "attestations", "bundle", "payloadType", "payload", "Base64Signature", "_type", "signed",
    "apiVersion", "kind", "id", *_OSV_KEYS})
_TEXT_KEYS = frozenset({"_type", "mediaType"})
_NESTED_KEYS = frozenset({"ociImage", "signed", "bundle", "attestations"})
_NOTHING: dict[str, Any] = {}  # shared by every object without a detection key
_SHORT = 4096


def _shape(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    kept: dict[str, Any] | None = None
    for key, value in pairs:
        if key not in _DETECT_KEYS:
            continue
        if kept is None:
            kept = {}
        if key in _TEXT_KEYS:
            kept[key] = value[:_SHORT] if isinstance(value, str) else True
        elif key == "@context":
            kept[key] = value[:_SHORT] if isinstance(value, str) else str(value)[:_SHORT]
        elif key in _NESTED_KEYS and isinstance(value, dict | list):
            kept[key] = value if isinstance(value, dict) or len(value) <= 64 else value[:64]
        else:
            kept[key] = True
    return kept if kept is not None else _NOTHING


def _json_format(obj: Any) -> Format | None:
    if isinstance(obj, list):
        if obj and all(isinstance(x, dict) and "Base64Signature" in x for x in obj):
            return Format.COSIGN_SIGNATURES
        return None
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("ociImage"), dict):
        return Format.OCI_IMAGE
    if "bomFormat" in obj or ("specVersion" in obj and "components" in obj):
        return Format.CYCLONEDX_JSON
    if "spdxVersion" in obj or "SPDXID" in obj:
        return Format.SPDX_JSON
    context = obj.get("@context")
    if isinstance(context, str | list):
        text = str(context)
        if "spdx.org/rdf/3" in text:
            return Format.SPDX3_JSONLD
        if "openvex" in text:
            return Format.OPENVEX
    media = obj.get("mediaType")
    if isinstance(media, str) and "sigstore.bundle" in media:
        return Format.SIGSTORE_BUNDLE
    if {"verificationMaterial"} <= obj.keys() and (
        "messageSignature" in obj or "dsseEnvelope" in obj
    ):
        return Format.SIGSTORE_BUNDLE
    attestations = obj.get("attestations")  # npm registry: {"attestations": [{"bundle"}]}
    if isinstance(attestations, list) and attestations and all(
            isinstance(a, dict) and isinstance(a.get("bundle"), dict) for a in attestations):
        return Format.SIGSTORE_BUNDLE
    if "payloadType" in obj and "payload" in obj:
        return Format.DSSE
    if "Base64Signature" in obj:
        return Format.COSIGN_SIGNATURES
    type_ = obj.get("_type")
    if isinstance(type_, str) and "in-toto.io/Statement" in type_:
        return Format.INTOTO_STATEMENT
    signed = obj.get("signed")
    if isinstance(signed, dict):
        inner = signed.get("_type")
        if inner == "link":
            return Format.INTOTO_LINK
        if inner == "layout":
            return Format.INTOTO_LAYOUT
    if "apiVersion" in obj and "kind" in obj:
        return Format.KUBERNETES
    if "id" in obj and obj.keys() & _OSV_KEYS:
        return Format.OSV_JSON
    return None


def _yaml_format(text: str) -> Format | None:
    head = text[:4096]
    # Top-level keys may come in any order (yaml.safe_dump sorts them): search it all.
    if re.search(r"^spdxVersion:", text, re.M):
        return Format.SPDX_YAML
    if re.search(r"^id:", head, re.M) and re.search(
        r"^(affected|modified|aliases|withdrawn|details|summary):", text, re.M
    ):
        return Format.OSV_YAML
    if re.search(r"^apiVersion:", head, re.M) and re.search(r"^kind:", head, re.M):
        return Format.KUBERNETES
    return None


def detect(data: bytes, name: str) -> tuple[DocumentKind, Format, str]:
    """Return (kind, format, decoded text) by looking at the content."""
    text = decode_text(data, name)
    stripped = text.lstrip()
    if not stripped:
        raise InvalidDocument("document is empty", where=name)
    fmt: Format | None = None
    if stripped[0] in "{[":
        fmt = _json_or_lines_format(text, name)
    elif stripped[0] == "<":
        fmt = _xml_format(stripped, name)
    elif re.search(r"(?:^|\r)SPDXVersion:\s*SPDX-", stripped[:8192], re.M):  # CR-only too
        fmt = Format.SPDX_TAG_VALUE
    else:
        fmt = _yaml_format(stripped)
    if fmt is None:
        raise UnsupportedDocument(
            "unrecognised document: not CycloneDX, SPDX, OSV, OpenVEX, Sigstore, DSSE, "
            "in-toto or Kubernetes content", where=name)
    return KIND_OF_FORMAT[fmt], fmt, text


def _json_loads(text: str, name: str) -> Any:
    try:
        # Only the shape detection reads (`_shape`): the objects are not built.
        return json.loads(text, object_pairs_hook=_shape)
    except RecursionError as exc:
        raise LimitExceeded("JSON nested too deeply to read", where=name) from exc
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer over the 4,300-digit conversion limit
        raise InvalidDocument(f"malformed JSON: {exc}", where=name) from exc


def _json_or_lines_format(text: str, name: str) -> Format | None:
    """One JSON document, or JSON Lines (cosign download signature prints one object
    per line) where every non-empty line is a JSON document; anything else is refused
    at the place the whole text stops being JSON."""
    try:
        return _json_format(_json_loads(text, name))
    except json.JSONDecodeError as whole:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            try:
                formats = {_json_format(_json_loads(line, name)) for line in lines}
            except json.JSONDecodeError:
                formats = set()
            if len(formats) == 1:
                return formats.pop()
        raise InvalidDocument(f"malformed JSON: {whole.msg} at line {whole.lineno} column "
                              f"{whole.colno}", where=name) from whole


def _xml_format(text: str, name: str) -> Format | None:
    for match in _XML_ROOT.finditer(text[:65536]):
        local = match.group(2)
        if local == "bom":
            return Format.CYCLONEDX_XML
        if local == "RDF":
            return Format.SPDX_RDF if "spdx.org/rdf" in text[:65536] else None
        if local in ("Document", "SpdxDocument", "SPDXDocument") or "spdxVersion" in text[:4096]:
            return Format.SPDX_XML
        return None
    raise InvalidDocument("XML document has no root element", where=name)


def load(data: bytes, name: str, limits: Limits | None = None) -> Document:
    """Bound the size, detect the format, and wrap the bytes."""
    (limits or Limits()).check_size(len(data), name)
    kind, fmt, _ = detect(data, name)
    return Document(data=data, name=name, kind=kind, format=fmt, digest=sha256_of(data))
