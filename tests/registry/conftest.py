"""Real registries for the registry suites (module-scoped: a registry starts in ~1 s)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support.oci import Registry, start_referrers_registry
from ..support.oci_tools import OciTools


@pytest.fixture(autouse=True)
def registry_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test starts with an empty fetch cache of its own."""
    path = tmp_path / "registry-cache"
    monkeypatch.setenv("PROVENANCE_REGISTRY_CACHE", str(path))
    return path


@pytest.fixture(scope="module")
def referrers_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    registry = start_referrers_registry(tmp_path_factory.mktemp("referrers-registry"))
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="module")
def plain_tools(tmp_path_factory: pytest.TempPathFactory) -> OciTools:
    return OciTools(tmp_path_factory.mktemp("tools"), insecure=True)
