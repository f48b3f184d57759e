"""The cluster as the watch sees it: namespaces, owner workloads and Pods → workload facts.

Pure (no I/O): `apply(resource, type, object)` takes the JSON objects the API server
sends and returns the workloads whose facts may have changed; `fact(key)` says what one
workload runs now. A Pod belongs to its top owner (ReplicaSet → Deployment, Job →
CronJob). A workload runs while it has a running Pod and its owner object exists with
replicas ≠ 0; deleting the owner or scaling it to 0 ends it at once, even while Pods
are still terminating.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .environments import EnvironmentRule
from .facts import WorkloadFact
from .images import ImageRun, resolve_image

# Owner kinds the watch lists, so a missing one is known to be gone.
WATCHED_OWNERS = {"replicasets": "ReplicaSet", "deployments": "Deployment",
                  "statefulsets": "StatefulSet", "daemonsets": "DaemonSet", "jobs": "Job"}
SCALABLE = {"Deployment", "StatefulSet", "ReplicaSet"}
Top = tuple[str, str, str]  # namespace, kind, name


@dataclass(slots=True)
class _Owner:
    owner: tuple[str, str] | None  # its own controller (kind, name)
    replicas: int | None
    labels: dict[str, str]


@dataclass(slots=True)
class _Pod:
    direct: tuple[str, str] | None
    top: Top
    running: bool
    containers: list[tuple[str, str, str | None]]  # name, image, imageID
    labels: dict[str, str] = field(default_factory=dict)


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _labels(obj: Mapping[str, Any]) -> dict[str, str]:
    labels = _meta(obj).get("labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}


def _controller(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    refs = [r for r in _meta(obj).get("ownerReferences") or [] if isinstance(r, Mapping)]
    refs.sort(key=lambda r: not r.get("controller"))
    for ref in refs:
        if ref.get("kind") and ref.get("name"):
            return str(ref["kind"]), str(ref["name"])
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _pod_containers(obj: Mapping[str, Any]) -> list[tuple[str, str, str | None]]:
    spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
    status = obj.get("status") if isinstance(obj.get("status"), Mapping) else {}
    assert isinstance(spec, Mapping) and isinstance(status, Mapping)
    ids: dict[str, str] = {}
    for section in ("initContainerStatuses", "containerStatuses",
                    "ephemeralContainerStatuses"):
        for s in _list(status.get(section)):
            if isinstance(s, Mapping) and s.get("name") and s.get("imageID"):
                ids[str(s["name"])] = str(s["imageID"])
    out = []
    for section in ("initContainers", "containers", "ephemeralContainers"):
        for c in _list(spec.get(section)):
            if isinstance(c, Mapping) and isinstance(c.get("image"), str):
                name = str(c.get("name") or "")
                out.append((name, str(c["image"]), ids.get(name)))
    return out


def _pod_running(obj: Mapping[str, Any]) -> bool:
    status = obj.get("status") if isinstance(obj.get("status"), Mapping) else {}
    assert isinstance(status, Mapping)
    if status.get("phase") == "Running":
        return True
    return any(isinstance(s, Mapping) and isinstance(s.get("state"), Mapping)
               and "running" in s["state"] for s in _list(status.get("containerStatuses")))


class ClusterState:
    def __init__(self, cluster: str, rule: EnvironmentRule | None = None) -> None:
        self.cluster = cluster
        self.rule = rule or EnvironmentRule()
        self.namespaces: dict[str, dict[str, str]] = {}
        self.owners: dict[tuple[str, str, str], _Owner] = {}  # (kind, ns, name)
        self.pods: dict[tuple[str, str], _Pod] = {}  # (ns, name)
        self.by_top: dict[Top, set[str]] = {}
        self.by_direct: dict[tuple[str, str, str], set[str]] = {}  # (ns, kind, name)

    # --- owners ----------------------------------------------------------------------
    def _top_of(self, namespace: str, direct: tuple[str, str] | None,
                labels: Mapping[str, str], pod: str) -> Top:
        if direct is None:
            return (namespace, "Pod", pod)
        kind, name = direct
        seen: set[tuple[str, str]] = set()
        while (kind, name) not in seen:
            seen.add((kind, name))
            owner = self.owners.get((kind, namespace, name))
            if owner is not None and owner.owner is not None:
                kind, name = owner.owner
                continue
            if owner is None and kind == "ReplicaSet":
                hash_ = labels.get("pod-template-hash", "")
                if hash_ and name.endswith("-" + hash_):
                    return (namespace, "Deployment", name[: -len(hash_) - 1])
            break
        return (namespace, kind, name)

    def _index(self, namespace: str, name: str, pod: _Pod | None) -> set[Top]:
        dirty: set[Top] = set()
        old = self.pods.pop((namespace, name), None)
        if old is not None:
            dirty.add(old.top)
            self.by_top.get(old.top, set()).discard(name)
            if old.direct:
                self.by_direct.get((namespace, *old.direct), set()).discard(name)
        if pod is not None:
            self.pods[(namespace, name)] = pod
            self.by_top.setdefault(pod.top, set()).add(name)
            if pod.direct:
                self.by_direct.setdefault((namespace, *pod.direct), set()).add(name)
            dirty.add(pod.top)
        return dirty

    def _reresolve(self, namespace: str, kind: str, name: str) -> set[Top]:
        dirty: set[Top] = set()
        for pod_name in list(self.by_direct.get((namespace, kind, name), ())):
            pod = self.pods[(namespace, pod_name)]
            top = self._top_of(namespace, pod.direct, pod.labels, pod_name)
            if top != pod.top:
                dirty |= self._index(namespace, pod_name, _Pod(pod.direct, top, pod.running,
                                                               pod.containers, pod.labels))
        return dirty

    # --- events ----------------------------------------------------------------------
    def apply(self, resource: str, type_: str, obj: Mapping[str, Any]) -> set[Top]:
        meta = _meta(obj)
        name = str(meta.get("name") or "")
        namespace = str(meta.get("namespace") or "")
        deleted = type_ == "DELETED"
        if not name:
            return set()
        if resource == "namespaces":
            if deleted:
                self.namespaces.pop(name, None)
            else:
                self.namespaces[name] = _labels(obj)
            return {t for t in self.by_top if t[0] == name} | {
                (ns, kind, n) for (kind, ns, n) in self.owners if ns == name}
        if resource == "pods":
            if deleted:
                return self._index(namespace, name, None)
            labels = _labels(obj)
            direct = _controller(obj)
            top = self._top_of(namespace, direct, labels, name)
            return self._index(namespace, name, _Pod(direct, top, _pod_running(obj),
                                                     _pod_containers(obj), labels))
        kind = WATCHED_OWNERS.get(resource)
        if kind is None:
            return set()
        key = (kind, namespace, name)
        dirty: set[Top] = {(namespace, kind, name)}
        if deleted:
            self.owners.pop(key, None)
        else:
            spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
            assert isinstance(spec, Mapping)
            replicas = spec.get("replicas", 1 if kind in SCALABLE else None)
            self.owners[key] = _Owner(_controller(obj), replicas if isinstance(
                replicas, int) else None, _labels(obj))
        dirty |= self._reresolve(namespace, kind, name)
        owner = self.owners.get(key)
        if kind == "ReplicaSet":
            # A ReplicaSet's replicas do not end its Deployment (rollouts scale old ones to 0).
            for pod_name in self.by_direct.get((namespace, kind, name), ()):
                dirty.add(self.pods[(namespace, pod_name)].top)
        elif owner is not None and owner.owner is not None:
            dirty.add(self._top_of(namespace, owner.owner, {}, name))
        return dirty

    def replace_all(self, resource: str, objects: Iterable[Mapping[str, Any]]) -> set[Top]:
        """A fresh list: everything of this resource not in it was deleted meanwhile."""
        items = list(objects)
        listed = {(str(_meta(o).get("namespace") or ""), str(_meta(o).get("name") or ""))
                  for o in items}
        dirty: set[Top] = set()
        gone: list[dict[str, Any]]
        if resource == "namespaces":
            gone = [{"metadata": {"name": n}} for n in self.namespaces if ("", n) not in listed]
        elif resource == "pods":
            gone = [{"metadata": {"namespace": ns, "name": n}} for ns, n in self.pods
                    if (ns, n) not in listed]
        else:
            kind = WATCHED_OWNERS.get(resource)
            gone = [{"metadata": {"namespace": ns, "name": n}}
                    for (k, ns, n) in self.owners if k == kind and (ns, n) not in listed]
        for old in gone:
            dirty |= self.apply(resource, "DELETED", old)
        for obj in items:
            dirty |= self.apply(resource, "ADDED", obj)
        return dirty

    # --- facts -----------------------------------------------------------------------
    def fact(self, top: Top) -> WorkloadFact:
        namespace, kind, name = top
        owner = self.owners.get((kind, namespace, name))
        pods = [self.pods[(namespace, p)] for p in sorted(self.by_top.get(top, ()))]
        running = [p for p in pods if p.running]
        labels = owner.labels if owner else (running[0].labels if running else {})
        env = self.rule.of(namespace, self.namespaces.get(namespace, {}), labels)
        reason: str | None = None
        if kind in WATCHED_OWNERS.values() and owner is None:
            reason = "deleted"
        elif owner is not None and owner.replicas == 0:
            reason = "scaled to 0"
        elif not running:
            reason = "no running pods"
        images: dict[tuple[str, str], ImageRun] = {}
        if reason is None:
            for pod in running:
                for container, image, image_id in pod.containers:
                    run = resolve_image(container, image, image_id)
                    slot = (container, run.digest or run.image)
                    if slot not in images:
                        images[slot] = run
        resolved = {(r.container, r.image) for r in images.values() if r.digest}
        images = {k: r for k, r in images.items()
                  if r.digest or (r.container, r.image) not in resolved}
        return WorkloadFact(self.cluster, namespace, kind, name, env, reason is None,
                            tuple(images.values()), owner.replicas if owner else None,
                            dict(labels), reason)
