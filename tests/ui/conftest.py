"""The explorer suite: the demo data set in a fresh store, `serve` on loopback, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance_linker.cli.main import run

from ..support.browser import browser, screenshots
from ..support.service import Service, make_token, start_service

__all__ = ["browser", "screenshots"]


@pytest.fixture(scope="module")
def explorer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp: Path = tmp_path_factory.mktemp("explorer")
    db_url = f"sqlite:///{tmp}/graph.db"
    assert run(["--db", db_url, "demo", "--out", str(tmp / "samples")]) == 0
    tokens = {role: make_token(db_url, role, f"{role}-user")
              for role in ("reader", "writer")}
    service = start_service(tmp, db_url=db_url)
    service.tokens = tokens
    try:
        yield service
    finally:
        service.stop()
