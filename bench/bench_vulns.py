"""Vulnerability benchmark: bulk matching and blast radius.

    .venv/bin/python bench/bench_vulns.py [--quick] [--advisories N] [--occurrences N]
                                          [--artifacts N] [--packages N]

1. Matching: N synthetic OSV advisories (mixed ecosystems, ECOSYSTEM/SEMVER ranges and
   explicit version lists) compiled into the in-memory `AdvisoryIndex`, then M package
   occurrences matched against it. Target: 1,000,000 occurrences × 200,000 advisories
   < 60 s.
2. Blast radius: a SQLite graph of A artifacts × P packages (shared package pool, one
   vulnerable base image used by 10% of apps, the vulnerable package directly in ~1%),
   one deployment per artifact in production; the median of 20 `blast_radius` calls.
   Target (5,000 × 500): < 100 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from typing import Any

import orjson

from provenance_linker.documents import load
from provenance_linker.formats import ParseOptions
from provenance_linker.formats.osv import record_from_object
from provenance_linker.linker import IngestOptions, Linker
from provenance_linker.model import NodeKind, NodeRef
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.vulns.matcher import AdvisoryIndex

ECOSYSTEMS = [("npm", "SEMVER"), ("PyPI", "ECOSYSTEM"), ("Maven", "ECOSYSTEM"),
              ("Go", "SEMVER"), ("crates.io", "SEMVER"), ("RubyGems", "ECOSYSTEM"),
              ("NuGet", "ECOSYSTEM")]


def _name(eco: str, i: int) -> str:
    if eco == "Maven":
        return f"com.example{i % 97}:lib-{i}"
    if eco == "Go":
        return f"github.com/example{i % 89}/mod-{i}"
    return f"pkg-{i}"


def synthetic_advisories(count: int, names: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for n in range(count):
        i = rng.randrange(names)
        eco, rtype = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        major = rng.randint(0, 5)
        affected: dict[str, Any] = {"package": {"ecosystem": eco, "name": _name(eco, i)}}
        if n % 10 == 0:
            affected["versions"] = [f"{major}.{m}.0" for m in range(rng.randint(1, 8))]
        else:
            affected["ranges"] = [{"type": rtype, "events": [
                {"introduced": f"{major}.0.0"}, {"fixed": f"{major}.{rng.randint(1, 9)}.0"}]}]
        out.append({"id": f"BENCH-{n}", "modified": "2026-01-01T00:00:00Z",
                    "affected": [affected]})
    return out


def bench_matching(advisories: int, occurrences: int) -> dict[str, float]:
    rng = random.Random(7)
    names = max(1000, advisories // 2)
    raw = synthetic_advisories(advisories, names, rng)
    start = time.perf_counter()
    index = AdvisoryIndex()
    options = ParseOptions()
    for obj in raw:
        index.add(record_from_object(obj, "bench", options))
    built = time.perf_counter() - start
    # Occurrences: a pool of distinct package versions, each seen several times.
    pool = []
    for _ in range(max(1, occurrences // 10)):
        i = rng.randrange(names * 2)  # half the names have no advisory
        eco, _ = ECOSYSTEMS[i % len(ECOSYSTEMS)]
        pool.append((eco, _name(eco, i), f"{rng.randint(0, 5)}.{rng.randint(0, 9)}.0"))
    start = time.perf_counter()
    hits = 0
    for n in range(occurrences):
        eco, name, version = pool[n % len(pool)]
        hits += len(index.match(eco, name, version))
    matched = time.perf_counter() - start
    return {"index_s": built, "match_s": matched, "hits": hits}


def _sbom(name: str, digest: str, purls: list[str], rng: random.Random,
          base: tuple[str, str] | None) -> bytes:
    comps = [{"type": "library", "bom-ref": p, "name": p, "purl": p} for p in purls]
    if base is not None:
        comps.append({"type": "container", "bom-ref": base[0], "name": "base",
                      "purl": base[0], "hashes": [{"alg": "SHA-256", "content": base[1][7:]}]})
    refs = [c["bom-ref"] for c in comps]
    deps = [{"ref": "root", "dependsOn": refs[:10] + ([refs[-1]] if base else [])}]
    for i, ref in enumerate(refs):
        later = refs[i + 1:]
        deps.append({"ref": ref, "dependsOn": sorted(set(rng.sample(later, min(2, len(later)))))
                     if later and rng.random() < 0.6 else []})
    repo, _, tag = name.rpartition(":")
    return orjson.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"timestamp": "2026-11-01T00:00:00Z", "component": {
            "type": "container", "bom-ref": "root", "name": repo, "version": tag,
            "hashes": [{"alg": "SHA-256", "content": digest[7:]}]}},
        "components": comps, "dependencies": deps})


def bench_blast_radius(artifacts: int, packages: int, db: str) -> dict[str, float]:
    rng = random.Random(11)
    store = open_store(f"sqlite:///{db}")
    start = time.perf_counter()
    if store.get(NodeRef(NodeKind.VULNERABILITY, "BENCH-BLAST-1")) is None:
        _build_graph(store, artifacts, packages, rng)
    built = time.perf_counter() - start
    times = []
    result: dict[str, Any] = {}
    for _ in range(20):
        t = time.perf_counter()
        result = blast_radius(store, "BENCH-BLAST-1", "production")
        times.append(time.perf_counter() - t)
    store.close()
    return {"build_s": built, "median_ms": statistics.median(times) * 1000,
            "max_ms": max(times) * 1000, "artifacts": result["summary"]["artifacts"],
            "deployments": result["summary"]["deployments"]}


def _build_graph(store: GraphStore, artifacts: int, packages: int,
                 rng: random.Random) -> None:
    linker = Linker(store)
    pool = [f"pkg:npm/pool-{i}@1.{i % 7}.0" for i in range(max(packages * 10, 5000))]
    vulnerable = "pkg:npm/vulnerable-lib@1.2.3"
    bases = []
    for b in range(20):
        digest = "sha256:" + f"{b:064x}"
        purls = rng.sample(pool, packages - 1) + ([vulnerable] if b == 0 else [])
        linker.ingest(load(_sbom(f"reg.test/base-{b}:1", digest, purls, rng, None),
                           f"base-{b}"), IngestOptions())
        bases.append((f"pkg:oci/base-{b}@{digest.replace(':', '%3A')}", digest))
    items = []
    for a in range(artifacts):
        digest = "sha256:" + f"{a + 1_000_000:064x}"
        purls = rng.sample(pool, packages - 1)
        if a % 100 == 0:
            purls.append(vulnerable)
        base = bases[0] if a % 10 == 0 else bases[1 + a % 19]
        linker.ingest(load(_sbom(f"reg.test/app-{a}:1", digest, purls, rng, base), f"app-{a}"),
                      IngestOptions())
        items.append({"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": f"app-{a}", "namespace": "shop",
                                   "labels": {"environment": "production"}},
                      "spec": {"template": {"spec": {"containers": [
                          {"name": "app", "image": f"reg.test/app-{a}@{digest}"}]}}}})
    linker.ingest(load(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
                       "cluster.json"), IngestOptions())
    advisory = {"id": "BENCH-BLAST-1", "modified": "2026-01-01T00:00:00Z",
                "affected": [{"package": {"ecosystem": "npm", "name": "vulnerable-lib"},
                              "ranges": [{"type": "SEMVER", "events": [
                                  {"introduced": "0"}, {"fixed": "1.2.4"}]}]}]}
    linker.ingest(load(orjson.dumps(advisory), "advisory.json"), IngestOptions())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="reduced scale (a smoke run)")
    parser.add_argument("--advisories", type=int)
    parser.add_argument("--occurrences", type=int)
    parser.add_argument("--artifacts", type=int)
    parser.add_argument("--packages", type=int)
    parser.add_argument("--db", help="keep the blast-radius graph in this SQLite file and "
                        "reuse it when it exists (building 5,000 x 500 takes minutes)")
    parser.add_argument("--skip-matching", action="store_true")
    args = parser.parse_args(argv)
    advisories = args.advisories or (20_000 if args.quick else 200_000)
    occurrences = args.occurrences or (100_000 if args.quick else 1_000_000)
    artifacts = args.artifacts or (300 if args.quick else 5_000)
    packages = args.packages or (200 if args.quick else 500)
    if not args.skip_matching:
        m = bench_matching(advisories, occurrences)
        print(f"matching: {occurrences:,} occurrences x {advisories:,} advisories: index "
              f"{m['index_s']:.1f} s, match {m['match_s']:.1f} s, total "
              f"{m['index_s'] + m['match_s']:.1f} s ({int(m['hits']):,} hits; target < 60 s "
              "at 1,000,000 x 200,000)")
    if args.db:
        b = bench_blast_radius(artifacts, packages, args.db)
    else:
        with tempfile.TemporaryDirectory() as folder:
            b = bench_blast_radius(artifacts, packages, f"{folder}/blast.db")
    print(f"blast radius: {artifacts:,} artifacts x {packages} packages (graph built or "
          f"opened in {b['build_s']:.0f} s): median {b['median_ms']:.1f} ms, "
          f"max {b['max_ms']:.1f} ms; "
          f"{int(b['artifacts'])} artifacts, {int(b['deployments'])} deployments reached "
          "(target < 100 ms at 5,000 x 500)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
