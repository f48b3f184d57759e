"""slsa-verifier's provenance test data for the maven, gradle, delegator (BYOB) and
container-based generators: each bundle must verify offline against the production
root, cover its artifact, be bound to its signer, and meet the source policy
slsa-verifier's tests use (`--source-uri github.com/slsa-framework/example-package`).

The v1.7.0 container-based bundles are v0.1 bundles whose log entry has an inclusion
promise but no inclusion proof: they verify by the promise (trust/sigstore_promise.py),
dated at the integrated time it binds.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from provenance_linker.documents import load
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.store import open_store
from provenance_linker.trust.gather import gather
from provenance_linker.trust.policy import ProvenanceFrom, Trust
from provenance_linker.trust.trust_store import TrustStore

SUITE = Path(__file__).parent / "data" / "slsa-verifier"
SUFFIXES = (".intoto.build.slsa", ".build.slsa", ".intoto.jsonl", ".intoto.sigstore")
BUNDLES = sorted(str(p.relative_to(SUITE)) for p in SUITE.rglob("*")
                 if p.name.endswith(SUFFIXES))
SOURCE = r"https://github\.com/slsa-framework/example-package"
GENERATOR = r"https://github\.com/slsa-framework/slsa-github-generator/\.github/workflows/.*"
PROMISE_ONLY = "gha_container-based/v1.7.0/"


def _artifact(bundle: Path) -> Path:
    name = bundle.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return bundle.with_name(name.removesuffix(suffix))
    raise AssertionError(name)


def test_the_suite_is_complete() -> None:
    by_generator: dict[str, int] = {}
    for rel in BUNDLES:
        by_generator[rel.split("/")[0]] = by_generator.get(rel.split("/")[0], 0) + 1
    assert by_generator == {"gha_container-based": 24, "gha_delegator": 16,
                            "gha_gradle": 16, "gha_maven": 16}


@pytest.mark.parametrize("rel", BUNDLES)
def test_slsa_verifier_provenance_bundle(rel: str, sqlite_url: str) -> None:
    bundle = SUITE / rel
    artifact = _artifact(bundle)
    digest = "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()
    store = open_store(sqlite_url)
    try:
        Linker(store).ingest(load(bundle.read_bytes(), rel),
                             IngestOptions(artifact=ArtifactRef(artifact.name, digest)))
        [node] = store.find(NodeKind.ATTESTATION)
        props = node.props
        assert props["status"] == "valid", props["reason"]
        if rel.startswith(PROMISE_ONLY):
            assert props["signed_at"] == props["integrated_time"]
        assert props["root"] == "production"
        assert props["issuer"] == "https://token.actions.githubusercontent.com"
        assert digest in props["subjects"]
        [built] = store.edges([EdgeKind.BUILT_BY], src=[NodeRef(NodeKind.ARTIFACT, digest)])
        assert built.props["verified"] is True
        build = store.get(built.dst)
        assert build is not None
        builder = str(build.props["builder_id"])
        # bound to its signer: the signing workflow is the builder, or the BYOB delegator
        signer = str(props.get("build_signer") or props["subject"])
        assert signer == builder or "/delegator_" in signer
        trusted = TrustStore(store)
        trust = Trust(trusted.keys(), trusted.identities(), datetime.now(UTC))
        evidence = gather(store, digest)
        assert ProvenanceFrom(repositories=(SOURCE,)).evaluate(evidence, trust).passed
        other = r"https://github\.com/slsa-framework/slsa-verifier"
        assert not ProvenanceFrom(repositories=(other,)).evaluate(evidence, trust).passed
        if "/delegator_" not in signer:
            assert ProvenanceFrom(builders=(GENERATOR,)).evaluate(evidence, trust).passed
    finally:
        store.close()
