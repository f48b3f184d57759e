"""Every Sigstore bundle in the corpus against its MANIFEST expectation (offline)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.model import NodeKind

from .conftest import Ingest, file_digest, trust_with

BUNDLES = "attest/sigstore-python/bundles/"
INVALID = "attest/sigstore-python/bundles-invalid/"
IDENTITY = re.compile(r"identity (\S+?),? (?:OIDC )?issuer (https://\S+?)(?:[;,]|\.?\s|$)",
                      re.IGNORECASE)


def _bundle_paths(manifest: dict[str, str], prefix: str) -> list[str]:
    return sorted(p for p in manifest if p.startswith(prefix))


def _artifact_for(path: str) -> str | None:
    """The signed input named like the bundle (bundle.txt.sigstore -> artifacts/bundle.txt)."""
    stem = Path(path).name.split(".sigstore")[0].removeprefix("a.dsse.")
    candidate = f"attest/sigstore-python/artifacts/{stem}"
    return candidate if not stem.startswith("tsa_") else "attest/sigstore-python/artifacts/" \
        "tsa_bundle.txt"


def test_manifest_lists_the_bundles(manifest: dict[str, str]) -> None:
    assert len(_bundle_paths(manifest, BUNDLES)) == 8
    assert len(_bundle_paths(manifest, INVALID)) == 8


@pytest.mark.parametrize("index", range(8))
def test_positive_bundles_verify_with_stated_identity(
        index: int, manifest: dict[str, str], tstore, corpus: Path, ingest: Ingest) -> None:
    path = _bundle_paths(manifest, BUNDLES)[index]
    note = manifest[path]
    trust_with(tstore, corpus)
    [node] = ingest(path)
    if "FAILS strict loading" in note:  # the CPython bundle lacks a checkpoint
        assert node["status"] == "invalid"
        assert "inclusion proof, with checkpoint" in node["reason"]
        return
    assert node["status"] == "valid", node["reason"]
    identity, issuer = IDENTITY.search(note).groups()  # type: ignore[union-attr]
    assert node["subject"] == identity
    assert node["issuer"] == issuer
    expected_root = "production" if "PRODUCTION" in note else "staging"
    assert expected_root.lower() in note.lower()
    assert node["root"] == expected_root
    assert node["log_index"] >= 0
    log_index = re.search(r"logIndex (\d+)", note)
    if log_index:
        assert node["log_index"] == int(log_index.group(1))


def test_message_signature_checks_the_artifact(manifest: dict[str, str], tstore,
                                                corpus: Path, ingest: Ingest) -> None:
    path = BUNDLES + "bundle.txt.sigstore"
    assert "against artifacts/bad.txt: FAIL (digest mismatch)" in manifest[path]
    trust_with(tstore, corpus)
    good = corpus / "attest/sigstore-python/artifacts/bundle.txt"
    [node] = ingest(path, artifact=ArtifactRef("bundle.txt", file_digest(good)))
    assert node["status"] == "valid"
    assert node["subjects"] == [file_digest(good)]


def test_message_signature_fails_for_another_artifact(tstore, corpus: Path,
                                                      ingest: Ingest) -> None:
    trust_with(tstore, corpus)
    bad = corpus / "attest/sigstore-python/artifacts/bad.txt"
    [node] = ingest(BUNDLES + "bundle.txt.sigstore",
                    artifact=ArtifactRef("bad.txt", file_digest(bad)))
    assert node["status"] == "invalid"
    assert "digest mismatch" in node["reason"]


@pytest.mark.parametrize("index", range(8))
def test_negative_bundles_fail_with_the_stated_reason(
        index: int, manifest: dict[str, str], tstore, corpus: Path, ingest: Ingest) -> None:
    path = _bundle_paths(manifest, INVALID)[index]
    note = manifest[path]
    assert "MUST FAIL" in note
    quoted = re.search(r"MUST FAIL[^(']*\(?'([^']+)'", note)
    assert quoted, note
    trust_with(tstore, corpus)
    [node] = ingest(path)
    assert node["status"] == "invalid"
    assert quoted.group(1).lower() in node["reason"].lower(), node["reason"]


def test_staging_bundle_waits_for_its_root_then_verifies(tstore, corpus: Path,
                                                         ingest: Ingest) -> None:
    from provenance_linker.trust.reverify import reverify

    trust = trust_with(tstore, corpus, staging=False)
    [node] = ingest(BUNDLES + "bundle_v3.txt.sigstore")
    assert node["status"] == "unverified"
    assert "trusted root" in node["reason"]
    trust.add_root("staging", (corpus / "attest/sigstore-python/trust/"
                               "staging_trusted_root.json").read_bytes(), "staging")
    [changed] = reverify(tstore, trust)
    assert changed["status"] == "valid"
    stored = tstore.find(NodeKind.SIGNATURE, {"status": "valid"})
    assert [n.props["subject"] for n in stored] == ["william@yossarian.net"]


def test_cosign_oci_attestation(manifest: dict[str, str], tstore, corpus: Path,
                                ingest: Ingest) -> None:
    path = "attest/cosign/oci-attestation.sigstore.json"
    note = manifest[path]
    trust_with(tstore, corpus)
    [node] = ingest(path)
    assert node["status"] == "valid"
    assert node["subject"] == "cody@soyland.com" and "cody@soyland.com" in note
    assert node["issuer"] == "https://github.com/login/oauth"
    assert node["log_index"] == int(re.search(r"logIndex (\d+)", note).group(1))  # type: ignore[union-attr]
    assert node["predicate_type"] == "https://cosign.sigstore.dev/attestation/v1"
    digest = re.search(r"sha256 ([0-9a-f]{64})", note).group(1)  # type: ignore[union-attr]
    assert node["subjects"] == [f"sha256:{digest}"]


def test_cosign_trusted_root_file_matches_production(tstore, corpus: Path,
                                                     ingest: Ingest) -> None:
    """The bundle verifies against the shipped public-good root given as a stored root."""
    from provenance_linker.trust.trust_store import TrustStore

    trust = TrustStore(tstore)
    trust.add_root("production", (corpus / "attest/cosign/trusted_root_pgi.json").read_bytes(),
                   "pgi")
    [node] = ingest("attest/cosign/oci-attestation.sigstore.json")
    assert node["status"] == "valid" and node["root"] == "production"
