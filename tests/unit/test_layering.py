"""Imports point down the layers (adapters → demo → queries → domain → graph → store,
formats → foundation), domain packages meet only through named interfaces, and no
import cycle exists between packages or modules."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..support.layering import LAYERS, Import, imports_of, packages_in, violations

SRC = Path(__file__).parents[2] / "src"


def _tree() -> tuple[list[Import], set[str]]:
    return imports_of(SRC), packages_in(SRC)


def _closes_store_cycle(problem: str) -> bool:
    return problem.startswith("import cycle between packages: ") and "store -> queries" in problem


def test_the_tree_follows_the_layers() -> None:
    imports, packages = _tree()
    assert len(imports) > 300  # the checker sees the real import graph
    assert violations(imports, packages) == []


def test_an_upward_import_is_reported() -> None:
    imports, packages = _tree()
    bad = Import("store.sqlite", "queries.trace", 1)
    problems = violations([*imports, bad], packages)
    assert problems[0] == "store.sqlite (line 1) -> queries.trace: imports upward"
    # queries reads the store, so the new edge also closes a cycle
    assert len(problems) == 2 and _closes_store_cycle(problems[1])


def test_an_adapter_importing_another_adapter_is_reported() -> None:
    problems = violations([Import("cli.serve", "api.app", 7)], {"cli", "api"})
    assert problems == ["cli.serve (line 7) -> api.app: imports a package of its own layer "
                        "without an allowed pair"]


def test_domain_packages_meet_only_through_the_named_interface() -> None:
    around = violations([Import("ingest.evidence", "trust.verifier", 3)], {"ingest", "trust"})
    assert len(around) == 1 and "goes around the allowed interface" in around[0]
    back = violations([Import("trust.reverify", "ingest.orchestrator", 4)], {"ingest", "trust"})
    assert back == ["trust.reverify (line 4) -> ingest.orchestrator: imports a package of "
                    "its own layer without an allowed pair"]


def test_cycles_are_reported() -> None:
    problems = violations([Import("jobs.interface", "jobs.sqlite", 1),
                           Import("jobs.sqlite", "jobs.interface", 2)], {"jobs"})
    assert problems == ["import cycle between modules: jobs.interface -> jobs.sqlite -> "
                        "jobs.interface"]
    allowed_both_ways = violations([Import("ingest.a", "trust.engine", 1),
                                    Import("trust.b", "ingest.a", 2)], {"ingest", "trust"})
    assert "import cycle between packages: ingest -> trust -> ingest" in allowed_both_ways


def test_packages_outside_the_table_are_reported_and_listed_ones_may_be_absent() -> None:
    assert violations([], {"cli", "search"}) == [
        "package 'search' is in no layer (add it to tests/support/layering.py)"]
    listed = {p for _, pkgs in LAYERS for p in pkgs}
    assert {"runtime", "registry", "ops"} <= listed
    assert violations([], {"cli"}) == []


def test_a_wrong_way_import_written_into_a_copy_of_the_tree_fails(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(SRC / "provenance_linker", copy / "provenance_linker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    digest = copy / "provenance_linker" / "store" / "digest.py"
    digest.write_text(digest.read_text() + "\n\ndef _late() -> None:\n"
                      "    from ..queries.trace import trace  # noqa: F401\n")
    problems = violations(imports_of(copy), packages_in(copy))
    assert problems[0].startswith("store.digest (line ") and problems[0].endswith(
        "-> queries.trace: imports upward")
    assert len(problems) == 2 and _closes_store_cycle(problems[1])
