"""Every SBOM in the corpus meets the outcome MANIFEST.tsv states for it.

The expectations come from the manifest's notes ("183 packages", "1115 components",
"168 <component> elements", "REJECTED", …); nothing here is specific to a file name.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from provenance_linker import formats
from provenance_linker.documents import Format, load
from provenance_linker.errors import InvalidDocument
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import NodeKind, NodeRef
from provenance_linker.store.interface import GraphStore

CORPUS = Path(os.environ.get("PROVENANCE_CORPUS",
                             Path(__file__).parents[3] / "shared/corpus"))


def _manifest() -> list[tuple[str, str]]:
    rows = []
    for line in (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if cols and cols[0].startswith("sbom/"):
            rows.append((cols[0], cols[-1]))
    if not rows:
        raise RuntimeError(f"no sbom/ rows in {CORPUS}/MANIFEST.tsv")
    return rows


ROWS = _manifest()
VALID = [r for r in ROWS if not r[0].startswith("sbom/invalid/")]
INVALID = [r for r in ROWS if r[0].startswith("sbom/invalid/")]


def _number(pattern: str, note: str) -> int | None:
    match = re.search(pattern, note)
    return int(match.group(1).replace(",", "")) if match else None


def _strict_valid(note: str) -> bool:
    """The manifest says the official tools accept it (no REJECTED/FAILS/CRASHES)."""
    return not re.search(r"\b(REJECTED|FAILS|CRASHES)\b", note)


def _xml_component_entries(path: Path) -> tuple[int, int]:
    """(all <component> elements, those that are BOM components, not metadata/pedigree)."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    all_components = root.xpath("//*[local-name()='component']")
    listed = [c for c in all_components
              if not c.xpath("ancestor::*[local-name()='metadata' or local-name()='pedigree' "
                             "or local-name()='tools']")]
    return len(all_components), len(listed)


@pytest.mark.parametrize(("rel", "note"), VALID, ids=[r[0] for r in VALID])
def test_valid_sbom_ingests_with_manifest_counts(store: GraphStore, corpus: Path, rel: str,
                                                 note: str) -> None:
    path = corpus / rel
    document = load(path.read_bytes(), rel)
    strict = _strict_valid(note)
    report = Linker(store).ingest(document, IngestOptions(strict=strict))
    assert report.created
    summary = report.summary
    sbom = store.get(NodeRef(NodeKind.SBOM, document.digest))
    assert sbom is not None
    props: dict[str, Any] = sbom.props

    components = _number(r"(\d[\d,]*) components\b", note)
    distinct = _number(r"(\d+) distinct purls", note)
    elements = _number(r"(\d+) <component> elements", note)
    packages = _number(r"(\d+) packages", note)
    files = _number(r"(\d+) files", note)
    if document.format == Format.CYCLONEDX_JSON:
        assert components is not None, note
        assert summary["component_entries"] == components
        if distinct is not None:
            assert summary["packages"] == distinct
    elif document.format == Format.CYCLONEDX_XML:
        total, listed = _xml_component_entries(path)
        assert total == elements
        assert summary["component_entries"] == listed
    else:
        counts = props["counts"]
        if packages is not None:
            assert counts["packages"] == packages
            # Described packages are the subject; every other package is a component.
            assert summary["component_entries"] == packages - counts["described_packages"]
        if files is not None:
            assert counts["files"] == files
            assert summary["files"] == files
    # Distinct packages stored = distinct identities among the listed components.
    listed = store.edges(["LISTS"], src=[NodeRef(NodeKind.SBOM, document.digest)])
    assert len(listed) == summary["packages"]
    if not strict:
        # Readable but not schema-perfect: accepted, each problem kept as a warning.
        assert props["warning_count"] > 0 and props["warnings"]
        with pytest.raises(InvalidDocument) as refused:
            formats.parse(document, formats.ParseOptions(strict=True))
        assert str(refused.value)


@pytest.mark.parametrize(("rel", "note"), INVALID, ids=[r[0] for r in INVALID])
def test_invalid_sbom_refused_in_strict_mode(store: GraphStore, corpus: Path, rel: str,
                                             note: str) -> None:
    before = store.content_digest()
    with pytest.raises(InvalidDocument) as refused:
        document = load((corpus / rel).read_bytes(), rel)
        Linker(store).ingest(document, IngestOptions(strict=True))
    message = str(refused.value)
    assert rel in message  # names the file …
    problem = message.split(f"({rel}", 1)[0]
    assert len(problem.strip()) > 10  # … and the problem
    assert store.content_digest() == before
    assert store.documents() == []
