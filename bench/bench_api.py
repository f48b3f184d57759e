"""Benchmark the REST API on loopback with a bounded open-loop load generator
(asyncio + httpx): read endpoints (verify, trace) at a fixed request rate, and SBOM
uploads (202 accepted) while `provenance-linker worker` processes ingest them.

Targets: verify and trace at 500 requests/s with p95 < 50 ms; upload accepted in
< 20 ms p95 while workers ingest. Load only goes to 127.0.0.1, bounded in count and time.

    .venv/bin/python bench/bench_api.py [--quick] [--rate 500] [--seconds 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from provenance_linker.access import tokens
from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.model import EdgeKind
from provenance_linker.store import open_store

BIN = Path(sys.executable).with_name("provenance-linker")
MAX_IN_FLIGHT = 256


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _token(db_url: str, role: str) -> str:
    store = open_store(db_url)
    token, _ = tokens.create(store, tokens.Role(role), f"bench-{role}")
    store.close()
    return token


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _open_loop(client: httpx.AsyncClient, make: list[tuple[str, str, dict[str, object]]],
                     rate: float, seconds: float) -> tuple[list[float], dict[int, int], float]:
    """Send requests at `rate`/s for `seconds` (cycling through `make`); latencies in ms."""
    total = int(rate * seconds)
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    latencies: list[float] = []
    codes: dict[int, int] = {}

    async def one(i: int) -> None:
        method, url, kwargs = make[i % len(make)]
        async with gate:
            started = time.perf_counter()
            response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
            latencies.append((time.perf_counter() - started) * 1000)
            codes[response.status_code] = codes.get(response.status_code, 0) + 1

    t0 = time.perf_counter()
    tasks = []
    for i in range(total):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    return latencies, codes, time.perf_counter() - t0


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) of the server process tree, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in [root, *_children(root)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(k) for k in kids] + [g for k in kids for g in _children(int(k))]


SERVER_PID = 0


def _report(name: str, latencies: list[float], codes: dict[int, int], elapsed: float,
            cpu: float) -> None:
    print(f"{name:<22} {len(latencies):>5} req {len(latencies) / elapsed:>6.1f} req/s  "
          f"p50 {_pct(latencies, 0.5):6.1f} ms  p95 {_pct(latencies, 0.95):6.1f} ms  "
          f"p99 {_pct(latencies, 0.99):6.1f} ms  server CPU {cpu * 1000 / len(latencies):5.2f} "
          f"ms/req  status {dict(sorted(codes.items()))}")


async def _measured(name: str, client: httpx.AsyncClient,
                    make: list[tuple[str, str, dict[str, object]]], rate: float,
                    seconds: float) -> None:
    before = _cpu_seconds(SERVER_PID)
    latencies, codes, elapsed = await _open_loop(client, make, rate, seconds)
    _report(name, latencies, codes, elapsed, _cpu_seconds(SERVER_PID) - before)


async def _run(base: str, reader: str, writer: str, digests: list[str], rate: float,
               seconds: float, upload_rate: float) -> None:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        read = {"headers": {"Authorization": f"Bearer {reader}"}}
        for name, path, param in (("GET /v1/trace", "/v1/trace", "artifact"),
                                  ("GET /v1/verify", "/v1/verify", "artifact")):
            make = [("GET", path, {**read, "params": {param: d}}) for d in digests]
            await _open_loop(client, make, rate, 1.0)  # warm-up
            await _measured(name, client, make, rate, seconds)
        bodies = [orjson.dumps(cyclonedx_sbom(f"registry.bench.test/up{i}:1", 60,
                                               seed=i).document)
                  for i in range(int(upload_rate * seconds))]
        write = {"Authorization": f"Bearer {writer}", "content-type": "application/json"}
        make = [("POST", "/v1/sboms", {"headers": write, "content": b,
                                       "params": {"name": f"up{i}.json"}})
                for i, b in enumerate(bodies)]
        await _measured("POST /v1/sboms (202)", client, make, upload_rate, seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 s per phase, lower rate")
    parser.add_argument("--rate", type=float, default=None, help="read requests per second")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--upload-rate", type=float, default=None)
    args = parser.parse_args()
    rate = args.rate or (200.0 if args.quick else 500.0)
    seconds = min(args.seconds or (3.0 if args.quick else 10.0), 60.0)  # bounded
    upload_rate = args.upload_rate or (20.0 if args.quick else 50.0)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")},
               "PROVENANCE_DB": db_url, "PROVENANCE_LOG_LEVEL": "WARNING",
               "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(dir=tmp)}
        subprocess.run([str(BIN), "--db", db_url, "demo", "--out", f"{tmp}/samples"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        store = open_store(db_url)
        digests = sorted({e.dst.key for e in store.edges([EdgeKind.DESCRIBES])})
        store.close()
        reader, writer = _token(db_url, "reader"), _token(db_url, "writer")
        port = _port()
        server = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--workers",
                                   str(args.workers)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        ingest = subprocess.Popen([str(BIN), "worker", "--poll", "0.05"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        global SERVER_PID
        SERVER_PID = server.pid
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("serve did not start")
                time.sleep(0.1)
            print(f"API: {args.workers} uvicorn workers, SQLite, demo dataset "
                  f"({len(digests)} artifacts); reads at {rate:g}/s, uploads at "
                  f"{upload_rate:g}/s (60-component SBOMs) with 1 ingest worker; "
                  f"{seconds:g} s per phase")
            asyncio.run(_run(base, reader, writer, digests, rate, seconds, upload_rate))
        finally:
            for proc in (server, ingest):
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(30)


if __name__ == "__main__":
    main()
