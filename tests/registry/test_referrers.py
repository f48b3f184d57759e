"""OCI 1.1 referrers: evidence pushed by real cosign as referrers is found through the
referrers API (go-containerregistry's registry with the API on) and, where a registry
lacks the API (the CNCF distribution registry), through the referrers tag schema."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.model import NodeKind
from provenance_linker.store import open_store

from ..conftest import CliResult
from ..support.oci import Registry, start_distribution
from ..support.oci_tools import OciTools

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def distribution(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    registry = start_distribution(tmp_path_factory.mktemp("distribution"))
    try:
        yield registry
    finally:
        registry.stop()


@pytest.fixture(scope="module")
def referrer_tools(tmp_path_factory: pytest.TempPathFactory) -> OciTools:
    tools = OciTools(tmp_path_factory.mktemp("referrer-tools"), insecure=True)
    tools.extra_env = {"COSIGN_EXPERIMENTAL": "1"}
    return tools


@pytest.mark.parametrize("which", ["referrers-api", "tag-schema"])
def test_signatures_pushed_as_referrers_are_found(
        cli: Cli, sqlite_url: str, which: str, referrers_registry: Registry,
        distribution: Registry, referrer_tools: OciTools) -> None:
    registry = referrers_registry if which == "referrers-api" else distribution
    repo = f"{registry.host}/ref{uuid.uuid4().hex[:6]}/app"
    digest = referrer_tools.push_image(f"{repo}:1", f"referrers {which}")
    key, public = referrer_tools.keypair()
    referrer_tools.sign(f"{repo}@{digest}", key, "--registry-referrers-mode=oci-1-1")
    assert cli("keys", "add", str(public), "--name", "release").code == 0
    result = cli("ingest", "image", f"{repo}:1", "--insecure-registry", registry.host,
                 "--output", "json")
    assert result.code == 0, result.out + result.err
    data = result.json()
    assert isinstance(data, dict)
    assert data["images"][0]["referrers_api"] is (which == "referrers-api")
    assert [i["source"] for i in data["ingested"]] == ["manifest", "referrer"]
    referred = data["ingested"][1]
    assert referred["kind"] == "signature" and referred["subject"] == digest
    store = open_store(sqlite_url)
    try:
        statuses = [n.props.get("status") for n in store.find(NodeKind.SIGNATURE)]
        assert statuses == ["valid"]
    finally:
        store.close()


def test_a_sigstore_bundle_referrer_is_ingested_like_the_bundle_file(
        cli: Cli, sqlite_url: str, tmp_path: Path, referrers_registry: Registry,
        referrer_tools: OciTools) -> None:
    repo = f"{referrers_registry.host}/bundle{uuid.uuid4().hex[:6]}/app"
    digest = referrer_tools.push_image(f"{repo}:1", "bundled")
    key, public = referrer_tools.keypair()
    sbom = cyclonedx_sbom(f"{repo}:1", 12, seed=7).document
    referrer_tools.attest(f"{repo}@{digest}", key, "cyclonedx", sbom, "--new-bundle-format")
    assert cli("keys", "add", str(public), "--name", "release").code == 0
    result = cli("ingest", "image", f"{repo}:1", "--insecure-registry",
                 referrers_registry.host, "--output", "json")
    data = result.json()
    assert isinstance(data, dict)
    bundles = [i for i in data["ingested"] if i["format"] == "sigstore-bundle"]
    assert len(bundles) == 1, data
    assert bundles[0]["source"] == "referrer" and bundles[0]["subject"] == digest
    # The same bytes from a file give the same verdict.
    blob = referrer_tools.crane("blob", f"{repo}@{bundles[0]['document']}")
    path = tmp_path / "bundle.json"
    path.write_text(blob)
    files_db = f"sqlite:///{tmp_path}/files.db"
    assert cli("keys", "add", str(public), "--name", "release", db=files_db).code == 0
    from_file = cli("ingest", "attestation", "--artifact", f"{repo}@{digest}", str(path),
                    "--output", "json", db=files_db)
    assert json.loads(from_file.out)["ingested"][0]["summary"] == bundles[0]["summary"]
    assert from_file.code == result.code
