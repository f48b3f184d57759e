"""Which artifacts hold a package now: the artifacts whose current SBOM lists it, and,
through `Package -IS-> Artifact`, the images built on an artifact that holds it.

Shared by portfolio search and the license report; reads in batches, one level of
base image at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..graph.sboms import current_sboms
from ..model import EdgeKind, NodeKind, NodeRef
from ..store.interface import GraphStore

MAX_IMAGE_LEVELS = 8


@dataclass(frozen=True, slots=True)
class Holding:
    artifact: str  # digest
    via: str  # "direct" or the digest of the base image that lists the package


def holders(store: GraphStore, purls: Iterable[str]) -> dict[str, list[Holding]]:
    """purl -> the artifacts holding it through their current SBOMs (base images too)."""
    wanted = sorted(set(purls))
    out: dict[str, dict[str, Holding]] = {p: {} for p in wanted}
    # frontier: package purl -> (original purl, via) pairs that reach it
    frontier: dict[str, set[tuple[str, str]]] = {p: {(p, "direct")} for p in wanted}
    for _ in range(MAX_IMAGE_LEVELS):
        if not frontier:
            break
        listing = store.edges([EdgeKind.LISTS],
                              dst=[NodeRef(NodeKind.PACKAGE, p) for p in frontier])
        if not listing:
            break
        describes = store.edges([EdgeKind.DESCRIBES],
                                src=[NodeRef(NodeKind.SBOM, s) for s in
                                     {e.src.key for e in listing}])
        current = current_sboms(store, {e.dst.key for e in describes})
        live = {sbom: art for art, sbom in current.items()}
        reached: dict[str, set[tuple[str, str]]] = {}  # artifact -> (original, via)
        for e in listing:
            art = live.get(e.src.key)
            if art is None:
                continue
            for original, via in frontier.get(e.dst.key, ()):
                if art not in out[original]:
                    out[original][art] = Holding(art, via)
                    reached.setdefault(art, set()).add((original, art if via == "direct"
                                                        else via))
        if not reached:
            break
        frontier = {}
        for e in store.edges([EdgeKind.IS], dst=[NodeRef(NodeKind.ARTIFACT, a)
                                                 for a in reached]):
            frontier.setdefault(e.src.key, set()).update(reached[e.dst.key])
    return {p: sorted(h.values(), key=lambda x: x.artifact) for p, h in out.items()}
