"""The committed SBOMs of real generators (tests/fixtures/generators/, `make
interop-fixtures`) checked with the interop suite's assertions, in every run of the suite."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

from ..support import generator_checks as checks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "generators"
TARGETS = json.loads((FIXTURES / "targets.json").read_text())
FILES = sorted(p for p in FIXTURES.glob("*/*") if p.is_file())
JSON = [p for p in FILES if p.name.endswith((".cdx.json", ".cdx15.json", ".spdx.json"))]
SIBLINGS = (".cdx.xml", ".cdx15.json", ".spdx.json", ".spdx", ".spdx3.json")
FLAVOURS = [(p, p.with_name(p.name.removesuffix(".cdx.json") + suffix))
            for p in FILES if p.name.endswith(".cdx.json") for suffix in SIBLINGS
            if p.with_name(p.name.removesuffix(".cdx.json") + suffix).is_file()]
IMAGES = [p for p in FILES if p.name.startswith("image.")]
PAIRS = [(a, b) for a in FILES for b in FILES if a.name == b.name and a.name.endswith(
    ".cdx.json") and a.parent.name < b.parent.name]


def _id(value: object) -> str:
    return f"{value.parent.name}/{value.name}" if isinstance(value, Path) else str(value)


@pytest.fixture
def db(tmp_path: Path) -> GraphStore:
    return open_store(f"sqlite:///{tmp_path}/graph.db")


def test_the_fixtures_are_the_ones_listed() -> None:
    assert sorted(_id(p) for p in FILES) == sorted(TARGETS["cases"])
    assert JSON and FLAVOURS and IMAGES and PAIRS


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_no_trace_of_the_generating_machine(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for trace in ("/tmp/", "/root/", str(Path.home()) + "/"):
        assert trace not in text, trace
    ports = set(re.findall(r"127\.0\.0\.1(?::|%3A)(\d+)", text))
    assert ports <= {"5000"}, ports  # the loopback registry's port is scrubbed


@pytest.mark.parametrize("path", JSON, ids=_id)
def test_packages_and_edges_are_the_files(db: GraphStore, path: Path) -> None:
    checks.check_identity_and_edges(db, path)


@pytest.mark.parametrize(("one", "other"), FLAVOURS, ids=_id)
def test_every_flavour_lands_on_the_same_packages(db: GraphStore, one: Path,
                                                  other: Path) -> None:
    checks.check_same_packages(db, one, other)


@pytest.mark.parametrize("path", IMAGES, ids=_id)
def test_image_sboms_link_to_the_image(db: GraphStore, path: Path) -> None:
    checks.check_links_image(db, path, TARGETS["image_digest"])


@pytest.mark.parametrize(("one", "other"), PAIRS, ids=_id)
def test_generators_of_one_target_differ_only_really(db: GraphStore, one: Path,
                                                     other: Path) -> None:
    checks.compare_generators(db, one, other)
