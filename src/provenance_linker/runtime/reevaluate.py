"""Continuous re-evaluation: new evidence re-judges the artifacts that run now.

Hooked once in the core: the ingest orchestrator calls `after_ingest` after every new
document (CLI, API and worker all ingest through it), the trust store calls
`after_trust_change` after every key or identity change, quarantine calls
`reevaluate_running`. Only the affected subset is judged; each workload whose verdict
changed logs one `verdict_changed` event and counts in
`provenance_verdict_changes_total`. Verdicts live in one record per environment.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from ..model import Batch, EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore
from ..telemetry import events
from ..telemetry.logging import get_logger
from . import evidence
from .facts import DOCUMENT_KIND, RUNTIME_STREAM
from .history import running_now

COLLECTION = "runtime.verdicts"
# Called as (store, changes) after a re-evaluation changed verdicts: outbound
# notifications (ops/notify.py). Named, not imported: ops/ is beside runtime/ in the
# domain layer, and a notifier's failure must never undo or stop a re-evaluation.
CHANGE_HOOKS: list[str] = ["provenance_linker.ops.notify:after_verdict_changes"]
RUNTIME_KINDS = frozenset({DOCUMENT_KIND, "deployment"})
MAX_IMAGE_LEVELS = 8


def _artifacts_listing(store: GraphStore, packages: set[str]) -> set[str]:
    """Artifacts whose SBOM lists one of the packages, and images built on them."""
    found: set[str] = set()
    frontier = packages
    for _ in range(MAX_IMAGE_LEVELS):
        if not frontier:
            break
        listing = store.edges([EdgeKind.LISTS], dst=[NodeRef(NodeKind.PACKAGE, p)
                                                     for p in sorted(frontier)])
        sboms = [NodeRef(NodeKind.SBOM, s) for s in sorted({e.src.key for e in listing})]
        arts = {e.dst.key for e in store.edges([EdgeKind.DESCRIBES], src=sboms)} \
            if sboms else set()
        fresh = arts - found
        found |= fresh
        frontier = {e.src.key for e in store.edges(
            [EdgeKind.IS], dst=[NodeRef(NodeKind.ARTIFACT, a) for a in sorted(fresh)])} \
            if fresh else set()
    return found


def affected_by_batch(store: GraphStore, batch: Batch) -> set[str]:
    """Artifact digests whose verdict the document may change."""
    digests: set[str] = set()
    packages: set[str] = set()
    for e in batch.edges:
        if e.kind == EdgeKind.AFFECTED_BY:
            packages.add(e.src.key)
        elif e.kind in (EdgeKind.VEX, EdgeKind.BUILT_BY) and e.src.kind == NodeKind.ARTIFACT:
            digests.add(e.src.key)
        elif e.kind in (EdgeKind.DESCRIBES, EdgeKind.SIGNS, EdgeKind.ATTESTS):
            digests.add(e.dst.key)
    if packages:
        digests |= _artifacts_listing(store, packages)
    return digests


def affected_by_key(store: GraphStore, key_id: str | None) -> set[str] | None:
    """Artifacts signed by the key (None: every running artifact, e.g. for identities)."""
    if key_id is None:
        return None
    nodes = [*store.find(NodeKind.SIGNATURE, {"key_id": key_id}),
             *store.find(NodeKind.ATTESTATION, {"key_id": key_id})]
    if not nodes:
        return set()
    edges = store.edges([EdgeKind.SIGNS, EdgeKind.ATTESTS], src=[n.ref for n in nodes])
    return {e.dst.key for e in edges}


def after_ingest(store: GraphStore, batch: Batch) -> None:
    """The orchestrator's hook (ingest.orchestrator.AFTER_APPLY) for a newly stored document."""
    cause = {"kind": batch.document.kind, "document": batch.document.digest,
             "name": batch.document.name}
    if batch.document.kind in RUNTIME_KINDS:
        after_runtime_change(store, batch)
        return
    evidence.bump(store, cause)
    if not store.find(NodeKind.DEPLOYMENT, {"running": True}, limit=1):
        return  # nothing runs: nothing to re-judge
    digests = affected_by_batch(store, batch)
    if digests:
        reevaluate_running(store, digests, cause)


def after_trust_change(store: GraphStore, cause: dict[str, Any]) -> None:
    """The trust store's hook (trust.trust_store.CHANGE_HOOKS): keys, identities, roots."""
    evidence.bump(store, cause)
    key = cause.get("key_id")
    digests = affected_by_key(store, str(key) if key else None)
    if digests is None or digests:
        reevaluate_running(store, digests, cause)


def after_runtime_change(store: GraphStore, *batches: Batch) -> None:
    """Workloads that started or changed get a verdict (no event: nothing changed)."""
    touched = {str(p.get("deployment")) for batch in batches for stream, p in batch.log
               if stream == RUNTIME_STREAM}
    if touched:
        reevaluate_running(store, None, {"kind": "runtime",
                                         "documents": [b.document.digest for b in batches]},
                           only_deployments=touched, forget=touched)


def _load(store: GraphStore) -> dict[str, dict[str, Any]]:
    return {env: dict(value.get("verdicts") or {})
            for env, value in store.list_records(COLLECTION)}


def reevaluate_running(store: GraphStore, digests: Iterable[str] | None,
                       cause: dict[str, Any], *, only_deployments: set[str] | None = None,
                       forget: set[str] | None = None) -> list[dict[str, Any]]:
    """Re-judge what runs now (all, or the workloads running `digests`); log changes."""
    if only_deployments is not None:
        runs = running_now(store, deployments=only_deployments)
    elif digests is not None:
        runs = running_now(store, digests)
    else:
        runs = running_now(store)
    from ..telemetry import metrics  # imported when something runs: the judge needs the
    from .judge import Judge  # trust engine, which an ingest with nothing running does not

    judge = Judge(store)
    stored = _load(store)
    dirty: set[str] = set()
    for gone in forget or ():
        for name, table in stored.items():
            for slot in [s for s in table if s.split("|", 1)[0] == gone]:
                del table[slot]
                dirty.add(name)
    verdicts = judge.judge_many((run.digest, run.environment) for run in runs)
    changes: list[dict[str, Any]] = []
    counted: dict[tuple[str, str], int] = {}
    # Bound once for this call: the lazy proxy would bind again for each of thousands of
    # events.
    log = get_logger(component=events.COMPONENT_VERIFIER).bind()
    for run in runs:
        env = run.environment
        verdict = verdicts[(run.digest, env)]
        slot = f"{run.deployment}|{run.digest}"
        table = stored.setdefault(env or "", {})
        old = table.get(slot)
        new = {"deployment": run.deployment, "digest": run.digest, "image": run.image,
               "environment": env, "result": verdict.result, "failed": list(verdict.failed)}
        if old is not None and old.get("result") != verdict.result:
            change = {"deployment": run.deployment, "artifact": f"{run.image}@{run.digest}",
                      "environment": env, "old": old.get("result"), "new": verdict.result,
                      "failed": list(verdict.failed), "cause": cause}
            log.warning(events.VERDICT_CHANGED, **change)
            counted[(env or "", verdict.result)] = counted.get((env or "", verdict.result), 0) + 1
            changes.append(change)
        if old != new:
            table[slot] = new
            dirty.add(env or "")
    for (env_name, result), count in counted.items():
        metrics.verdict_changes_total.labels(env_name, result).inc(count)
    for env in sorted(dirty):
        store.put_record(COLLECTION, env, {"verdicts": stored[env]})
    if changes:
        _changed(store, changes)
    return changes


def _changed(store: GraphStore, changes: list[dict[str, Any]]) -> None:
    for target in CHANGE_HOOKS:
        module, name = target.split(":")
        try:
            getattr(importlib.import_module(module), name)(store, changes)
        except Exception as exc:  # logged; the verdicts are stored either way
            get_logger().error(events.REEVALUATION_FAILED, hook=target, error=str(exc))


def verdict_gauge_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    """`provenance_running_verdicts{environment,result}`: running workload images."""
    counts: dict[tuple[str, str], int] = {}
    for env, table in _load(store).items():
        for v in table.values():
            counts[(env, str(v.get("result")))] = counts.get((env, str(v.get("result"))), 0) + 1
    return [({"environment": env, "result": result}, float(n))
            for (env, result), n in sorted(counts.items())]
