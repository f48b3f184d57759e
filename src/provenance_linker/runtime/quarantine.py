"""Quarantine entries and the one rule of what they cover: an artifact by digest, one
that lists a quarantined package in its current SBOM, or one affected by a quarantined
vulnerability (any alias). Adding, removing and listing are in quarantine_ops.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore

COLLECTION = "runtime.quarantine"
KINDS = ("artifact", "package", "vulnerability")


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


