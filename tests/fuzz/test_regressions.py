"""Inputs that once let a foreign exception escape (found by the fuzzers and by attack),
kept as small files of our own: each must now be refused with the project's error."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance_linker.store import open_store

from .harness import ingest_bytes

REGRESSIONS = sorted((Path(__file__).parent / "regressions").iterdir())


def test_the_regression_set_is_present() -> None:
    assert len(REGRESSIONS) >= 10


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_a_kept_case_is_refused_cleanly(path: Path, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/g.db")
    try:
        assert ingest_bytes(store, path.read_bytes(), path.name) is False
        assert store.documents() == []  # nothing was stored
    finally:
        store.close()
