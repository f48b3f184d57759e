"""Faults under a steady upload load, on loopback: what was accepted (202), stored,
lost (accepted, never stored) and duplicated (stored more than once).

Each scenario starts its own `serve` and `worker` (and Redis or Neo4j), sends distinct
SBOM uploads at a fixed rate for a fixed time, injects its fault part-way, undoes it,
waits for the queue to drain (bounded), and counts from the store itself.

    .venv/bin/python bench/bench_faults.py [--scenario kill|redis|neo4j|disk|corrupt|all]
        [--rate 10] [--seconds 20]

- kill:    SIGKILL the worker, later the API, each restarted a second later
- redis:   the job queue on Redis (appendfsync always); SIGKILL Redis, restart it
- neo4j:   the graph on Neo4j; stop the database, start it again
- disk:    database and queue on a 64 MiB tmpfs (mount needs root), filled by another
           file, then freed
- corrupt: pages of the SQLite file overwritten mid-run (what answers, not recovery)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.service import free_port, start_service, start_worker

from provenance_linker.access import tokens
from provenance_linker.demo.samples import cyclonedx_sbom
from provenance_linker.documents import sha256_of
from provenance_linker.jobs import open_queue, queue_url_for
from provenance_linker.store import open_store
from provenance_linker.store.ledger import LEDGER_STREAM

DRAIN_SECONDS = 120
STARTED: list[subprocess.Popen[bytes]] = []  # stopped after each scenario, whatever happened


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    accepted: set[str] = field(default_factory=set)
    errors: int = 0


def _upload_loop(base: Callable[[], str], token: str, rate: float, seconds: float,
                 tally: Tally, stop: threading.Event) -> None:
    interval = 1.0 / rate
    started = time.monotonic()
    i = 0
    while not stop.is_set() and time.monotonic() - started < seconds:
        data = orjson.dumps(cyclonedx_sbom(f"fault.test/app-{i}:1", 30, seed=i).document)
        tally.sent += 1
        try:
            answer = httpx.post(base() + f"/v1/sboms?name=f{i}", content=data, timeout=10,
                                headers={"Authorization": f"Bearer {token}"})
            tally.statuses[answer.status_code] += 1
            if answer.status_code == 202:
                tally.accepted.add(sha256_of(data))
        except httpx.HTTPError:
            tally.errors += 1
        i += 1
        time.sleep(max(0.0, started + i * interval - time.monotonic()))


def _counts(db_url: str, accepted: set[str]) -> dict[str, int]:
    store = open_store(db_url)
    try:
        stored = {d.digest for d in store.documents("sbom")}
        ingests = Counter(e.payload.get("document") for e in store.read_log(LEDGER_STREAM))
    finally:
        store.close()
    return {"accepted": len(accepted), "stored": len(accepted & stored),
            "lost": len(accepted - stored),
            "duplicated": sum(1 for d in accepted if ingests.get(d, 0) > 1)}


def _drain(queue_url: str) -> dict[str, int]:
    """Wait (bounded) for the backlog to empty; the jobs by state."""
    queue = open_queue(queue_url)
    try:
        deadline = time.monotonic() + DRAIN_SECONDS
        while queue.backlog() and time.monotonic() < deadline:
            time.sleep(0.5)
        return queue.counts()
    finally:
        queue.close()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class Run:
    """serve + worker over one store and queue, a token, and the upload loop."""

    def __init__(self, folder: Path, db_url: str, queue_url: str | None = None) -> None:
        self.folder, self.db_url = folder, db_url
        self.env = {"PROVENANCE_QUEUE": queue_url} if queue_url else {}
        self.queue_url = queue_url_for(db_url, queue_url)
        store = open_store(db_url)
        try:
            self.token, _ = tokens.create(store, tokens.Role.WRITER, "faults",
                                          actor="bench_faults")
        finally:
            store.close()
        self.api = start_service(folder, db_url=db_url, env=self.env)
        STARTED.append(self.api.proc)
        self.worker = self.start_worker()
        self.tally = Tally()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = start_worker(self.db_url, self.folder / "worker.log", "--poll", "0.1",
                              "--lease", "5", env=self.env)
        STARTED.append(worker)
        return worker

    def restart_api(self) -> None:
        self.api = start_service(self.folder, db_url=self.db_url, env=self.env)
        STARTED.append(self.api.proc)

    def load(self, rate: float, seconds: float) -> None:
        self.thread = threading.Thread(target=_upload_loop, args=(
            lambda: self.api.base_url, self.token, rate, seconds, self.tally, self.stop))
        self.thread.start()

    def finish(self) -> dict[str, object]:
        if self.thread is not None:
            self.thread.join()
        if self.worker.poll() is not None:
            self.worker = self.start_worker()
        jobs = _drain(self.queue_url)
        self.api.stop()
        _kill(self.worker)
        return {**_counts(self.db_url, self.tally.accepted), "sent": self.tally.sent,
                "statuses": dict(sorted(self.tally.statuses.items())),
                "connection_errors": self.tally.errors, "jobs": jobs}


def scenario_kill(folder: Path, rate: float, seconds: float) -> dict[str, object]:
    db_url = f"sqlite:///{folder}/graph.db"
    run = Run(folder, db_url)
    run.load(rate, seconds)
    time.sleep(seconds / 3)
    _kill(run.worker)
    time.sleep(1)
    run.worker = run.start_worker()
    time.sleep(seconds / 3)
    _kill(run.api.proc)
    time.sleep(1)
    run.restart_api()
    return run.finish()


def _redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes", "--appendfsync", "always", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    import redis

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port).ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def scenario_redis(folder: Path, rate: float, seconds: float) -> dict[str, object]:
    port = free_port()
    server = _redis(port, folder)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        run = Run(folder, f"sqlite:///{folder}/graph.db", url)
        run.load(rate, seconds)
        time.sleep(seconds / 3)
        _kill(server)
        time.sleep(2)
        server = _redis(port, folder)
        return run.finish()
    finally:
        _kill(server)


def scenario_neo4j(folder: Path, rate: float, seconds: float) -> dict[str, object]:
    from tests.support.neo4j_server import Neo4jServer

    neo = Neo4jServer()
    try:
        run = Run(folder, neo.url, f"sqlite:///{folder}/queue.db")
        run.load(rate, seconds)
        time.sleep(seconds / 3)
        neo.stop()
        time.sleep(3)
        neo.start()
        return run.finish()
    finally:
        neo.shutdown()


def scenario_disk(folder: Path, rate: float, seconds: float) -> dict[str, object]:
    disk = folder / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        raise RuntimeError(f"cannot mount a tmpfs: {mounted.stderr.strip()}")
    try:
        run = Run(folder, f"sqlite:///{disk}/graph.db")
        run.load(rate, seconds)
        time.sleep(seconds / 3)
        filler = disk / "filler"
        fd = os.open(filler, os.O_CREAT | os.O_WRONLY)
        try:  # fill what is left
            while os.write(fd, b"\0" * 65536):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        time.sleep(seconds / 3)
        filler.unlink()
        return run.finish()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def scenario_corrupt(folder: Path, rate: float, seconds: float) -> dict[str, object]:
    db = folder / "graph.db"
    run = Run(folder, f"sqlite:///{db}")
    run.load(rate, seconds)
    time.sleep(seconds / 2)
    with db.open("r+b") as f:  # pages 2.. overwritten; the header stays
        f.seek(4096)
        f.write(os.urandom(16 * 4096))
    ready = httpx.get(run.api.base_url + "/readyz", timeout=10).status_code
    if run.thread is not None:
        run.thread.join()
    statuses = dict(sorted(run.tally.statuses.items()))
    run.api.stop()
    _kill(run.worker)
    return {"sent": run.tally.sent, "accepted": len(run.tally.accepted),
            "statuses": statuses, "readyz_after_corruption": ready,
            "connection_errors": run.tally.errors}


SCENARIOS = {"kill": scenario_kill, "redis": scenario_redis, "neo4j": scenario_neo4j,
             "disk": scenario_disk, "corrupt": scenario_corrupt}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="all", choices=[*SCENARIOS, "all"])
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    for name in names:
        folder = Path(tempfile.mkdtemp(prefix=f"faults-{name}-"))
        try:
            result = SCENARIOS[name](folder, args.rate, args.seconds)
        except Exception as exc:  # report and go on with the next scenario
            result = {"failed": f"{type(exc).__name__}: {exc}"}
        finally:
            while STARTED:
                _kill(STARTED.pop())
        print(json.dumps({"scenario": name, **result}), flush=True)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
