"""Playing the controllers and the kubelet against a real API server (no kubelet here)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
ENV_LABEL = "provenance.dev/environment"


def wait_for(predicate: Callable[[], T], what: str, timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last value {last!r}")


class Kube:
    def __init__(self, api: Any) -> None:
        from kubernetes import client

        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)

    def namespace(self, name: str, environment: str | None = None) -> None:
        labels = {ENV_LABEL: environment} if environment else {}
        self.core.create_namespace({"metadata": {"name": name, "labels": labels}})
        # No controller manager runs here, so nothing makes the namespace's `default`
        # ServiceAccount that pod admission looks up.
        self.core.create_namespaced_service_account(name, {"metadata": {"name": "default"}})

    def deployment(self, ns: str, name: str, image: str, digest: str, *,
                   replicas: int = 1, pod_hash: str = "5d4f8b9c7") -> str:
        """Deployment → ReplicaSet → one running Pod, as the controllers and kubelet
        would make them. Returns the pod's name."""
        labels = {"app": name}
        template = {"metadata": {"labels": labels}, "spec": {
            "automountServiceAccountToken": False,
            "containers": [{"name": name, "image": image}]}}
        dep = self.apps.create_namespaced_deployment(ns, {
            "metadata": {"name": name}, "spec": {"replicas": replicas,
                                                 "selector": {"matchLabels": labels},
                                                 "template": template}})
        rs_name = f"{name}-{pod_hash}"
        rs_labels = {**labels, "pod-template-hash": pod_hash}
        rs = self.apps.create_namespaced_replica_set(ns, {
            "metadata": {"name": rs_name, "labels": rs_labels, "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                "uid": dep.metadata.uid, "controller": True}]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": rs_labels},
                     "template": {**template, "metadata": {"labels": rs_labels}}}})
        return self.pod(ns, f"{rs_name}-x1", image, digest, rs_labels,
                        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name,
                         "uid": rs.metadata.uid, "controller": True})

    def pod(self, ns: str, name: str, image: str, digest: str, labels: dict[str, str],
            owner: dict[str, Any] | None) -> str:
        meta: dict[str, Any] = {"name": name, "labels": labels}
        if owner:
            meta["ownerReferences"] = [owner]
        container = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
        self.core.create_namespaced_pod(ns, {"metadata": meta, "spec": {
            "automountServiceAccountToken": False,
            "containers": [{"name": container, "image": image}]}})
        repo = image.split("@")[0].rsplit(":", 1)[0] if "@" not in image else image.split("@")[0]
        self.core.patch_namespaced_pod_status(name, ns, {"status": {
            "phase": "Running", "containerStatuses": [{
                "name": container, "image": image, "imageID": f"{repo}@{digest}",
                "ready": True, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-12-01T10:00:00Z"}}}]}})
        return name

    def scale(self, ns: str, name: str, replicas: int) -> None:
        # What the runbook runs: kubectl patch deployment X -p '{"spec":{"replicas":0}}'
        self.apps.patch_namespaced_deployment(name, ns, {"spec": {"replicas": replicas}})

    def delete_deployment(self, ns: str, name: str) -> None:
        self.apps.delete_namespaced_deployment(name, ns)
