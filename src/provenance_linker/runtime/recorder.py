"""Writes what the watch saw: one document per flush of changed workloads.

Only workloads whose fact changed since the last write are written (a Pod event that
changes nothing writes nothing); each is its own document so a later change rewrites
only that workload. Restarting the watch loads what the store says runs and ends what
the first full list no longer shows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from ..model import Batch, DocumentInfo, NodeKind
from ..store.interface import GraphStore
from ..telemetry import events
from ..telemetry.logging import get_logger
from .admission import NAMESPACES
from .cluster_state import ClusterState, Top
from .facts import DOCUMENT_KIND, ENDED, STARTED, Scope, WorkloadFact
from .lifecycle import observe
from .reevaluate import after_runtime_change

_STORED: tuple[Any, ...] = ("stored",)


class Recorder:
    def __init__(self, store: GraphStore, state: ClusterState, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.state = state
        self._clock = clock or (lambda: datetime.now(UTC))
        self._written: dict[str, tuple[Any, ...]] = {}
        self._log = get_logger(component=events.COMPONENT_WATCHER)
        self.writes = 0
        self._namespace_envs: dict[str, str | None] = {}
        for node in store.find(NodeKind.DEPLOYMENT, {"cluster": state.cluster,
                                                     "running": True}):
            self._written[node.key] = _STORED  # differs from any fact: rewritten once

    def namespaces(self) -> None:
        """Keep namespace → environment records for the admission webhook."""
        for ns, labels in self.state.namespaces.items():
            env = self.state.rule.of(ns, labels)
            if self._namespace_envs.get(ns, "?") != env:
                self.store.put_record(NAMESPACES, ns, {"environment": env,
                                                       "cluster": self.state.cluster})
                self._namespace_envs[ns] = env

    def flush(self, dirty: Iterable[Top]) -> int:
        """Write the workloads whose fact changed; returns how many were written."""
        changed: list[WorkloadFact] = []
        for top in sorted(set(dirty)):
            fact = self.state.fact(top)
            self._consider(fact, changed)
        written = [self._write(fact) for fact in changed]
        self._judge(written)
        return len(changed)

    def end_missing(self) -> int:
        """After the first full list: end stored workloads the cluster no longer has."""
        ended = 0
        written: list[Batch | None] = []
        for key in sorted(k for k, v in self._written.items() if v == _STORED):
            _, ns, kind, name = key.split("/", 3)
            written.append(self._write(WorkloadFact(self.state.cluster, ns, kind, name, None,
                                                    False, reason="missing from the cluster")))
            ended += 1
        self._judge(written)
        return ended

    def _consider(self, fact: WorkloadFact, changed: list[WorkloadFact]) -> None:
        old = self._written.get(fact.key)
        if old is None and not fact.running:
            return  # never ran as far as the store knows
        if old != fact.signature():
            changed.append(fact)

    def _judge(self, written: list[Batch | None]) -> None:
        batches = [b for b in written if b is not None]
        if batches:  # one re-evaluation per flush, not per workload
            after_runtime_change(self.store, *batches)

    def _write(self, fact: WorkloadFact) -> Batch | None:
        """Apply one workload's document; the batch if something started, changed or
        ended."""
        now = self._clock().isoformat()
        digest = "sha256:" + hashlib.sha256(orjson.dumps(
            [fact.key, repr(fact.signature()), now, self.writes])).hexdigest()
        info = DocumentInfo(digest=digest, kind=DOCUMENT_KIND, format="kubernetes-watch",
                            name=f"watch:{fact.key}", meta={"cluster": fact.cluster})
        result = observe(self.store, Scope(fact.cluster, keys=frozenset({fact.key})),
                         [fact], now, info)
        self.store.apply(result.batch)
        self.writes += 1
        if fact.running:
            self._written[fact.key] = fact.signature()
        else:
            self._written.pop(fact.key, None)
        for t in result.transitions:
            event = {STARTED: events.WORKLOAD_STARTED, ENDED: events.WORKLOAD_ENDED}.get(
                t.event, events.WORKLOAD_CHANGED)
            self._log.info(event, deployment=t.key, environment=t.environment,
                           digests=list(t.digests), reason=fact.reason)
        for image in fact.images:
            if image.digest is None and fact.running:
                self._log.warning(events.IMAGE_UNRESOLVED, deployment=fact.key,
                                  container=image.container, image=image.image,
                                  reason=image.reason)
        return result.batch if result.transitions else None
