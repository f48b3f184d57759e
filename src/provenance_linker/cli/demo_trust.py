"""The trust part of `provenance-linker demo`: a key generated now signs one image
(cosign-style signature + DSSE SLSA provenance); `verify` passes for it and fails for
an unsigned one."""

from __future__ import annotations

from pathlib import Path

from ..demo.samples import GeneratedSbom, demo_provenance
from ..demo.signing import cosign_signature_line, dsse_envelope, generate_key, public_pem
from ..documents import Limits
from ..graph.refs import ArtifactRef
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import Linker
from ..store.interface import GraphStore
from ..trust.environment_policies import from_file
from ..trust.trust_store import TrustStore
from ..trust.verifier import verify_artifact
from .files import read_document
from .output import console
from .verify import _render

DEMO_POLICY = """\
# Demo policy: signed by a trusted key, built by our CI from main, with an SBOM.
all-of:
  - signed-by: {}
  - provenance:
      builders: ['https://ci\\.acme\\.test/builders/.*']
      refs: ['refs/heads/main']
  - sbom-present: {}
"""


def demo_trust(store: GraphStore, images: list[GeneratedSbom], out: Path, db_url: str) -> None:
    console.rule("[bold]Signing and verification")
    _, api, web = images
    key = generate_key("ecdsa-p256")  # private key lives only in this process
    pub = out / "demo-release.pub"
    pub.write_bytes(public_pem(key))
    ref = ArtifactRef(api.name.rsplit(":", 1)[0], api.digest)
    sig = out / "payments-api.sig.jsonl"
    sig.write_bytes(cosign_signature_line(key, api.name, api.digest) + b"\n")
    prov = out / "payments-api.provenance.dsse.json"
    prov.write_bytes(dsse_envelope(key, demo_provenance(api)))
    trust = TrustStore(store)
    value = trust.add_key(pub.read_bytes(), str(pub), name="demo-release")
    console.print(f"generated key demo-release {value['id'][:16]}… ({value['algorithm']}), "
                  f"public key in {pub}", highlight=False)
    linker = Linker(store)
    for path, options in ((sig, IngestOptions(artifact=ref)), (prov, IngestOptions())):
        report = linker.ingest(read_document(path, Limits()), options)
        s = report.summary
        console.print(f"ingested {path} — {s['valid']} valid, {s['invalid']} invalid, "
                      f"{s['unverified']} unverified", highlight=False)
    policy_path = out / "demo-policy.yaml"
    policy_path.write_text(DEMO_POLICY)
    policy = from_file(DEMO_POLICY, str(policy_path))
    for image in (api, web):
        reference = f"{image.name.rsplit(':', 1)[0]}@{image.digest}"
        console.print()
        _render(verify_artifact(store, reference, policy=policy,
                                environment="production").as_dict())
    console.print(f"\nTry: provenance-linker --db {db_url} verify --artifact "
                  f"{ref} --policy {policy_path}", highlight=False)
