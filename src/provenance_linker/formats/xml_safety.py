"""Safe XML: no DTD entities, no network, no entity expansion, bounded element depth.

Every XML SBOM goes through `screen()` before any library sees it, so spdx-tools'
XML and RDF readers (xmltodict, rdflib) only ever receive entity-free documents.
"""

from __future__ import annotations

import re

from lxml import etree

from ..documents import Limits
from ..errors import InvalidDocument, LimitExceeded

# A DTD that declares entities is how XXE and billion-laughs payloads work; SBOMs never
# need one, so refusing is both the safest and the clearest answer.
_ENTITY_DECL = re.compile(r"<!ENTITY", re.I)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=True,
                           remove_pis=True)


def screen(text: str, where: str) -> None:
    """Refuse documents with entity declarations; refuse any DOCTYPE outright."""
    if _ENTITY_DECL.search(text):
        raise InvalidDocument("XML declares entities (<!ENTITY>); refused to prevent external "
                              "entity and entity-expansion attacks", where=where)
    if _DOCTYPE.search(text):
        raise InvalidDocument("XML has a DOCTYPE; SBOM XML needs none and it is refused",
                              where=where)


def parse_xml(text: str, where: str, limits: Limits) -> etree._Element:
    """Screen, parse with a locked-down lxml parser and bound the element depth."""
    screen(text, where)
    data = text.encode("utf-8")
    # The declaration may name another encoding; the text is already decoded.
    data = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", data, count=1)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        raise InvalidDocument(f"malformed XML: {exc.msg}",
                              where=f"{where}: line {line}" if line else where) from exc
    if root is None:
        raise InvalidDocument("XML document has no root element", where=where)
    check_depth(root, where, limits.max_depth)
    return root


def check_depth(root: etree._Element, where: str, max_depth: int) -> None:
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > max_depth:
            raise LimitExceeded(f"XML elements nested deeper than {max_depth}",
                                where=f"{where}: line {element.sourceline}")
        stack.extend((child, depth + 1) for child in element)


def local(tag: object) -> str:
    """Local name of an element tag (`{ns}name` → `name`); comments have none."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
