"""Runtime benchmarks: admission decisions over HTTPS, re-evaluation after one advisory,
and watch event processing.

    .venv/bin/python bench/bench_runtime.py [admission|reevaluate|watch ...] [--quick] [--runs N]

admission   `serve --tls-cert/--tls-key` on loopback, one keep-alive HTTPS client;
            cold = first review of each artifact (cache miss), warm = repeated reviews;
            baseline = GET /healthz on the same connection. Targets: p95 < 30 ms cold,
            < 5 ms warm.
reevaluate  N running artifacts (default 5,000), each signed and with an SBOM listing a
            shared package, then one critical advisory for that package: the time of the
            re-evaluation (every verdict flips); baseline = an advisory that matches
            nothing running. Target: < 1 s.
watch       10,000 Pod events (1,000 Deployments x 10 replicas, plus their ReplicaSets)
            through ClusterState and the store writes of changed workloads; baseline =
            the same events without the store. Target: < 5 s.
Every phase is bounded in count and time; medians of several runs where noted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from provenance_linker.demo.signing import dsse_envelope, generate_key, public_pem, slsa_provenance
from provenance_linker.documents import load
from provenance_linker.ingest.contract import IngestOptions
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.telemetry import logging as tlog
from provenance_linker.trust.trust_store import TrustStore

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).with_name("provenance-linker")
SHARED = "pkg:npm/shared-lib@1.0.0"


def digest(*parts: object) -> str:
    return "sha256:" + hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def populate(store: GraphStore, count: int, *, running: bool = True) -> list[str]:
    """`count` signed images with SBOMs (and, if `running`, one Deployment each)."""
    linker = Linker(store)
    key = generate_key()
    TrustStore(store).add_key(public_pem(key), "bench.pub", name="bench")
    digests = []
    for i in range(count):
        d = digest("bench-image", i)
        digests.append(d)
        purls = [SHARED, f"pkg:npm/own-{i}@1.0.{i}"]
        sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
                "metadata": {"timestamp": "2026-11-01T00:00:00Z", "component": {
                    "type": "container", "bom-ref": "root", "name": f"reg.bench/app{i}",
                    "version": "1", "hashes": [{"alg": "SHA-256", "content": d[7:]}]}},
                "components": [{"type": "library", "bom-ref": p, "name": p, "purl": p}
                               for p in purls],
                "dependencies": [{"ref": "root", "dependsOn": purls}]}
        linker.ingest(load(orjson.dumps(sbom), f"app{i}.cdx.json"), IngestOptions())
        statement = slsa_provenance([(f"reg.bench/app{i}", d)],
                                    builder_id="https://ci.bench.test/b",
                                    repository="https://git.bench.test/app", commit="a" * 40,
                                    ref="refs/heads/main", invocation_id=f"run-{i}")
        linker.ingest(load(dsse_envelope(key, statement), f"app{i}.dsse.json"),
                      IngestOptions())
    if running:
        items = [{"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": f"app{i}", "namespace": "shop-prod"},
                  "spec": {"replicas": 2, "template": {"spec": {"containers": [
                      {"name": "app", "image": f"reg.bench/app{i}@{d}"}]}}}}
                 for i, d in enumerate(digests)]
        linker.ingest(load(orjson.dumps({"apiVersion": "v1", "kind": "List",
                                         "items": items}), "cluster.json"), IngestOptions())
    return digests


def advisory(ident: str, package: str) -> bytes:
    return orjson.dumps({"id": ident, "modified": "2026-12-01T00:00:00Z",
                         "summary": "bench", "database_specific": {"severity": "CRITICAL"},
                         "affected": [{"package": {"ecosystem": "npm", "name": package},
                                       "versions": ["1.0.0"]}]})


def bench_reevaluate(args: argparse.Namespace) -> None:
    """Populate once; each run ingests the two advisories into a fresh copy of that graph
    (medians of `--runs`)."""
    import shutil

    from provenance_linker.runtime import reevaluate

    count = 500 if args.quick else args.artifacts
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/base.db")
        started = time.perf_counter()
        populate(store, count)
        setup = time.perf_counter() - started
        store.close()
        timings: dict[str, float] = {}
        original = reevaluate.reevaluate_running

        def timed(*a: Any, **kw: Any) -> Any:
            t0, c0 = time.perf_counter(), time.process_time()
            changes = original(*a, **kw)
            timings["last"] = time.perf_counter() - t0
            timings["cpu"] = time.process_time() - c0
            timings["changed"] = len(changes)
            return changes

        rows: list[tuple[float, float, float, float, float]] = []
        reevaluate.reevaluate_running = timed  # type: ignore[assignment]
        try:
            for run in range(runs):
                for suffix in ("", "-wal"):  # closed: the log is normally checkpointed
                    if os.path.exists(f"{tmp}/base.db{suffix}"):
                        shutil.copy(f"{tmp}/base.db{suffix}", f"{tmp}/run{run}.db{suffix}")
                store = open_store(f"sqlite:///{tmp}/run{run}.db")
                linker = Linker(store)
                t0 = time.perf_counter()
                linker.ingest(load(advisory("BENCH-NONE", "not-running"), "none.json"),
                              IngestOptions())
                baseline = time.perf_counter() - t0
                t0, c0 = time.perf_counter(), time.process_time()
                linker.ingest(load(advisory("BENCH-0001", "shared-lib"), "adv.json"),
                              IngestOptions())
                rows.append((baseline, time.perf_counter() - t0, time.process_time() - c0,
                             timings["last"], timings["cpu"]))
                store.close()
        finally:
            reevaluate.reevaluate_running = original  # type: ignore[assignment]
        med = [statistics.median(column) for column in zip(*rows, strict=True)]
        print(f"reevaluate: {count} running artifacts (setup {setup:.1f} s), "
              f"medians of {runs} runs")
        print(f"  advisory matching nothing running: ingest {med[0] * 1000:.1f} ms")
        print(f"  advisory for the shared package: ingest {med[1] * 1000:.1f} ms wall, "
              f"{med[2] * 1000:.1f} ms CPU, of which re-evaluation {med[3] * 1000:.1f} ms "
              f"wall, {med[4] * 1000:.1f} ms CPU, {timings['changed']} verdicts changed "
              f"(runs: {', '.join(f'{r[3] * 1000:.0f}' for r in rows)} ms wall)")


def bench_watch(args: argparse.Namespace) -> None:
    from provenance_linker.runtime.cluster_state import ClusterState
    from provenance_linker.runtime.recorder import Recorder

    deployments, replicas = (200, 10) if args.quick else (1000, 10)

    def events() -> list[tuple[str, str, dict[str, Any]]]:
        out: list[tuple[str, str, dict[str, Any]]] = [
            ("namespaces", "ADDED", {"metadata": {"name": "shop", "labels": {
                "provenance.dev/environment": "production"}}})]
        for i in range(deployments):
            name, rs = f"app{i}", f"app{i}-5d4f8b9c7"
            out.append(("deployments", "ADDED", {"metadata": {"name": name,
                                                              "namespace": "shop"},
                                                 "spec": {"replicas": replicas}}))
            out.append(("replicasets", "ADDED", {"metadata": {
                "name": rs, "namespace": "shop", "ownerReferences": [
                    {"kind": "Deployment", "name": name, "controller": True}]},
                "spec": {"replicas": replicas}}))
            d = digest("watch", i)
            for r in range(replicas):
                out.append(("pods", "ADDED", {
                    "metadata": {"name": f"{rs}-{r}", "namespace": "shop",
                                 "labels": {"pod-template-hash": "5d4f8b9c7"},
                                 "ownerReferences": [{"kind": "ReplicaSet", "name": rs,
                                                      "controller": True}]},
                    "spec": {"containers": [{"name": "app", "image": f"reg.bench/app{i}:1"}]},
                    "status": {"phase": "Running", "containerStatuses": [{
                        "name": "app", "imageID": f"reg.bench/app{i}@{d}"}]}}))
        return out

    stream = events()
    pods = sum(1 for r, _, _ in stream if r == "pods")

    def run(with_store: bool) -> tuple[float, int, float]:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(f"sqlite:///{tmp}/bench.db")
            state = ClusterState("bench")
            recorder = Recorder(store, state)
            t0, c0 = time.perf_counter(), time.process_time()
            dirty: set[Any] = set()
            for n, (resource, type_, obj) in enumerate(stream, 1):
                dirty |= state.apply(resource, type_, obj)
                if with_store and n % 500 == 0:  # the watch loop flushes every 0.2 s
                    recorder.flush(dirty)
                    dirty = set()
            if with_store:
                recorder.flush(dirty)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
            store.close()
            return elapsed, recorder.writes, cpu

    runs = 3
    base = statistics.median(run(False)[0] for _ in range(runs))
    results = [run(True) for _ in range(runs)]
    full = statistics.median(r[0] for r in results)
    cpu = statistics.median(r[2] for r in results)
    print(f"watch: {len(stream)} events ({pods} pod events, {deployments} deployments), "
          f"median of {runs}")
    print(f"  state only: {base * 1000:.0f} ms; with store writes: {full * 1000:.0f} ms "
          f"wall, {cpu * 1000:.0f} ms CPU ({results[0][1]} workload writes), "
          f"ratio {full / base:.1f}x")


def bench_admission(args: argparse.Namespace) -> None:
    count = 100 if args.quick else 300
    server_cpu: dict[str, float] = {}
    warm_runs = 300 if args.quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        store = open_store(db_url)
        digests = populate(store, count, running=False)
        store.close()
        subprocess.run([str(ROOT / "scripts" / "webhook-cert.sh"), f"{tmp}/certs",
                        "127.0.0.1"], check=True, capture_output=True, timeout=60)
        port = 18000 + os.getpid() % 1000
        env = {**os.environ, "PROVENANCE_DB": db_url, "PROVENANCE_LOG_LEVEL": "WARNING",
               "PROVENANCE_NAMESPACE_ENVIRONMENTS": "shop=production"}
        proc = subprocess.Popen([str(BIN), "serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--tls-cert", f"{tmp}/certs/tls.crt",
                                 "--tls-key", f"{tmp}/certs/tls.key"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            context = ssl.create_default_context(cafile=f"{tmp}/certs/ca.crt")
            with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=context,
                              timeout=10) as client:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)

                def review(d: str, i: int) -> bytes:
                    return orjson.dumps({
                        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                        "request": {"uid": f"u{i}", "kind": {"kind": "Pod"},
                                    "namespace": "shop", "operation": "CREATE",
                                    "object": {"metadata": {"name": "p"}, "spec": {
                                        "containers": [{"name": "a",
                                                        "image": f"reg.bench/a@{d}"}]}}}})

                def timed(body: bytes) -> float:
                    t0 = time.perf_counter()
                    r = client.post("/v1/admission", content=body)
                    elapsed = (time.perf_counter() - t0) * 1000
                    assert r.status_code == 200 and r.json()["response"]["allowed"], r.text
                    return elapsed

                def cpu_ms() -> float:
                    fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1]
                    utime, stime = fields.split()[11:13]
                    return (int(utime) + int(stime)) * 1000 / os.sysconf("SC_CLK_TCK")

                health = []
                for _ in range(warm_runs):
                    t0 = time.perf_counter()
                    client.get("/healthz")
                    health.append((time.perf_counter() - t0) * 1000)
                c0 = cpu_ms()
                cold = [timed(review(d, i)) for i, d in enumerate(digests)]
                c1 = cpu_ms()
                warm = [timed(review(digests[i % count], i)) for i in range(warm_runs)]
                c2 = cpu_ms()
                server_cpu = {"cold (cache miss)": (c1 - c0) / count,
                              "warm (cached)": (c2 - c1) / warm_runs}
        finally:
            proc.terminate()
            proc.wait(15)
    print(f"admission over HTTPS (keep-alive, loopback), {count} artifacts")
    for label, values in (("GET /healthz baseline", health), ("cold (cache miss)", cold),
                          ("warm (cached)", warm)):
        cpu = f", server CPU {server_cpu[label]:.2f} ms/review" if label in server_cpu else ""
        print(f"  {label}: n={len(values)} median {statistics.median(values):.2f} ms, "
              f"p95 {p95(values):.2f} ms, max {max(values):.2f} ms{cpu}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("parts", nargs="*", default=["admission", "reevaluate", "watch"])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--artifacts", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5, help="reevaluate: advisory ingests")
    args = parser.parse_args()
    tlog.configure(level="ERROR")
    for part in args.parts:
        {"admission": bench_admission, "reevaluate": bench_reevaluate,
         "watch": bench_watch}[part](args)


if __name__ == "__main__":
    main()
