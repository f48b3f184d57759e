"""Sigstore v0.1 bundles with an inclusion promise (SET) and no inclusion proof: real
slsa-github-generator v1.7.0 bundles verify by their SET; each mutation of one is
refused with the reason it deserves; a certificate not valid at the integrated time
(a private instance's, made here) is refused too."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from provenance_linker.demo.signing import trusted_root_with_log
from provenance_linker.documents import load
from provenance_linker.formats.dsse import pae
from provenance_linker.formats.evidence import EvidenceItem
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import NodeKind
from provenance_linker.store.interface import GraphStore
from provenance_linker.trust.outcome import Outcome
from provenance_linker.trust.reverify import reverify
from provenance_linker.trust.sigstore import embedded_production_root, verify_bundle
from provenance_linker.trust.slsa_signer import signer_mismatch
from provenance_linker.trust.trust_store import TrustStore

V170 = (Path(__file__).parents[1] / "conformance" / "data" / "slsa-verifier"
        / "gha_container-based" / "v1.7.0")
BUNDLE = V170 / "binary-linux-amd64-workflow_dispatch.intoto.sigstore"
OTHER = V170 / "gha_container-based-binary-linux-amd64-v14.intoto.sigstore"
REKOR_V2_LOG_ID = "zxGZFVvd0FEmjR8WrFwMdcAJ9vtaY/QXf44Y1wUeP6A="  # log2025-1's listed id
SET_FAILS = "invalid inclusion promise: Rekor SignedEntryTimestamp does not verify"

Mutation = Callable[[dict[str, Any]], None]


def _entry(bundle: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = bundle["verificationMaterial"]["tlogEntries"][0]
    return entry


def _flip_set_byte(bundle: dict[str, Any]) -> None:
    promise = _entry(bundle)["inclusionPromise"]
    raw = bytearray(base64.b64decode(promise["signedEntryTimestamp"]))
    raw[-5] ^= 0x01  # inside s: still DER, no longer the log's signature
    promise["signedEntryTimestamp"] = base64.b64encode(bytes(raw)).decode()


def _later(bundle: dict[str, Any]) -> None:
    entry = _entry(bundle)
    entry["integratedTime"] = str(int(entry["integratedTime"]) + 1)


def _other_trusted_key(bundle: dict[str, Any]) -> None:
    """The id of the production root's other log key (Rekor v2, Ed25519, valid from
    2025-09: not when this entry was integrated)."""
    [der] = [base64.b64decode(t["publicKey"]["rawBytes"])
             for t in orjson.loads(embedded_production_root())["tlogs"]
             if t["logId"]["keyId"] == REKOR_V2_LOG_ID]
    _entry(bundle)["logId"]["keyId"] = base64.b64encode(hashlib.sha256(der).digest()).decode()


def _listed_id_of_another_log(bundle: dict[str, Any]) -> None:
    """A Rekor v2 log id is not its key's SPKI hash, so it names no key a SET checks with."""
    _entry(bundle)["logId"]["keyId"] = REKOR_V2_LOG_ID


def _unknown_log(bundle: dict[str, Any]) -> None:
    _entry(bundle)["logId"]["keyId"] = base64.b64encode(hashlib.sha256(b"x").digest()).decode()


def _other_body(bundle: dict[str, Any]) -> None:
    _entry(bundle)["canonicalizedBody"] = _entry(orjson.loads(OTHER.read_bytes()))[
        "canonicalizedBody"]


def _other_entry(bundle: dict[str, Any]) -> None:
    """Another bundle's whole entry: its SET verifies, but for another envelope."""
    bundle["verificationMaterial"]["tlogEntries"] = [_entry(orjson.loads(OTHER.read_bytes()))]


def _index_beyond_int64(bundle: dict[str, Any]) -> None:
    _entry(bundle)["logIndex"] = str(2**64)


def _v02(bundle: dict[str, Any]) -> None:
    bundle["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2"


def _no_promise(bundle: dict[str, Any]) -> None:
    del _entry(bundle)["inclusionPromise"]


def _ingest(store: GraphStore, raw: bytes, name: str = BUNDLE.name) -> dict[str, Any]:
    artifact = V170 / "binary-linux-amd64-workflow_dispatch"
    digest = "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()
    Linker(store).ingest(load(raw, name), IngestOptions(artifact=ArtifactRef(artifact.name,
                                                                              digest)))
    [node] = store.find(NodeKind.ATTESTATION)
    return dict(node.props)


def test_the_real_bundle_verifies_by_its_promise(tstore: GraphStore) -> None:
    props = _ingest(tstore, BUNDLE.read_bytes())
    assert props["status"] == "valid", props["reason"]
    assert props["root"] == "production" and props["log_index"] == 23032398
    assert props["signed_at"] == props["integrated_time"] == "2023-06-07T14:42:55+00:00"
    assert props["build_signer"].startswith(
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
        "builder_container-based_slsa3.yml@refs/tags/v1.7.0")


@pytest.mark.parametrize(("mutate", "reason"), [
    (_flip_set_byte, SET_FAILS),
    (_later, SET_FAILS),
    (_other_trusted_key, "invalid inclusion promise: the key of transparency log "
                         "b54813cb63d88598… was not valid at the integrated time"),
    (_listed_id_of_another_log, "log ID cf1199155bddd051… is not a transparency log of "
                                "this trusted root"),
    (_unknown_log, "log ID 2d711642b726b044… is not a transparency log of this trusted root"),
    (_other_body, SET_FAILS),
    (_other_entry, "log entry payload hash does not match the bundle"),
    (_index_beyond_int64, "failed to load bundle: malformed log entry: ValueError "
                          "18446744073709551616 is not a non-negative 64-bit integer"),
    (_v02, "the log entry has no inclusion proof (an inclusion promise alone is accepted "
           "only in a v0.1 bundle)"),
    (_no_promise, "the log entry has no inclusion proof"),
], ids=lambda v: v.__name__.strip("_") if callable(v) else "")
def test_a_mutated_bundle_is_refused(tstore: GraphStore, mutate: Mutation,
                                     reason: str) -> None:
    bundle = orjson.loads(BUNDLE.read_bytes())
    mutate(bundle)
    props = _ingest(tstore, orjson.dumps(bundle))
    assert props["status"] == "invalid"
    assert reason in props["reason"], props["reason"]


def test_the_signer_binding_applies_to_promised_bundles(tstore: GraphStore) -> None:
    props = _ingest(tstore, BUNDLE.read_bytes())
    fields = {k: props.get(k) for k in ("status", "reason", "mechanism", "signer_kind",
                                        "issuer", "subject", "build_signer")}
    outcome = Outcome(**fields)
    assert signer_mismatch(props["build_signer"], outcome) is None
    other = "https://github.com/acme/tools/.github/workflows/release.yml@refs/tags/v1"
    assert "does not match the signing certificate's workflow" in str(
        signer_mismatch(other, outcome))


# A private instance: its own Fulcio CA and Rekor key, to date a certificate at will.

_FULCIO_ISSUER = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
_SCT_LIST = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
WORKFLOW = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.0.0"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _ca(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "acme.test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "acme-fulcio")])
    spki = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(START - timedelta(days=30))
            .not_valid_after(START + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(spki, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                spki), critical=False)
            .sign(key, hashes.SHA384()))


def _leaf(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate,
          key: ec.EllipticCurvePrivateKey,
          *extra: x509.UnrecognizedExtension) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca.subject)
               .public_key(key.public_key()).serial_number(2)
               .not_valid_before(START).not_valid_after(START + timedelta(minutes=10))
               .add_extension(x509.SubjectAlternativeName(
                   [x509.UniformResourceIdentifier(WORKFLOW)]), critical=True)
               .add_extension(x509.KeyUsage(True, False, False, False, False, False, False,
                                            False, False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   ca_key.public_key()), critical=False)
               .add_extension(x509.UnrecognizedExtension(
                   _FULCIO_ISSUER, b"https://token.actions.githubusercontent.com"),
                   critical=False))
    for extension in extra:
        builder = builder.add_extension(extension, critical=False)
    return x509.load_der_x509_certificate(
        builder.sign(ca_key, hashes.SHA384()).public_bytes(serialization.Encoding.DER))


def _der_octets(data: bytes) -> bytes:
    size = len(data).to_bytes((len(data).bit_length() + 7) // 8, "big")
    length = bytes([len(data)]) if len(data) < 0x80 else bytes([0x80 | len(size)]) + size
    return b"\x04" + length + data


def _with_sct(ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate,
              key: ec.EllipticCurvePrivateKey, ct: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """The certificate with an embedded SCT (RFC 6962 precertificate entry) by `ct`: its
    signature covers the certificate's TBS without the SCT list, and the issuer's key."""
    tbs = _leaf(ca_key, ca, key).tbs_certificate_bytes
    issuer_hash = hashlib.sha256(_spki(ca_key)).digest()
    millis = int((START + timedelta(seconds=1)).timestamp() * 1000)
    signed = (b"\x00\x00" + millis.to_bytes(8, "big") + b"\x00\x01" + issuer_hash
              + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00")
    sig = ct.sign(signed, ec.ECDSA(hashes.SHA256()))
    sct = (b"\x00" + hashlib.sha256(_spki(ct)).digest() + millis.to_bytes(8, "big")
           + b"\x00\x00" + b"\x04\x03" + len(sig).to_bytes(2, "big") + sig)
    listed = len(sct).to_bytes(2, "big") + sct
    return _leaf(ca_key, ca, key, x509.UnrecognizedExtension(
        _SCT_LIST, _der_octets(len(listed).to_bytes(2, "big") + listed)))


def _spki(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def _log(key: ec.EllipticCurvePrivateKey, url: str) -> dict[str, Any]:
    return {"baseUrl": url, "hashAlgorithm": "SHA2_256",
            "publicKey": {"rawBytes": base64.b64encode(_spki(key)).decode(),
                          "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                          "validFor": {"start": "2020-01-01T00:00:00Z"}},
            "logId": {"keyId": base64.b64encode(hashlib.sha256(_spki(key)).digest()).decode()}}


def _private_instance(ca_valid_from: datetime, *, sct: bool = True,
                      forged: bool = False) -> tuple[bytes, Callable[[int], bytes]]:
    """A trusted root (CA valid from `ca_valid_from`), and a maker of v0.1 bundles whose
    log entry the instance's log integrated at a given time. `forged`: the envelope's
    (and the logged) signature is another key's."""
    ca_key, signer, log, ct, other = (ec.generate_private_key(curve) for curve in (
        ec.SECP384R1(), ec.SECP256R1(), ec.SECP256R1(), ec.SECP256R1(), ec.SECP256R1()))
    ca = _ca(ca_key)
    cert = _with_sct(ca_key, ca, signer, ct) if sct else _leaf(ca_key, ca, signer)
    root = orjson.loads(trusted_root_with_log(log, "https://rekor.acme.test"))
    root["ctlogs"] = [_log(ct, "https://ctfe.acme.test")]
    root["certificateAuthorities"] = [{
        "subject": {"organization": "acme.test", "commonName": "acme-fulcio"},
        "uri": "https://fulcio.acme.test",
        "certChain": {"certificates": [{"rawBytes": base64.b64encode(
            ca.public_bytes(serialization.Encoding.DER)).decode()}]},
        "validFor": {"start": ca_valid_from.isoformat().replace("+00:00", "Z")}}]
    statement = orjson.dumps({"_type": "https://in-toto.io/Statement/v0.1", "subject": [
        {"name": "app", "digest": {"sha256": "ab" * 32}}],
        "predicateType": "https://example.com/test/v1", "predicate": {}})
    payload_type = "application/vnd.in-toto+json"
    sig = (other if forged else signer).sign(pae(payload_type, statement),
                                             ec.ECDSA(hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    body = base64.b64encode(orjson.dumps({"apiVersion": "0.0.2", "kind": "intoto", "spec": {
        "content": {"envelope": {"payloadType": payload_type, "signatures": [
            {"sig": base64.b64encode(base64.b64encode(sig)).decode(),
             "publicKey": base64.b64encode(pem).decode()}]},
            "payloadHash": {"algorithm": "sha256",
                            "value": hashlib.sha256(statement).hexdigest()}}}})).decode()
    log_id = hashlib.sha256(_spki(log)).digest()

    def bundle(integrated: int) -> bytes:
        canonical = orjson.dumps({"body": body, "integratedTime": integrated,
                                  "logID": log_id.hex(), "logIndex": 7},
                                 option=orjson.OPT_SORT_KEYS)
        promise = log.sign(canonical, ec.ECDSA(hashes.SHA256()))
        return orjson.dumps({
            "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
            "verificationMaterial": {
                "x509CertificateChain": {"certificates": [{"rawBytes": base64.b64encode(
                    cert.public_bytes(serialization.Encoding.DER)).decode()}]},
                "tlogEntries": [{
                    "logIndex": "7", "logId": {"keyId": base64.b64encode(log_id).decode()},
                    "kindVersion": {"kind": "intoto", "version": "0.0.2"},
                    "integratedTime": str(integrated),
                    "inclusionPromise": {
                        "signedEntryTimestamp": base64.b64encode(promise).decode()},
                    "canonicalizedBody": body}]},
            "dsseEnvelope": {"payload": base64.b64encode(statement).decode(),
                             "payloadType": payload_type,
                             "signatures": [{"sig": base64.b64encode(sig).decode(),
                                             "keyid": ""}]}})

    return orjson.dumps(root), bundle


def _ingest_private(store: GraphStore, root: bytes, raw: bytes) -> dict[str, Any]:
    TrustStore(store).add_root("acme", root, "acme-root.json")
    Linker(store).ingest(load(raw, "private.sigstore.json"), IngestOptions())
    [node] = store.find(NodeKind.ATTESTATION)
    return dict(node.props)


def test_a_certificate_expired_at_the_integrated_time_is_refused(tstore: GraphStore) -> None:
    root, bundle = _private_instance(START - timedelta(days=30))
    expired = int((START + timedelta(minutes=11)).timestamp())
    props = _ingest_private(tstore, root, bundle(expired))
    assert props["status"] == "invalid"
    assert props["reason"].startswith("invalid signing cert: not valid at the integrated "
                                      "time 2026-03-01T12:11:00+00:00"), props["reason"]


def test_a_ca_not_yet_valid_at_the_integrated_time_is_refused(tstore: GraphStore) -> None:
    root, bundle = _private_instance(START + timedelta(days=1))
    props = _ingest_private(tstore, root, bundle(int((START + timedelta(minutes=1))
                                                     .timestamp())))
    assert props["status"] == "invalid"
    assert "no Fulcio CA of the trusted root was valid at the integrated time" in \
        props["reason"], props["reason"]


def _in_window() -> int:
    return int((START + timedelta(minutes=1)).timestamp())


def test_a_private_instance_bundle_verifies_by_its_promise(tstore: GraphStore) -> None:
    root, bundle = _private_instance(START - timedelta(days=30))
    props = _ingest_private(tstore, root, bundle(_in_window()))
    assert props["status"] == "valid", props["reason"]
    assert props["root"] == "acme" and props["subject"] == WORKFLOW
    assert props["signed_at"] == "2026-03-01T12:01:00+00:00"


def test_a_certificate_without_an_sct_is_refused(tstore: GraphStore) -> None:
    """Fulcio's SCT is required, as it is for bundles the library verifies."""
    root, bundle = _private_instance(START - timedelta(days=30), sct=False)
    props = _ingest_private(tstore, root, bundle(_in_window()))
    assert props["status"] == "invalid"
    assert props["reason"].startswith("failed to verify SCT on signing certificate"), \
        props["reason"]


def test_a_signature_by_another_key_is_refused(tstore: GraphStore) -> None:
    """The log recorded the envelope as it is; its signature is still not the
    certificate's."""
    root, bundle = _private_instance(START - timedelta(days=30), forged=True)
    props = _ingest_private(tstore, root, bundle(_in_window()))
    assert props["status"] == "invalid"
    assert props["reason"] == ("the DSSE signature does not verify with the signing "
                               "certificate's key (acme trusted root)")


def test_a_bundle_of_an_instance_not_trusted_waits_for_its_root(tstore: GraphStore) -> None:
    """Unverified until the instance's root is trusted, then re-verified: valid."""
    root, bundle = _private_instance(START - timedelta(days=30))
    Linker(tstore).ingest(load(bundle(_in_window()), "private.sigstore.json"),
                          IngestOptions())
    [node] = tstore.find(NodeKind.ATTESTATION)
    assert node.props["status"] == "unverified", node.props["reason"]
    assert "does not chain to any trusted root" in node.props["reason"]
    trust = TrustStore(tstore)
    trust.add_root("acme", root, "acme-root.json")
    [changed] = reverify(tstore, trust)
    assert changed["status"] == "valid", changed["reason"]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


# Fields no check relies on: the DSSE key hint, and the CA certificates the bundle carries
# (the chain is built to the trusted root's own CA certificates).
_UNCHECKED = {("dsseEnvelope", "signatures", 0, "keyid"),
              ("verificationMaterial", "x509CertificateChain", "certificates", 1, "rawBytes"),
              ("verificationMaterial", "x509CertificateChain", "certificates", 2, "rawBytes")}


def test_every_field_of_a_promised_bundle_matters_or_is_ignored() -> None:
    """Each field replaced by junk, or by its own bytes with one bit flipped: an outcome,
    never an exception, and never `valid` unless the field is one no check relies on."""
    original = orjson.loads(BUNDLE.read_bytes())
    roots = {"production": embedded_production_root()}
    tried = 0
    for path in _leaves(original):
        value: Any = original
        for step in path:
            value = value[step]
        variants: list[Any] = [None, "", "x", -1, "99999999999999999999", {}, []]
        if isinstance(value, str) and len(value) > 8:
            try:
                raw = bytearray(base64.b64decode(value, validate=True))
                raw[len(raw) // 2] ^= 0x01
                variants.append(base64.b64encode(bytes(raw)).decode())
            except ValueError:
                variants.append(value[:-1] + ("A" if value[-1] != "A" else "B"))
        for variant in variants:
            bundle = orjson.loads(BUNDLE.read_bytes())
            parent: Any = bundle
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = variant
            item = EvidenceItem(mechanism="sigstore", kind="attestation", raw=b"",
                                bundle=orjson.dumps(bundle))
            outcome = verify_bundle(item, roots)
            tried += 1
            assert outcome.status in ("invalid", "unverified", "valid")
            assert outcome.status != "valid" or path in _UNCHECKED, (path, variant)
    assert tried > 100
