"""Workload facts: what one workload runs, and the history stream that keeps them.

A workload runs from `since` until it is deleted, scaled to 0, or missing from a later
snapshot of the same scope. Every start, change and end is one entry of the store's
hash-chained `runtime` log, written in the same transaction as the graph change, so
"what ran where, when" survives every later change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .images import ImageRun

RUNTIME_STREAM = "runtime"
DOCUMENT_KIND = "runtime"

STARTED = "started"
CHANGED = "changed"
ENDED = "ended"


def workload_key(cluster: str, namespace: str, kind: str, name: str) -> str:
    return f"{cluster}/{namespace}/{kind}/{name}"


@dataclass(frozen=True, slots=True)
class WorkloadFact:
    """One workload as observed now (running or not)."""

    cluster: str
    namespace: str
    kind: str
    name: str
    environment: str | None
    running: bool
    images: tuple[ImageRun, ...] = ()
    replicas: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    reason: str | None = None  # why it does not run (deleted, scaled to 0, …)

    @property
    def key(self) -> str:
        return workload_key(self.cluster, self.namespace, self.kind, self.name)

    def signature(self) -> tuple[Any, ...]:
        """What makes two observations the same fact (for change detection)."""
        return (self.running, self.environment, tuple(sorted(
            (i.container, i.image, i.digest or "", i.reason or "") for i in self.images)))


@dataclass(frozen=True, slots=True)
class Scope:
    """What an observation covers: a whole cluster, one namespace, or listed workloads.
    A running workload inside the scope that the observation does not list has ended."""

    cluster: str
    namespace: str | None = None
    keys: frozenset[str] | None = None

    @property
    def label(self) -> str:
        if self.keys is not None:
            return "workloads"
        return "namespace snapshot" if self.namespace is not None else "cluster snapshot"


def images_as_dicts(images: tuple[ImageRun, ...]) -> list[dict[str, str | None]]:
    return [i.as_dict() for i in sorted(images, key=lambda i: (i.container, i.image))]


def images_from_dicts(rows: Any) -> tuple[ImageRun, ...]:
    out = []
    for r in rows if isinstance(rows, list) else []:
        if isinstance(r, Mapping):
            out.append(ImageRun(str(r.get("container") or ""), str(r.get("image") or ""),
                                r.get("digest") or None, r.get("reason") or None))
    return tuple(out)
