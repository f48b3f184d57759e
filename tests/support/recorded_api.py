"""A loopback HTTP server that answers list and watch requests the way kube-apiserver
does (List bodies with metadata.resourceVersion; watch streams of one JSON event per
line: ADDED/MODIFIED/DELETED, BOOKMARK, and an ERROR event with code 410 for a version
that is too old), from objects the test sets. For the watch's failure paths (410,
dropped connections) that a healthy API server seldom shows on demand."""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PATHS = {"/api/v1/namespaces": "namespaces", "/api/v1/pods": "pods",
         "/apis/apps/v1/deployments": "deployments", "/apis/apps/v1/replicasets": "replicasets",
         "/apis/apps/v1/statefulsets": "statefulsets",
         "/apis/apps/v1/daemonsets": "daemonsets", "/apis/batch/v1/jobs": "jobs"}
KINDS = {"namespaces": "Namespace", "pods": "Pod", "deployments": "Deployment",
         "replicasets": "ReplicaSet", "statefulsets": "StatefulSet",
         "daemonsets": "DaemonSet", "jobs": "Job"}


class RecordedApi:
    def __init__(self) -> None:
        self.version = 100
        self.oldest = 100  # watches from an older version get 410 Gone
        self.objects: dict[str, dict[str, dict[str, Any]]] = {r: {} for r in KINDS}
        self.streams: dict[str, list[queue.Queue[bytes | None]]] = {r: [] for r in KINDS}
        self.history: list[tuple[int, str, bytes]] = []  # what a resumed watch replays
        self.lock = threading.Lock()
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                resource = PATHS.get(url.path)
                args = {k: v[0] for k, v in parse_qs(url.query).items()}
                api.requests.append(self.path)
                if resource is None:
                    self.send_error(404)
                    return
                if args.get("watch") in ("true", "1", "True"):
                    api._serve_watch(self, resource, int(args.get("resourceVersion") or 0))
                else:
                    api._serve_list(self, resource)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.drop_watches()
        self.server.shutdown()
        self.server.server_close()

    def _serve_list(self, handler: BaseHTTPRequestHandler, resource: str) -> None:
        with self.lock:
            body = json.dumps({"kind": KINDS[resource] + "List", "apiVersion": "v1",
                               "metadata": {"resourceVersion": str(self.version)},
                               "items": list(self.objects[resource].values())}).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _serve_watch(self, handler: BaseHTTPRequestHandler, resource: str, since: int
                     ) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        stream: queue.Queue[bytes | None] = queue.Queue()

        def chunk(data: bytes) -> None:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            handler.wfile.flush()

        try:
            if since < self.oldest:
                chunk(json.dumps({"type": "ERROR", "object": {
                    "kind": "Status", "apiVersion": "v1", "status": "Failure",
                    "message": f"too old resource version: {since} ({self.oldest})",
                    "reason": "Expired", "code": 410}}).encode() + b"\n")
                chunk(b"")
                handler.close_connection = True
                return
            with self.lock:
                self.streams[resource].append(stream)
                replay = [line for v, r, line in self.history if r == resource and v > since]
            for line in replay:
                chunk(line)
            chunk(json.dumps({"type": "BOOKMARK", "object": {
                "kind": KINDS[resource], "apiVersion": "v1",
                "metadata": {"resourceVersion": str(self.version)}}}).encode() + b"\n")
            while True:
                item = stream.get()
                if item is None:  # the stream ends, as on an API server restart
                    chunk(b"")
                    handler.close_connection = True
                    return
                chunk(item)
        except (BrokenPipeError, ConnectionResetError):
            return
        finally:
            with self.lock:
                if stream in self.streams[resource]:
                    self.streams[resource].remove(stream)

    def put(self, resource: str, obj: dict[str, Any], type_: str | None = None) -> None:
        """Create or update an object and send the event to every open watch."""
        with self.lock:
            self.version += 1
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = str(self.version)
            key = f"{meta.get('namespace', '')}/{meta['name']}"
            if type_ is None:
                type_ = "MODIFIED" if key in self.objects[resource] else "ADDED"
            if type_ == "DELETED":
                self.objects[resource].pop(key, None)
            else:
                self.objects[resource][key] = obj
            line = json.dumps({"type": type_, "object": obj}).encode() + b"\n"
            self.history.append((self.version, resource, line))
            for stream in self.streams[resource]:
                stream.put(line)

    def drop_watches(self) -> None:
        with self.lock:
            for streams in self.streams.values():
                for stream in streams:
                    stream.put(None)

    def expire(self) -> None:
        """Compaction: every version seen so far is too old now (410 on resume)."""
        with self.lock:
            self.version += 1
            self.oldest = self.version
            self.history.clear()
