"""Real processes for the service suites: `provenance-linker serve` on a free loopback
port, `provenance-linker worker`, and a throw-away redis-server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from provenance_linker.access import tokens
from provenance_linker.cli.main import run
from provenance_linker.store import open_store

BIN = Path(sys.executable).with_name("provenance-linker")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENANCE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update({"PROVENANCE_DB": db_url, "PROVENANCE_LOG_LEVEL": "INFO"})
    if "PROVENANCE_CORPUS" in os.environ:
        env["PROVENANCE_CORPUS"] = os.environ["PROVENANCE_CORPUS"]
    env.update(extra or {})
    return env


@dataclass
class Service:
    db_url: str
    base_url: str
    log_path: Path
    proc: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, token: str | None = None, **kw: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30,
                            **kw)  # type: ignore[arg-type]

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def make_token(db_url: str, role: str, name: str) -> str:
    store = open_store(db_url)
    try:
        token, _ = tokens.create(store, tokens.Role(role), name)
        return token
    finally:
        store.close()


def start_service(tmp: Path, *, db_url: str | None = None, workers: int = 1,
                  env: Mapping[str, str] | None = None) -> Service:
    db_url = db_url or f"sqlite:///{tmp}/graph.db"
    port = free_port()
    log_path = tmp / f"serve-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=_env(db_url, env), start_new_session=True)
    service = Service(db_url, f"http://127.0.0.1:{port}", log_path, proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited {proc.returncode}: {log_path.read_text()}")
        try:
            if httpx.get(service.base_url + "/healthz", timeout=1).status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    service.stop()
    raise RuntimeError(f"serve did not come up: {log_path.read_text()}")


def start_worker(db_url: str, log_path: Path, *args: str,
                 env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen([str(BIN), "--db", db_url, "worker", *args], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=_env(db_url, env), start_new_session=True)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free loopback port, no persistence, torn down after."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server not installed: run scripts/system-deps.sh")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    client.close()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def demo_service(tmp: Path, roles: Mapping[str, str]) -> Service:
    """A service over the demo dataset (`provenance-linker demo`), with a token per
    identity in `roles` (identity -> role) in `service.tokens`."""
    db_url = f"sqlite:///{tmp}/graph.db"
    assert run(["--db", db_url, "demo", "--out", str(tmp / "samples")]) == 0
    service = start_service(tmp, db_url=db_url)
    service.tokens = {identity: make_token(db_url, role, identity[:1])
                      for identity, role in roles.items()}
    return service
