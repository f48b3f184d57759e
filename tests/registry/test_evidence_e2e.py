"""The issue's acceptance: three images pushed with signatures, attestations and SBOMs by
the real tools into the CNCF distribution registry (htpasswd basic auth behind TLS);
`ingest image` of their tags gives the same graph, the same `verify` results and the
same blast radius as ingesting the same evidence from files. Registries that lie about
digests or redirect credentials elsewhere are handled (a loopback proxy in front)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provenance_linker.model import EdgeKind, NodeKind
from provenance_linker.store import open_store

from ..conftest import CliResult
from ..support.oci import Certs, Registry, docker_config, make_certs, start_distribution
from ..support.oci_tools import OciTools
from ..support.registry_proxy import Behaviour, BlobStorage, RegistryProxy
from .evidence_setup import (
    PushedImage,
    cluster_and_advisories,
    download_evidence,
    push_with_evidence,
)

Cli = Callable[..., CliResult]
USER, PASSWORD = "ci", "s3cret-pass"
EVIDENCE_NODES = (NodeKind.SIGNATURE, NodeKind.ATTESTATION, NodeKind.SBOM, NodeKind.PACKAGE,
                  NodeKind.BUILD, NodeKind.SOURCE, NodeKind.KEY, NodeKind.VULNERABILITY,
                  NodeKind.DEPLOYMENT)
EVIDENCE_EDGES = (EdgeKind.SIGNS, EdgeKind.ATTESTS, EdgeKind.SIGNED_BY, EdgeKind.DESCRIBES,
                  EdgeKind.DEPENDS_ON, EdgeKind.BUILT_BY, EdgeKind.FROM, EdgeKind.USED,
                  EdgeKind.AFFECTED_BY, EdgeKind.IS, EdgeKind.RUNS, EdgeKind.LISTS)


@dataclass
class Setup:
    registry: Registry
    certs: Certs
    config: Path
    public_key: Path
    images: list[PushedImage]
    cluster: Path
    advisories: Path
    work: Path


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    work = tmp_path_factory.mktemp("tls-registry")
    certs = make_certs(work / "certs")
    registry = start_distribution(work / "registry", certs=certs, users={USER: PASSWORD})
    try:
        config = docker_config(work / "docker", {registry.host: (USER, PASSWORD)})
        (work / "tools").mkdir()
        tools = OciTools(work / "tools", docker_config_dir=config.parent, ca_bundle=certs.ca)
        images = push_with_evidence(tools, registry.host, "demo")
        download_evidence(tools, images, work / "files")
        cluster, advisories = cluster_and_advisories(images, work)
        _, public_key = tools.keypair()
        yield Setup(registry, certs, config, public_key, images, cluster, advisories, work)
    finally:
        registry.stop()


def _common(cli: Cli, db: str, setup: Setup) -> None:
    for args in (("keys", "add", str(setup.public_key), "--name", "release"),
                 ("ingest", "advisories", str(setup.advisories)),
                 ("ingest", "deployments", str(setup.cluster))):
        result = cli(*args, db=db)
        assert result.code == 0, result.out + result.err


def _from_files(cli: Cli, db: str, setup: Setup) -> None:
    _common(cli, db, setup)
    for image in setup.images:
        for args in (("ingest", "signature", "--artifact", image.pinned, "--signature",
                      str(image.files["signature"])),
                     ("ingest", "attestation", "--artifact", image.pinned,
                      str(image.files["attestation"])),
                     ("ingest", "sbom", "--artifact", image.pinned, str(image.files["sbom"]))):
            result = cli(*args, db=db)
            assert result.code == 0, result.out + result.err


def _graph(db: str) -> tuple[set[tuple[str, str, Any]], set[tuple[str, str, str]]]:
    store = open_store(db)
    try:
        nodes = {(str(kind), node.key, node.props.get("status"))
                 for kind in EVIDENCE_NODES for node in store.find(kind)}
        edges = {(str(e.kind), e.src.key, e.dst.key) for e in store.edges(EVIDENCE_EDGES)}
        return nodes, edges
    finally:
        store.close()


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items()
                if not k.endswith("_at") and k not in ("at", "since", "document", "documents")}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _without_names(value: Any, names: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: ([n for n in v if n not in names] if k == "names" and isinstance(v, list)
                    else _without_names(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_names(v, names) for v in value]
    return value


def test_registry_and_files_give_the_same_graph_verdicts_and_blast_radius(
        cli: Cli, tmp_path: Path, pushed: Setup) -> None:
    files_db, registry_db = f"sqlite:///{tmp_path}/files.db", f"sqlite:///{tmp_path}/reg.db"
    _from_files(cli, files_db, pushed)
    _common(cli, registry_db, pushed)
    fetched = cli("ingest", "image", *[i.tag_ref for i in pushed.images], "--ca-bundle",
                  str(pushed.certs.ca), "--docker-config", str(pushed.config), "--output",
                  "json", db=registry_db)
    assert fetched.code == 0, fetched.out + fetched.err
    summary = fetched.json()
    assert isinstance(summary, dict)
    assert [i["digest"] for i in summary["images"]] == [i.digest for i in pushed.images]
    sources = sorted(i["source"] for i in summary["ingested"] if i["source"] != "manifest")
    assert sources == sorted(["sig", "att", "att", "sbom"] * 3)

    files_nodes, files_edges = _graph(files_db)
    registry_nodes, registry_edges = _graph(registry_db)
    assert registry_nodes == files_nodes
    assert registry_edges == files_edges
    evidence = (str(NodeKind.SIGNATURE), str(NodeKind.ATTESTATION))
    statuses = {status for kind, _, status in files_nodes if kind in evidence}
    assert statuses == {"valid"}
    assert len({k for kind, k, _ in files_nodes if kind == evidence[0]}) == 3
    assert len({k for kind, k, _ in files_nodes if kind == evidence[1]}) == 6

    for image in pushed.images:
        answers = [cli("verify", "--artifact", image.pinned, "--output", "json", db=db)
                   for db in (files_db, registry_db)]
        assert answers[0].code == answers[1].code
        assert _without_times(answers[0].json()) == _without_times(answers[1].json())
    radius = [cli("query", "blast-radius", "CVE-2021-44228", "--output", "json", db=db)
              for db in (files_db, registry_db)]
    assert radius[0].code == radius[1].code == 0
    # The registry knows one name more per image: the tag it resolved.
    tags = {i.tag_ref for i in pushed.images}
    assert _without_names(_without_times(radius[0].json()), tags) == _without_names(
        _without_times(radius[1].json()), tags)
    assert any(t in radius[1].out for t in tags)
    assert pushed.images[1].digest in radius[1].out  # the api image is reached

    # The image index and its platform manifests are recorded from the registry.
    store = open_store(registry_db)
    try:
        contains = store.edges([EdgeKind.CONTAINS])
        assert {e.src.key for e in contains} == {pushed.images[1].digest}
        assert {e.props.get("platform") for e in contains} == {"linux/amd64", "linux/arm64"}
    finally:
        store.close()

    # `verify --refresh` fetches again before judging: nothing new, the same verdict.
    refreshed = cli("verify", "--artifact", pushed.images[1].tag_ref, "--refresh",
                    "--ca-bundle", str(pushed.certs.ca), "--docker-config",
                    str(pushed.config), "--output", "json", db=registry_db)
    plain = cli("verify", "--artifact", pushed.images[1].pinned, "--output", "json",
                db=registry_db)
    assert refreshed.code == plain.code
    assert _without_times(refreshed.json()) == _without_times(plain.json())
    # `ingest image --running` fetches what the cluster runs (api and web).
    running = cli("ingest", "image", "--running", "--environment", "production",
                  "--ca-bundle", str(pushed.certs.ca), "--docker-config", str(pushed.config),
                  "--output", "json", db=registry_db)
    assert running.code == 0, running.out
    data = running.json()
    assert isinstance(data, dict)
    assert sorted(i["digest"] for i in data["images"]) == sorted(
        [pushed.images[1].digest, pushed.images[2].digest])


def test_wrong_credentials_and_an_untrusted_certificate_are_clear_errors(
        cli: Cli, tmp_path: Path, pushed: Setup) -> None:
    image = pushed.images[0].tag_ref
    wrong = docker_config(tmp_path / "docker", {pushed.registry.host: (USER, "wrong")})
    bad = cli("ingest", "image", image, "--ca-bundle", str(pushed.certs.ca), "--docker-config",
              str(wrong), "--output", "json")
    assert bad.code == 1
    data = bad.json()
    assert isinstance(data, dict) and "refused the credentials" in data["refused"][0]["error"]
    untrusted = cli("ingest", "image", image, "--docker-config", str(pushed.config),
                    "--output", "json")
    assert untrusted.code == 1
    data = untrusted.json()
    assert isinstance(data, dict) and "CERTIFICATE_VERIFY_FAILED" in data["refused"][0]["error"]


@pytest.fixture
def front(pushed: Setup) -> Iterator[RegistryProxy]:
    proxy = RegistryProxy(f"https://{pushed.registry.host}",
                          verify=ssl.create_default_context(cafile=str(pushed.certs.ca)),
                          storage=BlobStorage().start()).start()
    try:
        yield proxy
    finally:
        proxy.stop()
        assert proxy.storage is not None
        proxy.storage.stop()


def _through(cli: Cli, tmp_path: Path, proxy: RegistryProxy, image: PushedImage,
             *hosts: str) -> CliResult:
    config = docker_config(tmp_path / "docker-front", {proxy.host: (USER, PASSWORD)})
    ref = f"{proxy.host}/{image.tag_ref.split('/', 1)[1]}"
    args = [arg for host in (proxy.host, *hosts) for arg in ("--insecure-registry", host)]
    return cli("ingest", "image", ref, *args, "--docker-config", str(config), "--output",
               "json")


@pytest.mark.parametrize("what", ["blobs", "manifests"])
def test_a_registry_that_lies_about_digests_is_refused(
        cli: Cli, tmp_path: Path, sqlite_url: str, pushed: Setup, front: RegistryProxy,
        what: str) -> None:
    front.behaviour = Behaviour(corrupt_blobs=what == "blobs",
                                corrupt_manifests=what == "manifests")
    result = _through(cli, tmp_path, front, pushed.images[0])
    assert result.code == 1
    data = result.json()
    assert isinstance(data, dict) and data["refused"]
    assert all("digest mismatch" in r["error"] for r in data["refused"]), data["refused"]
    store = open_store(sqlite_url)
    try:
        evidence = [n for kind in (NodeKind.SIGNATURE, NodeKind.ATTESTATION, NodeKind.SBOM)
                    for n in store.find(kind)]
        assert evidence == []
        if what == "manifests":
            assert store.documents() == []
    finally:
        store.close()


def test_credentials_never_follow_a_redirect_to_another_host(
        cli: Cli, tmp_path: Path, sqlite_url: str, pushed: Setup, front: RegistryProxy
        ) -> None:
    front.behaviour = Behaviour(redirect_blobs=True)
    assert front.storage is not None
    result = _through(cli, tmp_path, front, pushed.images[0], front.storage.host)
    assert result.code == 0, result.out
    assert front.storage.requests >= 4  # sig, 2 att, sbom blobs came from "storage"
    assert front.storage.authorizations == []
    store = open_store(sqlite_url)
    try:
        assert len(store.find(NodeKind.SIGNATURE)) == 1
    finally:
        store.close()
