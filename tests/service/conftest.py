"""Fixtures for the service suites: a live API over a fresh SQLite store, with tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support.service import Service, make_token, redis_url, start_service

__all__ = ["redis_url"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`provenance-linker serve` with reader, writer, admin and blocked-user tokens."""
    tmp: Path = tmp_path_factory.mktemp("service")
    db_url = f"sqlite:///{tmp}/graph.db"
    tokens = {role: make_token(db_url, role, f"{role}-user")
              for role in ("reader", "writer", "admin")}
    tokens["blocked"] = make_token(db_url, "admin", "mallory")
    service = start_service(tmp, db_url=db_url)
    service.tokens = tokens
    try:
        yield service
    finally:
        service.stop()
