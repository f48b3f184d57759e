"""Which SBOMs describe an artifact, and which one is current."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore


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
    edges = store.edges([EdgeKind.DESCRIBES], dst=[NodeRef(NodeKind.ARTIFACT, digest)])
    keys = sorted({e.src.key for e in edges})
    nodes = store.get_many(NodeKind.SBOM, keys)
    rows = []
    for key in keys:
        doc = store.document(key)
        node = nodes.get(key)
        if doc is None or node is None:
            continue
        created = str(node.props.get("created") or doc.ingested_at or "")
        rows.append((created, doc.seq or 0, key, dict(node.props), doc.ingested_at or ""))
    rows.sort(reverse=True)
    return [SbomInfo(key, props, at, seq, index == 0)
            for index, (_, seq, key, props, at) in enumerate(rows)]


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
