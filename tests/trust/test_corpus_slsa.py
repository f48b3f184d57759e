"""SLSA provenance, DSSE and detached signatures from the corpus (slsa-verifier, guac,
sigstore-python detached). What needs an online Rekor lookup stays `unverified`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.model import EdgeKind, NodeKind, NodeRef
from provenance_linker.trust.gather import gather
from provenance_linker.trust.keys import TrustedIdentity
from provenance_linker.trust.policy import ProvenanceFrom, SignedBy, Trust
from provenance_linker.trust.trust_store import TrustStore

from .conftest import Ingest, file_digest, trust_with

SLSA = "attest/slsa-verifier/"
GITHUB = "https://token.actions.githubusercontent.com"
GO_DIGEST = "sha256:f6ab7ad0c7549b5a4942c3b0690519d791c28c4c0f8b286208cb40da3322a066"  # MANIFEST


def _trust(store) -> Trust:  # type: ignore[no-untyped-def]
    t = TrustStore(store)
    return Trust(t.keys(), t.identities(), datetime.now(UTC))


def _raw_dsse_with_cert(manifest: dict[str, str]) -> list[str]:
    return sorted(p for p, n in manifest.items() if p.startswith(SLSA) and (
        "Raw DSSE" in n or "MUST FAIL (no valid Rekor" in n or "ErrorRekorSearch" in n
        or "fork builder" in n))


def test_slsa_v02_bundle_yields_build_and_source(manifest: dict[str, str], tstore,
                                                 corpus: Path, ingest: Ingest) -> None:
    path = SLSA + "gha_go-v2.1.0_binary-linux-amd64-workflow_dispatch.intoto.jsonl"
    note = manifest[path]
    san = re.search(r"Cert SAN (\S+)", note).group(1)  # type: ignore[union-attr]
    trust_with(tstore, corpus)
    [node] = ingest(path)
    assert node["status"] == "valid" and node["subject"] == san and node["issuer"] == GITHUB
    assert node["subjects"] == [GO_DIGEST] and GO_DIGEST.removeprefix("sha256:") in note
    [built] = tstore.edges([EdgeKind.BUILT_BY], src=[NodeRef(NodeKind.ARTIFACT, GO_DIGEST)])
    build = tstore.get(built.dst)
    assert build is not None and built.props["verified"] is True
    assert build.props["builder_id"] == san
    [source_edge] = tstore.edges([EdgeKind.FROM], src=[built.dst])
    source = tstore.get(source_edge.dst)
    assert source is not None
    assert source.props["repository"] == "https://github.com/slsa-framework/example-package"
    assert re.fullmatch(r"[0-9a-f]{40}", source.props["commit"])
    assert source.props["ref"] == "refs/heads/main"


def test_source_and_branch_policy_as_slsa_verifier_states(manifest: dict[str, str], tstore,
                                                          corpus: Path, ingest: Ingest) -> None:
    """SHOULD VERIFY with --source-uri example-package (--source-branch main); MUST FAIL
    with branch master, tag v1.2.3, another source, or builder not-trusted.yml."""
    trust_with(tstore, corpus)
    ingest(SLSA + "gha_go-v2.1.0_binary-linux-amd64-workflow_dispatch.intoto.jsonl")
    evidence, trust = gather(tstore, GO_DIGEST), _trust(tstore)
    repo = r"https://github\.com/slsa-framework/example-package"
    builder = r"https://github\.com/slsa-framework/slsa-github-generator/\.github/workflows/" \
              r"builder_go_slsa3\.yml@refs/tags/v2\.1\.0"
    assert ProvenanceFrom(repositories=(repo,)).evaluate(evidence, trust).passed
    assert ProvenanceFrom((builder,), (repo,), ("refs/heads/main",)).evaluate(
        evidence, trust).passed
    for refs in (("refs/heads/master",), ("refs/tags/v1.2.3",)):
        assert not ProvenanceFrom(repositories=(repo,), refs=refs).evaluate(evidence, trust).passed
    other = r"https://github\.com/laurentsimon/slsa-verifier-test-gen"
    assert not ProvenanceFrom(repositories=(other,)).evaluate(evidence, trust).passed
    assert not ProvenanceFrom(builders=(r".*/not-trusted\.yml.*",)).evaluate(
        evidence, trust).passed


def test_versioned_tag_push(manifest: dict[str, str], tstore, corpus: Path,
                            ingest: Ingest) -> None:
    path = SLSA + "gha_go-v2.1.0_binary-linux-amd64-push-v13.0.30.intoto.jsonl"
    assert "v13.0.30" in manifest[path]
    trust_with(tstore, corpus)
    [node] = ingest(path)
    assert node["status"] == "valid"
    evidence, trust = gather(tstore, node["subjects"][0]), _trust(tstore)
    assert ProvenanceFrom(refs=(r"refs/tags/v13\.0\.30",)).evaluate(evidence, trust).passed
    assert not ProvenanceFrom(refs=(r"refs/tags/v13\.0\.29",)).evaluate(evidence, trust).passed


def test_bcr_signer_identity_decides(manifest: dict[str, str], tstore, corpus: Path,
                                     ingest: Ingest) -> None:
    good, bad = SLSA + "bcr_MODULE.bazel.intoto.jsonl", SLSA + \
        "bcr_MODULE-wrong-signer.bazel.intoto.jsonl"
    signer = re.search(r"signer (\S+)\.", manifest[good]).group(1)  # type: ignore[union-attr]
    wrong = re.search(r"signed by (\S+)\.", manifest[bad]).group(1)  # type: ignore[union-attr]
    trust_with(tstore, corpus)
    [ok] = ingest(good)
    [evil] = ingest(bad)
    # Both are real Sigstore signatures, but the second provenance claims the publish-to-bcr
    # builder while another workflow signed it: not bound to its signer, so invalid.
    assert ok["status"] == "valid"
    assert evil["status"] == "invalid"
    assert signer in evil["reason"] and wrong in evil["reason"]
    assert ok["subject"] == signer and evil["subject"] == wrong
    assert ok["subjects"] == evil["subjects"]
    only_bcr = SignedBy(identities=(TrustedIdentity(
        "bcr", GITHUB, r"https://github\.com/bazel-contrib/publish-to-bcr/\.github/workflows/"
        r"publish\.yaml@refs/tags/v.*", regex=True),))
    evidence = gather(tstore, ok["subjects"][0])
    result = only_bcr.evaluate(evidence, _trust(tstore))
    assert result.passed
    verdicts = {e["key"]: e["valid"] for e in result.evidence}
    assert verdicts == {ok["key"]: True, evil["key"]: False}
    builder = r"https://github\.com/bazel-contrib/publish-to-bcr/\.github/workflows/publish\.yaml.*"
    repo = r"https://github\.com/aspect-build/rules_lint"
    assert ProvenanceFrom((builder,), (repo,)).evaluate(evidence, _trust(tstore)).passed


def test_generic_generator_bundle(manifest: dict[str, str], tstore, corpus: Path,
                                  ingest: Ingest) -> None:
    path = SLSA + "gha_generic-v2.1.0_binary-linux-amd64-workflow_dispatch.intoto.jsonl"
    digest = re.search(r"sha256 ([0-9a-f]{64})", manifest[path]).group(1)  # type: ignore[union-attr]
    trust_with(tstore, corpus)
    [node] = ingest(path)
    assert node["status"] == "valid"
    assert node["subjects"] == [f"sha256:{digest}"]
    evidence = gather(tstore, node["subjects"][0])
    assert ProvenanceFrom(repositories=(r"https://github\.com/slsa-framework/example-package",)
                          ).evaluate(evidence, _trust(tstore)).passed


def test_raw_dsse_without_log_entry_stays_unverified(manifest: dict[str, str], tstore,
                                                     corpus: Path, ingest: Ingest) -> None:
    """slsa-verifier looks these entries up in Rekor online; offline the signature is
    checked against its certificate but the certificate's validity at signing time cannot
    be established, so none of them counts as evidence (the negatives fail, and so do
    the positives until an online check is added)."""
    paths = _raw_dsse_with_cert(manifest)
    assert len(paths) == 6
    trust_with(tstore, corpus)
    for path in paths:
        [node] = ingest(path)
        assert node["status"] == "unverified", path
        assert "transparency log" in node["reason"]
        assert node["issuer"] == GITHUB


def test_multi_subject_matches_its_artifacts_only(manifest: dict[str, str], tstore,
                                                  corpus: Path, ingest: Ingest) -> None:
    path = SLSA + "binary-linux-amd64-multi-subject-first.intoto.jsonl"
    first = file_digest(corpus / (SLSA + "binary-linux-amd64-multi-subject-first"))
    second = file_digest(corpus / (SLSA + "binary-linux-amd64-multi-subject-second"))
    trust_with(tstore, corpus)
    [node] = ingest(path)
    assert first in node["subjects"] and second in node["subjects"]
    assert ArtifactRef("artifact1", first).digest in node["subjects"]


def test_multi_subject_refuses_another_artifact(tstore, corpus: Path, ingest: Ingest) -> None:
    path = SLSA + "binary-linux-amd64-multi-subject-first.intoto.jsonl"
    trust_with(tstore, corpus)
    other = file_digest(corpus / "attest/sigstore-python/artifacts/a.txt")
    [mismatch] = ingest(path, artifact=ArtifactRef("a.txt", other))
    assert mismatch["status"] == "invalid" and "digest mismatch" in mismatch["reason"]


def test_npm_provenance_verifies_by_its_promise(manifest: dict[str, str], tstore,
                                                corpus: Path, ingest: Ingest) -> None:
    """npm's v0.1 bundles carry intoto/0.0.2 entries with an inclusion promise and no
    inclusion proof. The Fulcio-signed SLSA provenance verifies by the promise; the
    tampered one does not (its payload is not what the log recorded). npm's own publish
    attestations are signed with npm's key, which is not trusted here, and the keyed
    bundle path needs an inclusion proof: they stay refused."""
    good, tampered = ("npm_supreme-googles-cli-v02-tag.tgz.json",
                      "npm_supreme-googles-cli-v02-tag-invalidsigprov.tgz.json")
    assert "SHOULD VERIFY" in manifest[SLSA + good]
    assert "MUST FAIL" in manifest[SLSA + tampered]
    trust_with(tstore, corpus)
    for name in (good, tampered):
        publish, provenance = sorted(ingest(SLSA + name),
                                     key=lambda n: "slsa.dev" in n["predicate_type"])
        assert publish["status"] == "invalid" and "failed to load bundle" in publish["reason"]
        assert provenance["predicate_type"] == "https://slsa.dev/provenance/v0.2"
        if name == good:
            assert provenance["status"] == "valid", provenance["reason"]
            assert provenance["root"] == "production" and provenance["issuer"] == GITHUB
            assert provenance["signed_at"] == "2023-05-16T17:32:54+00:00"
        else:
            assert provenance["status"] == "invalid"
            assert "log entry payload hash does not match the bundle" in provenance["reason"]
    # The tampered statement is another statement: its Build is its own, never merged
    # into the good one's (Build keys are statement digests, not invocation ids).
    builds = [b for b in tstore.find(NodeKind.BUILD)
              if "supreme-goggles" in str(b.props.get("source_repository"))]
    assert len(builds) == 2
    assert {b.props["builder_id"] for b in builds} == {"https://github.com/actions/runner"}


def test_vsa_verifies_with_its_key_only(manifest: dict[str, str], tstore, corpus: Path,
                                        ingest: Ingest) -> None:
    path = SLSA + "vsa_gke-gce-pre.bcid-vsa.jsonl"
    assert "SHOULD VERIFY with key vsa_signing_public_key.pem" in manifest[path]
    trust_with(tstore, corpus, keys=("attest/in-toto/keys/alice.pub",), staging=False)
    [wrong] = ingest(path)
    assert wrong["status"] == "unverified"
    TrustStore(tstore).add_key((corpus / (SLSA + "vsa_signing_public_key.pem")).read_bytes(),
                               "vsa", name="vsa")
    from provenance_linker.trust.reverify import reverify

    [changed] = reverify(tstore, TrustStore(tstore))
    assert changed["status"] == "valid" and "vsa" in changed["reason"]
    node = tstore.get(NodeRef(NodeKind.ATTESTATION, wrong["key"]))
    assert node is not None
    assert node.props["predicate_type"] == "https://slsa.dev/verification_summary/v1"


def test_guac_statement_is_parsed_and_unsigned(manifest: dict[str, str], tstore, corpus: Path,
                                               ingest: Ingest) -> None:
    path = "attest/guac/kubectl-linux-amd64_slsa-provenance.in-toto.json"
    note = manifest[path]
    subjects = int(re.search(r"\((\d+) subjects", note).group(1))  # type: ignore[union-attr]
    builder = re.search(r"builder '([^']+)'", note).group(1)  # type: ignore[union-attr]
    [node] = ingest(path)
    assert node["status"] == "unsigned"
    assert len(node["subjects"]) == subjects
    [build] = tstore.find(NodeKind.BUILD)
    assert build.props["builder_id"] == builder
    edges = tstore.edges([EdgeKind.BUILT_BY], dst=[build.ref])
    assert len(edges) == len(set(node["subjects"])) and not any(
        e.props["verified"] for e in edges)


def test_guac_dsse_without_key_is_unverified(manifest: dict[str, str], tstore, corpus: Path,
                                             ingest: Ingest) -> None:
    path = "attest/guac/oci-dsse-attestation.json"
    assert "NOT shipped" in manifest[path]
    [node] = ingest(path)
    assert node["status"] == "unverified" and "SHA256:Q2hrAmo3" in node["reason"]
    assert node["subjects"][0].startswith("sha256:9e183c89")


@pytest.mark.parametrize("name,expected", [("a", "unverified"), ("bad", "invalid"),
                                           ("c", "unverified")])
def test_detached_certificate_signatures(name: str, expected: str, manifest: dict[str, str],
                                         tstore, corpus: Path) -> None:
    """Signature checked with the certificate's key; full Sigstore verification needs the
    Rekor entry (online), so a good one stays unverified and a fiddled one is invalid."""
    import orjson

    from provenance_linker.documents import load
    from provenance_linker.ingest.contract import IngestOptions
    from provenance_linker.ingest.orchestrator import Linker

    base = corpus / "attest/sigstore-python"
    note = manifest[f"attest/sigstore-python/detached/{name}.txt.sig"]
    identity = re.search(r"Identity (\S+), issuer (https://\S+?):? ", note).groups()  # type: ignore[union-attr]
    digest = file_digest(base / f"artifacts/{name}.txt")
    wrapped = orjson.dumps({"Base64Signature": (base / f"detached/{name}.txt.sig").read_text(),
                            "Cert": (base / f"detached/{name}.txt.crt").read_text(),
                            "ArtifactDigest": digest})
    report = Linker(tstore).ingest(load(wrapped, f"{name}.txt.sig"),
                                   IngestOptions(artifact=ArtifactRef(None, digest)))
    [sig] = tstore.find(NodeKind.SIGNATURE)
    assert report.summary[expected] == 1
    assert sig.props["status"] == expected
    assert (sig.props["subject"], sig.props["issuer"]) == identity
