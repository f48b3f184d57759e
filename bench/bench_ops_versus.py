"""`backup`, `restore` and `integrity verify` of one SQLite store by two source trees of
provenance-linker (e.g. main and a branch), whole processes, interleaved runs, medians of
wall and CPU seconds, with the ratio of the second to the first.

    git archive main src | tar -x -C /tmp/main-tree
    .venv/bin/python bench/bench_ops_versus.py STORE.db --old /tmp/main-tree/src [--runs 3]

The store must have been sealed with the bench key (bench_ops.py builds one, `--keep`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson

KEY = "bench-integrity-key-0123456789abcdef"  # bench_ops.KEY


def timed(env: dict[str, str], args: list[str]) -> tuple[float, float]:
    started, before = time.monotonic(), os.times()
    done = subprocess.run([sys.executable, "-m", "provenance_linker.cli.main", *args],
                          env=env, capture_output=True, timeout=3600)
    wall, after = time.monotonic() - started, os.times()
    if done.returncode != 0:
        raise SystemExit(f"{args} failed: {done.stderr.decode()[-2000:]}")
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("--old", type=Path, required=True, help="the other tree's src/")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = {**os.environ, "PROVENANCE_INTEGRITY_KEY": KEY, "PROVENANCE_LOG_LEVEL": "ERROR"}
    envs = {"old": {**base, "PYTHONPATH": str(args.old)}, "new": base}
    folder = args.store.parent
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.runs):
        for name, env in envs.items():
            archive, target = folder / f"{name}.plbak", folder / f"{name}-restored.db"
            for stale in folder.glob(target.name + "*"):
                stale.unlink()
            for step, argv in (
                    ("backup", ["--db", f"sqlite:///{args.store}", "backup", str(archive),
                                "--no-queue"]),
                    ("restore", ["restore", str(archive), "--db", f"sqlite:///{target}",
                                 "--no-queue"]),
                    ("integrity verify", ["--db", f"sqlite:///{args.store}", "integrity",
                                          "verify"])):
                results.setdefault((name, step), []).append(timed(env, argv))
    report: dict[str, dict[str, float]] = {}
    for (name, step), runs in results.items():
        row = report.setdefault(step, {})
        row[f"{name}_wall"] = round(statistics.median(w for w, _ in runs), 2)
        row[f"{name}_cpu"] = round(statistics.median(c for _, c in runs), 2)
    for row in report.values():
        row["cpu_ratio"] = round(row["new_cpu"] / row["old_cpu"], 2)
        row["wall_ratio"] = round(row["new_wall"] / row["old_wall"], 2)
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
