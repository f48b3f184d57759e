"""ClusterState: Pods and owners as the API server sends them → workload facts."""

from __future__ import annotations

from typing import Any

from provenance_linker.runtime.cluster_state import ClusterState
from provenance_linker.runtime.environments import EnvironmentRule

from .helpers import digest_of

A, B, C = digest_of("a"), digest_of("b"), digest_of("c")


def _pod(name: str, owner: tuple[str, str] | None, spec: dict[str, Any],
         statuses: dict[str, Any], phase: str = "Running", ns: str = "ns") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns}
    if owner:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    return {"metadata": meta, "spec": spec, "status": {"phase": phase, **statuses}}


def test_init_and_ephemeral_containers_and_unresolved_images() -> None:
    state = ClusterState("c", EnvironmentRule(namespaces={"ns": "production"}))
    state.apply("statefulsets", "ADDED", {"metadata": {"name": "db", "namespace": "ns"},
                                          "spec": {"replicas": 1}})
    spec = {"initContainers": [{"name": "init", "image": "reg/init:1"}],
            "containers": [{"name": "db", "image": "reg/db:2"},
                           {"name": "side", "image": "reg/side:latest"},
                           {"name": "odd", "image": "reg/ODD;rm:1"}],
            "ephemeralContainers": [{"name": "debug", "image": f"reg/debug@{C}"}]}
    statuses = {"initContainerStatuses": [{"name": "init", "imageID": f"reg/init@{A}"}],
                "containerStatuses": [{"name": "db", "imageID": f"docker-pullable://reg/db@{B}"},
                                      {"name": "side", "imageID": "sha256:" + "f" * 64}]}
    dirty = state.apply("pods", "ADDED", _pod("db-0", ("StatefulSet", "db"), spec, statuses))
    assert dirty == {("ns", "StatefulSet", "db")}
    fact = state.fact(("ns", "StatefulSet", "db"))
    assert fact.running and fact.environment == "production"
    found = {i.container: (i.digest, i.reason) for i in fact.images}
    assert found["init"] == (A, None) and found["db"] == (B, None)
    assert found["debug"] == (C, None)
    assert found["side"][0] is None and "local image id" in str(found["side"][1])
    assert found["odd"][0] is None and "not a valid image reference" in str(found["odd"][1])


def test_owner_chain_scaling_deletion_and_relist() -> None:
    state = ClusterState("c")
    state.apply("jobs", "ADDED", {"metadata": {"name": "nightly-1", "namespace": "ns",
                                               "ownerReferences": [{"kind": "CronJob",
                                                                    "name": "nightly"}]}})
    spec = {"containers": [{"name": "j", "image": f"reg/job@{A}"}]}
    state.apply("pods", "ADDED", _pod("nightly-1-x", ("Job", "nightly-1"), spec, {}))
    assert state.fact(("ns", "CronJob", "nightly")).running
    # A Deployment's pod seen before its ReplicaSet: the pod-template-hash names it.
    pod = _pod("web-5d4-x", ("ReplicaSet", "web-5d4"), spec, {})
    pod["metadata"]["labels"] = {"pod-template-hash": "5d4"}
    state.apply("pods", "ADDED", pod)
    top = ("ns", "Deployment", "web")
    assert state.fact(top).reason == "deleted"  # its Deployment not seen (yet)
    state.apply("deployments", "ADDED", {"metadata": {"name": "web", "namespace": "ns"},
                                         "spec": {"replicas": 2}})
    assert state.fact(top).running
    state.apply("deployments", "MODIFIED", {"metadata": {"name": "web", "namespace": "ns"},
                                            "spec": {"replicas": 0}})
    assert state.fact(top).reason == "scaled to 0"
    state.apply("deployments", "MODIFIED", {"metadata": {"name": "web", "namespace": "ns"},
                                            "spec": {"replicas": 1}})
    assert state.fact(top).running
    # A relist without the pod: it was deleted while the watch was down.
    dirty = state.replace_all("pods", [_pod("nightly-1-x", ("Job", "nightly-1"), spec, {})])
    assert top in dirty and state.fact(top).reason == "no running pods"
    state.apply("pods", "MODIFIED", _pod("nightly-1-x", ("Job", "nightly-1"), spec, {},
                                         phase="Succeeded"))
    assert not state.fact(("ns", "CronJob", "nightly")).running
