"""SPDX 2.x XML (non-RDF) and RDF/XML → SbomRecord, through spdx-tools.

Both are screened first (formats/xml_safety.py: no DTD, no entities, bounded depth), then:
- XML: xmltodict (entities disabled) with spdx-tools' list-field fix-up gives the SPDX
  JSON shape, which spdx_fast.read_document walks;
- RDF: rdflib + spdx-tools build the SPDX model (there is no cheaper honest reader of
  RDF), which spdx-tools' JSON converter turns into the same shape.
SPDX 3.0 JSON-LD is detected but not read: spdx-tools 0.8 has no SPDX 3 parser.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

from ..documents import Document
from ..errors import InvalidDocument, UnsupportedDocument
from .base import SbomRecord
from .options import ParseOptions
from .spdx_fast import read_document
from .spdx_validation import spdx_tools_problems, validate_spdx
from .xml_safety import local, parse_xml


def parse_xml_document(document: Document, options: ParseOptions) -> SbomRecord:
    root = parse_xml(document.text, document.name, options.limits)
    if local(root.tag) != "Document":
        raise InvalidDocument(f"root element is <{local(root.tag)}>, expected <Document>",
                              where=f"{document.name}: line {root.sourceline}")
    from spdx_tools.spdx.parser.xml.xml_parser import _fix_list_like_fields

    xmltodict: Any = importlib.import_module("xmltodict")  # untyped
    parsed = xmltodict.parse(document.text, disable_entities=True)
    data = _fix_list_like_fields(parsed).get("Document")
    if not isinstance(data, dict):
        raise InvalidDocument("SPDX XML <Document> is empty", where=document.name)
    problems = validate_spdx(document, data, strict=options.strict)
    record = read_document(data, document.name, options)
    record.warnings[:0] = problems
    return record


def parse_rdf(document: Document, options: ParseOptions) -> SbomRecord:
    parse_xml(document.text, document.name, options.limits)  # screen + depth only
    from rdflib import Graph
    from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.rdf.rdf_parser import translate_graph_to_document

    try:
        graph = Graph().parse(data=document.text, format="xml")
        model = translate_graph_to_document(graph)
    except SPDXParsingError as exc:
        messages: list[str] = cast(Any, exc).get_messages()
        raise InvalidDocument(f"SPDX RDF is not readable: {messages[0] if messages else exc}",
                              where=f"{document.name}: rdf") from exc
    except Exception as exc:  # rdflib raises many unrelated types
        raise InvalidDocument(f"SPDX RDF is not readable: {type(exc).__name__}: {exc}",
                              where=document.name) from exc
    converter: Any = DocumentConverter
    data: Any = converter().convert(model)
    problems = spdx_tools_problems(lambda: model)
    if options.strict and problems:
        message, where = problems[0]
        raise InvalidDocument(f"SPDX validation failed: {message}",
                              where=f"{document.name}: {where}")
    record = read_document(data, document.name, options)
    record.warnings[:0] = [f"spdx-tools: {where}: {message}" for message, where in problems]
    return record


def parse_spdx3(document: Document, options: ParseOptions) -> SbomRecord:
    raise UnsupportedDocument(
        "SPDX 3.0 JSON-LD is not supported yet (spdx-tools has no SPDX 3 parser)",
        where=document.name, hint="convert it to SPDX 2.3 JSON or CycloneDX")
