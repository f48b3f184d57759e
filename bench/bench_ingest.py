"""SBOM ingest benchmark: 10,000-component CycloneDX JSON and the same content as SPDX
JSON into SQLite, 1,000 SBOMs of 500 components, and peak memory.

    .venv/bin/python bench/bench_ingest.py [--quick] [--components N] [--sboms N]
    .venv/bin/python bench/bench_ingest.py --process [--runs N] [--components N] [--src DIR]

`--process` times whole processes instead, as users run them (start-up included): the
`provenance-linker ingest sbom` CLI on a fresh SQLite store against the least work an
ingest can do (`bench/ingest_baseline.py`: json.load plus one SQLite transaction), run
in pairs, medians of `--runs` pairs (default 5) and their ratio, CycloneDX and SPDX.

Runs on one core (sched_setaffinity) through the real path: documents.load → Linker.ingest
(parse, validation, graph building, enrichers, one SQLite transaction). Targets: 10k
CycloneDX < 1 s, 10k SPDX < 2 s, 1,000 × 500 < 120 s, peak memory < 10x the file size.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from provenance_linker import formats
from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.demo.spdx import spdx_sbom
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.ingest.sbom import sbom_batch
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore


def _store(folder: str, name: str) -> GraphStore:
    return open_store(f"sqlite:///{folder}/{name}.db")


def _best(runs: int, make: Callable[[], float]) -> float:
    return min(make() for _ in range(runs))


def single(label: str, data: bytes, folder: str, runs: int) -> dict[str, Any]:
    """Wall time of load + ingest on a fresh store (best of `runs`), plus a breakdown."""
    counter = iter(range(1_000_000))

    cpu: list[float] = []

    def once() -> float:
        store = _store(folder, f"{label}-{next(counter)}")
        start, start_cpu = time.perf_counter(), time.process_time()
        Linker(store).ingest(load(data, f"{label}.json"))
        elapsed = time.perf_counter() - start
        cpu.append(time.process_time() - start_cpu)
        store.close()
        return elapsed

    total = _best(runs, once)
    store = _store(folder, f"{label}-stages")
    t0 = time.perf_counter()
    document = load(data, f"{label}.json")
    t1 = time.perf_counter()
    record = formats.parse(document)
    t2 = time.perf_counter()
    batch, _ = sbom_batch(record, document, None, "2026-11-01T00:00:00Z")
    t3 = time.perf_counter()
    store.apply(batch)
    t4 = time.perf_counter()
    store.close()
    return {"label": label, "bytes": len(data), "components": len(record.components),
            "total_s": total, "cpu_s": min(cpu),
            "components_per_s": len(record.components) / total,
            "load_s": t1 - t0, "parse_validate_s": t2 - t1, "graph_s": t3 - t2,
            "apply_s": t4 - t3}


def many(count: int, components: int, folder: str) -> dict[str, Any]:
    documents = [orjson.dumps(cyclonedx_sbom(f"registry.acme.test/fleet/app-{i}:1.0",
                                             components, seed=i).document)
                 for i in range(count)]
    store = _store(folder, "many")
    linker = Linker(store)
    start, start_cpu = time.perf_counter(), time.process_time()
    for index, data in enumerate(documents):
        linker.ingest(load(data, f"sbom-{index}.json"))
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    counts = store.counts()
    store.close()
    return {"sboms": count, "components_each": components, "total_s": elapsed, "cpu_s": cpu,
            "sboms_per_s": count / elapsed, "components_per_s": count * components / elapsed,
            "packages_stored": counts.get("Package", 0)}


def peak_memory(data: bytes, warm_up: bytes, folder: str) -> dict[str, Any]:
    store = _store(folder, "memory")
    # Imports, compiled schemas and caches are paid once per process, not per document.
    Linker(store).ingest(load(warm_up, "warm-up.json"))
    tracemalloc.start()
    Linker(store).ingest(load(data, "memory.json"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # includes the interpreter
    return {"file_bytes": len(data), "python_peak_bytes": peak,
            "peak_over_file": peak / len(data), "max_rss_bytes": rss_kib * 1024}


# `--src DIR`: run the CLI from another checkout's src/ (e.g. the previous commit, to
# compare before and after on the same machine at the same time).
OTHER_SRC: str | None = None


def _cli() -> list[str]:
    if OTHER_SRC:
        return [sys.executable, "-c", "from provenance_linker.cli.main import run; run()"]
    script = Path(sys.executable).with_name("provenance-linker")  # the installed command
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from provenance_linker.cli.main import run; run()"]


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def process_pairs(label: str, data: bytes, folder: str, runs: int) -> dict[str, Any]:
    """`provenance-linker ingest sbom FILE` vs the baseline, each on a fresh store, in
    pairs; medians and the ratio of the medians."""
    sbom = Path(folder) / f"{label}.json"
    sbom.write_bytes(data)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("PROVENANCE_DB", None)
    if OTHER_SRC:
        env["PYTHONPATH"] = OTHER_SRC
    baseline = [sys.executable, str(Path(__file__).with_name("ingest_baseline.py")), str(sbom)]
    counter = iter(range(1_000_000))

    def fresh(name: str) -> str:
        return f"{folder}/{label}-{name}-{next(counter)}.db"

    def cli() -> list[str]:
        return [*_cli(), "--db", f"sqlite:///{fresh('cli')}", "ingest", "sbom", str(sbom),
                "--output", "json"]

    # Warm-up (not timed): byte code compiled and cached, files in the page cache.
    _timed([*baseline, fresh("base")], env)
    _timed(cli(), env)
    base_wall, base_cpu, cli_wall, cli_cpu = [], [], [], []
    for _ in range(runs):
        wall, cpu = _timed([*baseline, fresh("base")], env)
        base_wall.append(wall)
        base_cpu.append(cpu)
        wall, cpu = _timed(cli(), env)
        cli_wall.append(wall)
        cli_cpu.append(cpu)
    med = statistics.median
    return {"label": label, "bytes": len(data), "runs": runs,
            "baseline_wall_s": med(base_wall), "baseline_cpu_s": med(base_cpu),
            "cli_wall_s": med(cli_wall), "cli_cpu_s": med(cli_cpu),
            "ratio_wall": med(cli_wall) / med(base_wall),
            "ratio_cpu": med(cli_cpu) / med(base_cpu),
            "raw": {"baseline_wall_s": base_wall, "cli_wall_s": cli_wall,
                    "baseline_cpu_s": base_cpu, "cli_cpu_s": cli_cpu}}


def process_main(args: argparse.Namespace) -> int:
    generated = cyclonedx_sbom("registry.acme.test/bench/app:1.0", args.components)
    documents = {"cyclonedx": orjson.dumps(generated.document),
                 "spdx": orjson.dumps(spdx_sbom(generated))}
    results: dict[str, Any] = {"load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        for label, data in documents.items():
            results[label] = process_pairs(label, data, folder, args.runs)
    results["load_average_after"] = os.getloadavg()
    if args.json:
        print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        return 0
    for label in documents:
        r = results[label]
        print(f"{label:10} whole process, median of {r['runs']} pairs: CLI "
              f"{r['cli_wall_s']:.3f} s wall / {r['cli_cpu_s']:.3f} s CPU, baseline "
              f"{r['baseline_wall_s']:.3f} s / {r['baseline_cpu_s']:.3f} s; ratio "
              f"{r['ratio_wall']:.2f}x wall, {r['ratio_cpu']:.2f}x CPU")
    print("load average before/after: "
          + " / ".join(" ".join(f"{x:.1f}" for x in results[k])
                       for k in ("load_average", "load_average_after")))
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="reduced run (100 SBOMs, 1 run)")
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--sboms", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--process", action="store_true",
                        help="whole processes: the CLI against bench/ingest_baseline.py")
    parser.add_argument("--runs", type=int, default=5, help="--process: pairs to run")
    parser.add_argument("--src", default=None, help="--process: run the CLI from this src/")
    args = parser.parse_args(argv)
    global OTHER_SRC
    OTHER_SRC = args.src
    if args.process:
        return process_main(args)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    runs = 1 if args.quick else 3
    sboms = args.sboms or (100 if args.quick else 1_000)
    generated = cyclonedx_sbom("registry.acme.test/bench/app:1.0", args.components)
    cdx = orjson.dumps(generated.document)
    spdx = orjson.dumps(spdx_sbom(generated))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        # Memory first, so max RSS is not the benchmark's own 1,000 generated documents.
        small = cyclonedx_sbom("registry.acme.test/bench/warm-up:1.0", 50, seed=99)
        results["memory_cyclonedx"] = peak_memory(cdx, orjson.dumps(small.document), folder)
        results["memory_spdx"] = peak_memory(spdx, orjson.dumps(spdx_sbom(small)), folder)
        results["cyclonedx"] = single("cyclonedx", cdx, folder, runs)
        results["spdx"] = single("spdx", spdx, folder, runs)
        results["many"] = many(sboms, 500, folder)
    if args.json:
        print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        return 0
    for key in ("cyclonedx", "spdx"):
        r = results[key]
        print(f"{key:10} {r['components']:>6} components {r['bytes'] / 1e6:6.1f} MB  "
              f"total {r['total_s']:.3f} s (cpu {r['cpu_s']:.3f} s, "
              f"{r['components_per_s']:,.0f} components/s)  "
              f"load {r['load_s']:.3f}  parse+validate {r['parse_validate_s']:.3f}  "
              f"graph {r['graph_s']:.3f}  apply {r['apply_s']:.3f}")
    m = results["many"]
    print(f"many       {m['sboms']} SBOMs x {m['components_each']}: {m['total_s']:.1f} s "
          f"(cpu {m['cpu_s']:.1f} s) "
          f"({m['sboms_per_s']:.1f} SBOMs/s, {m['components_per_s']:,.0f} components/s, "
          f"{m['packages_stored']} packages stored)")
    for key in ("memory_cyclonedx", "memory_spdx"):
        r = results[key]
        print(f"{key:17} file {r['file_bytes'] / 1e6:.1f} MB  python peak "
              f"{r['python_peak_bytes'] / 1e6:.1f} MB ({r['peak_over_file']:.1f}x)  "
              f"max RSS {r['max_rss_bytes'] / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main(sys.argv[1:]))
