"""A loopback OSV feed mirror: stdlib http.server on 127.0.0.1 in a thread, serving
files from a directory with ETag / Last-Modified and answering conditional requests
with 304. Every request is recorded (path, status) for the tests to count."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Mirror:
    def __init__(self, root: Path, server: ThreadingHTTPServer) -> None:
        self.root = root
        self.server = server
        self.requests: list[tuple[str, int]] = []

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def statuses(self) -> list[int]:
        out = [status for _, status in self.requests]
        self.requests.clear()
        return out


def _handler(mirror_box: list[Mirror]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def do_GET(self) -> None:  # http.server's naming
            mirror = mirror_box[0]
            path = (mirror.root / self.path.lstrip("/")).resolve()
            if mirror.root.resolve() not in path.parents or not path.is_file():
                self._reply(mirror, 404, b"")
                return
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            mtime = int(path.stat().st_mtime)
            if self.headers.get("If-None-Match") == etag:
                self._reply(mirror, 304, b"", etag, mtime)
                return
            since = self.headers.get("If-Modified-Since")
            if since and not self.headers.get("If-None-Match") \
                    and parsedate_to_datetime(since).timestamp() >= mtime:
                self._reply(mirror, 304, b"", etag, mtime)
                return
            self._reply(mirror, 200, body, etag, mtime)

        def _reply(self, mirror: Mirror, status: int, body: bytes, etag: str | None = None,
                   mtime: int | None = None) -> None:
            mirror.requests.append((self.path, status))
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            if mtime is not None:
                self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

    return Handler


@contextmanager
def serve_mirror(root: Path) -> Iterator[Mirror]:
    box: list[Mirror] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    box.append(Mirror(root, server))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
