"""Which SBOMs describe an artifact, and which one is current."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore

_MANY_DOCUMENTS = 200  # above this, one listing of SBOM documents beats one read each


@dataclass(frozen=True, slots=True)
class SbomInfo:
    digest: str
    props: dict[str, Any]
    ingested_at: str
    seq: int
    current: bool

    def as_dict(self) -> dict[str, Any]:
        p = self.props
        return {"digest": self.digest, "format": p.get("format"),
                "spec_version": p.get("spec_version"), "name": p.get("name"),
                "created": p.get("created"), "ingested_at": self.ingested_at,
                "packages": p.get("packages"), "warnings": p.get("warning_count", 0),
                "current": self.current}


def sboms_for(store: GraphStore, digest: str) -> list[SbomInfo]:
    """SBOMs describing the artifact, newest first; the newest is current, the rest are
    superseded (kept as history). Newer means a later `created` time, then later ingest."""
    return sboms_for_many(store, [digest]).get(digest, [])


def sboms_for_many(store: GraphStore, digests: Iterable[str]) -> dict[str, list[SbomInfo]]:
    """`sboms_for` of many artifacts with a constant number of reads."""
    refs = [NodeRef(NodeKind.ARTIFACT, d) for d in sorted(set(digests))]
    if not refs:
        return {}
    edges = store.edges([EdgeKind.DESCRIBES], dst=refs)
    keys = sorted({e.src.key for e in edges})
    nodes = store.get_many(NodeKind.SBOM, keys)
    if len(keys) > _MANY_DOCUMENTS:
        wanted = set(keys)
        docs = {d.digest: d for d in store.documents("sbom") if d.digest in wanted}
    else:
        docs = {k: d for k in keys if (d := store.document(k)) is not None}
    by_artifact: dict[str, list[str]] = {}
    for e in edges:
        by_artifact.setdefault(e.dst.key, []).append(e.src.key)
    out: dict[str, list[SbomInfo]] = {}
    for art, sbom_keys in by_artifact.items():
        rows = []
        for key in sorted(set(sbom_keys)):
            doc = docs.get(key)
            node = nodes.get(key)
            if doc is None or node is None:
                continue
            created = str(node.props.get("created") or doc.ingested_at or "")
            rows.append((created, doc.seq or 0, key, dict(node.props), doc.ingested_at or ""))
        rows.sort(reverse=True)
        out[art] = [SbomInfo(key, props, at, seq, index == 0)
                    for index, (_, seq, key, props, at) in enumerate(rows)]
    return out


def current_sbom(store: GraphStore, digest: str) -> SbomInfo | None:
    infos = sboms_for(store, digest)
    return infos[0] if infos else None


def current_sboms(store: GraphStore, artifacts: Iterable[str]) -> dict[str, str]:
    """artifact digest -> digest of its current SBOM (newest `created`, then ingest)."""
    refs = [NodeRef(NodeKind.ARTIFACT, a) for a in set(artifacts)]
    if not refs:
        return {}
    describes = store.edges([EdgeKind.DESCRIBES], dst=refs)
    sboms = store.get_many(NodeKind.SBOM, {e.src.key for e in describes})
    by_artifact: dict[str, list[str]] = {}
    for e in describes:
        by_artifact.setdefault(e.dst.key, []).append(e.src.key)
    out: dict[str, str] = {}
    for art, keys in by_artifact.items():
        created = {k: str((sboms[k].props.get("created") if k in sboms else "") or "")
                   for k in keys}
        newest = max(created.values())
        tied = sorted(k for k, c in created.items() if c == newest)
        if len(tied) > 1:
            seqs = {k: (doc.seq or 0) if (doc := store.document(k)) else 0 for k in tied}
            tied.sort(key=lambda k: seqs[k])
        out[art] = tied[-1]
    return out
