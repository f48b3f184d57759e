"""Operations benchmark: `backup`, `restore` and `integrity verify` of a SQLite store with
1,000,000 package occurrences (100 SBOMs × 10,000 components by default), each run as a
whole `provenance-linker` process, medians of several runs, with a baseline in the same
run: copying the database file (what any byte-level backup costs at least).

    .venv/bin/python bench/bench_ops.py [--sboms 100] [--components 10000] [--runs 3]
                                        [--keep DIR]

Wall and CPU (user + system of the whole process) are reported: on a shared machine the
wall time is mostly waiting for a core.

Targets: backup < 60 s, restore < 60 s, integrity verify < 30 s. `--keep DIR` reuses the
store built there by an earlier run. The store is built by the real ingest path up to the
batch, then bulk-loaded (`build`); ingest itself is measured by bench_ingest.py.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import orjson

from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import load
from provenance_linker.ingest.orchestrator import Linker
from provenance_linker.model import ApplyResult, Batch, DocumentRows
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.store.seal import KEY_ENV

BIN = Path(sys.executable).with_name("provenance-linker")
KEY = "bench-integrity-key-0123456789abcdef"


class _Collecting:
    """The store as the ingest path sees it, except that `apply` hands the finished batch
    over instead of writing it (so the batches can be bulk-loaded)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.batch: Batch | None = None

    def apply(self, batch: Batch) -> ApplyResult:
        self.batch = batch
        return ApplyResult(batch.document.digest, False, len(batch.nodes), len(batch.edges))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def build(path: Path, sboms: int, components: int) -> None:
    """The store ingest would build from the SBOMs — each is detected, parsed, validated
    and turned into its batch by the real ingest path — loaded with `load_documents`
    (one transaction) instead of one transaction per SBOM."""
    marker = path.with_suffix(".built")
    wanted = f"{sboms}x{components}"
    if marker.exists() and marker.read_text() == wanted and path.exists():
        return
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    store = open_store(f"sqlite:///{path}", integrity_key=KEY.encode())
    collecting = _Collecting(store)
    linker = Linker(cast(GraphStore, collecting))
    started = time.monotonic()

    def batches() -> Iterator[Batch]:
        for i in range(sboms):
            doc = cyclonedx_sbom(f"registry.bench.test/app-{i}", components, seed=i)
            linker.ingest(load(orjson.dumps(doc.document), f"app-{i}.cdx.json"))
            assert collecting.batch is not None
            yield collecting.batch
            collecting.batch = None

    store.load_documents(DocumentRows.of(b) for b in batches())
    store.close()
    marker.write_text(wanted)
    print(f"built {wanted} in {time.monotonic() - started:.1f} s", file=sys.stderr)


def timed(args: list[str], env: dict[str, str], cpu: list[float]) -> float:
    """Wall seconds of one whole process; its CPU seconds (user + system) go to `cpu`."""
    started, before = time.monotonic(), os.times()
    done = subprocess.run([str(BIN), *args], env=env, capture_output=True, timeout=1800)
    elapsed, after = time.monotonic() - started, os.times()
    if done.returncode != 0:
        raise SystemExit(f"{args} failed: {done.stderr.decode()[-2000:]}")
    cpu.append(after.children_user - before.children_user
               + after.children_system - before.children_system)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sboms", type=int, default=100)
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-ops-"))
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "source.db"
    build(source, args.sboms, args.components)
    env = {**os.environ, KEY_ENV: KEY, "PROVENANCE_LOG_LEVEL": "ERROR"}
    store = open_store(f"sqlite:///{source}", integrity_key=KEY.encode())
    counts = store.counts()
    store.close()
    results: dict[str, list[float]] = {"file copy (baseline)": [], "backup": [],
                                       "restore": [], "integrity verify": []}
    cpu: dict[str, list[float]] = {k: [] for k in results if k != "file copy (baseline)"}
    for run in range(args.runs):
        started = time.monotonic()
        shutil.copyfile(source, folder / "copy.db")
        results["file copy (baseline)"].append(time.monotonic() - started)
        results["integrity verify"].append(timed(["--db", f"sqlite:///{source}",
                                                  "integrity", "verify"], env,
                                                 cpu["integrity verify"]))
        archive = folder / "store.plbak"
        results["backup"].append(timed(["--db", f"sqlite:///{source}", "backup",
                                        str(archive), "--no-queue"], env, cpu["backup"]))
        target = folder / f"restored-{run}.db"
        for stale in folder.glob(target.name + "*"):
            stale.unlink()
        results["restore"].append(timed(["restore", str(archive), "--db",
                                         f"sqlite:///{target}", "--no-queue"], env,
                                        cpu["restore"]))
        for stale in folder.glob(target.name + "*"):
            stale.unlink()
    baseline = statistics.median(results["file copy (baseline)"])
    report = {"sboms": args.sboms, "components": args.components,
              "package_occurrences": counts.get("LISTS", 0), "nodes": sum(
                  n for k, n in counts.items() if k[0].isupper() and not k.isupper()),
              "edges": sum(n for k, n in counts.items() if k.isupper()),
              "db_bytes": source.stat().st_size,
              "archive_bytes": (folder / "store.plbak").stat().st_size,
              "median_seconds": {k: round(statistics.median(v), 2) for k, v in results.items()},
              "median_cpu_seconds": {k: round(statistics.median(v), 2) for k, v in cpu.items()},
              "ratio_to_file_copy": {k: round(statistics.median(v) / baseline, 1)
                                     for k, v in results.items()},
              "runs": {k: [round(x, 2) for x in v] for k, v in results.items()}}
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
