"""Benchmark `verify --artifact` in process: an artifact with 3 signatures, 1 SLSA
provenance and a 1,000-package SBOM. Target: under 50 ms per verification.

    .venv/bin/python bench/bench_verify.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import orjson

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.demo.signing import (
    cosign_signature_line,
    dsse_envelope,
    generate_key,
    public_pem,
    slsa_provenance,
)
from provenance_linker.documents import load
from provenance_linker.graph.refs import ArtifactRef
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store import open_store
from provenance_linker.telemetry import logging as tlog
from provenance_linker.trust.policy import load_policy
from provenance_linker.trust.trust_store import TrustStore
from provenance_linker.trust.verifier import verify_artifact

POLICY = """
all-of:
  - signed-by: {}
  - provenance: {builders: ['https://ci\\.bench\\.test/.*']}
  - sbom-present: {}
  - no-malicious-packages: {}
  - no-vulnerabilities: {at-or-above: high}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--packages", type=int, default=1000)
    args = parser.parse_args()
    tlog.configure(level="ERROR")
    runs = 30 if args.quick else 200
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        linker = Linker(store)
        image = cyclonedx_sbom("registry.bench.test/app:1.0", args.packages, seed=7)
        started = time.perf_counter()
        linker.ingest(load(orjson.dumps(image.document), "app.cdx.json"), IngestOptions())
        sbom_ms = (time.perf_counter() - started) * 1000
        trust = TrustStore(store)
        keys = [generate_key(kind) for kind in ("ecdsa-p256", "ed25519", "rsa")]
        for index, key in enumerate(keys):
            trust.add_key(public_pem(key), f"k{index}", name=f"signer-{index}")
        ref = ArtifactRef("registry.bench.test/app", image.digest)
        started = time.perf_counter()
        for index, key in enumerate(keys):
            line = cosign_signature_line(key, image.name, image.digest)
            linker.ingest(load(line, f"sig-{index}.jsonl"), IngestOptions(artifact=ref))
        statement = slsa_provenance([(image.name, image.digest)],
                                    builder_id="https://ci.bench.test/builder@v1",
                                    repository="https://git.bench.test/app", commit="b" * 40,
                                    ref="refs/heads/main", invocation_id="bench-1")
        linker.ingest(load(dsse_envelope(keys[0], statement), "prov.dsse.json"),
                      IngestOptions())
        evidence_ms = (time.perf_counter() - started) * 1000
        policy = load_policy(POLICY)
        reference = f"registry.bench.test/app@{image.digest}"
        report = verify_artifact(store, reference, policy=policy)
        assert report.result == "success", report.as_dict()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            verify_artifact(store, reference, policy=policy)
            times.append((time.perf_counter() - started) * 1000)
        store.close()
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"packages={args.packages} signatures=3 provenance=1 runs={runs}")
    print(f"ingest sbom: {sbom_ms:.1f} ms; ingest+verify 4 signed items: {evidence_ms:.1f} ms")
    print(f"verify --artifact (in process): median {statistics.median(times):.2f} ms, "
          f"p95 {p95:.2f} ms, max {times[-1]:.2f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
