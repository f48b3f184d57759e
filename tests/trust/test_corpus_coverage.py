"""Every attest/ file of the corpus is handled, and nothing the MANIFEST says MUST FAIL
ever verifies. Roots and the TSA CA are exercised as trust material."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provenance_linker.documents import load
from provenance_linker.errors import InvalidDocument
from provenance_linker.trust.keys import load_public_key
from provenance_linker.trust.trust_store import TrustStore

from .conftest import Ingest, trust_with

TSA = "attest/sigstore-python/bundles/tsa_bundle.txt.sigstore"


def _kind(path: str) -> str:
    if path.endswith((".pub", ".pem")):
        return "key"
    if "/trust/" in path or path.endswith("trusted_root_pgi.json"):
        return "trust"
    if "/artifacts/" in path or "/detached/" in path or path.endswith(
            ("multi-subject-first", "multi-subject-second")):
        return "material"
    return "document"


def test_every_document_ingests_and_must_fail_never_verifies(
        manifest: dict[str, str], tstore, corpus: Path, ingest: Ingest) -> None:
    keys = tuple(p for p in manifest if _kind(p) == "key" and "release-cosign" not in p)
    trust_with(tstore, corpus, keys=keys)
    documents = [p for p in manifest if _kind(p) == "document"]
    assert len(documents) >= 35
    outcomes: dict[str, list[str]] = {}
    for path in documents:
        outcomes[path] = [n["status"] for n in ingest(path)]
        assert outcomes[path], path
        note = manifest[path]
        # "untrusted reusable workflow" fails by policy (a real signature by the wrong
        # identity): test_corpus_slsa.test_bcr_signer_identity_decides.
        if "MUST FAIL" in note and "SHOULD VERIFY" not in note and "untrusted" not in note:
            assert "valid" not in outcomes[path], path
    assert sum(s == ["valid"] for s in outcomes.values()) >= 15


@pytest.mark.parametrize("kind", ["key", "trust", "material"])
def test_other_files_are_trust_material_or_inputs(kind: str, manifest: dict[str, str],
                                                  tstore, corpus: Path) -> None:
    paths = [p for p in manifest if _kind(p) == kind]
    assert paths
    trust = TrustStore(tstore)
    for path in paths:
        data = (corpus / path).read_bytes()
        if kind == "key":
            load_public_key(data, path)
        elif kind == "trust" and path.endswith("tsa_ca.json"):
            with pytest.raises(InvalidDocument):  # a CA for a root, not a root itself
                trust.add_root("tsa", data, path)
        elif kind == "trust":
            trust.add_root(Path(path).stem, data, path)
        elif not path.endswith((".sig", ".crt")):
            with pytest.raises(InvalidDocument):  # signed inputs are not documents
                load(data, path)


def _staging_with_tsa(corpus: Path) -> bytes:
    root = json.loads((corpus / "attest/sigstore-python/trust/staging_trusted_root.json")
                      .read_text())
    root["timestampAuthorities"].append(json.loads(
        (corpus / "attest/sigstore-python/trust/tsa_ca.json").read_text()))
    return json.dumps(root).encode()


def test_tsa_bundles_with_the_test_tsa_in_the_root(manifest: dict[str, str], tstore,
                                                    corpus: Path, ingest: Ingest) -> None:
    assert "tsa_ca.json" in manifest[TSA]
    TrustStore(tstore).add_root("staging-tsa", _staging_with_tsa(corpus), "staging+tsa")
    [node] = ingest(TSA)
    assert node["status"] == "valid" and node["root"] == "staging-tsa"
    assert node["subject"] == "alexis.challande@trailofbits.com"
    for name, reason in (("tsa_bundle.duplicate.sigstore", "duplicate"),
                         ("tsa_bundle.many_timestamp.sigstore", "too many")):
        [bad] = ingest(f"attest/sigstore-python/bundles-invalid/{name}")
        assert bad["status"] == "invalid" and reason in bad["reason"]


def test_corpus_production_root_verifies_production_bundles(tstore, corpus: Path,
                                                            ingest: Ingest) -> None:
    TrustStore(tstore).add_root("production", (
        corpus / "attest/sigstore-python/trust/production_trusted_root.json").read_bytes(),
        "production")
    [node] = ingest("attest/sigstore-python/bundles/bundle_v3_github.whl.sigstore")
    assert node["status"] == "valid" and node["root"] == "production"
