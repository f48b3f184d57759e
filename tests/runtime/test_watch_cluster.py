"""watch-cluster against a real kube-apiserver + etcd: create, scale to 0 (the runbook's
fix), scale up, delete and re-create a workload; `query unsigned`, blast radius, the
gauge on /metrics and the history follow each step."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from provenance_linker.demo.signing import generate_key, public_pem
from provenance_linker.queries.blast_radius import blast_radius
from provenance_linker.queries.running import history
from provenance_linker.queries.unsigned import unsigned_in_environment
from provenance_linker.runtime.watch import ClusterWatcher, WatchOptions
from provenance_linker.store import open_store
from provenance_linker.store.interface import GraphStore
from provenance_linker.telemetry import logging as tlog
from provenance_linker.trust.trust_store import TrustStore

from ..support.kube import ControlPlane, start_control_plane
from ..support.service import Service, start_service
from .helpers import Clock, digest_of, ingest, mal_record, publish
from .kube_objects import Kube, wait_for

WEB, API = digest_of("watch-web"), digest_of("watch-api")
SERIES = 'provenance_unsigned_artifacts_in_production{artifact_name="reg.test/shop/api'


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    plane = start_control_plane(tmp_path_factory.mktemp("kube"))
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture
def world(tmp_path: Path, plane: ControlPlane
          ) -> Iterator[tuple[GraphStore, Kube, ClusterWatcher, Service]]:
    tlog.configure(level="INFO")
    db_url = f"sqlite:///{tmp_path}/graph.db"
    store = open_store(db_url)
    clock = Clock("2026-12-01T09:00:00+00:00")
    key, stranger = generate_key(), generate_key()
    TrustStore(store, clock=clock).add_key(public_pem(key), "ci.pub", name="ci")
    publish(store, clock, key, "reg.test/shop/web", WEB, ["pkg:npm/left-pad@1.3.0"])
    publish(store, clock, stranger, "reg.test/shop/api", API, ["pkg:npm/express@4.18.2"])
    ingest(store, mal_record("GHSA-test-0001", "npm", "express", "4.18.2"), "ghsa.json",
           clock)
    watcher = ClusterWatcher(store, plane.api(), WatchOptions(cluster="test",
                                                             flush_interval=0.05))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    service = start_service(tmp_path, db_url=db_url)
    try:
        yield store, Kube(plane.api()), watcher, service
    finally:
        service.stop()
        watcher.stop()
        thread.join(10)
        store.close()


def _unsigned(store: GraphStore) -> list[str]:
    return [r["deployment"] for r in unsigned_in_environment(store, "production")]


def _blast(store: GraphStore) -> list[str]:
    return [d["key"] for d in blast_radius(store, "GHSA-test-0001")["deployments"]]


def _series(service: Service) -> bool:
    with service.client() as client:
        return SERIES in client.get("/metrics").text


def test_workload_lifecycle_through_the_watch(
        world: tuple[GraphStore, Kube, ClusterWatcher, Service]) -> None:
    store, kube, watcher, service = world
    kube.namespace("shop", "production")
    kube.deployment("shop", "web", f"reg.test/shop/web@{WEB}", WEB)
    kube.deployment("shop", "api", "reg.test/shop/api:2.0", API)  # tag; kubelet's digest
    key = "test/shop/Deployment/api"
    assert wait_for(lambda: _unsigned(store) == ["api"], "api unsigned in production")
    assert _blast(store) == [key]
    assert wait_for(lambda: _series(service), "the unsigned series on /metrics")
    # The runbook's fix: kubectl patch deployment api -p '{"spec":{"replicas":0}}'
    kube.scale("shop", "api", 0)
    assert wait_for(lambda: _unsigned(store) == [], "api ended by replicas: 0")
    assert _blast(store) == []
    assert wait_for(lambda: not _series(service), "the series cleared")
    kube.scale("shop", "api", 2)
    assert wait_for(lambda: _unsigned(store) == ["api"], "api running again")
    kube.delete_deployment("shop", "api")  # pods linger: no garbage collector here
    assert wait_for(lambda: _unsigned(store) == [], "api ended by deletion")
    assert _blast(store) == []
    kube.deployment("shop", "api", f"reg.test/shop/api@{API}", API, pod_hash="7c9d6f5b8")
    assert wait_for(lambda: _unsigned(store) == ["api"], "api re-created")
    assert _blast(store) == [key]
    intervals = history(store, "shop/Deployment/api", "test")["history"]
    assert [h["end_reason"] for h in intervals] == ["scaled to 0", "deleted", None]
    assert all(i["images"][0]["digest"] == API for i in intervals)
    # web is signed by a trusted key: never unsigned, not in this advisory's radius.
    web = history(store, "shop/Deployment/web", "test")
    assert web["running"] and len(web["history"]) == 1
    assert watcher.recorder.writes >= 6


def _start(store: GraphStore, plane: ControlPlane) -> tuple[ClusterWatcher, threading.Thread]:
    watcher = ClusterWatcher(store, plane.api(), WatchOptions(cluster="test",
                                                             flush_interval=0.05))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    return watcher, thread


def test_restart_neither_loses_nor_duplicates_facts(tmp_path: Path,
                                                             plane: ControlPlane) -> None:
    from provenance_linker.runtime.facts import RUNTIME_STREAM

    tlog.configure(level="INFO")
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    kube = Kube(plane.api())
    kube.namespace("restart", "production")
    kube.deployment("restart", "one", f"reg.test/shop/web@{WEB}", WEB)
    kube.deployment("restart", "two", f"reg.test/shop/api@{API}", API)
    watcher, thread = _start(store, plane)
    try:
        wait_for(lambda: {"test/restart/Deployment/one", "test/restart/Deployment/two"} <=
                 {r["deployment"] for r in history_rows(store)}, "both running")
    finally:
        watcher.stop()
        thread.join(10)
    entries = len(store.read_log(RUNTIME_STREAM))
    kube.delete_deployment("restart", "two")  # while nobody watches
    watcher, thread = _start(store, plane)
    try:
        wait_for(lambda: not history(store, "restart/Deployment/two", "test")["running"],
                 "two ended after the restart")
        assert history(store, "restart/Deployment/one", "test")["running"]
        time_limit = wait_for(lambda: len(watcher.listed) == 7, "every resource listed")
        assert time_limit
    finally:
        watcher.stop()
        thread.join(10)
    # Exactly one new history entry: two's end; one was not restarted or duplicated.
    new = [e.payload for e in store.read_log(RUNTIME_STREAM)][entries:]
    assert [(e["event"], e["deployment"]) for e in new] == [
        ("ended", "test/restart/Deployment/two")]
    # (A version etcd still holds is replayed, not refused; 410 Gone from this API server
    # after a compaction, and the relist after it: tests/runtime/test_watch_gone.py.)
    store.close()


def history_rows(store: GraphStore) -> list[dict[str, object]]:
    from provenance_linker.runtime.history import running_now

    return [r.as_dict() for r in running_now(store)]


def test_watch_cluster_command(tmp_path: Path, plane: ControlPlane) -> None:
    """The CLI adapter: `watch-cluster --kubeconfig` records a workload; SIGTERM stops it."""
    import signal
    import subprocess

    from ..support.service import BIN

    kube = Kube(plane.api())
    kube.namespace("cli-ns", "staging")
    kube.deployment("cli-ns", "svc", f"reg.test/shop/web@{WEB}", WEB)
    db_url = f"sqlite:///{tmp_path}/graph.db"
    log = tmp_path / "watch.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN), "--db", db_url, "watch-cluster", "--kubeconfig",
                                 str(plane.kubeconfig), "--cluster", "cli"], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    store = open_store(db_url)
    try:
        row = wait_for(lambda: [r for r in history_rows(store)
                                if r["deployment"] == "cli/cli-ns/Deployment/svc"],
                       "the workload recorded by the command", timeout=60)
        assert row[0]["environment"] == "staging" and row[0]["digest"] == WEB
        assert '"event": "workload_started"' in log.read_text() or \
            '"event":"workload_started"' in log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait(5)
        store.close()
    assert code == 0, log.read_text()[-2000:]
