"""SQLite and Neo4j side by side: SBOM ingest and blast-radius-style queries.

    .venv/bin/python bench/bench_neo4j.py [--quick] [--neo4j URL] [--components N]
                                          [--artifacts N] [--packages N]

Without --neo4j the benchmark starts the test Neo4j (tests/neo4j/Launcher.java, Java 17;
`tests/neo4j/fetch.sh` first) with a 2 GB heap and a 3 GB page cache (the 5,000 × 500
graph's store is 2.1 GB: a production server's page cache holds its store), and stops
it at the end.

1. Ingest: a CycloneDX SBOM of N components (the demo generator: every component has a
   hash, so the batch is N packages + N artifacts and ~4.5 N edges), parsed, built and
   applied in one transaction; median of 3 different SBOMs after 2 warm-up ones.
   Target (Neo4j, 10,000): < 3 s.
2. Queries on A artifacts × P packages (a shared package pool; 20 base images, one of
   them with the vulnerable package, under 10% of the apps; the vulnerable package
   directly in 1%; one production deployment per app): `blast_radius` of the advisory
   (queries/blast_radius.py: dependency paths from every affected SBOM's root, across
   base images, into deployments), and one app's whole dependency tree (`traverse` OUT
   over its SBOM's DEPENDS_ON edges, depth 64); medians of 20. Target (Neo4j,
   5,000 × 500): blast radius < 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blast_graph import build_blast_graph

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import Direction, EdgeKind, NodeKind, NodeRef
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

ADVISORY = "BENCH-NEO4J-1"


def median_ms(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def bench_ingest(store: GraphStore, components: int) -> dict[str, float]:
    docs = [load(orjson.dumps(cyclonedx_sbom(f"bench.test/app-{i}:1", components, seed=i)
                              .document), f"app-{i}.cdx.json") for i in range(5)]
    for doc in docs[:2]:  # warm-up: query plans, the server's JIT
        Linker(store).ingest(doc)
    times = []
    for doc in docs[2:]:
        started = time.perf_counter()
        Linker(store).ingest(doc)
        times.append(time.perf_counter() - started)
    return {"ingest_s": statistics.median(times), "max_s": max(times)}


def build_graph(store: GraphStore, artifacts: int, packages: int) -> float:
    """The blast-radius graph (same seed, so both backends hold the same content)."""
    started = time.perf_counter()
    build_blast_graph(store, artifacts, packages, ADVISORY)
    return time.perf_counter() - started


def bench_queries(store: GraphStore, repeat: int) -> dict[str, Any]:
    blast_ms, radius = median_ms(lambda: blast_radius(store, ADVISORY), repeat)
    # One app's whole dependency tree, scoped to its SBOM (what `trace` walks).
    sbom = store.edges([EdgeKind.DESCRIBES],
                       dst=[NodeRef(NodeKind.ARTIFACT, "sha256:" + f"{1_000_000:064x}")])[0].src
    walk_ms, steps = median_ms(lambda: store.traverse([sbom], [EdgeKind.DEPENDS_ON],
                                                      Direction.OUT, max_depth=64,
                                                      doc=sbom.key), repeat)
    return {"blast_radius_ms": blast_ms, "traverse_ms": walk_ms,
            "affected_artifacts": len(radius["artifacts"]), "traverse_steps": len(steps)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--neo4j", help="an existing Neo4j URL (its database is emptied!)")
    parser.add_argument("--components", type=int)
    parser.add_argument("--artifacts", type=int)
    parser.add_argument("--packages", type=int)
    args = parser.parse_args()
    components = args.components or (2_000 if args.quick else 10_000)
    artifacts = args.artifacts or (300 if args.quick else 5_000)
    packages = args.packages or (100 if args.quick else 500)
    repeat = 5 if args.quick else 20

    server = None
    url = args.neo4j
    if url is None:
        from tests.support.neo4j_server import Neo4jServer

        server = Neo4jServer(heap="2g", page_cache="3g")
        url = server.url
    results: dict[str, dict[str, Any]] = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            backends = {"sqlite": (f"sqlite:///{folder}/ingest.db",
                                   f"sqlite:///{folder}/graph.db"),
                        "neo4j": (url, url)}
            for name, (ingest_url, graph_url) in backends.items():
                row: dict[str, Any] = {}
                store = open_store(ingest_url)
                _empty(store, server)
                row.update(bench_ingest(store, components))
                store.close()
                store = open_store(graph_url)
                _empty(store, server)
                row["build_s"] = build_graph(store, artifacts, packages)
                row.update(bench_queries(store, repeat))
                store.close()
                results[name] = row
                print(f"{name}: {orjson.dumps(row).decode()}", flush=True)
    finally:
        if server is not None:
            server.shutdown()
    print(f"\ningest of a {components:,}-component SBOM; queries on {artifacts:,} artifacts "
          f"x {packages} packages")
    print("| backend | ingest (median) | graph build | blast_radius | traverse (steps) |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        print(f"| {name} | {row['ingest_s']:.2f} s | {row['build_s']:.0f} s | "
              f"{row['blast_radius_ms']:.0f} ms | {row['traverse_ms']:.0f} ms "
              f"({row['traverse_steps']}) |")
    return 0


def _empty(store: GraphStore, server: Any) -> None:
    """Start each Neo4j phase from an empty database (SQLite phases use new files)."""
    if getattr(store, "backend", "") == "neo4j":
        if server is not None:
            server.clean()
        else:
            from neo4j import GraphDatabase
            from tests.support.neo4j_server import CLEAN

            target = store.target  # type: ignore[attr-defined]
            with GraphDatabase.driver(target.uri, auth=target.auth) as driver, \
                    driver.session(database=target.database) as session:
                session.run(CLEAN).consume()


if __name__ == "__main__":
    sys.exit(main())
