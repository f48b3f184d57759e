"""Which images `--running` and `verify --refresh` mean, read from a real graph."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from provenance_linker.errors import NotFound
from provenance_linker.registry.running import running_images
from provenance_linker.registry.targets import image_for_artifact
from provenance_linker.store import open_store

from ..conftest import CliResult

A, B = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def _cluster(tmp_path: Path) -> Path:
    def deployment(name: str, namespace: str, image: str, env: str) -> dict[str, object]:
        labels = {"app": name, "environment": env}
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": name, "namespace": namespace, "labels": labels},
                "spec": {"template": {"metadata": {"labels": labels},
                                      "spec": {"containers": [{"name": name,
                                                               "image": image}]}}}}
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        deployment("api", "payments", f"reg.test:5000/pay/api@{A}", "production"),
        deployment("web", "shop", f"reg.test:5000/shop/web:2.0@{B}", "staging")]}))
    return path


def test_running_images_keep_the_name_as_written(cli: Callable[..., CliResult],
                                                 sqlite_url: str, tmp_path: Path) -> None:
    assert cli("ingest", "deployments", str(_cluster(tmp_path))).code == 0
    store = open_store(sqlite_url)
    try:
        production = running_images(store, "production")
        assert [(i.name, i.tag, i.digest) for i in production] == [
            ("reg.test:5000/pay/api", None, A)]  # pinned by digest: no `latest` invented
        everything = running_images(store)
        assert {(i.name, i.tag, i.digest) for i in everything} == {
            ("reg.test:5000/pay/api", None, A), ("reg.test:5000/shop/web", "2.0", B)}
        assert running_images(store, "qa") == []
        # A bare digest finds its registry name in the graph.
        found = image_for_artifact(store, A)
        assert (found.name, found.tag, found.digest) == ("reg.test:5000/pay/api", None, A)
        with pytest.raises(NotFound):
            image_for_artifact(store, "sha256:" + "c" * 64)
    finally:
        store.close()
