"""Format parsers, one module per format, registered by `Format` (imported on first use)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from ..documents import Document, Format, Limits
from ..errors import UnsupportedDocument


@dataclass(frozen=True, slots=True)
class ParseOptions:
    strict: bool = False  # refuse documents that fail schema validation
    limits: Limits = Limits()


# Format -> "module:function"; the function takes (Document, ParseOptions).
PARSERS: dict[Format, str] = {
    Format.CYCLONEDX_JSON: "provenance_linker.formats.cyclonedx:parse",
    Format.CYCLONEDX_XML: "provenance_linker.formats.cyclonedx_xml:parse",
    Format.SPDX_JSON: "provenance_linker.formats.spdx_fast:parse_json",
    Format.SPDX_YAML: "provenance_linker.formats.spdx_fast:parse_yaml",
    Format.SPDX_TAG_VALUE: "provenance_linker.formats.spdx_tagvalue:parse",
    Format.SPDX_XML: "provenance_linker.formats.spdx:parse_xml_document",
    Format.SPDX_RDF: "provenance_linker.formats.spdx:parse_rdf",
    Format.SPDX3_JSONLD: "provenance_linker.formats.spdx:parse_spdx3",
    Format.SIGSTORE_BUNDLE: "provenance_linker.formats.sigstore_bundle:parse",
    Format.DSSE: "provenance_linker.formats.dsse:parse",
    Format.INTOTO_STATEMENT: "provenance_linker.formats.intoto:parse",
    Format.INTOTO_LINK: "provenance_linker.formats.intoto:parse",
    Format.INTOTO_LAYOUT: "provenance_linker.formats.intoto:parse",
    Format.COSIGN_SIGNATURES: "provenance_linker.formats.cosign:parse",
    Format.OSV_JSON: "provenance_linker.formats.osv:parse",
    Format.OSV_YAML: "provenance_linker.formats.osv:parse",
    Format.OPENVEX: "provenance_linker.formats.openvex:parse",
    Format.KUBERNETES: "provenance_linker.formats.kubernetes:parse",
}


def parser_for(fmt: Format) -> Callable[[Document, ParseOptions], Any]:
    target = PARSERS.get(fmt)
    if target is None:
        raise UnsupportedDocument(f"no parser for {fmt} yet")
    module, func = target.split(":")
    return cast(Callable[[Document, ParseOptions], Any],
                getattr(importlib.import_module(module), func))


def parse(document: Document, options: ParseOptions | None = None) -> Any:
    from .failures import document_errors

    read = parser_for(document.format)
    try:
        with document_errors(f"{document.format} document", document.name):
            return read(document, options or ParseOptions())
    except UnsupportedDocument as exc:
        raise (exc.with_where(document.name) if exc.where is None else exc) from None
