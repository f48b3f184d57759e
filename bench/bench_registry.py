"""Benchmark `ingest image`: fetch, verify and ingest N images with 3 pieces of evidence
each (a cosign signature, a DSSE SLSA attestation, an attached CycloneDX SBOM) from the
CNCF distribution registry on loopback; then the same command again with nothing changed
(only tag and referrer look-ups: manifests and blobs come from the digest cache, the
documents are already in the graph). Baseline in the same run: ingesting the same 3·N
documents from files.

Evidence is pushed in cosign's layout by this script (signed with a local key, like the
other benchmarks), so set-up does not spend minutes in 3·N cosign processes; the tests
use real cosign.

Targets: cold < 10 s and re-fetch < 2 s for 100 images (whole process, medians).

    .venv/bin/python bench/bench_registry.py [--images 100] [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.oci import start_distribution

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.demo.signing import (
    cosign_signature_line,
    dsse_envelope,
    generate_key,
    public_pem,
    slsa_provenance,
)

BIN = Path(sys.executable).with_name("provenance-linker")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_CONFIG = b"{}"


class Pusher:
    def __init__(self, host: str) -> None:
        self.base = f"http://{host}"
        self.http = httpx.Client(timeout=30)

    def blob(self, repo: str, data: bytes) -> dict[str, Any]:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        start = self.http.post(f"{self.base}/v2/{repo}/blobs/uploads/")
        location = start.headers["location"]
        url = location if location.startswith("http") else self.base + location
        sep = "&" if "?" in url else "?"
        done = self.http.put(f"{url}{sep}digest={digest}", content=data,
                             headers={"Content-Type": "application/octet-stream"})
        done.raise_for_status()
        return {"digest": digest, "size": len(data)}

    def manifest(self, repo: str, ref: str, layers: list[dict[str, Any]],
                 config_type: str = "application/vnd.oci.image.config.v1+json") -> str:
        config = self.blob(repo, EMPTY_CONFIG)
        body = orjson.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                             "config": {"mediaType": config_type, **config},
                             "layers": layers})
        reply = self.http.put(f"{self.base}/v2/{repo}/manifests/{ref}", content=body,
                              headers={"Content-Type": OCI_MANIFEST})
        reply.raise_for_status()
        return "sha256:" + hashlib.sha256(body).hexdigest()


def setup(host: str, count: int, work: Path) -> tuple[list[str], Path]:
    key = generate_key()
    (work / "release.pub").write_bytes(public_pem(key))
    push = Pusher(host)
    files = work / "files"
    files.mkdir()
    refs = []
    for number in range(count):
        repo, tag = f"bench/app{number:03d}", "1.0"
        layer = push.blob(repo, f"application layer {number}".encode())
        digest = push.manifest(repo, tag, [{"mediaType":
                                            "application/vnd.oci.image.layer.v1.tar", **layer}])
        name = f"{host}/{repo}"
        refs.append(f"{name}:{tag}")
        hexd = digest.removeprefix("sha256:")
        line = orjson.loads(cosign_signature_line(key, name, digest))
        payload = base64.b64decode(line["Payload"])
        sig_layer = {"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                     **push.blob(repo, payload),
                     "annotations": {"dev.cosignproject.cosign/signature":
                                     line["Base64Signature"]}}
        push.manifest(repo, f"sha256-{hexd}.sig", [sig_layer])
        (files / f"{number}.sig.json").write_bytes(orjson.dumps(
            {**line, "RFC3161Timestamp": None}))
        statement = slsa_provenance([(name, digest)], builder_id="https://ci.bench.test/b",
                                    repository=f"https://git.bench.test/{repo}",
                                    commit=f"{number:040x}", ref="refs/heads/main",
                                    invocation_id=f"bench-{number}")
        envelope = dsse_envelope(key, statement)
        push.manifest(repo, f"sha256-{hexd}.att", [{
            "mediaType": "application/vnd.dsse.envelope.v1+json", **push.blob(repo, envelope),
            "annotations": {"predicateType": "https://slsa.dev/provenance/v1"}}])
        (files / f"{number}.att.json").write_bytes(envelope)
        sbom = cyclonedx_sbom(f"{name}:{tag}", 30, seed=number).document
        sbom["metadata"]["component"]["hashes"] = [{"alg": "SHA-256", "content": hexd}]
        sbom_bytes = json.dumps(sbom).encode()
        push.manifest(repo, f"sha256-{hexd}.sbom", [{
            "mediaType": "application/vnd.cyclonedx+json", **push.blob(repo, sbom_bytes)}])
        (files / f"{number}.cdx.json").write_bytes(sbom_bytes)
    return refs, files


CPU: list[float] = []  # user+sys seconds of each timed process, in order


def timed(args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed: {done.stdout[-1500:]}"
                         f"{done.stderr[-1500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20 images, 1 run")
    args = parser.parse_args()
    count, runs = (20, 1) if args.quick else (args.images, args.runs)
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        work = Path(tmp)
        registry = start_distribution(work / "registry")
        try:
            started = time.perf_counter()
            refs, files = setup(registry.host, count, work)
            print(f"set-up: {count} images, {3 * count} pieces of evidence pushed in "
                  f"{time.perf_counter() - started:.1f} s")
            cold, warm, baseline = [], [], []
            cpu_cold: list[float] = []
            cpu_warm: list[float] = []
            for run in range(runs):
                env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")}
                env.update({"PROVENANCE_DB": f"sqlite:///{work}/run{run}.db",
                            "PROVENANCE_REGISTRY_CACHE": str(work / f"cache{run}")})
                timed(["keys", "add", str(work / "release.pub"), "--name", "bench"], env)
                fetch = ["ingest", "image", *refs, "--insecure-registry", registry.host,
                         "--output", "json"]
                cold.append(timed(fetch, env))
                cpu_cold.append(CPU[-1])
                warm.append(timed(fetch, env))
                cpu_warm.append(CPU[-1])
                env["PROVENANCE_DB"] = f"sqlite:///{work}/files{run}.db"
                timed(["keys", "add", str(work / "release.pub"), "--name", "bench"], env)
                evidence = sorted(str(p) for p in files.glob("*.s*.json")) + sorted(
                    str(p) for p in files.glob("*.att.json"))
                sboms = sorted(str(p) for p in files.glob("*.cdx.json"))
                baseline.append(timed(["ingest", "attestation", *evidence], env)
                                + timed(["ingest", "sbom", *sboms], env))
        finally:
            registry.stop()
    cold_m, warm_m, base_m = (statistics.median(v) for v in (cold, warm, baseline))
    print(f"ingest image, {count} images x 3 evidence, cold: median {cold_m:.2f} s "
          f"(runs {', '.join(f'{v:.2f}' for v in cold)}) target < 10 s")
    print(f"ingest image again, nothing changed: median {warm_m:.2f} s "
          f"(runs {', '.join(f'{v:.2f}' for v in warm)}) target < 2 s")
    print(f"CPU (user+sys) of the process: cold median {statistics.median(cpu_cold):.2f} s, "
          f"re-fetch median {statistics.median(cpu_warm):.2f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"baseline, the same {3 * count} documents from files: median {base_m:.2f} s; "
          f"cold/baseline {cold_m / base_m:.2f}x, re-fetch/baseline {warm_m / base_m:.2f}x")


if __name__ == "__main__":
    main()
