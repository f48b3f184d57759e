"""Quarantine: an artifact, a package (purl) or a vulnerability that must not run.

A quarantined artifact fails every policy and is denied at admission; the workloads
running it are listed as to be drained (`quarantine list`, the
`provenance_quarantined_deployments` gauge). Adding needs the writer role, removing the
admin role; both are audited and re-judge what runs now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import audit
from ..errors import Forbidden, NotFound, UsageError
from ..model import EdgeKind, NodeKind, NodeRef
from ..purls import PurlError, parse_purl
from ..refs import parse_ref, resolve
from ..store.interface import GraphStore
from .history import running_now

COLLECTION = "runtime.quarantine"
KINDS = ("artifact", "package", "vulnerability")
MAX_REASON = 2000


@dataclass(frozen=True, slots=True)
class QuarantineIndex:
    """All entries, indexed for matching many artifacts."""

    artifacts: dict[str, str]  # digest -> entry id
    packages: dict[str, str]  # purl -> entry id
    vulnerabilities: dict[str, str]  # id (and aliases) -> entry id

    def __bool__(self) -> bool:
        return bool(self.artifacts or self.packages or self.vulnerabilities)


def index(store: GraphStore) -> QuarantineIndex:
    arts: dict[str, str] = {}
    pkgs: dict[str, str] = {}
    vulns: dict[str, str] = {}
    for key, value in store.list_records(COLLECTION):
        kind = value.get("kind")
        if kind == "artifact":
            arts[str(value["target"])] = key
        elif kind == "package":
            pkgs[str(value["target"])] = key
        elif kind == "vulnerability":
            for ident in value.get("ids") or [value["target"]]:
                vulns[str(ident)] = key
    return QuarantineIndex(arts, pkgs, vulns)


def matches(store: GraphStore, quarantine: QuarantineIndex, digest: str,
            sbom: str | None, vulnerability_ids: Iterable[str]) -> list[str]:
    """The quarantine entries an artifact falls under."""
    found: list[str] = []
    if digest in quarantine.artifacts:
        found.append(quarantine.artifacts[digest])
    found += [quarantine.vulnerabilities[v] for v in vulnerability_ids
              if v in quarantine.vulnerabilities]
    if quarantine.packages and sbom:
        refs = [NodeRef(NodeKind.PACKAGE, p) for p in sorted(quarantine.packages)]
        for e in store.edges([EdgeKind.LISTS], src=[NodeRef(NodeKind.SBOM, sbom)], dst=refs):
            found.append(quarantine.packages[e.dst.key])
    return sorted(set(found))


def _target(store: GraphStore, kind: str, value: str) -> tuple[str, list[str]]:
    text = value.strip()
    if kind == "artifact":
        ref = resolve(store, parse_ref(text))
        assert ref.digest is not None
        return ref.digest, [ref.digest]
    if kind == "package":
        try:
            return parse_purl(text).canonical, [parse_purl(text).canonical]
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
    store.put_record(COLLECTION, ident, entry)
    audit.record(store, action="quarantine.add", actor=actor, outcome="ok", target=target,
                 quarantine=ident, kind=kind, reason=reason)
    _changed(store, {"kind": "quarantine", "action": "add", "id": ident, "target": target})
    return describe(store, entry)


def remove(store: GraphStore, ident: str, *, actor: str, roles: set[str]) -> None:
    if "admin" not in roles:
        audit.record(store, action="quarantine.remove", actor=actor, outcome="refused",
                     target=ident)
        raise Forbidden("removing a quarantine needs the admin role")
    value = store.get_record(COLLECTION, ident)
    if value is None or not store.delete_record(COLLECTION, ident):
        raise NotFound(f"no quarantine {ident!r}", hint="`provenance-linker quarantine list`")
    audit.record(store, action="quarantine.remove", actor=actor, outcome="ok",
                 target=value.get("target"), quarantine=ident)
    _changed(store, {"kind": "quarantine", "action": "remove", "id": ident,
                     "target": value.get("target")})


def _changed(store: GraphStore, cause: dict[str, Any]) -> None:
    from .reevaluate import reevaluate_running

    reevaluate_running(store, None, cause)


def describe(store: GraphStore, entry: dict[str, Any],
             drain: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {k: entry.get(k) for k in ("id", "kind", "target", "reason", "added_by",
                                      "added_at")} | {
        "to_drain": drain if drain is not None else to_drain(store).get(entry["id"], [])}


def to_drain(store: GraphStore) -> dict[str, list[dict[str, Any]]]:
    """Quarantine id -> the running workloads that run something it covers."""
    from .judge import quarantine_of_running

    return quarantine_of_running(store)


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


__all__ = ["COLLECTION", "QuarantineIndex", "add", "index", "list_entries", "matches",
           "remove", "running_now"]
