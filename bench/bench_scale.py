"""Flat as the store grows: one store grown toward 100,000 SBOMs and 20 million
package occurrences, measured at each decade.

    .venv/bin/python bench/bench_scale.py [--quick | --full] [--backends sqlite,neo4j]
                                          [--decades 1000,10000,100000] [--budget MIN]
                                          [--report docs/benchmarks.md] [--json FILE]

Growth: generated CycloneDX SBOMs of 200 components on average (50–350), each drawn
from a universe of package versions by a Zipf law (s = 1.1: a few packages are in
nearly every SBOM, most in a handful), ingested in process through the real ingest
path (`documents.load` → `Linker.ingest`: parse, validation, linking, matching, the
ledger, one transaction per SBOM). The first 5,000 SBOMs also carry one widespread
package that an advisory (ingested first) names, so from 5,000 SBOMs on its blast
radius reaches 5,000 artifacts.

At each decade (1k, 10k, 100k SBOMs; `--quick`: 100 and 1k) it records:
- whole process: `ingest sbom` of one new 500-component SBOM and `verify --artifact`
  (medians of 3, start-up included; peak RSS of the process);
- in process: `blast_radius` of the widespread advisory, `search` of a purl and
  `trace` of an artifact (medians of 5);
- disk bytes per package occurrence (database + WAL after a checkpoint), and the
  growing process's peak RSS.

Growth stops at the budget (`--budget` minutes per backend, default 40; `--full` has
none) and the last point is measured where growth stopped, so a run says exactly how
far it got. `--full` grows SQLite to 100,000 SBOMs (20 M occurrences); Neo4j (the test
server, tests/neo4j) is grown as far as its own budget allows.
Targets: ingest and verify at 100k within 1.5× of 1k; blast radius reaching 5,000
artifacts < 100 ms (SQLite) / < 150 ms (Neo4j); disk < 150 bytes per occurrence (SQLite).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchdoc

from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.queries.search import search
from provenance_linker.queries.trace import trace
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / ".venv" / "bin" / "provenance-linker"
ADVISORY = "BENCH-SCALE-WIDE-1"
WIDESPREAD = "pkg:npm/widespread-lib@1.2.3"
WIDESPREAD_SBOMS = 5_000
KINDS = ["npm", "pypi", "maven", "golang", "npm", "pypi", "gem", "cargo"]


class Universe:
    """Package versions drawn by a Zipf law over their rank."""

    def __init__(self, size: int, s: float = 1.1) -> None:
        self.size = size
        total, cum = 0.0, []
        for rank in range(1, size + 1):
            total += rank ** -s
            cum.append(total)
        self.cum, self.total = cum, total

    def purl(self, j: int) -> str:
        kind = KINDS[j % len(KINDS)]
        version = f"{1 + j % 4}.{j % 17}.{j % 9}"
        if kind == "maven":
            return f"pkg:maven/org.scale{j % 300}/lib-{j}@{version}"
        if kind == "golang":
            return f"pkg:golang/github.com/scale{j % 300}/mod-{j}@v{version}"
        return f"pkg:{kind}/scale-pkg-{j}@{version}"

    def sample(self, rng: random.Random, count: int) -> list[str]:
        picked: dict[int, None] = {}
        while len(picked) < count:
            for _ in range(count - len(picked) + 8):
                picked[bisect_left(self.cum, rng.random() * self.total)] = None
        return [self.purl(j) for j in itertools.islice(picked, count)]


def sbom(index: int, purls: list[str], rng: random.Random) -> tuple[bytes, str, str]:
    """A CycloneDX 1.5 SBOM for artifact `scale.test/app-<index>`; (bytes, name, digest)."""
    digest = hashlib.sha256(f"scale/{index}".encode()).hexdigest()
    comps = [{"type": "library", "bom-ref": p, "name": p.rsplit("/", 1)[-1].split("@")[0],
              "version": p.rsplit("@", 1)[1], "purl": p} for p in purls]
    deps = [{"ref": "root", "dependsOn": purls[:8]}]
    for n, p in enumerate(purls):
        later = purls[n + 1:]
        if later and rng.random() < 0.5:
            deps.append({"ref": p, "dependsOn": sorted(set(rng.sample(later,
                                                                     min(2, len(later)))))})
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "metadata": {"timestamp": "2026-11-01T00:00:00Z", "component": {
               "type": "container", "bom-ref": "root", "name": f"scale.test/app-{index}",
               "version": "1", "hashes": [{"alg": "SHA-256", "content": digest}]}},
           "components": comps, "dependencies": deps}
    return orjson.dumps(doc), f"scale.test/app-{index}:1", "sha256:" + digest


def advisory() -> bytes:
    return orjson.dumps({
        "id": ADVISORY, "modified": "2026-01-01T00:00:00Z", "summary": "widespread flaw",
        "affected": [{"package": {"ecosystem": "npm", "name": "widespread-lib"},
                      "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                               {"fixed": "1.2.4"}]}]}]})


def whole(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)
          ) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of one whole process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in ok:
        err = proc.stderr.read().decode(errors="replace")[-1500:] if proc.stderr else ""
        raise RuntimeError(f"{' '.join(cmd[1:4])} exited {code}: {err}")
    if proc.stderr:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def median_ms(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median wall ms, median CPU ms of this process, the last result)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu), result


class Grower:
    def __init__(self, url: str, folder: Path, seed: int = 5,
                 data_dir: Path | None = None) -> None:
        self.url, self.folder, self.data_dir = url, folder, data_dir
        self.store: GraphStore = open_store(url)
        self.linker = Linker(self.store)
        self.rng = random.Random(seed)
        self.universe = Universe(400_000)
        self.sboms = 0
        self.occurrences = 0
        self.grow_seconds = 0.0
        self.last_digest = ""
        self.linker.ingest(load(advisory(), "advisory.json"))
        self.extra = 0

    def grow_to(self, target: int, deadline: float) -> None:
        started = time.perf_counter()
        try:
            while self.sboms < target and time.monotonic() < deadline:
                count = self.rng.randint(50, 350)
                purls = self.universe.sample(self.rng, count)
                if self.sboms < WIDESPREAD_SBOMS:
                    purls[-1] = WIDESPREAD
                data, _, digest = sbom(self.sboms, purls, self.rng)
                self.linker.ingest(load(data, f"app-{self.sboms}.cdx.json"))
                self.sboms += 1
                self.occurrences += len(purls)
                self.last_digest = digest
        finally:
            self.grow_seconds += time.perf_counter() - started

    def disk_bytes(self) -> int | None:
        if not self.url.startswith("sqlite:///"):
            if self.data_dir is None:
                return None
            return sum(p.stat().st_size for p in self.data_dir.rglob("*") if p.is_file())
        path = Path(self.url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))

    def measure(self, repeat_cli: int, repeat: int) -> dict[str, Any]:
        env = {**os.environ, "PROVENANCE_DB": self.url}
        ingest, ingest_cpu, rss = [], [], []
        for _ in range(repeat_cli):
            purls = self.universe.sample(self.rng, 500)
            data, _, _ = sbom(1_000_000_000 + self.extra, purls, self.rng)
            self.extra += 1
            path = self.folder / "one.cdx.json"
            path.write_bytes(data)
            wall, cpu, peak = whole([str(CLI), "ingest", "sbom", str(path)], env)
            ingest.append(wall)
            ingest_cpu.append(cpu)
            rss.append(peak)
        verify, verify_cpu = [], []
        for _ in range(repeat_cli):
            wall, cpu, peak = whole([str(CLI), "verify", "--artifact", self.last_digest,
                                     "-o", "json"], env, ok=(0, 1))
            verify.append(wall)
            verify_cpu.append(cpu)
        blast_ms, blast_cpu, radius = median_ms(lambda: blast_radius(self.store, ADVISORY),
                                                repeat)
        probe = self.universe.purl(3)
        search_ms, search_cpu, _ = median_ms(lambda: search(self.store, probe), repeat)
        trace_ms, trace_cpu, _ = median_ms(lambda: trace(self.store, self.last_digest),
                                           repeat)
        disk = self.disk_bytes()
        occurrences = self.occurrences + 500 * self.extra
        return {"sboms": self.sboms, "occurrences": self.occurrences,
                "grow_s": self.grow_seconds,
                "ingest_500_s": statistics.median(ingest),
                "ingest_500_cpu_s": statistics.median(ingest_cpu), "ingest_rss_mib": max(rss),
                "verify_s": statistics.median(verify),
                "verify_cpu_s": statistics.median(verify_cpu), "verify_rss_mib": peak,
                "blast_radius_ms": blast_ms, "blast_radius_cpu_ms": blast_cpu,
                "blast_artifacts": len(radius["artifacts"]),
                "search_ms": search_ms, "search_cpu_ms": search_cpu,
                "trace_ms": trace_ms, "trace_cpu_ms": trace_cpu,
                "disk_bytes": disk,
                "bytes_per_occurrence": disk / occurrences if disk else None,
                "grower_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}

    def close(self) -> None:
        self.store.close()


def grow_backend(name: str, url: str, folder: Path, decades: list[int], budget_s: float | None,
                 repeat_cli: int, repeat: int, data_dir: Path | None = None
                 ) -> list[dict[str, Any]]:
    grower = Grower(url, folder, data_dir=data_dir)
    deadline = time.monotonic() + budget_s if budget_s else float("inf")
    points = []
    try:
        for decade in decades:
            grower.grow_to(decade, deadline)
            point = grower.measure(repeat_cli, repeat)
            point["backend"], point["decade"] = name, decade
            point["reached"] = grower.sboms >= decade
            points.append(point)
            print(f"{name} {orjson.dumps(point).decode()}", flush=True)
            if not point["reached"]:
                break
    finally:
        grower.close()
    return points


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"points": [], "decades": args.decades}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        work = Path(folder)
        if "sqlite" in args.backends:
            results["points"] += grow_backend(
                "sqlite", f"sqlite:///{work}/scale.db", work, args.decades,
                None if args.full else args.budget * 60, args.repeat_cli, args.repeat)
            for p in work.glob("scale.db*"):
                p.unlink()
        if "neo4j" in args.backends:
            from tests.support import neo4j_server

            neo4j_server.STARTUP_SECONDS = 900.0  # a loaded shared machine starts Java slowly
            server = neo4j_server.Neo4jServer(heap="2g", page_cache="2g")
            try:
                results["points"] += grow_backend(
                    "neo4j", server.url, work, args.neo4j_decades or args.decades,
                    args.budget * 60, args.repeat_cli, args.repeat, server.home / "db")
            finally:
                server.shutdown()
    return results


# --- the report ------------------------------------------------------------------------

def _ms(r: dict[str, Any]) -> str:
    return f"{r['blast_radius_ms']:.0f} ms (CPU {r['blast_radius_cpu_ms']:.0f} ms)"


def render(result: dict[str, Any], doc: Path, command: str) -> None:
    plots = doc.parent / "benchmarks"
    points = result["points"]
    by: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        by.setdefault(p["backend"], []).append(p)
    series: dict[str, tuple[list[float], list[float]]] = {}
    for backend, rows in by.items():
        xs = [r["sboms"] for r in rows]
        series[f"{backend}: blast radius (ms)"] = (xs, [r["blast_radius_ms"] for r in rows])
        series[f"{backend}: search (ms)"] = (xs, [r["search_ms"] for r in rows])
        series[f"{backend}: trace (ms)"] = (xs, [r["trace_ms"] for r in rows])
    benchdoc.line_plot(plots / "scale-query-latency.png",
                     "In-process query latency vs store size", "SBOMs in the store",
                     "milliseconds", series, logx=True, logy=True,
                     hlines={"100 ms": 100.0})
    cli: dict[str, tuple[list[float], list[float]]] = {}
    for backend, rows in by.items():
        xs = [r["sboms"] for r in rows]
        cli[f"{backend}: ingest sbom (500 components)"] = (xs, [r["ingest_500_s"] for r in rows])
        cli[f"{backend}: verify"] = (xs, [r["verify_s"] for r in rows])
    benchdoc.line_plot(plots / "scale-cli-latency.png",
                     "Whole-process ingest and verify vs store size", "SBOMs in the store",
                     "seconds", cli, logx=True)
    rows = []
    for p in points:
        per = f"{p['bytes_per_occurrence']:.0f}" if p["bytes_per_occurrence"] else "—"
        rows.append([p["backend"], f"{p['sboms']:,}" + ("" if p["reached"] else " (stopped)"),
                     f"{p['occurrences']:,}", f"{p['grow_s']:.0f} s",
                     f"{p['ingest_500_s']:.2f} s ({p['ingest_500_cpu_s']:.2f} s)",
                     f"{p['verify_s']:.2f} s ({p['verify_cpu_s']:.2f} s)",
                     f"{p['blast_radius_ms']:.0f} ms ({p['blast_radius_cpu_ms']:.0f} ms; "
                     f"{p['blast_artifacts']:,})",
                     f"{p['search_ms']:.1f} ms ({p['search_cpu_ms']:.1f} ms)",
                     f"{p['trace_ms']:.1f} ms ({p['trace_cpu_ms']:.1f} ms)", per,
                     f"{p['ingest_rss_mib']:.0f} / {p['grower_rss_mib']:.0f} MiB"])
    targets = []
    for backend, rows_of in by.items():
        first, last = rows_of[0], rows_of[-1]
        if len(rows_of) > 1:
            for label, key in (("ingest 500 (CLI)", "ingest_500_s"), ("verify (CLI)", "verify_s")):
                cpu_key = key.replace("_s", "_cpu_s")
                ratio, cpu = last[key] / first[key], last[cpu_key] / first[cpu_key]
                targets.append([backend, f"{label} at {last['sboms']:,} / at {first['sboms']:,}"
                                f" ≤ 1.5×", f"{ratio:.2f}× (CPU {cpu:.2f}×)",
                                ("met" if cpu <= 1.5 else f"missed by {cpu / 1.5:.1f}×")
                                + " (on CPU time: the wall times were taken under "
                                "different loads)"])
        goal = 100.0 if backend == "sqlite" else 150.0
        wide = [r for r in rows_of if r["blast_artifacts"] >= 5000]
        if wide:
            r = wide[-1]
            targets.append([backend, f"blast radius reaching {r['blast_artifacts']:,} "
                            f"artifacts < {goal:.0f} ms",
                            _ms(r),
                            "met" if r["blast_radius_ms"] < goal
                            else f"missed by {r['blast_radius_ms'] / goal:.1f}×"])
        else:
            r = last
            targets.append([backend, f"blast radius < {goal:.0f} ms (reached only "
                            f"{r['blast_artifacts']:,} artifacts)",
                            _ms(r),
                            "not measured at 5,000"])
        if last["bytes_per_occurrence"]:
            per = last["bytes_per_occurrence"]
            if backend == "sqlite":
                targets.append([backend, "disk < 150 bytes per occurrence", f"{per:.0f} B",
                                "met" if per < 150 else f"missed by {per / 150:.1f}×"])
            else:
                targets.append([backend, "disk per occurrence (store directory; no target)",
                                f"{per:.0f} B", "—"])
    body = f"""## Flat as the store grows (`bench/bench_scale.py`)

One store grown by generated SBOMs (200 components on average, packages drawn by a Zipf
law over 400,000 package versions, so popular packages are shared by most SBOMs),
ingested in process through `Linker.ingest`; measured at each decade. Ingest (one new
500-component SBOM) and `verify` are whole processes, medians of 3; blast radius (an
advisory on a package in the first 5,000 SBOMs), `search` (a purl) and `trace` are in
process, medians of 5. Disk is the database + WAL after a checkpoint (Neo4j: the
server's store directory) per package occurrence. Times are wall clock with the
process's CPU time (user + system) in brackets: on a shared machine the CPU time is the
steadier of the two. Memory: peak RSS of the `ingest sbom` process / of the growing
process.
Targets: ingest and verify at 100k SBOMs ≤ 1.5× their 1k value; blast radius reaching
5,000 artifacts < 100 ms (SQLite) / < 150 ms (Neo4j); disk < 150 bytes per occurrence.

```
{command}
```

Machine: {result.get("machine") or benchdoc.machine()}; commit {benchdoc.commit()}.
`tests/e2e/test_benchmarks_quick.py` runs this machinery on tiny sizes in CI (no time is
asserted). Every number of a run: `--json FILE` (this one's: `docs/benchmarks/scale-*.json`,
re-rendered with `--from-json`).

![query latency vs store size](benchmarks/scale-query-latency.png)
![ingest and verify vs store size](benchmarks/scale-cli-latency.png)

{benchdoc.table(["backend", "target", "measured (wall; CPU)", "verdict"], targets)}

Why the misses: blast radius gives, for every affected artifact, its current SBOM, the
shortest dependency path from the SBOM's root to the package, the artifact's names, base
images, VEX statements and running workloads: about eight batched reads of one row
per affected artifact each. On SQLite the paths come from the tree stored per SBOM (one
primary-key row per artifact, no edges read); the rest is the generic `edges()` reads,
so the cost grows with the answer's size. `search` of a purl lists every artifact that
holds it, so a package in most SBOMs costs in proportion to them. Disk per occurrence is
the LISTS edge, its indexes and the DEPENDS_ON edges of each SBOM, plus the package nodes
the Zipf law makes rarer as SBOMs share more.

{benchdoc.table(["backend", "SBOMs", "occurrences", "growth time", "ingest 500 (CLI)",
               "verify (CLI)", "blast radius (CPU; artifacts)", "search", "trace",
               "bytes/occurrence", "peak RSS"], rows)}
"""
    benchdoc.write_section(doc, "scale", body)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="decades 100 and 1,000")
    parser.add_argument("--full", action="store_true",
                        help="no budget on SQLite: grow to 100,000 SBOMs (hours)")
    parser.add_argument("--backends", default="sqlite,neo4j")
    parser.add_argument("--decades", help="store sizes to measure at, comma-separated")
    parser.add_argument("--neo4j-decades", help="the same for Neo4j (default: --decades)")
    parser.add_argument("--budget", type=float, help="growth minutes per backend")
    parser.add_argument("--report", type=Path)
    parser.add_argument("--from-json", type=Path, nargs="+", help="render --json files "
                        "of earlier runs instead of running (e.g. one per backend)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    args.backends = args.backends.split(",")
    args.decades = ([int(d) for d in args.decades.split(",")] if args.decades
                    else [100, 1000] if args.quick else [1000, 10_000, 100_000])
    args.neo4j_decades = ([int(d) for d in args.neo4j_decades.split(",")]
                          if args.neo4j_decades else None)
    args.budget = args.budget or (3.0 if args.quick else 40.0)
    args.repeat_cli, args.repeat = 3, 5
    parts = [orjson.loads(f.read_bytes()) for f in args.from_json or []]
    result = ({"points": [p for part in parts for p in part["points"]],
               "commands": [c for part in parts for c in part.get("commands", [])],
               "machine": parts[0].get("machine") if parts else None}
              if args.from_json else run(args))
    benchdoc.publish(result, "bench_scale.py", argv, fresh=not args.from_json,
                     json_path=args.json, report=args.report, render=render,
                     how="make bench ARGS=--quick  # or: make bench; "
                         "the full 100k: bench_scale.py --full")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
