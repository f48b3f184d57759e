"""Start-up benchmark, whole processes: `provenance-linker --version`, `--help`, every
top-level command's `--help`, and `serve` until `/healthz` answers 200 — each paired with
a bare interpreter (`python -c pass`) run just before it, medians of `--runs` pairs.

    .venv/bin/python bench/bench_startup.py [--runs N] [--commands A,B] [--src DIR] [--json]

Targets (issue #18): `--version` and `--help` < 150 ms; `serve` answering `/healthz` < 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from provenance_linker.cli.commands import COMMANDS

HEALTHZ_DEADLINE_S = 60.0  # a start-up slower than this is a failure, not a number


# `--src DIR`: run the CLI from another checkout's src/ (e.g. the previous commit, to
# compare before and after on the same machine at the same time).
OTHER_SRC: str | None = None


def _cli() -> list[str]:
    if OTHER_SRC:
        return [sys.executable, "-c", "from provenance_linker.cli.main import run; run()"]
    script = Path(sys.executable).with_name("provenance-linker")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from provenance_linker.cli.main import run; run()"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("PROVENANCE_DB", None)
    if OTHER_SRC:
        env["PYTHONPATH"] = OTHER_SRC
    return env


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120)
    return time.perf_counter() - start, _cpu() - cpu


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthz(env: dict[str, str], folder: str, index: int) -> tuple[float, float]:
    """Seconds from spawning `serve` until `/healthz` answers 200 (and the CPU it used)."""
    port = _free_port()
    cpu, start = _cpu(), time.perf_counter()
    server = subprocess.Popen([*_cli(), "--db", f"sqlite:///{folder}/serve-{index}.db",
                               "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < HEALTHZ_DEADLINE_S:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.01)
        else:
            raise RuntimeError("serve did not answer /healthz")
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    return elapsed, _cpu() - cpu  # CPU includes the shut-down


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--commands", default=None,
                        help="comma-separated commands whose --help is timed (default: all)")
    parser.add_argument("--src", default=None, help="run the CLI from this src/ folder")
    args = parser.parse_args(argv)
    global OTHER_SRC
    OTHER_SRC = args.src
    env = _env()
    bare = [sys.executable, "-c", "pass"]
    cases: dict[str, list[str]] = {"--version": ["--version"], "--help": ["--help"]}
    chosen = args.commands.split(",") if args.commands else [e.name for e in COMMANDS]
    cases |= {f"{name} --help": [name, "--help"] for name in chosen}
    results: dict[str, Any] = {"load_average": os.getloadavg(), "commands": {}}
    for args_ in cases.values():  # warm-up: byte code compiled, files cached
        _timed([*_cli(), *args_], env)
    for label, extra in cases.items():
        pairs = [(_timed(bare, env), _timed([*_cli(), *extra], env)) for _ in range(args.runs)]
        med = statistics.median
        results["commands"][label] = {
            "wall_s": med(p[1][0] for p in pairs), "cpu_s": med(p[1][1] for p in pairs),
            "bare_wall_s": med(p[0][0] for p in pairs), "bare_cpu_s": med(p[0][1] for p in pairs),
            "raw_wall_s": [p[1][0] for p in pairs]}
    with tempfile.TemporaryDirectory() as folder:
        _healthz(env, folder, -1)  # warm-up
        runs = [_healthz(env, folder, i) for i in range(args.runs)]
    results["serve_healthz"] = {"wall_s": statistics.median(r[0] for r in runs),
                                "cpu_s": statistics.median(r[1] for r in runs),
                                "raw_wall_s": [r[0] for r in runs]}
    results["load_average_after"] = os.getloadavg()
    if args.json:
        print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        return 0
    print(f"{'command':24} {'wall ms':>8} {'CPU ms':>7} {'bare python wall/CPU ms':>24}")
    for label, r in results["commands"].items():
        print(f"{label:24} {r['wall_s'] * 1000:8.0f} {r['cpu_s'] * 1000:7.0f} "
              f"{r['bare_wall_s'] * 1000:15.0f} / {r['bare_cpu_s'] * 1000:.0f}")
    h = results["serve_healthz"]
    print(f"{'serve -> /healthz 200':24} {h['wall_s'] * 1000:8.0f} {h['cpu_s'] * 1000:7.0f}")
    print("load average before/after: "
          + " / ".join(" ".join(f"{x:.1f}" for x in results[k])
                       for k in ("load_average", "load_average_after")))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main(sys.argv[1:]))
