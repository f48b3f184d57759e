"""Quarantine operations: add (writer), remove (admin), list with the running workloads
to drain, and the `provenance_quarantined_deployments` gauge. Adding and removing are
audited and re-judge what runs now."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..access import audit
from ..errors import Forbidden, NotFound, UsageError
from ..graph.refs import parse_ref, resolve
from ..purls import PurlError, parse_purl
from ..store.interface import GraphStore
from ..trust.gather import gather_many
from .history import running_now
from .quarantine import COLLECTION, KINDS, index, matches
from .reevaluate import reevaluate_running

MAX_REASON = 2000
__all__ = ["KINDS", "add", "drain_gauge_rows", "list_entries", "remove", "to_drain"]


def _target(store: GraphStore, kind: str, value: str) -> tuple[str, list[str]]:
    text = value.strip()
    if kind == "artifact":
        ref = resolve(store, parse_ref(text))
        assert ref.digest is not None
        return ref.digest, [ref.digest]
    if kind == "package":
        try:
            return parse_purl(text).key, [parse_purl(text).key]
        except PurlError as exc:
            raise UsageError(f"not a package URL: {text!r} ({exc})", where="--package") from exc
    from ..vulns.graphview import alias_group

    return text, alias_group(store, text)


def add(store: GraphStore, kind: str, value: str, reason: str, *, actor: str,
        roles: set[str], clock: Callable[[], datetime] | None = None) -> dict[str, Any]:
    if kind not in KINDS:
        raise UsageError(f"unknown quarantine kind {kind!r}", hint="artifact, package or "
                         "vulnerability")
    if not {"writer", "admin"} & roles:
        audit.record(store, action="quarantine.add", actor=actor, outcome="refused",
                     target=value)
        raise Forbidden("adding a quarantine needs the writer role")
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise UsageError("a quarantine needs a reason (at most 2,000 characters)",
                         where="--reason")
    target, ids = _target(store, kind, value)
    ident = "q-" + hashlib.sha256(f"{kind}\n{target}".encode()).hexdigest()[:12]
    now = (clock or (lambda: datetime.now(UTC)))().isoformat()
    entry = {"id": ident, "kind": kind, "target": target, "ids": ids, "reason": reason,
             "added_by": actor, "added_at": now}
    audit.changed(store, action="quarantine.add", actor=actor, outcome="ok", target=target,
                  puts=[(COLLECTION, ident, entry)], quarantine=ident, kind=kind,
                  reason=reason)
    _changed(store, {"kind": "quarantine", "action": "add", "id": ident, "target": target})
    return describe(store, entry)


def remove(store: GraphStore, ident: str, *, actor: str, roles: set[str]) -> None:
    if "admin" not in roles:
        audit.record(store, action="quarantine.remove", actor=actor, outcome="refused",
                     target=ident)
        raise Forbidden("removing a quarantine needs the admin role")
    value = store.get_record(COLLECTION, ident)
    if value is None or not audit.changed(
            store, action="quarantine.remove", actor=actor, outcome="ok",
            target=value.get("target"), deletes=[(COLLECTION, ident)], quarantine=ident)[0]:
        raise NotFound(f"no quarantine {ident!r}", hint="`provenance-linker quarantine list`")
    _changed(store, {"kind": "quarantine", "action": "remove", "id": ident,
                     "target": value.get("target")})


def _changed(store: GraphStore, cause: dict[str, Any]) -> None:
    reevaluate_running(store, None, cause)


def describe(store: GraphStore, entry: dict[str, Any],
             drain: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {k: entry.get(k) for k in ("id", "kind", "target", "reason", "added_by",
                                      "added_at")} | {
        "to_drain": drain if drain is not None else to_drain(store).get(entry["id"], [])}


def to_drain(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    """Quarantine id -> the running workloads that run something it covers."""
    entries = index(store)
    if not entries:
        return {}
    runs = running_now(store)
    evidence = gather_many(store, {r.digest for r in runs})
    held = {digest: matches(store, entries, digest, ev.sbom.get("digest") if ev.sbom
                            else None, [str(v.get("id")) for v in ev.vulnerabilities])
            for digest, ev in evidence.items()}
    out: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        for ident in held.get(run.digest, []):
            out.setdefault(ident, []).append(run.as_dict())
    return out


def list_entries(store: GraphStore) -> list[dict[str, Any]]:
    drain = to_drain(store)
    return [describe(store, v, drain.get(k, []))
            for k, v in sorted(store.list_records(COLLECTION))]


def drain_gauge_rows(store: GraphStore) -> list[tuple[dict[str, str], float]]:
    rows = []
    for ident, workloads in sorted(to_drain(store).items()):
        for w in workloads:
            rows.append(({"deployment": w["name"], "namespace": w["namespace"],
                          "environment": w["environment"] or "", "artifact": w["digest"],
                          "quarantine": ident}, 1.0))
    return rows

