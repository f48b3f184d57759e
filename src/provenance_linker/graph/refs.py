"""Artifact references: `NAME@sha256:HEX`, `sha256:HEX`, or `NAME[:TAG]`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import AmbiguousReference, NotFound, UsageError
from ..model import EdgeKind, NodeKind, NodeRef, sha256_digest
from ..store.interface import GraphStore


@dataclass(frozen=True, slots=True)
class ArtifactRef:
    name: str | None
    digest: str | None

    def __str__(self) -> str:
        if self.name and self.digest:
            return f"{self.name}@{self.digest}"
        return self.digest or self.name or ""


def split_name(name: str) -> tuple[str, str | None]:
    """'registry:5000/app:1.2' -> ('registry:5000/app', '1.2'); a port is not a tag."""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon + 1 :]
    return name, None


def parse_ref(text: str) -> ArtifactRef:
    value = text.strip()
    if not value:
        raise UsageError("empty artifact reference",
                         hint="use NAME@sha256:HEX, sha256:HEX or NAME:TAG")
    if "@" in value:
        name, _, digest = value.rpartition("@")
        try:
            return ArtifactRef(name or None, sha256_digest(digest))
        except ValueError as exc:
            raise UsageError(f"bad digest in artifact reference {text!r}",
                             hint="the digest must be sha256:<64 hex digits>") from exc
    if value.lower().startswith("sha256:"):
        try:
            return ArtifactRef(None, sha256_digest(value))
        except ValueError as exc:
            raise UsageError(f"bad digest {text!r}",
                             hint="the digest must be sha256:<64 hex digits>") from exc
    return ArtifactRef(value, None)


def name_node_props(name: str) -> dict[str, str | None]:
    repository, tag = split_name(name)
    return {"name": name, "repository": repository, "tag": tag}


def resolve(store: GraphStore, ref: ArtifactRef | str) -> ArtifactRef:
    """Return the reference with its digest: a name resolves to the digest last
    recorded for it. Unknown or ambiguous references are errors."""
    if isinstance(ref, str):
        ref = parse_ref(ref)
    if ref.digest:
        if store.get(NodeRef(NodeKind.ARTIFACT, ref.digest)) is None:
            raise NotFound(f"no artifact with digest {ref.digest}", where=str(ref),
                           hint="ingest its SBOM, signature or deployment first")
        return ref
    assert ref.name is not None
    names = [NodeRef(NodeKind.NAME, ref.name)]
    if store.get(names[0]) is None:
        candidates = store.find(NodeKind.NAME, {"repository": ref.name})
        names = [n.ref for n in candidates]
    if not names:
        raise NotFound(f"unknown artifact {ref.name!r}",
                       hint="use NAME@sha256:HEX, sha256:HEX or a NAME:TAG the graph knows")
    edges = store.edges([EdgeKind.NAMES], src=names)
    if not edges:
        raise NotFound(f"unknown artifact {ref.name!r}")
    latest: dict[str, tuple[str, str]] = {}
    for edge in edges:
        at = str(edge.props.get("at", ""))
        current = latest.get(edge.src.key)
        if current is None or at >= current[0]:
            latest[edge.src.key] = (at, edge.dst.key)
    digests = {digest for _, digest in latest.values()}
    if len(digests) > 1:
        listing = ", ".join(f"{name}@{digest}" for name, (_, digest) in sorted(latest.items()))
        raise AmbiguousReference(f"{ref.name!r} names several artifacts: {listing}",
                                 hint="add a tag or a digest")
    name = ref.name if len(latest) > 1 else next(iter(latest))
    return ArtifactRef(name, digests.pop())


def names_of(store: GraphStore, artifacts: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for name, digest in store.edge_keys(EdgeKind.NAMES, NodeKind.ARTIFACT, artifacts):
        out.setdefault(digest, set()).add(name)
    return {k: sorted(v) for k, v in out.items()}
