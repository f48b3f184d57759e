"""Mixed read/write load on loopback, open loop: p50/p95/p99 latency, shed requests (503)
and the server's RSS over time; then a phase past saturation to show shedding.

The generator sends at a fixed rate whatever the answers (open loop), bounded in count
and time, and stops by itself; it starts and stops its own `serve` and `worker`.

    .venv/bin/python bench/bench_load.py [--rate 100] [--seconds 60] [--overload 400]
        [--overload-seconds 15] [--max-in-flight N (default: the service's own)]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx

from provenance_linker.access import tokens
from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.store import open_store

BIN = Path(sys.executable).with_name("provenance-linker")
CLIENT_LIMIT = 512  # sockets the generator may hold open
READ_SHARE = 0.8


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    shed_latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    rss: list[tuple[float, float]] = field(default_factory=list)
    send_lag: list[float] = field(default_factory=list)  # how late each request was sent


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _one(client: aiohttp.ClientSession, phase: Phase, read: bool, body: bytes,
               artifact: str) -> None:
    started = time.perf_counter()
    try:
        if read:
            path = random.choice(["/v1/documents?limit=20", f"/v1/trace?artifact={artifact}",
                                  "/v1/jobs?limit=20", f"/v1/vulns?artifact={artifact}"])
            async with client.get(path) as response:
                await response.read()
        else:
            async with client.post("/v1/sboms", data=body) as response:
                await response.read()
    except (aiohttp.ClientError, TimeoutError):
        phase.errors += 1
        return
    elapsed = time.perf_counter() - started
    if response.status == 503:
        phase.shed_latencies.append(elapsed)
    elif response.status >= 400:
        phase.errors += 1
    else:
        phase.latencies.append(elapsed)


async def _drive(base: str, token: str, phase: Phase, rate: float, seconds: float,
                 server_pid: int, artifact: str) -> None:
    # aiohttp, not httpx: httpcore's pool assigns queued requests to connections in
    # O(requests x connections), and past a few hundred outstanding requests the
    # generator spent its time there instead of sending (the run stalled).
    async with aiohttp.ClientSession(
            base_url=base, headers={"Authorization": f"Bearer {token}"},
            connector=aiohttp.TCPConnector(limit=CLIENT_LIMIT),
            timeout=aiohttp.ClientTimeout(total=30)) as client:
        tasks: set[asyncio.Task[None]] = set()
        total = int(rate * seconds)
        # Decided and made before the clock starts: building SBOMs inside the send loop
        # delayed the generator's own event loop, and that lag was measured as latency.
        reads = [random.random() < READ_SHARE for _ in range(total)]
        bodies = {i: json.dumps(cyclonedx_sbom(f"load.test/{phase.name}-{i}:1", 20, seed=i).document
                                ).encode() for i in range(total) if not reads[i]}
        start = time.perf_counter()
        next_rss = start
        for i in range(total):
            due = start + i / rate
            now = time.perf_counter()
            phase.send_lag.append(max(0.0, now - due))
            if due > now:
                await asyncio.sleep(due - now)
            if now >= next_rss:
                phase.rss.append((now - start, _rss_mb(server_pid)))
                next_rss += 5
            read = reads[i]
            task = asyncio.create_task(_one(client, phase, read, bodies.pop(i, b""), artifact))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            phase.sent += 1
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
        phase.rss.append((time.perf_counter() - start, _rss_mb(server_pid)))


def _report(phase: Phase) -> dict[str, object]:
    rss = [r for _, r in phase.rss]
    return {"phase": phase.name, "sent": phase.sent, "ok": len(phase.latencies),
            "shed_503": len(phase.shed_latencies), "errors": phase.errors,
            "p50_ms": round(_pct(phase.latencies, 0.50), 1),
            "p95_ms": round(_pct(phase.latencies, 0.95), 1),
            "p99_ms": round(_pct(phase.latencies, 0.99), 1),
            "shed_p99_ms": round(_pct(phase.shed_latencies, 0.99), 1),
            # The generator's own lag (same cores): a late send is the generator saturated.
            "send_lag_p99_ms": round(_pct(phase.send_lag, 0.99), 1),
            "rss_mb_first": round(rss[0], 1) if rss else None,
            "rss_mb_last": round(rss[-1], 1) if rss else None,
            "rss_mb_over_time": [[round(t), round(r, 1)] for t, r in phase.rss]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--overload", type=float, default=400)
    parser.add_argument("--overload-seconds", type=float, default=15)
    parser.add_argument("--max-in-flight", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        db_url = f"sqlite:///{tmp}/graph.db"
        store = open_store(db_url)
        token, _ = tokens.create(store, tokens.Role.WRITER, "load", actor="bench_load")
        store.close()
        seed = Path(tmp) / "seed.json"
        sample = cyclonedx_sbom("load.test/base:1", 200, seed=0)
        seed.write_text(json.dumps(sample.document))
        subprocess.run([str(BIN), "--db", db_url, "ingest", "sbom", str(seed)], check=True,
                       capture_output=True)
        port = _port()
        env = {**os.environ, "PROVENANCE_DB": db_url, "PROVENANCE_LOG_LEVEL": "WARNING"}
        if args.max_in_flight is not None:
            env["PROVENANCE_MAX_IN_FLIGHT"] = str(args.max_in_flight)
        log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        worker = subprocess.Popen([str(BIN), "--db", db_url, "worker", "--poll", "0.2"],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            results = []
            for name, rate, seconds in (("sustained", args.rate, args.seconds),
                                        ("overload", args.overload, args.overload_seconds)):
                phase = Phase(name)
                asyncio.run(_drive(base, token, phase, rate, seconds, server.pid,
                                   sample.name))
                results.append(_report(phase))
                print(json.dumps(results[-1]), flush=True)  # each phase as it ends
        finally:
            for proc in (worker, server):
                proc.send_signal(signal.SIGTERM)
            for proc in (worker, server):
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()


if __name__ == "__main__":
    main()
