"""`410 Gone` from a real kube-apiserver: the watcher is cut off, the workload is deleted
meanwhile and etcd is compacted past every version the watcher knows; when it reconnects
the API server answers its watch with ERROR 410 `Expired`, the watcher relists, and the
relist turns the deletion into the workload's end, recorded once.

The API server runs with `--watch-cache=false`, so a watch is served from etcd and an
old resourceVersion meets etcd's compaction (with the watch cache on, the server answers
from its cache window instead and says 410 only once the window has moved past it).
The cut is a TCP forwarder between the watcher and the API server (tests/support/tcp_cut.py);
the bytes, TLS and the 410 are the API server's own."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from provenance_linker.queries.running import history
from provenance_linker.queries.unsigned import unsigned_in_environment
from provenance_linker.runtime.facts import RUNTIME_STREAM
from provenance_linker.runtime.watch import ClusterWatcher, WatchOptions, api_client
from provenance_linker.store import open_store
from provenance_linker.telemetry import logging as tlog
from provenance_linker.telemetry import metrics

from ..support.kube import ControlPlane, start_control_plane
from ..support.tcp_cut import TcpCut
from .helpers import digest_of, log_events
from .kube_objects import Kube, wait_for

API = digest_of("gone-api")


@pytest.fixture(scope="module")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    plane = start_control_plane(tmp_path_factory.mktemp("kube-gone"), ("--watch-cache=false",))
    try:
        yield plane
    finally:
        plane.stop()


def _through(plane: ControlPlane, cut: TcpCut, tmp: Path) -> Path:
    """A kubeconfig like the plane's, with the server behind the forwarder."""
    config = yaml.safe_load(plane.kubeconfig.read_text())
    config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{cut.port}"
    path = tmp / "kubeconfig-cut"
    path.write_text(yaml.safe_dump(config))
    return path


def _scenario(tmp_path: Path, plane: ControlPlane, ns: str, *, write_after: bool) -> str:
    """Run the watcher through the cut, the deletion and the compaction; return the log."""
    tlog.configure(level="INFO", stream=(log := io.StringIO()))
    store = open_store(f"sqlite:///{tmp_path}/graph.db")
    kube = Kube(plane.api())
    kube.namespace(ns, "production")
    kube.deployment(ns, "api", f"reg.test/{ns}/api@{API}", API)
    cut = TcpCut(int(plane.url.rsplit(":", 1)[1]))
    watcher = ClusterWatcher(store, api_client(str(_through(plane, cut, tmp_path)), None,
                                               False),
                             WatchOptions(cluster=ns, flush_interval=0.05,
                                          backoff_initial=0.1, backoff_max=0.4))
    thread = threading.Thread(target=watcher.run, daemon=True)
    relists = metrics.cluster_watch_events_total.labels("deployments", "RELIST")
    relist0 = relists._value.get()

    def unsigned() -> list[str]:
        return [r["deployment"] for r in unsigned_in_environment(store, "production")]

    try:
        thread.start()
        assert wait_for(lambda: unsigned() == ["api"], "api running, unsigned", timeout=60)
        assert wait_for(lambda: len(watcher.listed) == 7, "every resource listed")
        cut.cut()  # the watcher loses the API server and retries with backoff
        kube.delete_deployment(ns, "api")  # pods linger: no garbage collector here
        if write_after:  # the compaction then lies past the deletion as well
            kube.core.create_namespaced_config_map(ns, {"metadata": {"name": "later"}})
        plane.compact_etcd()  # every version the watcher has seen is compacted away
        assert relists._value.get() == relist0  # nothing relisted yet
        cut.restore()
        assert wait_for(lambda: unsigned() == [], "the deletion found by the relist",
                        timeout=60)
        assert relists._value.get() > relist0  # relisted, not replayed
    finally:
        watcher.stop()
        thread.join(10)
        cut.stop()
    key = f"{ns}/Deployment/api"
    intervals = history(store, key, ns)["history"]
    assert [h["end_reason"] for h in intervals] == ["deleted"]
    events = [(e.payload["event"], e.payload["deployment"])
              for e in store.read_log(RUNTIME_STREAM)]
    assert events == [("started", f"{ns}/{key}"), ("ended", f"{ns}/{key}")]
    store.close()
    return log.getvalue()


def _relists(text: str) -> list[dict[str, object]]:
    return [r for r in log_events(text, "cluster_watch_relist")
            if r.get("resource") == "deployments"]


def test_410_from_the_api_server_relists_and_ends_the_deleted_workload(
        tmp_path: Path, plane: ControlPlane) -> None:
    text = _scenario(tmp_path, plane, "gone", write_after=True)
    assert any(r.get("code") == 410 for r in _relists(text)), _relists(text)


def test_a_watch_the_server_cannot_replay_relists_too(tmp_path: Path,
                                                      plane: ControlPlane) -> None:
    """Compacted exactly at the deletion, the watch from the old version starts at the
    compaction point and etcd replays the deletion without its previous state: the API
    server answers every such watch with ERROR 500 (`PrevKv=nil`), so reconnecting from
    the same version would fail forever; the watcher relists instead."""
    text = _scenario(tmp_path, plane, "replay", write_after=False)
    assert _relists(text)
