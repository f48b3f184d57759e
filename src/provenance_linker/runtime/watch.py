"""`watch-cluster`: list, then watch Pods, their owners and namespaces with the official
`kubernetes` client, and keep the store's workload facts equal to the cluster.

One thread per resource lists (remembering `resourceVersion`), then watches from it with
bookmarks; a `410 Gone` (the version is too old) or any other error status the API
server answers the watch with relists, any other failure (network) reconnects
with capped exponential backoff from the last version seen, so nothing is lost or
counted twice (facts are idempotent: a relist compares, it does not append). The main
loop applies events to `ClusterState` and flushes changed workloads through `Recorder`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..errors import ConfigError
from ..store.interface import GraphStore
from ..telemetry import events, metrics
from ..telemetry.logging import get_logger
from .cluster_state import ClusterState, Top
from .environments import EnvironmentRule
from .recorder import Recorder

RESOURCES = ("namespaces", "deployments", "statefulsets", "daemonsets", "replicasets",
             "jobs", "pods")


@dataclass(frozen=True, slots=True)
class WatchOptions:
    cluster: str = "default"
    rule: EnvironmentRule = EnvironmentRule()
    watch_timeout: int = 300  # seconds the API server keeps one watch open
    flush_interval: float = 0.2
    backoff_initial: float = 0.5
    backoff_max: float = 30.0


def api_client(kubeconfig: str | None, context: str | None, in_cluster: bool) -> Any:
    from kubernetes import client, config

    try:
        if in_cluster:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
            return client.ApiClient()
        configuration = client.Configuration()
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig, context=context, client_configuration=configuration)
        return client.ApiClient(configuration)
    except (config.ConfigException, OSError, TypeError, ValueError) as exc:
        raise ConfigError(f"cannot load the Kubernetes configuration: {exc}",
                          where=kubeconfig or ("in-cluster" if in_cluster else "kubeconfig"),
                          hint="pass --kubeconfig FILE, or --in-cluster inside a pod") from exc


def _list_functions(api: Any) -> dict[str, Callable[..., Any]]:
    from kubernetes import client

    core, apps, batch = client.CoreV1Api(api), client.AppsV1Api(api), client.BatchV1Api(api)
    return {"namespaces": core.list_namespace,
            "pods": core.list_pod_for_all_namespaces,
            "deployments": apps.list_deployment_for_all_namespaces,
            "statefulsets": apps.list_stateful_set_for_all_namespaces,
            "daemonsets": apps.list_daemon_set_for_all_namespaces,
            "replicasets": apps.list_replica_set_for_all_namespaces,
            "jobs": batch.list_job_for_all_namespaces}


class _Gone(Exception):
    """The API server cannot resume the watch from this resourceVersion: relist."""

    def __init__(self, code: Any = 410, message: Any = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class ResourceWatch(threading.Thread):
    """List then watch one resource, forever, feeding (resource, type, object) events."""

    def __init__(self, resource: str, func: Callable[..., Any], out: queue.Queue[Any],
                 options: WatchOptions, stop: threading.Event) -> None:
        super().__init__(name=f"watch-{resource}", daemon=True)
        self.resource, self.func, self.out = resource, func, out
        self.options, self.stop = options, stop
        self.version: str | None = None
        self.log = get_logger(component=events.COMPONENT_WATCHER)

    def run(self) -> None:
        delay = self.options.backoff_initial
        while not self.stop.is_set():
            try:
                if self.version is None:
                    self._list()
                self._watch()
                delay = self.options.backoff_initial
            except _Gone as gone:
                metrics.cluster_watch_events_total.labels(self.resource, "RELIST").inc()
                self.log.info(events.WATCH_RELIST, resource=self.resource, code=gone.code,
                              message=str(gone.message or "")[:300])
                self.version = None
            except Exception as exc:  # network, API server restarts, bad answers
                if self.stop.is_set():
                    return
                if getattr(exc, "status", None) == 410:
                    self.version = None
                    continue
                metrics.cluster_watch_events_total.labels(self.resource, "RECONNECT").inc()
                self.log.warning(events.WATCH_RECONNECT, resource=self.resource,
                                 error=str(exc)[:300], retry_in=round(delay, 2))
                self.stop.wait(delay)
                delay = min(delay * 2, self.options.backoff_max)

    def _list(self) -> None:
        resp = self.func(_preload_content=False, _request_timeout=(5, 60))
        body = orjson.loads(resp.data)
        items = body.get("items") or []
        self.version = str((body.get("metadata") or {}).get("resourceVersion") or "")
        self.out.put((self.resource, "LIST", items))

    def _watch(self) -> None:
        from kubernetes.watch.watch import iter_resp_lines

        resp = self.func(watch=True, resource_version=self.version,
                         allow_watch_bookmarks=True,
                         timeout_seconds=self.options.watch_timeout,
                         _preload_content=False,
                         _request_timeout=(5, self.options.watch_timeout + 30))
        try:
            for line in iter_resp_lines(resp):  # type: ignore[no-untyped-call]
                if self.stop.is_set():
                    return
                event = orjson.loads(line)
                type_, obj = str(event.get("type")), event.get("object") or {}
                if type_ == "ERROR":
                    # 410: the version is compacted away. Any other error status (e.g.
                    # 500 when etcd replays an event whose previous state was compacted)
                    # would come back on every reconnect from this version: relist too.
                    raise _Gone(obj.get("code"), obj.get("message"))
                version = (obj.get("metadata") or {}).get("resourceVersion")
                if version:
                    self.version = str(version)
                if type_ != "BOOKMARK":
                    self.out.put((self.resource, type_, obj))
        finally:
            resp.release_conn()


class ClusterWatcher:
    """The watch-cluster loop; `run()` blocks until `stop()` (tests run it in a thread)."""

    def __init__(self, store: GraphStore, api: Any, options: WatchOptions | None = None
                 ) -> None:
        self.options = options or WatchOptions()
        self.state = ClusterState(self.options.cluster, self.options.rule)
        self.recorder = Recorder(store, self.state)
        self.events: queue.Queue[Any] = queue.Queue(maxsize=100_000)
        self._stop = threading.Event()
        self._api = api
        self.listed: set[str] = set()
        self.processed = 0
        self.log = get_logger(component=events.COMPONENT_WATCHER)

    def stop(self) -> None:
        self._stop.set()

    def handle(self, resource: str, type_: str, payload: Any) -> set[Top]:
        if type_ == "LIST":
            self.listed.add(resource)
            metrics.cluster_watch_events_total.labels(resource, "LIST").inc()
            dirty = self.state.replace_all(resource, payload)
            if resource == "namespaces":
                self.recorder.namespaces()
            return dirty
        metrics.cluster_watch_events_total.labels(resource, type_).inc()
        self.processed += 1
        if not isinstance(payload, Mapping):
            return set()
        dirty = self.state.apply(resource, type_, payload)
        if resource == "namespaces":
            self.recorder.namespaces()
        return dirty

    def run(self) -> None:
        functions = _list_functions(self._api)
        threads = [ResourceWatch(r, functions[r], self.events, self.options, self._stop)
                   for r in RESOURCES]
        for t in threads:
            t.start()
        ended_missing = False
        dirty: set[Top] = set()
        deadline = time.monotonic() + self.options.flush_interval
        try:
            while not self._stop.is_set():
                try:
                    resource, type_, payload = self.events.get(
                        timeout=max(0.01, deadline - time.monotonic()))
                    dirty |= self.handle(resource, type_, payload)
                except queue.Empty:
                    pass
                if time.monotonic() < deadline and not self.events.empty():
                    continue
                if len(self.listed) == len(RESOURCES):  # first full picture in
                    self.recorder.flush(dirty)
                    dirty = set()
                    if not ended_missing:
                        self.recorder.end_missing()
                        ended_missing = True
                deadline = time.monotonic() + self.options.flush_interval
        finally:
            self._stop.set()
            for t in threads:
                t.join(timeout=0.2)  # daemon threads; a blocked watch ends with the process
