"""Format parsers, one module per format, registered by `Format`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..documents import Document, Format
from ..errors import UnsupportedDocument
from . import (
    cosign,
    cyclonedx,
    cyclonedx_xml,
    dsse,
    intoto,
    kubernetes,
    openvex,
    osv,
    sigstore_bundle,
    spdx,
    spdx_fast,
    spdx_tagvalue,
)
from .options import ParseOptions

# Format -> its parser, taking (Document, ParseOptions). Heavy libraries are imported
# inside the parsers that need them.
PARSERS: dict[Format, Callable[[Document, ParseOptions], Any]] = {
    Format.CYCLONEDX_JSON: cyclonedx.parse,
    Format.CYCLONEDX_XML: cyclonedx_xml.parse,
    Format.SPDX_JSON: spdx_fast.parse_json,
    Format.SPDX_YAML: spdx_fast.parse_yaml,
    Format.SPDX_TAG_VALUE: spdx_tagvalue.parse,
    Format.SPDX_XML: spdx.parse_xml_document,
    Format.SPDX_RDF: spdx.parse_rdf,
    Format.SPDX3_JSONLD: spdx.parse_spdx3,
    Format.SIGSTORE_BUNDLE: sigstore_bundle.parse,
    Format.DSSE: dsse.parse,
    Format.INTOTO_STATEMENT: intoto.parse,
    Format.INTOTO_LINK: intoto.parse,
    Format.INTOTO_LAYOUT: intoto.parse,
    Format.COSIGN_SIGNATURES: cosign.parse,
    Format.OSV_JSON: osv.parse,
    Format.OSV_YAML: osv.parse,
    Format.OPENVEX: openvex.parse,
    Format.KUBERNETES: kubernetes.parse,
}


def parser_for(fmt: Format) -> Callable[[Document, ParseOptions], Any]:
    parser = PARSERS.get(fmt)
    if parser is None:
        raise UnsupportedDocument(f"no parser for {fmt} yet")
    return parser


def parse(document: Document, options: ParseOptions | None = None) -> Any:
    try:
        return parser_for(document.format)(document, options or ParseOptions())
    except UnsupportedDocument as exc:
        raise (exc.with_where(document.name) if exc.where is None else exc) from None


__all__ = ["PARSERS", "ParseOptions", "parse", "parser_for"]
