"""Which SBOMs describe an artifact, and which one is current: the one rule every
reader uses (verify, trace, diff, blast radius, vulnerability queries, metrics).

The current SBOM of an artifact is the newest of the SBOMs that describe it:

1. an SBOM that states when it was created (`created`, ISO 8601) is newer than any
   SBOM that does not (or whose date does not parse): a stated date is evidence of
   recency, the order of arrival is not;
2. between dated SBOMs the later instant wins (offsets are compared as instants; a
   date without an offset is taken as UTC);
3. between SBOMs with the same date, or between undated ones, the one ingested later
   (higher document sequence) wins.

Every other SBOM of the artifact is superseded: kept, shown as history, never read as
the artifact's contents. Ingesting an SBOM never deletes another one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..model import Edge, EdgeKind, NodeKind, NodeRef
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


DateRank = tuple[bool, datetime]
_UNDATED: DateRank = (False, datetime.min.replace(tzinfo=UTC))


def date_rank(props: Mapping[str, Any]) -> DateRank:
    """Rules 1 and 2: dated beats undated; later instants beat earlier ones."""
    created = props.get("created")
    if not isinstance(created, str) or not created.strip():
        return _UNDATED
    try:
        at = datetime.fromisoformat(created.strip())
    except ValueError:
        return _UNDATED
    return True, at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def newest_first(candidates: Iterable[tuple[str, Mapping[str, Any], int]]
                 ) -> list[tuple[str, Mapping[str, Any], int]]:
    """(sbom digest, props, document seq) ordered newest first: the current SBOM first
    (rule 3 breaks date ties by ingest order, the digest only makes the order total)."""
    return sorted(candidates, key=lambda c: (date_rank(c[1]), c[2], c[0]), reverse=True)


def sboms_for(store: GraphStore, digest: str) -> list[SbomInfo]:
    """SBOMs describing the artifact, newest first; the first is current, the rest are
    superseded (kept as history)."""
    return sboms_for_many(store, [digest]).get(digest, [])


def sboms_for_many(store: GraphStore, digests: Iterable[str],
                   describes: Sequence[Edge] | None = None) -> dict[str, list[SbomInfo]]:
    """`sboms_for` of many artifacts with a constant number of reads; `describes`: their
    DESCRIBES edges when the caller has read them already."""
    refs = [NodeRef(NodeKind.ARTIFACT, d) for d in sorted(set(digests))]
    if not refs:
        return {}
    edges = store.edges([EdgeKind.DESCRIBES], dst=refs) if describes is None else describes
    keys = sorted({e.src.key for e in edges})
    nodes = store.get_many(NodeKind.SBOM, keys)
    if len(keys) > _MANY_DOCUMENTS:
        wanted = set(keys)
        docs = {d.digest: d for d in store.documents("sbom") if d.digest in wanted}
    else:
        docs = {k: d for k in keys if (d := store.document(k)) is not None}
    by_artifact: dict[str, set[str]] = {}
    for e in edges:
        by_artifact.setdefault(e.dst.key, set()).add(e.src.key)
    out: dict[str, list[SbomInfo]] = {}
    for art, sbom_keys in by_artifact.items():
        rows: list[tuple[str, Mapping[str, Any], int]] = []
        for key in sorted(sbom_keys):
            doc = docs.get(key)
            node = nodes.get(key)
            if doc is None or node is None:
                continue
            rows.append((key, node.props, doc.seq or 0))
        out[art] = [SbomInfo(key, dict(props), (docs[key].ingested_at or ""), seq, index == 0)
                    for index, (key, props, seq) in enumerate(newest_first(rows))]
    return out


def current_sbom(store: GraphStore, digest: str) -> SbomInfo | None:
    infos = sboms_for(store, digest)
    return infos[0] if infos else None


def current_sboms(store: GraphStore, artifacts: Iterable[str]) -> dict[str, str]:
    """artifact digest -> digest of its current SBOM, for many artifacts in one read of
    what the rule ranks (each SBOM's `created` and document sequence)."""
    candidates: dict[str, list[tuple[str, Mapping[str, Any], int]]] = {}
    for art, sbom, created, seq in store.sbom_candidates(set(artifacts)):
        candidates.setdefault(art, []).append((sbom, {"created": created}, seq))
    return {art: rows[0][0] if len(rows) == 1 else newest_first(rows)[0][0]
            for art, rows in candidates.items()}
