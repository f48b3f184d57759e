"""syft, trivy, cdxgen and cyclonedx-py on real targets, every format they write, ingested.

Asserts, per SBOM: every component with a purl becomes a package of exactly that identity
and the dependency edges are the file's; per scan: its CycloneDX and SPDX (JSON, XML,
tag-value) land on the same packages; image SBOMs link to the image's manifest digest;
between generators of one target, `query diff` names real differences only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from provenance_linker.documents import load
from provenance_linker.errors import UnsupportedDocument
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

from ...support import generator_checks as checks
from .generate import IMAGE_TARGETS, PLAN, Case
from .targets import Targets

JSON_CASES = [c for c in PLAN if c.format in ("cyclonedx-json", "cyclonedx-1.5-json",
                                               "spdx-json")]
FLAVOURS = [(c, other) for c in PLAN if c.format == "cyclonedx-json"
            for other in PLAN if (other.generator, other.target) == (c.generator, c.target)
            and other.format in ("cyclonedx-xml", "spdx-json", "spdx-tag-value", "spdx3-jsonld",
                                 "cyclonedx-1.5-json")]
# trivy names an OCI layout's config digest (ImageID) only, not its manifest digest
NO_DIGEST = {("trivy", "layout")}
IMAGES = [c for c in PLAN if c.target in IMAGE_TARGETS and (c.generator, c.target)
          not in NO_DIGEST]
PAIRS = [(a, b) for a in PLAN for b in PLAN if a.format == b.format == "cyclonedx-json"
         and a.target == b.target and a.generator < b.generator]


@pytest.fixture
def db(tmp_path: Path) -> GraphStore:
    return open_store(f"sqlite:///{tmp_path}/graph.db")


def _report(entry: dict[str, object]) -> None:
    """Numbers for docs/sbom-formats.md, one JSON line each, when PROVENANCE_INTEROP_REPORT
    names a file."""
    report = os.environ.get("PROVENANCE_INTEROP_REPORT")
    if report:
        with Path(report).open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")


@pytest.mark.parametrize("case", JSON_CASES, ids=lambda c: c.name)
def test_packages_and_edges_are_the_files(db: GraphStore, generated: dict[Case, Path],
                                          case: Case) -> None:
    report = checks.check_identity_and_edges(db, generated[case])
    _report({"sbom": case.name, "packages": report.summary["packages"],
             "files": report.summary["files"],
             "dependency_edges": report.summary["dependency_edges"]})


@pytest.mark.parametrize(("case", "other"), FLAVOURS, ids=lambda c: c.name)
def test_every_flavour_lands_on_the_same_packages(db: GraphStore, generated: dict[Case, Path],
                                                  case: Case, other: Case) -> None:
    checks.check_same_packages(db, generated[case], generated[other])


@pytest.mark.parametrize("case", IMAGES, ids=lambda c: c.name)
def test_image_sboms_link_to_the_image(db: GraphStore, generated: dict[Case, Path],
                                       targets: Targets, case: Case) -> None:
    checks.check_links_image(db, generated[case], targets.image_digest)


@pytest.mark.parametrize(("one", "other"), PAIRS, ids=lambda c: c.name)
def test_generators_of_one_target_differ_only_really(db: GraphStore,
                                                     generated: dict[Case, Path],
                                                     one: Case, other: Case) -> None:
    numbers = checks.compare_generators(db, generated[one], generated[other])
    _report({"one": one.name, "other": other.name, **numbers})


def test_cyclonedx_2_drafts_are_refused_by_name(db: GraphStore,
                                                generated: dict[Case, Path]) -> None:
    path = generated[Case("cdxgen", "npm", "cyclonedx-2.0-json")]
    with pytest.raises(UnsupportedDocument) as caught:
        Linker(db).ingest(load(path.read_bytes(), path.name), IngestOptions())
    assert "CycloneDX 2.0 is not supported" in str(caught.value)
    assert str(caught.value.where).startswith(path.name)


@pytest.mark.parametrize("case", [c for c in PLAN if (c.generator, c.target) in NO_DIGEST],
                         ids=lambda c: c.name)
def test_an_sbom_without_the_digest_is_linked_by_artifact(db: GraphStore,
                                                          generated: dict[Case, Path],
                                                          targets: Targets, case: Case) -> None:
    first = checks.ingest(db, generated[case])
    assert any("pass --artifact" in w for w in first.warnings)
    again = checks.ingest(db, generated[case], ArtifactRef(name=targets.image,
                                                           digest=targets.image_digest))
    assert again.summary["subject"] == targets.image_digest
