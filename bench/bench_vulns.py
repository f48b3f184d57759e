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

from blast_graph import build_blast_graph

from provenance_linker.formats import ParseOptions
from provenance_linker.formats.osv import record_from_object
from provenance_linker.model import NodeKind, NodeRef
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.store import open_store
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


def bench_blast_radius(artifacts: int, packages: int, db: str) -> dict[str, float]:
    rng = random.Random(11)
    store = open_store(f"sqlite:///{db}")
    start = time.perf_counter()
    if store.get(NodeRef(NodeKind.VULNERABILITY, "BENCH-BLAST-1")) is None:
        build_blast_graph(store, artifacts, packages, "BENCH-BLAST-1", rng)
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
