"""Which SBOMs describe an artifact, and which one is current."""

from __future__ import annotations

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
