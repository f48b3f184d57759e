"""in-toto links, layouts and keys from the corpus against MANIFEST expectations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from provenance_linker.errors import InvalidDocument
from provenance_linker.trust.keys import key_id, load_public_key
from provenance_linker.trust.trust_store import TrustStore

from .conftest import Ingest, trust_with

KEYS = ("alice", "bob", "carl")


def _links(manifest: dict[str, str]) -> list[str]:
    return sorted(p for p in manifest if p.endswith(".link"))


def _expected_signer(note: str) -> str:
    match = re.search(r"(?:VERIFIES with|signed by) (\w+)", note)
    assert match, note
    return match.group(1).removesuffix(".pub")


def test_manifest_lists_four_links(manifest: dict[str, str]) -> None:
    assert len(_links(manifest)) == 4


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("holder", KEYS)
def test_link_verifies_only_with_its_functionary_key(
        index: int, holder: str, manifest: dict[str, str], tstore, corpus: Path,
        ingest: Ingest) -> None:
    path = _links(manifest)[index]
    signer = _expected_signer(manifest[path])
    trust_with(tstore, corpus, keys=(f"attest/in-toto/keys/{holder}.pub",), staging=False)
    [node] = ingest(path)
    if holder == signer:
        assert node["status"] == "valid", node["reason"]
        assert node["key_name"] == holder
        assert node["signer_kind"] == "key"
    else:
        assert node["status"] != "valid"
        assert "no trusted key verifies" in node["reason"]


def test_link_products_are_its_subjects(manifest: dict[str, str], tstore, corpus: Path,
                                        ingest: Ingest) -> None:
    path = "attest/in-toto/package.2f89b927.link"
    digest = re.search(r"foo.tar.gz sha256 ([0-9a-f]{64})", manifest[path]).group(1)  # type: ignore[union-attr]
    trust_with(tstore, corpus, keys=("attest/in-toto/keys/carl.pub",), staging=False)
    [node] = ingest(path)
    assert f"sha256:{digest}" in node["subjects"]


def test_unverified_link_is_reverified_when_the_key_arrives(tstore, corpus: Path,
                                                            ingest: Ingest) -> None:
    from provenance_linker.trust.reverify import reverify

    trust = trust_with(tstore, corpus, keys=("attest/in-toto/keys/alice.pub",), staging=False)
    [node] = ingest("attest/in-toto/write-code.776a00e2.link")
    assert node["status"] == "unverified"
    trust.add_key((corpus / "attest/in-toto/keys/bob.pub").read_bytes(), "bob", name="bob")
    [changed] = reverify(tstore, trust)
    assert changed["status"] == "valid" and "bob" in changed["reason"]


@pytest.mark.parametrize("path", ["attest/in-toto/demo.layout.template",
                                  "attest/in-toto/dsse/demo.layout.template"])
def test_layout_templates_are_reported_unsigned(path: str, manifest: dict[str, str], tstore,
                                                corpus: Path, ingest: Ingest) -> None:
    assert "unsigned" in manifest[path].lower()
    trust_with(tstore, corpus, keys=("attest/in-toto/keys/alice.pub",), staging=False)
    [node] = ingest(path)
    assert node["status"] == "unsigned"
    assert "layout is unsigned" in node["reason"]


@pytest.mark.parametrize("name", ["alice", "bob", "carl", "danny"])
def test_corpus_keys_load(name: str, manifest: dict[str, str], corpus: Path) -> None:
    path = corpus / f"attest/in-toto/keys/{name}.pub"
    key, aliases = load_public_key(path.read_bytes(), str(path))
    assert len(key_id(key)) == 64
    if "securesystemslib JSON" in manifest[f"attest/in-toto/keys/{name}.pub"]:
        assert aliases and len(aliases[0]) == 64  # the in-toto key id


def test_release_cosign_key_and_key_id_is_spki_sha256(tstore, corpus: Path) -> None:
    import hashlib

    from cryptography.hazmat.primitives import serialization

    pem = (corpus / "attest/cosign/release-cosign.pub").read_bytes()
    value = TrustStore(tstore).add_key(pem, "release-cosign.pub", name="cosign-release")
    der = serialization.load_pem_public_key(pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert value["id"] == hashlib.sha256(der).hexdigest()
    assert value["algorithm"].startswith("ecdsa-")


def test_a_trusted_root_is_not_a_key(tstore, corpus: Path) -> None:
    with pytest.raises(InvalidDocument):
        TrustStore(tstore).add_key(
            (corpus / "attest/sigstore-python/trust/tsa_ca.json").read_bytes(), "tsa_ca.json")
