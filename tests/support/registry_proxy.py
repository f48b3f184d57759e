"""A loopback HTTP server in front of a real registry that misbehaves on purpose: it
corrupts content (a registry that lies about digests), answers a 50 MB manifest,
rate-limits, or redirects blob downloads to another host (blob storage) that records
any credentials it receives."""

from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from .loopback_http import serve, shutdown
from .service import free_port

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length",
               "content-encoding"}


@dataclass
class Behaviour:
    corrupt_blobs: bool = False
    corrupt_manifests: bool = False
    huge_manifest_bytes: int = 0  # answer manifest GETs with this many bytes
    huge_chunked: bool = False  # …without a Content-Length
    rate_limit_first: int = 0  # answer the first N requests 429
    rate_limit_always: bool = False
    retry_after: str = "1"
    redirect_blobs: bool = False


@dataclass
class BlobStorage:
    """Another host: serves what the proxy parked here, records Authorization headers."""

    port: int = field(default_factory=free_port)
    objects: dict[str, bytes] = field(default_factory=dict)
    authorizations: list[str] = field(default_factory=list)
    requests: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> BlobStorage:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                if self.headers.get("Authorization"):
                    owner.authorizations.append(self.headers["Authorization"])
                data = owner.objects.get(self.path.rsplit("/", 1)[-1])
                if data is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = serve(Handler, self.port)
        return self

    def stop(self) -> None:
        shutdown(self._server)


@dataclass
class RegistryProxy:
    upstream: str  # scheme://host:port of the real registry
    verify: Any = False  # CA bundle path for a TLS upstream
    behaviour: Behaviour = field(default_factory=Behaviour)
    storage: BlobStorage | None = None
    port: int = field(default_factory=free_port)
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> RegistryProxy:
        owner = self
        client = httpx.Client(verify=self.verify, timeout=30, follow_redirects=False)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, headers: dict[str, str], body: bytes,
                       *, chunked: bool = False) -> None:
                with owner._lock:
                    owner.requests.append((self.command, self.path, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    step = 1024 * 1024
                    try:
                        for start in range(0, len(body), step):
                            piece = body[start:start + step]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)

            def _handle(self) -> None:
                b = owner.behaviour
                with owner._lock:
                    count = len(owner.requests)
                if b.rate_limit_always or count < b.rate_limit_first:
                    self._reply(429, {"Retry-After": b.retry_after}, b"too many requests")
                    return
                is_manifest = "/manifests/" in self.path
                if is_manifest and b.huge_manifest_bytes and self.command == "GET":
                    self._reply(200, {"Content-Type":
                                      "application/vnd.oci.image.manifest.v1+json"},
                                b"{" + b" " * b.huge_manifest_bytes + b"}",
                                chunked=b.huge_chunked)
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_HEADERS and k.lower() != "host"}
                upstream = client.request(self.command, owner.upstream + self.path,
                                          headers=headers)
                body = upstream.content
                out = {k: v for k, v in upstream.headers.items()
                       if k.lower() not in HOP_HEADERS}
                is_blob = "/blobs/sha256:" in self.path
                if upstream.status_code == 200 and body and self.command == "GET":
                    if is_blob and b.redirect_blobs and owner.storage is not None:
                        key = uuid.uuid4().hex
                        owner.storage.objects[key] = body
                        self._reply(307, {"Location": f"http://{owner.storage.host}/o/{key}"},
                                    b"")
                        return
                    if (is_blob and b.corrupt_blobs) or (is_manifest and b.corrupt_manifests):
                        body = body[:-1] + bytes([body[-1] ^ 1])
                self._reply(upstream.status_code, out, body)

            do_GET = do_HEAD = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = serve(Handler, self.port)
        self._client = client
        return self

    def stop(self) -> None:
        if self._server is not None:
            shutdown(self._server)
            self._client.close()
