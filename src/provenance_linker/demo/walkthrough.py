"""What `provenance-linker demo` does, as values: write the sample documents, ingest
them, sign one image, and hand back what happened; the CLI adapter only prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..documents import Limits, load
from ..graph.refs import ArtifactRef
from ..ingest.contract import IngestOptions
from ..ingest.orchestrator import IngestReport, Linker
from ..store.interface import GraphStore
from ..trust import changes
from ..trust.environment_policies import PolicyChoice, from_file
from ..trust.trust_store import TrustStore
from .samples import GeneratedSbom, demo_advisories, demo_cluster, demo_images, demo_provenance
from .signing import cosign_signature_line, dsse_envelope, generate_key, public_pem

ACTOR = "demo"
DEMO_POLICY = """\
# Demo policy: signed by a trusted key, built by our CI from main, with an SBOM.
all-of:
  - signed-by: {}
  - provenance:
      builders: ['https://ci\\.acme\\.test/builders/.*']
      refs: ['refs/heads/main']
  - sbom-present: {}
"""


@dataclass(frozen=True, slots=True)
class Ingested:
    path: Path
    report: IngestReport


def _write_and_ingest(linker: Linker, path: Path, data: bytes,
                      options: IngestOptions | None = None) -> Ingested:
    path.write_bytes(data)
    return Ingested(path, linker.ingest(load(data, str(path), Limits()),
                                        options or IngestOptions()))


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def ingest_images(store: GraphStore, out: Path) -> tuple[list[GeneratedSbom], list[Ingested]]:
    """The sample image SBOMs, written to `out` and ingested."""
    linker = Linker(store)
    images = demo_images()
    out.mkdir(parents=True, exist_ok=True)
    done = [_write_and_ingest(linker,
                              out / f"{image.name.rsplit('/', 1)[-1].replace(':', '_')}.cdx.json",
                              _json(image.document)) for image in images]
    return images, done


@dataclass(frozen=True, slots=True)
class VulnerabilityData:
    advisories: list[Ingested]
    cluster: Ingested
    malicious_id: str


def ingest_vulnerability_data(store: GraphStore, images: list[GeneratedSbom], out: Path
                              ) -> VulnerabilityData:
    """Sample advisories (one malicious package) and a production cluster snapshot."""
    linker = Linker(store)
    records = demo_advisories(images)
    advisories = [_write_and_ingest(linker, out / f"{r['id']}.osv.json", _json(r))
                  for r in records]
    cluster = _write_and_ingest(linker, out / "cluster-production.k8s.json",
                                _json(demo_cluster(images)))
    malicious_id = next(r["id"] for r in records if r["id"].startswith("MAL-"))
    return VulnerabilityData(advisories, cluster, malicious_id)


@dataclass(frozen=True, slots=True)
class SignedDemo:
    key: dict[str, Any]  # the trusted key's record
    public_key: Path
    ref: ArtifactRef  # the signed image
    evidence: list[Ingested]  # its signature and its provenance
    policy_path: Path
    policy: PolicyChoice
    references: list[str]  # the signed image and an unsigned one, to verify


def sign_and_ingest(store: GraphStore, images: list[GeneratedSbom], out: Path) -> SignedDemo:
    """A key generated now signs one image (cosign-style signature + DSSE SLSA
    provenance); the key is trusted, the evidence ingested, the demo policy written."""
    _, api, web = images
    key = generate_key("ecdsa-p256")  # private key lives only in this process
    pub = out / "demo-release.pub"
    pub.write_bytes(public_pem(key))
    value, _ = changes.add_key(TrustStore(store), pub.read_bytes(), str(pub), actor=ACTOR,
                               name="demo-release")
    ref = ArtifactRef(api.name.rsplit(":", 1)[0], api.digest)
    linker = Linker(store)
    evidence = [
        _write_and_ingest(linker, out / "payments-api.sig.jsonl",
                          cosign_signature_line(key, api.name, api.digest) + b"\n",
                          IngestOptions(artifact=ref)),
        _write_and_ingest(linker, out / "payments-api.provenance.dsse.json",
                          dsse_envelope(key, demo_provenance(api))),
    ]
    policy_path = out / "demo-policy.yaml"
    policy_path.write_text(DEMO_POLICY)
    return SignedDemo(value, pub, ref, evidence, policy_path,
                      from_file(DEMO_POLICY, str(policy_path)),
                      [f"{i.name.rsplit(':', 1)[0]}@{i.digest}" for i in (api, web)])
