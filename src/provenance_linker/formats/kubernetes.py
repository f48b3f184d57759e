"""Kubernetes workload snapshots (`kubectl get deploy,sts,ds,pods -A -o json|yaml`).

Reads a `List` or single objects (JSON, or YAML with one or more documents) and returns
one `Workload` per Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod.
A Pod owned by a ReplicaSet is folded into its Deployment (the ReplicaSet name minus the
`pod-template-hash`), contributing the digests the kubelet resolved (`imageID`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import yaml

from ..documents import Document
from ..errors import InvalidDocument, LimitExceeded
from .options import ParseOptions
from .osv import _SafeNoAliasLoader

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
                  "Pod"}
MAX_OBJECTS = 200_000


@dataclass(slots=True)
class Container:
    name: str
    image: str  # as written in the spec
    image_id: str | None = None  # from Pod status (`docker-pullable://name@sha256:…`)


@dataclass(slots=True)
class Workload:
    kind: str
    namespace: str
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    replicas: int | None = None
    containers: list[Container] = field(default_factory=list)
    where: str = ""


@dataclass(slots=True)
class KubernetesRecord:
    workloads: list[Workload]
    skipped: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def _at(value: Any, *keys: str) -> Any:
    """value[k1][k2]… or {} where a level is missing or not an object."""
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
        if value is None:
            return {}
    return value


def _pod_spec(obj: Mapping[str, Any]) -> Any:
    kind = obj.get("kind")
    if kind == "Pod":
        return _at(obj, "spec")
    if kind == "CronJob":
        return _at(obj, "spec", "jobTemplate", "spec", "template", "spec")
    return _at(obj, "spec", "template", "spec")


def _owner(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    """The workload a Pod belongs to: (kind, name)."""
    meta = obj.get("metadata") or {}
    for ref in meta.get("ownerReferences") or []:
        if not isinstance(ref, Mapping):
            continue
        kind, name = ref.get("kind"), str(ref.get("name") or "")
        if kind == "ReplicaSet":
            hash_ = str((meta.get("labels") or {}).get("pod-template-hash") or "")
            if hash_ and name.endswith("-" + hash_):
                return "Deployment", name[: -len(hash_) - 1]
            return "ReplicaSet", name
        if kind in WORKLOAD_KINDS and name:
            return str(kind), name
    return None


def _workload(obj: Mapping[str, Any], where: str) -> Workload:
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str):
        raise InvalidDocument("a workload needs metadata.name", where=f"{where}.metadata")
    spec = _pod_spec(obj)
    spec_path = f"{where}.spec" if obj.get("kind") == "Pod" else (
        f"{where}.spec.jobTemplate.spec.template.spec" if obj.get("kind") == "CronJob"
        else f"{where}.spec.template.spec")
    if not isinstance(spec, Mapping):
        raise InvalidDocument("expected an object", where=spec_path)
    containers = []
    for section in ("initContainers", "containers"):
        entries = spec.get(section) or []
        if not isinstance(entries, list):
            raise InvalidDocument("expected a list", where=f"{spec_path}.{section}")
        for i, c in enumerate(entries):
            if not isinstance(c, Mapping) or not isinstance(c.get("image"), str):
                raise InvalidDocument("a container needs an image",
                                      where=f"{spec_path}.{section}[{i}]")
            containers.append(Container(str(c.get("name") or ""), str(c["image"])))
    if obj.get("kind") == "Pod":
        status = _at(obj, "status")
        by_name = {c.name: c for c in containers}
        for section in ("initContainerStatuses", "containerStatuses"):
            statuses = status.get(section) if isinstance(status, Mapping) else None
            for s in statuses if isinstance(statuses, list) else []:
                if isinstance(s, Mapping) and s.get("name") in by_name and s.get("imageID"):
                    by_name[s["name"]].image_id = str(s["imageID"])
    labels = meta.get("labels") or {}
    replicas = _at(obj, "spec").get("replicas") if isinstance(_at(obj, "spec"), Mapping) \
        else None
    return Workload(kind=str(obj.get("kind")), namespace=str(meta.get("namespace") or "default"),
                    name=str(meta["name"]),
                    labels={str(k): str(v) for k, v in labels.items()}
                    if isinstance(labels, Mapping) else {},
                    replicas=replicas if isinstance(replicas, int) else None,
                    containers=containers, where=where)


def _objects(data: Any, where: str) -> list[tuple[Mapping[str, Any], str]]:
    out: list[tuple[Mapping[str, Any], str]] = []
    docs = data if isinstance(data, list) else [data]
    for d, doc in enumerate(docs):
        base = f"$[{d}]" if isinstance(data, list) else "$"
        if doc is None:
            continue
        if not isinstance(doc, Mapping) or "kind" not in doc:
            raise InvalidDocument("expected a Kubernetes object", where=f"{where}: {base}")
        if str(doc["kind"]).endswith("List"):
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise InvalidDocument("expected a list", where=f"{where}: {base}.items")
            out += [(item, f"{base}.items[{i}]") for i, item in enumerate(items)]
        else:
            out.append((doc, base))
    return out


def parse(document: Document, options: ParseOptions) -> KubernetesRecord:
    text = document.text
    stripped = text.lstrip()
    try:
        if stripped[:1] in "{[":
            data: Any = orjson.loads(stripped)
        else:
            data = [d for d in yaml.load_all(stripped, Loader=_SafeNoAliasLoader)]
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidDocument(f"malformed Kubernetes document: {exc}",
                              where=document.name) from exc
    objects = _objects(data, document.name)
    if len(objects) > MAX_OBJECTS:
        raise LimitExceeded(f"{len(objects)} objects, over the limit of {MAX_OBJECTS}",
                            where=document.name)
    workloads: list[Workload] = []
    skipped: dict[str, int] = {}
    for obj, where in objects:
        if not isinstance(obj, Mapping):
            raise InvalidDocument("expected an object", where=f"{document.name}: {where}")
        kind = str(obj.get("kind"))
        if kind not in WORKLOAD_KINDS:
            skipped[kind] = skipped.get(kind, 0) + 1
            continue
        try:
            workload = _workload(obj, where)
        except InvalidDocument as exc:
            raise exc.with_where(document.name) from None
        owner = _owner(obj) if kind == "Pod" else None
        if owner is not None:
            workload.kind, workload.name = owner
            workload.replicas = None
        workloads.append(workload)
    if not workloads:
        raise InvalidDocument("no workloads (Deployment, StatefulSet, DaemonSet, Pod, …) in "
                              "this document", where=document.name)
    return KubernetesRecord(workloads=workloads, skipped=skipped)
