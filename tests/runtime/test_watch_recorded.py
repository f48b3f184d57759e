"""The watch's failure paths through the official client over real HTTP, against a
loopback server answering as kube-apiserver does: a dropped connection resumes from the
last resourceVersion (nothing lost: events meanwhile are replayed), a 410 Gone relists
and reconciles (deletions meanwhile become ends), and no fact is written twice."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from provenance_linker.queries.running import history
from provenance_linker.queries.unsigned import unsigned_in_environment
from provenance_linker.runtime.facts import RUNTIME_STREAM
from provenance_linker.runtime.watch import ClusterWatcher, WatchOptions
from provenance_linker.store import open_store
from provenance_linker.telemetry import logging as tlog
from provenance_linker.telemetry import metrics

from ..support.recorded_api import RecordedApi
from .helpers import digest_of
from .kube_objects import ENV_LABEL, wait_for

API = digest_of("recorded-api")


def _deployment(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "shop", "uid": "d1"},
            "spec": {"replicas": replicas}}


def _objects(api: RecordedApi, pod_hash: str) -> None:
    rs = f"api-{pod_hash}"
    api.put("deployments", _deployment(1))
    api.put("replicasets", {"metadata": {"name": rs, "namespace": "shop", "ownerReferences": [
        {"kind": "Deployment", "name": "api", "controller": True}]}, "spec": {"replicas": 1}})
    api.put("pods", {"metadata": {"name": f"{rs}-x", "namespace": "shop",
                                  "labels": {"pod-template-hash": pod_hash},
                                  "ownerReferences": [{"kind": "ReplicaSet", "name": rs,
                                                       "controller": True}]},
                     "spec": {"containers": [{"name": "api", "image": "reg.test/api:2"}]},
                     "status": {"phase": "Running", "containerStatuses": [
                         {"name": "api", "imageID": f"reg.test/api@{API}"}]}})


def test_reconnect_and_410_neither_lose_nor_duplicate(tmp_path: Path) -> None:
    from kubernetes import client

    tlog.configure(level="INFO")
    api = RecordedApi()
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    configuration = client.Configuration()
    configuration.host = api.url
    watcher = ClusterWatcher(store, client.ApiClient(configuration), WatchOptions(
        cluster="rec", flush_interval=0.05, backoff_initial=0.1, backoff_max=0.4))
    thread = threading.Thread(target=watcher.run, daemon=True)
    relists = metrics.cluster_watch_events_total.labels("deployments", "RELIST")
    relist0 = relists._value.get()

    def unsigned() -> list[str]:
        return [r["deployment"] for r in unsigned_in_environment(store, "production")]

    try:
        api.put("namespaces", {"metadata": {"name": "shop",
                                            "labels": {ENV_LABEL: "production"}}})
        _objects(api, "5d4")
        thread.start()
        wait_for(lambda: unsigned() == ["api"], "api running")
        # The API server goes away; the scale to 0 happens meanwhile.
        api.drop_watches()
        api.put("deployments", _deployment(0))
        wait_for(lambda: unsigned() == [], "the scale to 0 seen after reconnecting")
        api.put("deployments", _deployment(1))
        wait_for(lambda: unsigned() == ["api"], "scaled up again")
        # Compaction: the versions it knows are gone (410); the deletion happens meanwhile.
        api.expire()
        api.drop_watches()
        api.put("deployments", _deployment(1), "DELETED")
        wait_for(lambda: unsigned() == [], "the deletion found by the relist")
        _objects(api, "7c9")
        wait_for(lambda: unsigned() == ["api"], "re-created")
    finally:
        watcher.stop()
        thread.join(10)
        api.stop()
    assert relists._value.get() > relist0
    intervals = history(store, "shop/Deployment/api", "rec")["history"]
    assert [h["end_reason"] for h in intervals] == ["scaled to 0", "deleted", None]
    events = [(e.payload["event"], e.payload["deployment"]) for e in
              store.read_log(RUNTIME_STREAM)]
    assert events == [("started", "rec/shop/Deployment/api"), ("ended", "rec/shop/Deployment/api")
                      ] * 2 + [("started", "rec/shop/Deployment/api")]
    store.close()
