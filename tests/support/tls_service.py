"""`provenance-linker serve` over HTTPS on loopback, with a certificate made by
scripts/webhook-cert.sh (openssl)."""

from __future__ import annotations

import ssl
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from .service import BIN, Service, _env, free_port

ROOT = Path(__file__).resolve().parents[2]


def ca_context(certs: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certs / "ca.crt"))


def make_certs(out: Path, *names: str) -> Path:
    subprocess.run([str(ROOT / "scripts" / "webhook-cert.sh"), str(out), *names],
                   check=True, capture_output=True, timeout=60)
    return out


def start_tls_service(tmp: Path, db_url: str, certs: Path,
                      env: Mapping[str, str] | None = None) -> Service:
    port = free_port()
    log_path = tmp / f"serve-tls-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--tls-cert", str(certs / "tls.crt"), "--tls-key", str(certs / "tls.key")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=_env(db_url, env), start_new_session=True)
    service = Service(db_url, f"https://127.0.0.1:{port}", log_path, proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited {proc.returncode}: {log_path.read_text()}")
        try:
            answer = httpx.get(service.base_url + "/healthz", timeout=1,
                               verify=ca_context(certs))
            if answer.status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    service.stop()
    raise RuntimeError(f"serve did not come up: {log_path.read_text()}")
