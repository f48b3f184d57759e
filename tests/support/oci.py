"""Real OCI registries on loopback for the registry tests: the CNCF distribution registry
(plain, htpasswd basic auth behind TLS, or token auth trusting `TokenServer`) and
go-containerregistry's registry with the OCI referrers API on. Certificates are made here
with `cryptography`; every process is stopped by its own pid."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import bcrypt
import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from .loopback_http import serve, shutdown
from .service import free_port
from .tools import tool


@dataclass
class Certs:
    ca: Path
    cert: Path
    key: Path


def make_certs(directory: Path, name: str = "registry") -> Certs:
    """A CA and a server certificate for 127.0.0.1 / localhost signed by it."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    certs = Certs(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    certs.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    certs.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    certs.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return certs


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT
    proc: subprocess.Popen[bytes]
    log: Path
    certs: Certs | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.certs else "http"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _wait_ready(registry: Registry, timeout: float = 30.0) -> Registry:
    deadline = time.monotonic() + timeout
    verify: Any = ssl.create_default_context(cafile=str(registry.certs.ca)) \
        if registry.certs else False
    while time.monotonic() < deadline:
        if registry.proc.poll() is not None:
            raise RuntimeError(f"registry exited: {registry.log.read_text()[-2000:]}")
        try:
            httpx.get(f"{registry.scheme}://{registry.host}/v2/", verify=verify, timeout=2)
            return registry
        except httpx.TransportError:
            time.sleep(0.1)
    registry.stop()
    raise RuntimeError(f"registry not ready: {registry.log.read_text()[-2000:]}")


def start_distribution(tmp: Path, *, certs: Certs | None = None,
                       users: dict[str, str] | None = None,
                       token: TokenServer | None = None) -> Registry:
    """The CNCF distribution registry; htpasswd `users` and/or a token server."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    http: dict[str, Any] = {"addr": f"127.0.0.1:{port}", "secret": "test-secret"}
    if certs:
        http["tls"] = {"certificate": str(certs.cert), "key": str(certs.key)}
    config: dict[str, Any] = {"version": 0.1, "log": {"level": "warn"},
                              "storage": {"filesystem": {"rootdirectory": str(tmp / "data")},
                                          "delete": {"enabled": True}},
                              "http": http}
    if users:
        htpasswd = tmp / "htpasswd"
        htpasswd.write_text("".join(
            f"{u}:{bcrypt.hashpw(p.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"
            for u, p in users.items()))
        config["auth"] = {"htpasswd": {"realm": "test", "path": str(htpasswd)}}
    if token:
        config["auth"] = {"token": {"realm": token.realm, "service": token.service,
                                    "issuer": token.issuer,
                                    "rootcertbundle": str(token.cert_path)}}
    path = tmp / "config.yml"
    path.write_text(json.dumps(config))  # JSON is YAML
    log = tmp / "registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(tool("registry")), "serve", str(path)], stdout=out,
                                stderr=subprocess.STDOUT)
    return _wait_ready(Registry(f"127.0.0.1:{port}", proc, log, certs))


def start_referrers_registry(tmp: Path) -> Registry:
    """go-containerregistry's registry (what `crane registry serve` runs) with its OCI 1.1
    referrers API switched on; in memory."""
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = tmp / "referrers-registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(tool("referrers-registry")), "--address",
                                 f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)
    return _wait_ready(Registry(f"127.0.0.1:{port}", proc, log))


# --- the token server the distribution registry's `auth: token:` trusts ----------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenServer:
    """Issues ES256 JWTs (x5c header) to users it knows, granting what they ask."""

    directory: Path
    users: dict[str, str]
    service: str = "registry.test"
    issuer: str = "token-issuer.test"
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "token signer")])
        self._cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                      .public_key(self._key.public_key())
                      .serial_number(x509.random_serial_number())
                      .not_valid_before(now - dt.timedelta(minutes=5))
                      .not_valid_after(now + dt.timedelta(days=1))
                      .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                                     critical=True)
                      .sign(self._key, hashes.SHA256()))
        self.cert_path = self.directory / "token-cert.pem"
        self.cert_path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))
        self.port = free_port()

    @property
    def realm(self) -> str:
        # A name, not 127.0.0.1: go-containerregistry (crane, cosign) refuses token realms
        # at loopback or private IP literals other than the registry's own host.
        return f"http://localhost:{self.port}/token"

    def token(self, subject: str, scopes: list[str]) -> str:
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"alg": "ES256", "typ": "JWT", "x5c": [base64.b64encode(
            self._cert.public_bytes(serialization.Encoding.DER)).decode()]}
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service, "iat": now,
                  "nbf": now - 5, "exp": now + 300, "jti": hashlib.sha256(
                      os.urandom(16)).hexdigest(), "access": access}
        signing = f"{_b64url(json.dumps(header).encode())}." \
                  f"{_b64url(json.dumps(claims).encode())}"
        r, s = decode_dss_signature(self._key.sign(signing.encode(),
                                                   ec.ECDSA(hashes.SHA256())))
        return f"{signing}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def start(self) -> TokenServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                auth = self.headers.get("Authorization", "")
                owner.requests.append({"query": query, "authorization": auth})
                user = None
                if auth.startswith("Basic "):
                    name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                    user = name if owner.users.get(name) == password else None
                if user is None:
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.dumps({"token": owner.token(user, query.get("scope", [])),
                                   "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = serve(Handler, self.port)
        return self

    def stop(self) -> None:
        shutdown(self._server)


def docker_config(directory: Path, auths: dict[str, tuple[str, str]]) -> Path:
    """A DOCKER_CONFIG directory whose config.json logs in to each host."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = {host: {"auth": base64.b64encode(f"{u}:{p}".encode()).decode()}
               for host, (u, p) in auths.items()}
    (directory / "config.json").write_text(json.dumps({"auths": entries}))
    return directory / "config.json"
