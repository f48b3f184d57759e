"""The API's blocking-work threads default to the cores the process may run on, and the
in-flight bound to 8 per thread, unless set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from provenance_linker.api import app as api_app
from provenance_linker.api.shedding import InFlightLimit


def _bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> int:
    monkeypatch.setenv("PROVENANCE_DB", f"sqlite:///{tmp_path}/graph.db")
    for name in ("PROVENANCE_API_THREADS", "PROVENANCE_MAX_IN_FLIGHT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = api_app.create_app()
    try:
        [limit] = [m for m in app.user_middleware if m.cls is InFlightLimit]
        return int(limit.kwargs["max_in_flight"])
    finally:
        app.state.service.close()


def test_threads_follow_the_cores_and_the_bound_the_threads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cores = len(os.sched_getaffinity(0))
    assert cores == api_app.DEFAULT_API_THREADS
    assert _bound(tmp_path, monkeypatch) == api_app.IN_FLIGHT_PER_THREAD * cores
    assert _bound(tmp_path, monkeypatch, PROVENANCE_API_THREADS="3") == 3 * 8
    assert _bound(tmp_path, monkeypatch, PROVENANCE_API_THREADS="3",
                  PROVENANCE_MAX_IN_FLIGHT="5") == 5
