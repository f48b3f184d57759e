"""Shared fixtures: the corpus, stores over every backend, and an in-process CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from provenance_linker.cli.main import run
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

from .support.backends import BACKEND_NAMES, make_store_url


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus, read in place (PROVENANCE_CORPUS, set by .ci/run)."""
    root = Path(os.environ.get("PROVENANCE_CORPUS", Path(__file__).parents[2] / "shared/corpus"))
    if not (root / "MANIFEST.tsv").is_file():
        pytest.fail(f"corpus not found at {root}: set PROVENANCE_CORPUS")
    return root


@pytest.fixture(params=BACKEND_NAMES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """A fresh, empty store on each backend."""
    url = make_store_url(request, request.param, tmp_path)
    s = open_store(url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/graph.db"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return orjson.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Callable[..., CliResult]:
    """Run `provenance-linker --db <fresh sqlite> ARGS…` in process."""

    def invoke(*args: str, db: str | None = None) -> CliResult:
        capsys.readouterr()
        code = run(["--db", db or sqlite_url, *args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
